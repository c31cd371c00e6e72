/**
 * GitHub App benchmark (not a test): `npm run bench:app [-- --build <dir> ...]`.
 *
 * Runs what ships: each build's server bundle, `node dist/server.js` (what `npm start` and the container run),
 * in its own node process with the container's settings (from the build's Dockerfile: log format and level,
 * NODE_OPTIONS), the one difference being Probot's throttling plugin switched off (scripts/lib/throttling-off.mjs:
 * GitHub's limits and the pacing of writes are not what is measured). A fake GitHub REST API on 127.0.0.1 in this process answers
 * it, and this process sends HMAC-signed pull_request webhooks for a realistic 20-file PR (migration, OpenAPI
 * spec, Kubernetes manifest, TypeScript sources) with the built-in triggers and rules and no config file
 * (zero-config defaults).
 *
 * `--build <dir>` (repeatable) names a checkout with a built dist/ (and node_modules) to measure instead of
 * this one, e.g. `--build <baseline checkout> --build .` for before and after side by side in one run:
 * latency events alternate between the builds one by one, and the throughput rounds alternate too, so
 * both see the same machine load. Without it, this checkout is measured; this checkout is built
 * (`npm run build`: tsc and the bundles) first whenever it is measured.
 *
 * Prints per build: API calls per event (first delivery, redelivery), webhook-to-completed-check latency
 * p50/p95, sustained deliveries per second, the app's CPU time per delivery, peak RSS; then a side-by-side
 * table. BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each app process there (`--cpu-prof`). BENCH_LATENCY_EVENTS,
 * BENCH_THROUGHPUT_EVENTS and BENCH_ROUNDS (throughput rounds per build, default 2) size the run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { FakeGitHub, serveFakeGitHub, type Tree } from "../test/github/fake-github.js";
import { pullRequestPayload } from "../test/github/harness.js";
import { sendWebhook, startAppProcess } from "../test/helpers/app-process.js";

const SECRET = "bench-secret";
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 200);
const THROUGHPUT_EVENTS = Number(process.env.BENCH_THROUGHPUT_EVENTS ?? 1000);
const CONCURRENCY = 20;
/** Throughput rounds per build (alternating between builds); more rounds even out a loaded machine. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** BENCH_PR=code: 20 TypeScript files only (no spec, migration or manifest), to separate the app's own cost from the rules'. */
const CODE_ONLY = process.env.BENCH_PR === "code";

function baseTree(): Tree {
  const tree: Tree = {
    "README.md": "# shop\n",
    "package.json": '{ "name": "shop", "version": "1.0.0" }\n',
    "api/openapi.yaml": [
      "openapi: 3.0.3",
      "info:",
      "  title: Shop",
      "  version: 1.0.0",
      "security:",
      "  - bearer: []",
      "paths:",
      "  /v1/orders/{id}:",
      "    get:",
      "      operationId: getOrder",
      "      parameters:",
      "        - { name: id, in: path, required: true, schema: { type: string } }",
      "      responses:",
      "        '200': { description: ok }",
      "components:",
      "  securitySchemes:",
      "    bearer: { type: http, scheme: bearer }",
      "",
    ].join("\n"),
    "k8s/deployment.yaml": deployment("1"),
  };
  for (let i = 0; i < 15; i++) tree[`src/payments/module${i}.ts`] = `export function f${i}(x: number) {\n  return x + ${i};\n}\n`;
  return tree;
}

function deployment(replicas: string): string {
  return [
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: shop",
    "spec:",
    `  replicas: ${replicas}`,
    "  template:",
    "    spec:",
    "      containers:",
    "        - name: shop",
    "          image: ghcr.io/acme/shop:1.2.3",
    "          resources:",
    "            requests: { cpu: 100m, memory: 128Mi }",
    "            limits: { cpu: 500m, memory: 256Mi }",
    "          readinessProbe: { httpGet: { path: /ready, port: 8080 } }",
    "          livenessProbe: { httpGet: { path: /live, port: 8080 } }",
    "",
  ].join("\n");
}

/** A 20-file PR: 15 sources, a new migration, an OpenAPI change, a manifest change, README, package.json. */
function headTree(base: Tree, seed: number): Tree {
  const tree: Tree = { ...base };
  for (let i = 0; i < 15; i++) tree[`src/payments/module${i}.ts`] = `export function f${i}(x: number) {\n  return x * ${i + seed};\n}\n`;
  if (CODE_ONLY) {
    for (let i = 0; i < 5; i++) tree[`src/payments/extra${i}.ts`] = `export const extra${i} = ${seed};\n`;
    return tree;
  }
  tree["db/migrate/20260101120000_add_refunds.rb"] = [
    "class AddRefunds < ActiveRecord::Migration[7.1]",
    "  def change",
    "    create_table :refunds do |t|",
    "      t.references :order, null: false",
    "      t.integer :amount_cents, null: false",
    "      t.timestamps",
    "    end",
    "  end",
    "end",
    "",
  ].join("\n");
  tree["api/openapi.yaml"] = (base["api/openapi.yaml"] as string).replace(
    "components:",
    [
      "  /v1/orders/{id}/refunds:",
      "    get:",
      "      operationId: listRefunds",
      "      parameters:",
      "        - { name: id, in: path, required: true, schema: { type: string } }",
      "      responses:",
      "        '200': { description: ok }",
      "components:",
    ].join("\n"),
  );
  tree["k8s/deployment.yaml"] = deployment(String(2 + (seed % 5)));
  tree["README.md"] = `# shop\n\nRefunds (${seed}).\n`;
  tree["package.json"] = `{ "name": "shop", "version": "1.${seed}.0" }\n`;
  return tree;
}

/** How many lines the app logged per level (pino's JSON lines; anything else counted as "other"). */
function logLevels(output: string): string {
  const names: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
  const counts = new Map<string, number>();
  for (const line of output.split("\n")) {
    if (!line.trim()) continue;
    const level = /^\{"level":(\d+)/.exec(line)?.[1];
    const name = (level && names[Number(level)]) || "other";
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts.size === 0 ? "nothing" : [...counts].map(([name, n]) => `${n} ${name}`).join(", ");
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Preloaded into the app's process: Probot's throttling plugin installs nothing (scripts/lib/throttling-off.mjs). */
const THROTTLING_OFF = join(import.meta.dirname, "lib", "throttling-off.mjs");

/**
 * The container's settings, read from the build's own Dockerfile (its runtime stage's ENV): the log format and
 * level, NODE_OPTIONS (the heap settings). Recovery sweeps are off (they would ask the fake GitHub for failed
 * deliveries in the middle of the measurement).
 */
function containerEnv(dir: string): Record<string, string> {
  const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8").replace(/\\\n/g, " ");
  const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  const env: Record<string, string> = {};
  for (const line of runtime.split("\n")) {
    if (!line.startsWith("ENV ")) continue;
    for (const [, name, value] of line.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env[name!] = value!.replace(/^"|"$/g, "");
  }
  const picked: Record<string, string> = { ARCHGATE_REDELIVERY_INTERVAL_MS: "0" };
  for (const name of ["LOG_FORMAT", "LOG_LEVEL", "NODE_OPTIONS"]) if (env[name] !== undefined) picked[name] = env[name];
  return picked;
}

/** User + system CPU time of a process so far, in ms (from /proc; clock ticks are 100 Hz on Linux). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : NaN;
}

function peakRssOf(pid: number): number {
  // VmHWM: the process's peak resident set size, in kB.
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** The checkouts to measure: `--build <dir>` arguments, else this one (built first). */
function buildsFromArgs(root: string): string[] {
  const dirs: string[] = [];
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--build" && args[i + 1]) dirs.push(resolve(args[++i]!));
    else if (args[i]?.startsWith("--build=")) dirs.push(resolve(args[i]!.slice("--build=".length)));
    else throw new Error(`unknown argument ${args[i]} (usage: npm run bench:app [-- --build <dir> ...])`);
  }
  return dirs.length > 0 ? dirs : [root];
}

function label(dir: string): string {
  const sha = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: dir, encoding: "utf8" }).stdout.trim();
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no", "src"], { cwd: dir, encoding: "utf8" }).stdout.trim();
  return `${basename(dir)}${sha ? ` (${sha}${dirty ? "+" : ""})` : ""}`;
}

interface AppUnderTest {
  dir: string;
  name: string;
  port: number;
  pid: number;
  idleRss: number;
  /** The environment taken from the build's Dockerfile. */
  settings: string;
  output(): string;
  stop(): Promise<void>;
}

async function startApp(dir: string, index: number, baseUrl: string): Promise<AppUnderTest> {
  // What ships: `npm start` and the container run the server bundle, dist/server.js.
  const entry = join(dir, "dist", "server.js");
  if (!existsSync(entry)) throw new Error(`${dir} has no dist/server.js (run npm run build there)`);
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROF, String(index))}`] : [];
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : [];
  const settings = containerEnv(dir);
  const app = await startAppProcess({
    // Probot and the parsers are loaded from the checkout's own node_modules.
    root: dir,
    command: { node: [...profile, ...nodeArgs, "--import", pathToFileURL(THROTTLING_OFF).href, entry] },
    githubPort: Number(new URL(baseUrl).port),
    secret: SECRET,
    env: settings,
  });
  const pid = app.child.pid!;
  return {
    dir,
    name: label(dir),
    port: app.port,
    pid,
    idleRss: rssOf(pid),
    settings: Object.entries(settings)
      .map(([name, value]) => `${name}=${value}`)
      .join(" "),
    output: app.output,
    stop: async () => {
      await app.stop("SIGINT");
    },
  };
}

interface Measured {
  first: string[];
  conclusion: string;
  title: string;
  redelivery: string[];
  redeliveryWrites: string[];
  latencies: number[];
  throughputSeconds: number;
  throughputEvents: number;
  cpuMs: number;
  benchCpuMs: number;
  peakRss: number;
}

async function main() {
  const root = join(import.meta.dirname, "..");
  const dirs = buildsFromArgs(root);
  // This checkout, when measured, is built first (tsc and the bundles); other builds are measured as they are.
  if (dirs.includes(resolve(root))) {
    const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
    if (build.status !== 0) throw new Error("the build failed");
  }
  const fake = new FakeGitHub();
  const github = await serveFakeGitHub(fake);
  const apps: AppUnderTest[] = [];
  for (const [i, dir] of dirs.entries()) apps.push(await startApp(dir, i, github.baseUrl));

  const base = fake.addCommit("0".repeat(40), baseTree());
  fake.setDefaultBranch("acme/shop", base);
  let next = 1;
  const newPull = () => {
    const number = next++;
    const head = fake.addCommit(number.toString(16).padStart(40, "a"), headTree(fake.commits.get(base)!, number));
    return fake.addPull("acme/shop", { number, base, head, title: "Add refunds" });
  };
  let delivery = 0;
  let stillProcessing = 0;
  const send = async (app: AppUnderTest, payload: unknown): Promise<number> => {
    const started = performance.now();
    const res = await sendWebhook(app.port, SECRET, "pull_request", payload, { id: `bench-${++delivery}` });
    if (res.status === 202) {
      // The endpoint answers 202 "still processing" after 9 s; the check run tells when the review is done.
      stillProcessing++;
      const head = (payload as { pull_request: { head: { sha: string } } }).pull_request.head.sha;
      while (!fake.checkRuns.some((r) => r.head_sha === head && r.status === "completed")) await new Promise((r) => setTimeout(r, 5));
    } else if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${res.text}`);
    return performance.now() - started;
  };

  const results = new Map<AppUnderTest, Measured>();
  // 1. API calls per event (after a warm-up event that pays for the token and the app lookup).
  for (const app of apps) {
    await send(app, pullRequestPayload(fake, "opened", newPull()));
    const pull = newPull();
    fake.reset();
    await send(app, pullRequestPayload(fake, "opened", pull));
    const first = fake.calls();
    if (process.env.BENCH_DEBUG) {
      for (const r of fake.requests)
        console.error(`${r.method} ${r.path}: request body ${r.body === undefined ? 0 : JSON.stringify(r.body).length} bytes`);
    }
    const run = fake.checkRuns.at(-1)!;
    fake.reset();
    await send(app, pullRequestPayload(fake, "opened", pull));
    results.set(app, {
      first,
      conclusion: run.conclusion ?? "",
      title: run.output.title ?? "",
      redelivery: fake.calls(),
      redeliveryWrites: fake.writes().map((w) => `${w.method} ${w.path}`),
      latencies: [],
      throughputSeconds: 0,
      throughputEvents: 0,
      cpuMs: 0,
      benchCpuMs: 0,
      peakRss: 0,
    });
  }

  // 2. Latency, one event at a time, the builds taking turns.
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    for (const app of apps) results.get(app)!.latencies.push(await send(app, pullRequestPayload(fake, "opened", newPull())));
  }

  // 3. Sustained throughput, CONCURRENCY deliveries in flight, in rounds that alternate between the builds.
  const perRound = Math.ceil(THROUGHPUT_EVENTS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const app of apps) {
      const measured = results.get(app)!;
      const payloads = Array.from({ length: perRound }, () => pullRequestPayload(fake, "opened", newPull()));
      const cpuBefore = cpuMsOf(app.pid);
      const benchCpuBefore = process.cpuUsage();
      const started = performance.now();
      let cursor = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (cursor < payloads.length) await send(app, payloads[cursor++]);
        }),
      );
      measured.throughputSeconds += (performance.now() - started) / 1000;
      measured.throughputEvents += payloads.length;
      measured.cpuMs += cpuMsOf(app.pid) - cpuBefore;
      const benchCpu = process.cpuUsage(benchCpuBefore);
      measured.benchCpuMs += (benchCpu.user + benchCpu.system) / 1000;
    }
  }
  for (const app of apps) results.get(app)!.peakRss = peakRssOf(app.pid);
  const incomplete = fake.checkRuns.filter((r) => r.status !== "completed").length;

  const summarise = (calls: string[]) => {
    const counts = new Map<string, number>();
    for (const call of calls) {
      const key = call
        .replace(/\/[0-9a-f]{40}\//, "/{sha}/")
        .replace(/\/[0-9a-f]{40}$/, "/{sha}")
        .replace(/\/compare\/[0-9a-f]{40}\.\.\.[0-9a-f]{40}/, "/compare/{base}...{head}")
        .replace(/\/check-runs\/\d+$/, "/check-runs/{id}")
        .replace(/\/contents\/(?!\.github).*/, "/contents/{path}")
        .replace(/\/pulls\/\d+/, "/pulls/{n}")
        .replace(/\/issues\/\d+/, "/issues/{n}");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([k, n]) => `    ${String(n).padStart(3)} × ${k}`).join("\n");
  };

  console.log(`archgate GitHub App benchmark (each build's dist/server.js in its own process, container settings, fake GitHub on 127.0.0.1, throttling off, built-in rules, no config file)
${CODE_ONLY ? "20-file PR of TypeScript sources only (BENCH_PR=code)" : "20-file PR (15 TypeScript sources, a Rails migration, an OpenAPI change, a Deployment, README, package.json)"}
Machine load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs; check runs left in progress: ${incomplete}; answered 202 (over 9 s): ${stillProcessing}`);
  const rows: string[][] = [];
  for (const app of apps) {
    const m = results.get(app)!;
    const sorted = [...m.latencies].sort((a, b) => a - b);
    const cpuPerEvent = m.cpuMs / Math.max(1, m.throughputEvents);
    const perSecond = m.throughputEvents / m.throughputSeconds;
    console.log(`
== ${app.name}: ${app.dir}
Settings from its Dockerfile: ${app.settings}
API calls per pull_request event: ${m.first.length} (conclusion ${m.conclusion}: "${m.title}")
${summarise(m.first)}
Redelivery of the same event: ${m.redelivery.length} calls, ${m.redeliveryWrites.length} writes${m.redeliveryWrites.length ? `: ${m.redeliveryWrites.join(", ")}` : ""}
Webhook to completed check (${sorted.length} events, one at a time): p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms
Sustained: ${perSecond.toFixed(0)} deliveries/s (${m.throughputEvents} events in ${ROUNDS} rounds, ${CONCURRENCY} in flight, ${m.throughputSeconds.toFixed(2)} s)
App CPU time per delivery: ${cpuPerEvent.toFixed(1)} ms; this process (fake GitHub + webhook sender): ${(m.benchCpuMs / Math.max(1, m.throughputEvents)).toFixed(1)} ms
Peak RSS of the app process: ${(m.peakRss / 1024 / 1024).toFixed(0)} MB (${(app.idleRss / 1024 / 1024).toFixed(0)} MB after start-up)
App log: ${logLevels(app.output())}`);
    rows.push([
      app.name,
      cpuPerEvent.toFixed(1),
      percentile(sorted, 50).toFixed(1),
      percentile(sorted, 95).toFixed(1),
      perSecond.toFixed(0),
      String(m.first.length),
      (m.peakRss / 1024 / 1024).toFixed(0),
    ]);
  }
  if (apps.length > 1) {
    const header = ["build", "CPU ms/delivery", "p50 ms", "p95 ms", "deliveries/s", "API calls", "peak RSS MB"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    console.log(`\nSide by side (same run, alternating):\n${line(header)}\n${rows.map(line).join("\n")}`);
    const [first, last] = [rows[0]!, rows.at(-1)!];
    console.log(
      `last / first: CPU per delivery ${(Number(last[1]) / Number(first[1])).toFixed(2)}×, p95 ${(Number(last[3]) / Number(first[3])).toFixed(2)}×, deliveries/s ${(Number(last[4]) / Number(first[4])).toFixed(2)}×`,
    );
  }

  for (const app of apps) await app.stop();
  await github.close();
}

await main();
