/**
 * GitHub App benchmark (not a test): `npm run bench:app`.
 *
 * Builds dist/ and starts the app in its own node process behind a real HTTP server, with a fake GitHub
 * REST API on 127.0.0.1 in this process (throttling and retries off, as GitHub's own limits are not what is measured), and sends HMAC-signed
 * pull_request webhooks for a realistic 20-file PR (migration, OpenAPI spec, Kubernetes manifest,
 * TypeScript sources) with the built-in triggers and rules and no config file (zero-config defaults).
 *
 * Prints: API calls per event (first delivery, redelivery), webhook-to-completed-check latency p50/p95,
 * sustained deliveries per second, peak RSS.
 */
import { createHmac } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { FakeGitHub, serveFakeGitHub, type Tree } from "../test/github/fake-github.js";
import { PRIVATE_KEY, pullRequestPayload } from "../test/github/harness.js";

const SECRET = "bench-secret";
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 200);
const THROUGHPUT_EVENTS = Number(process.env.BENCH_THROUGHPUT_EVENTS ?? 1000);
const CONCURRENCY = 20;
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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The app under test: the production build (dist/) in its own node process, so its RSS is its own. */
const CHILD = `
import { createServer } from "node:http";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
const { default: app } = await import(process.env.APP_ENTRY);
const { appOctokit } = await import(process.env.APP_ENTRY.replace("index.js", "github/octokit.js"));
const Octokit = appOctokit(ProbotOctokit.defaults((o) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })));
const probot = new Probot({ appId: 123, privateKey: process.env.PRIVATE_KEY, secret: process.env.WEBHOOK_SECRET, baseUrl: process.env.BASE_URL, Octokit, logLevel: "fatal" });
const middleware = await createNodeMiddleware(app, { probot });
const server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
server.listen(0, "127.0.0.1", () => console.log("PORT " + server.address().port));
process.on("SIGINT", () => process.exit(0));
`;

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

async function main() {
  const root = join(import.meta.dirname, "..");
  spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "ignore" });
  const fake = new FakeGitHub();
  const github = await serveFakeGitHub(fake);
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : [];
  const child = spawn(process.execPath, [...profile, ...nodeArgs, "--input-type=module", "-e", CHILD], {
    cwd: root,
    env: {
      ...process.env,
      APP_ENTRY: pathToFileURL(join(root, "dist", "index.js")).href,
      PRIVATE_KEY,
      WEBHOOK_SECRET: SECRET,
      BASE_URL: github.baseUrl,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      const m = /PORT (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`the app exited with ${code}`)));
  });

  const base = fake.addCommit("0".repeat(40), baseTree());
  fake.setDefaultBranch("acme/shop", base);
  let next = 1;
  const newPull = () => {
    const number = next++;
    const head = fake.addCommit(number.toString(16).padStart(40, "a"), headTree(fake.commits.get(base)!, number));
    return fake.addPull("acme/shop", { number, base, head, title: "Add refunds" });
  };
  let delivery = 0;
  const send = async (payload: unknown): Promise<number> => {
    const body = JSON.stringify(payload);
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": `bench-${++delivery}`,
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
    });
    await res.text();
    if (res.status === 202) {
      // Probot answers 202 "still processing" after 9 s; the check run tells when the review is done.
      stillProcessing++;
      const head = (payload as { pull_request: { head: { sha: string } } }).pull_request.head.sha;
      while (!fake.checkRuns.some((r) => r.head_sha === head && r.status === "completed")) await new Promise((r) => setTimeout(r, 5));
    } else if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    return performance.now() - started;
  };
  let stillProcessing = 0;

  const idleRss = rssOf(child.pid!);
  // 1. API calls per event (after a warm-up event that pays for the token and the app lookup).
  await send(pullRequestPayload(fake, "opened", newPull()));
  const pull = newPull();
  fake.reset();
  await send(pullRequestPayload(fake, "opened", pull));
  const first = fake.calls();
  if (process.env.BENCH_DEBUG) {
    for (const r of fake.requests)
      console.error(`${r.method} ${r.path}: request body ${r.body === undefined ? 0 : JSON.stringify(r.body).length} bytes`);
  }
  const run = fake.checkRuns.at(-1)!;
  fake.reset();
  await send(pullRequestPayload(fake, "opened", pull));
  const redelivery = fake.calls();
  const redeliveryWrites = fake.writes().map((w) => `${w.method} ${w.path}`);

  // 2. Latency, one event at a time.
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_EVENTS; i++) latencies.push(await send(pullRequestPayload(fake, "opened", newPull())));
  if (process.env.BENCH_DEBUG) console.error("latencies", latencies.map((l) => l.toFixed(0)).join(" "));
  latencies.sort((a, b) => a - b);

  // 3. Sustained throughput, CONCURRENCY deliveries in flight.
  const cpuBefore = cpuMsOf(child.pid!);
  const benchCpuBefore = process.cpuUsage();
  const payloads = Array.from({ length: THROUGHPUT_EVENTS }, () => pullRequestPayload(fake, "opened", newPull()));
  const started = performance.now();
  let cursor = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (cursor < payloads.length) await send(payloads[cursor++]);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuPerEvent = (cpuMsOf(child.pid!) - cpuBefore) / Math.max(1, THROUGHPUT_EVENTS);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const benchCpuPerEvent = (benchCpu.user + benchCpu.system) / 1000 / Math.max(1, THROUGHPUT_EVENTS);
  const peakRss = peakRssOf(child.pid!);
  const incomplete = fake.checkRuns.filter((r) => r.status !== "completed").length;

  const summarise = (calls: string[]) => {
    const counts = new Map<string, number>();
    for (const call of calls) {
      const key = call
        .replace(/\/[0-9a-f]{40}\//, "/{sha}/")
        .replace(/\/check-runs\/\d+$/, "/check-runs/{id}")
        .replace(/\/contents\/(?!\.github).*/, "/contents/{path}")
        .replace(/\/pulls\/\d+/, "/pulls/{n}")
        .replace(/\/issues\/\d+/, "/issues/{n}");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([k, n]) => `    ${String(n).padStart(3)} × ${k}`).join("\n");
  };

  console.log(`archgate GitHub App benchmark (production build in its own process, fake GitHub on 127.0.0.1, throttling off, built-in rules, no config file)
${CODE_ONLY ? "20-file PR of TypeScript sources only (BENCH_PR=code)" : "20-file PR (15 TypeScript sources, a Rails migration, an OpenAPI change, a Deployment, README, package.json)"}

API calls per pull_request event: ${first.length} (conclusion ${run.conclusion}: "${run.output.title}")
${summarise(first)}
Redelivery of the same event: ${redelivery.length} calls, ${redeliveryWrites.length} writes${redeliveryWrites.length ? `: ${redeliveryWrites.join(", ")}` : ""}
${summarise(redelivery)}
Webhook to completed check (${LATENCY_EVENTS} events, one at a time): p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms
Sustained: ${(THROUGHPUT_EVENTS / seconds).toFixed(0)} deliveries/s (${THROUGHPUT_EVENTS} events, ${CONCURRENCY} in flight, ${seconds.toFixed(2)} s); check runs left in progress: ${incomplete}; answered 202 (over 9 s): ${stillProcessing}
App CPU time per event: ${cpuPerEvent.toFixed(1)} ms; this process (fake GitHub + webhook sender): ${benchCpuPerEvent.toFixed(1)} ms (machine load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs)
Peak RSS of the app process: ${(peakRss / 1024 / 1024).toFixed(0)} MB (${(idleRss / 1024 / 1024).toFixed(0)} MB after start-up)`);

  child.kill("SIGINT");
  await new Promise((r) => child.on("exit", r));
  await github.close();
}

await main();
