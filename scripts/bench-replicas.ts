/**
 * Two replicas in Redis mode, time to drain (not a test): `npm run bench:replicas [-- options]`.
 *
 * Replicas of the production server (`node <dist>/server.js` with REDIS_URL, each its own process and
 * port) share the real Redis (ARCHGATE_TEST_REDIS_URL, default redis://127.0.0.1:6379, a key prefix of
 * the run, deleted at the end) behind a fake GitHub on 127.0.0.1 (test/helpers/replicas.ts). Pull requests
 * across installations are opened at once, every delivery sent twice (same delivery id, to alternating
 * replicas); once `--kill-after` check runs are completed, the second replica is killed with SIGKILL.
 * Prints the seconds until every check run is completed, the counts of comments and check runs per PR
 * (each must be 1), and the API calls.
 *
 * Options: --before <dist> (another build, e.g. the session's starting point, measured first, side by side),
 * --after <dist> (default: this checkout's dist/, built with `npm run build` beforehand), --installations
 * (5), --pulls (per installation, 10), --replicas (2), --kill-after (15; 0: no kill), --lock-ms (the queue's
 * job lock, 4000; production default 30000), --stalled-ms (how often stalled jobs are looked for, 2000;
 * production default 30000).
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ReplicaCluster, REDIS_URL, redisAnswers } from "../test/helpers/replicas.js";

const ROOT = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    before: { type: "string" },
    after: { type: "string" },
    installations: { type: "string", default: "5" },
    pulls: { type: "string", default: "10" },
    replicas: { type: "string", default: "2" },
    "kill-after": { type: "string", default: "15" },
    "lock-ms": { type: "string", default: "4000" },
    "stalled-ms": { type: "string", default: "2000" },
  },
});

interface Result {
  label: string;
  seconds: number;
  killedAt: number | undefined;
  completedAtKill: number;
  calls: number;
  badPulls: number;
}

async function measure(label: string, dist: string): Promise<Result> {
  const cluster = new ReplicaCluster({
    root: ROOT,
    dist,
    replicas: Number(values.replicas),
    installations: Number(values.installations),
    pullsPerInstallation: Number(values.pulls),
    env: { ARCHGATE_QUEUE_LOCK_MS: values["lock-ms"]!, ARCHGATE_QUEUE_STALLED_INTERVAL_MS: values["stalled-ms"]! },
  });
  try {
    await cluster.start();
    const total = cluster.pulls.length;
    const killAfter = Number(values["kill-after"]);
    const started = performance.now();
    await cluster.deliverAllTwice();
    let killedAt: number | undefined;
    let completedAtKill = 0;
    if (killAfter > 0 && cluster.replicas.length > 1) {
      await cluster.until(() => cluster.completedCount() >= killAfter, 600_000, `${killAfter} check runs completed`);
      cluster.replicas[1]!.child.kill("SIGKILL");
      killedAt = (performance.now() - started) / 1000;
      completedAtKill = cluster.completedCount();
    }
    await cluster.until(() => cluster.completedCount() === total, 900_000, "every check run completed");
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1_000));
    const badPulls = cluster.pulls.filter((p) => {
      const runs = cluster.fake.checkRuns.filter((r) => r.head_sha === p.pull.head);
      return cluster.commentsOf(p) !== 1 || runs.length !== 1 || runs[0]!.status !== "completed";
    }).length;
    const calls = cluster.fake.requests.filter((r) => !r.path.startsWith("/app")).length;
    return { label, seconds, killedAt, completedAtKill, calls, badPulls };
  } finally {
    await cluster.close();
  }
}

async function main() {
  if (!(await redisAnswers())) throw new Error(`no Redis answers on ${REDIS_URL}`);
  const builds: Array<[string, string]> = [];
  if (values.before) builds.push(["before", resolve(values.before)]);
  builds.push(["after", values.after ? resolve(values.after) : join(ROOT, "dist")]);
  const results: Result[] = [];
  for (const [label, dist] of builds) {
    console.error(`measuring ${label} (${dist}) …`);
    results.push(await measure(label, dist));
  }
  const pulls = Number(values.installations) * Number(values.pulls);
  console.log(
    `${values.replicas} replicas in Redis mode, ${pulls} PRs across ${values.installations} installations, every delivery twice; ` +
      `${Number(values["kill-after"]) > 0 ? `one replica killed (SIGKILL) once ${values["kill-after"]} check runs were completed` : "no kill"}; ` +
      `queue lock ${values["lock-ms"]} ms, stalled check every ${values["stalled-ms"]} ms\n`,
  );
  console.log("| build | drain s | killed at s (completed then) | API calls | PRs without exactly one comment and one completed run |");
  console.log("|---|---|---|---|---|");
  for (const r of results)
    console.log(
      `| ${r.label} | ${r.seconds.toFixed(1)} | ${r.killedAt === undefined ? "-" : `${r.killedAt.toFixed(1)} (${r.completedAtKill})`} | ${r.calls} | ${r.badPulls} |`,
    );
}

await main();
