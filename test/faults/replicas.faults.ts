import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT } from "../github/harness.js";
import { REDIS_URL, ReplicaCluster, redisAnswers } from "../helpers/replicas.js";

/**
 * Two replicas of the production server in Redis mode (REDIS_URL, one real Redis, a key prefix of this
 * run) behind one fake GitHub: 50 pull requests across 5 installations, every delivery sent twice with
 * the same id to alternating replicas, one replica killed with SIGKILL once 15 check runs are completed.
 * Every PR must end with exactly one comment and one completed check run (the other replica finishes the
 * killed one's reviews: BullMQ puts its jobs back once their locks expire, shortened here to 4 s), and
 * the survivor must exit on SIGTERM. The production build comes from the suite's global setup. The drain
 * time is printed; `npm run bench:replicas` measures it at a larger size.
 */

const redisUp = await redisAnswers();
if (!redisUp) console.warn(`SKIPPED test/faults/replicas.faults.ts: no Redis answers on ${REDIS_URL}`);

const PASS = "No hard constraint violated · Architecture decision record required";

test("the server bundle loads Bottleneck from node_modules: the class Probot paces with is the one the Redis-mode patches reach", () => {
  const server = readFileSync(join(ROOT, "dist", "server.js"), "utf8");
  expect(server).toMatch(/from\s*"bottleneck"/);
  expect(server).not.toContain("node_modules/bottleneck/lib/Bottleneck.js");
});

describe.skipIf(!redisUp)("two replicas sharing Redis", () => {
  let cluster: ReplicaCluster;

  beforeAll(async () => {
    cluster = new ReplicaCluster({
      root: ROOT,
      dist: join(ROOT, "dist"),
      replicas: 2,
      installations: 5,
      pullsPerInstallation: 10,
      env: { ARCHGATE_QUEUE_LOCK_MS: "4000", ARCHGATE_QUEUE_STALLED_INTERVAL_MS: "2000" },
    });
    await cluster.start();
  }, 90_000);

  // The replicas are killed whatever happened (a failed or timed-out case included), and the run's keys deleted.
  afterAll(() => cluster?.close(), 30_000);

  test("50 PRs, each delivery twice, one replica killed mid-way: one comment and one completed check run per PR", async () => {
    const [a, b] = cluster.replicas as [(typeof cluster.replicas)[0], (typeof cluster.replicas)[0]];
    const started = Date.now();
    const statuses = await cluster.deliverAllTwice();
    // Each delivery is queued once: the first copy answered 202 ("queued"), the second 200 ("already received").
    expect(statuses.filter((s) => s === 202)).toHaveLength(50);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);

    await cluster.until(() => cluster.completedCount() >= 15, 60_000, "15 check runs completed");
    b.child.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await b.exited).toBeNull();
    const completedAtKill = cluster.completedCount();

    await cluster.until(() => cluster.completedCount() === 50, 90_000, "every check run completed after the kill");
    const drained = Date.now();
    // Late writes (a comment after the check run) would show here: give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const outcomes = cluster.pulls.map((p) => {
      const runs = cluster.fake.checkRuns.filter((r) => r.external_id === String(p.pull.number));
      const run = runs.at(-1)!;
      return {
        pull: p.pull.number,
        comments: cluster.commentsOf(p),
        runs: runs.length,
        status: run.status,
        conclusion: run.conclusion,
        title: run.output.title,
      };
    });
    expect(outcomes.filter((o) => o.comments !== 1 || o.runs !== 1 || o.status !== "completed" || o.title !== PASS)).toEqual([]);
    expect(new Set(outcomes.map((o) => o.conclusion))).toEqual(new Set(["success"]));

    // The survivor stops on SIGTERM (its worker closes, Redis disconnects) with code 0.
    a.child.kill("SIGTERM");
    const exit = await Promise.race([a.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 10_000))]);
    expect(exit).toBe(0);

    console.info(
      `two replicas: 50 PRs (100 deliveries) drained in ${((drained - started) / 1000).toFixed(1)} s; ` +
        `${completedAtKill} completed when ${b.name} was killed at ${((killedAt - started) / 1000).toFixed(1)} s, ` +
        `the rest ${((drained - killedAt) / 1000).toFixed(1)} s later`,
    );
  }, 180_000);
});
