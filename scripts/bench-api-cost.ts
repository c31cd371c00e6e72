/**
 * GitHub API cost of the App (not a test): `npm run bench:api-cost [-- --before <dist dir>]`.
 *
 * Starts the production server (`node <dist>/server.js`, throttling and retries as in production) in its
 * own process against a fake GitHub on 127.0.0.1 (GHE_HOST), sends HMAC-signed `pull_request.opened`
 * deliveries and counts what the app asks GitHub, by route:
 *
 * 1. API calls per review for a 20-file PR (15 TypeScript sources, a Rails migration, an OpenAPI change, a
 *    Deployment, README, package.json) and for 1,000-, 3,000- and 3,500-file PRs (a codemod over TypeScript
 *    sources with some YAML and JSON; 3,000 is the most the files API lists, the 3,500-file one is past it).
 *    Built-in triggers and rules, no config file. The token exchange is not counted (once an hour).
 * 2. 50 pull requests opened at once across 5 installations (10 each, one repository per installation):
 *    seconds from the first delivery until every check run is completed, and the calls and writes.
 *
 * `--before <dist>`: the same measurements against another build (e.g. the session's starting point),
 * run first, side by side in the one run; `--after <dist>`: measure that build instead of this checkout's.
 * BENCH_SKIP_LARGE=1 skips the 3,000- and 3,500-file PRs; BENCH_ONLY=many runs only the 50 PRs, BENCH_ONLY=small only the 20-file
 * PR, BENCH_ONLY=1000 only the 1,000-file PR, BENCH_ONLY=singles the four single PRs. BENCH_REDIS_URL=redis://… runs the app in its Redis mode (a key prefix
 * per start, deleted when it stops); BENCH_COLD=1 skips the warm-up review (the token and identity are then asked
 * within the measured review); BENCH_DEBUG=1 prints the requests' timeline.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { FakeGitHub, serveFakeGitHub, type FakePull, type Tree } from "../test/github/fake-github.js";

const ROOT = join(import.meta.dirname, "..");
const SECRET = "bench-api-cost-secret";
const KEY = join(ROOT, "fixtures", "github", "test-app-key.pem");
const INSTALLATIONS = 5;
const PULLS_PER_INSTALLATION = 10;

const { values } = parseArgs({ options: { before: { type: "string" }, after: { type: "string" } } });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function hex40(seed: string): string {
  let out = "";
  for (let i = 0; out.length < 40; i++) out += createHmac("sha1", seed).update(String(i)).digest("hex");
  return out.slice(0, 40);
}

function deployment(replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: ${replicas}
  template:
    spec:
      containers:
        - name: shop
          image: ghcr.io/acme/shop:1.2.3
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 500m, memory: 256Mi }
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
          livenessProbe: { httpGet: { path: /live, port: 8080 } }
`;
}

const OPENAPI = `openapi: 3.0.3
info:
  title: Shop
  version: 1.0.0
security:
  - bearer: []
paths:
  /v1/orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200': { description: ok }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
`;

const REFUNDS = `  /v1/orders/{id}/refunds:
    get:
      operationId: listRefunds
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200': { description: ok }
components:`;

const MIGRATION = `class AddRefunds < ActiveRecord::Migration[7.1]
  def change
    create_table :refunds do |t|
      t.references :order, null: false
      t.integer :amount_cents, null: false
      t.timestamps
    end
  end
end
`;

/** The 20-file PR of bench:app. */
function smallPr(seed: number): { base: Tree; head: Tree } {
  const base: Tree = { "README.md": "# shop\n", "package.json": '{ "name": "shop", "version": "1.0.0" }\n', "api/openapi.yaml": OPENAPI };
  base["k8s/deployment.yaml"] = deployment(1);
  for (let i = 0; i < 15; i++) base[`src/payments/module${i}.ts`] = `export function f${i}(x: number) {\n  return x + ${i};\n}\n`;
  const head: Tree = { ...base };
  for (let i = 0; i < 15; i++) head[`src/payments/module${i}.ts`] = `export function f${i}(x: number) {\n  return x * ${i + seed};\n}\n`;
  head["db/migrate/20260101120000_add_refunds.rb"] = MIGRATION;
  head["api/openapi.yaml"] = OPENAPI.replace("components:", REFUNDS);
  head["k8s/deployment.yaml"] = deployment(2 + (seed % 5));
  head["README.md"] = `# shop\n\nRefunds (${seed}).\n`;
  head["package.json"] = `{ "name": "shop", "version": "1.${seed}.0" }\n`;
  return { base, head };
}

/**
 * A codemod over `files` files: TypeScript sources modified (a renamed import), one in twenty added, one
 * in fifty removed, YAML config files and JSON fixtures modified, plus the OpenAPI change and a manifest.
 */
function largePr(files: number): { base: Tree; head: Tree } {
  const base: Tree = { "README.md": "# shop\n", "api/openapi.yaml": OPENAPI, "k8s/deployment.yaml": deployment(1) };
  const head: Tree = { ...base, "api/openapi.yaml": OPENAPI.replace("components:", REFUNDS), "k8s/deployment.yaml": deployment(3) };
  for (let i = 0; i < files - 2; i++) {
    const dir = `packages/pkg${Math.floor(i / 50)}`;
    const kind = i % 25;
    if (kind === 3) {
      const path = `${dir}/config/settings${i}.yaml`;
      base[path] = `name: settings${i}\nretries: 3\ntimeout: 10s\n`;
      head[path] = `name: settings${i}\nretries: 5\ntimeout: 10s\n`;
    } else if (kind === 7) {
      const path = `${dir}/fixtures/case${i}.json`;
      base[path] = `{ "id": ${i}, "name": "case ${i}" }\n`;
      head[path] = `{ "id": ${i}, "name": "case ${i}", "tags": [] }\n`;
    } else if (i % 20 === 11) {
      head[`${dir}/src/added${i}.ts`] = `import { log } from "@acme/logging";\n\nexport const added${i} = () => log("added ${i}");\n`;
    } else if (i % 50 === 13) {
      base[`${dir}/src/removed${i}.ts`] = `export const removed${i} = ${i};\n`;
    } else {
      const path = `${dir}/src/module${i}.ts`;
      const body = `export function handler${i}(input: string): string {\n  return log(input.trim() + "${i}");\n}\n`;
      base[path] = `import { log } from "../../legacy/logging";\n\n${body}`;
      head[path] = `import { log } from "@acme/logging";\n\n${body}`;
    }
  }
  // Files the PR does not touch, as any repository has.
  for (let i = 0; i < 200; i++) {
    base[`docs/page${i}.md`] = `# Page ${i}\n`;
    head[`docs/page${i}.md`] = `# Page ${i}\n`;
  }
  return { base, head };
}

interface Build {
  label: string;
  dist: string;
}

interface Running {
  child: ChildProcess;
  port: number;
  output: () => string;
}

let starts = 0;
async function startApp(build: Build, githubPort: number): Promise<Running> {
  const port = await freePort();
  let output = "";
  const child = spawn(process.execPath, [join(build.dist, "server.js")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      APP_ID: "123",
      PRIVATE_KEY_PATH: KEY,
      WEBHOOK_SECRET: SECRET,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      GHE_HOST: `127.0.0.1:${githubPort}`,
      GHE_PROTOCOL: "http",
      ARCHGATE_REDELIVERY_INTERVAL_MS: "0",
      // BENCH_REDIS_URL: the Redis mode (a key prefix of its own per start).
      ...(process.env.BENCH_REDIS_URL
        ? { REDIS_URL: process.env.BENCH_REDIS_URL, ARCHGATE_REDIS_PREFIX: `bench-api-cost-${process.pid}-${++starts}` }
        : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`${build.label}: the app did not start (exit ${child.exitCode}):\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, output: () => output };
}

async function stopApp(app: Running): Promise<void> {
  if (app.child.exitCode === null) {
    const exited = new Promise((r) => app.child.on("exit", r));
    app.child.kill("SIGTERM");
    await exited;
  }
  if (process.env.BENCH_REDIS_URL) {
    const redis = new Redis(process.env.BENCH_REDIS_URL);
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `bench-api-cost-${process.pid}-${starts}:*`, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    redis.disconnect();
  }
}

function payload(fake: FakeGitHub, fullName: string, installation: number, pull: FakePull): unknown {
  const [owner, repo] = fullName.split("/");
  return {
    action: "opened",
    number: pull.number,
    pull_request: { ...fake.pullJson(fullName, pull), updated_at: "2026-03-09T09:00:00Z" },
    repository: { id: installation, name: repo, full_name: fullName, owner: { login: owner, type: "Organization" }, default_branch: "main" },
    installation: { id: installation },
    sender: { login: "alice", type: "User" },
  };
}

let deliveries = 0;
async function deliver(app: Running, body: unknown): Promise<void> {
  const text = JSON.stringify(body);
  const res = await fetch(`http://127.0.0.1:${app.port}/api/github/webhooks`, {
    method: "POST",
    body: text,
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": `bench-api-cost-${++deliveries}`,
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(text).digest("hex")}`,
    },
  });
  await res.text();
  if (res.status >= 300) throw new Error(`webhook answered ${res.status}`);
}

async function untilCompleted(fake: FakeGitHub, pulls: Array<{ pull: FakePull }>, app: Running, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const done = pulls.every(({ pull }) =>
      fake.checkRuns.some((r) => r.head_sha === pull.head && r.external_id === String(pull.number) && r.status === "completed"),
    );
    if (done) return;
    if (Date.now() > deadline) throw new Error(`check runs not completed within ${withinMs} ms:\n${app.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** "METHOD /route" with shas, numbers and file paths folded, so calls group by endpoint. */
function route(method: string, path: string): string {
  return `${method} ${path
    .replace(/^\/repos\/[^/]+\/[^/]+\//, "/repos/{o}/{r}/")
    .replace(/[0-9a-f]{40}/g, "{sha}")
    .replace(/\/check-runs\/\d+$/, "/check-runs/{id}")
    .replace(/\/contents\/(?!\.github).*/, "/contents/{path}")
    .replace(/\/pulls\/\d+/, "/pulls/{n}")
    .replace(/\/issues\/\d+/, "/issues/{n}")
    .replace(/\/labels\/[^/]+$/, "/labels/{name}")}`;
}

function byRoute(fake: FakeGitHub): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of fake.requests) {
    if (r.path.startsWith("/app/installations/") || r.path === "/app") continue;
    const key = route(r.method, r.path);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
const writesOf = (fake: FakeGitHub) => fake.writes().length;

interface SingleResult {
  name: string;
  calls: Map<string, number>;
  writes: number;
  seconds: number;
  conclusion: string;
  title: string;
}

async function singlePr(build: Build, name: string, trees: { base: Tree; head: Tree }): Promise<SingleResult> {
  const fake = new FakeGitHub();
  const github = await serveFakeGitHub(fake);
  const app = await startApp(build, github.port);
  try {
    const fullName = "acme/shop";
    const base = fake.addCommit(hex40(`${name}-base`), trees.base);
    fake.setDefaultBranch(fullName, base);
    // A warm-up review on another PR: the token and the app's identity are asked once per process.
    const warmHead = fake.addCommit(hex40(`${name}-warm`), { ...trees.base, "README.md": "# warm\n" });
    const warm = fake.addPull(fullName, { number: 1, base, head: warmHead, title: "Warm-up" });
    const warmStarted = performance.now();
    if (!process.env.BENCH_COLD) {
      await deliver(app, payload(fake, fullName, 42, warm));
      await untilCompleted(fake, [{ pull: warm }], app, 60_000);
    }
    console.error(`${build.label}: ${name}: the warm-up review (a fresh process) took ${((performance.now() - warmStarted) / 1000).toFixed(1)} s`);
    const head = fake.addCommit(hex40(`${name}-head`), trees.head);
    const pull = fake.addPull(fullName, { number: 2, base, head, title: name });
    fake.reset();
    const started = performance.now();
    await deliver(app, payload(fake, fullName, 42, pull));
    await untilCompleted(fake, [{ pull }], app, 300_000);
    const seconds = (performance.now() - started) / 1000;
    if (process.env.BENCH_DEBUG) {
      const t0 = fake.requests[0]?.at ?? 0;
      for (const r of fake.requests.slice(0, 120)) console.error(`${((r.at! - t0) / 1000).toFixed(2)} ${r.method} ${r.path}`);
    }
    const run = fake.checkRuns.filter((r) => r.external_id === "2").at(-1)!;
    return { name, calls: byRoute(fake), writes: writesOf(fake), seconds, conclusion: run.conclusion ?? "", title: run.output.title ?? "" };
  } finally {
    await stopApp(app);
    await github.close();
  }
}

interface ManyResult {
  seconds: number;
  calls: number;
  writes: number;
  conclusions: Record<string, number>;
}

async function manyPrs(build: Build): Promise<ManyResult> {
  const fake = new FakeGitHub();
  const github = await serveFakeGitHub(fake);
  const app = await startApp(build, github.port);
  try {
    const pulls: Array<{ fullName: string; installation: number; pull: FakePull }> = [];
    for (let i = 0; i < INSTALLATIONS; i++) {
      const fullName = `org${i}/shop`;
      const { base: baseTree } = smallPr(0);
      const base = fake.addCommit(hex40(`${fullName}-base`), baseTree);
      fake.setDefaultBranch(fullName, base);
      for (let n = 1; n <= PULLS_PER_INSTALLATION; n++) {
        const head = fake.addCommit(hex40(`${fullName}-${n}`), smallPr(n).head);
        pulls.push({ fullName, installation: 100 + i, pull: fake.addPull(fullName, { number: n, base, head, title: `PR ${n}` }) });
      }
    }
    // Every PR at once, the installations interleaved as events arrive from many repositories.
    fake.reset();
    const order = [...pulls].sort((a, b) => a.pull.number - b.pull.number || a.installation - b.installation);
    const started = performance.now();
    await Promise.all(order.map((p) => deliver(app, payload(fake, p.fullName, p.installation, p.pull))));
    await untilCompleted(fake, pulls, app, 900_000);
    const seconds = (performance.now() - started) / 1000;
    if (process.env.BENCH_DEBUG) {
      const t0 = fake.requests[0]?.at ?? 0;
      for (const r of fake.requests.slice(0, 120)) console.error(`${((r.at! - t0) / 1000).toFixed(2)} ${r.method} ${r.path}`);
    }
    const conclusions: Record<string, number> = {};
    for (const { pull } of pulls) {
      const run = fake.checkRuns.filter((r) => r.head_sha === pull.head).at(-1)!;
      conclusions[run.conclusion ?? "none"] = (conclusions[run.conclusion ?? "none"] ?? 0) + 1;
    }
    return { seconds, calls: total(byRoute(fake)), writes: writesOf(fake), conclusions };
  } finally {
    await stopApp(app);
    await github.close();
  }
}

async function measure(build: Build): Promise<{ singles: SingleResult[]; many: ManyResult }> {
  if (!existsSync(join(build.dist, "server.js"))) throw new Error(`${build.dist}/server.js does not exist`);
  if (process.env.BENCH_ONLY === "many") return { singles: [], many: await manyPrs(build) };
  const none = { seconds: 0, calls: 0, writes: 0, conclusions: {} };
  if (process.env.BENCH_ONLY === "singles")
    return {
      singles: [
        await singlePr(build, "20-file PR", smallPr(1)),
        await singlePr(build, "1,000-file PR", largePr(1000)),
        await singlePr(build, "3,000-file PR", largePr(3000)),
        await singlePr(build, "3,500-file PR", largePr(3500)),
      ],
      many: none,
    };
  if (process.env.BENCH_ONLY === "1000") return { singles: [await singlePr(build, "1,000-file PR", largePr(1000))], many: none };
  if (process.env.BENCH_ONLY === "small")
    return { singles: [await singlePr(build, "20-file PR", smallPr(1))], many: { seconds: 0, calls: 0, writes: 0, conclusions: {} } };
  const singles = [await singlePr(build, "20-file PR", smallPr(1)), await singlePr(build, "1,000-file PR", largePr(1000))];
  if (!process.env.BENCH_SKIP_LARGE) {
    singles.push(await singlePr(build, "3,000-file PR", largePr(3000)));
    singles.push(await singlePr(build, "3,500-file PR", largePr(3500)));
  }
  const many = await manyPrs(build);
  return { singles, many };
}

async function main() {
  spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
  const builds: Build[] = [];
  if (values.before) builds.push({ label: "before", dist: resolve(values.before) });
  builds.push({ label: "after", dist: values.after ? resolve(values.after) : join(ROOT, "dist") });
  const results = [];
  for (const build of builds) {
    console.error(`measuring ${build.label} (${build.dist}) …`);
    results.push({ build, ...(await measure(build)) });
  }

  console.log("archgate App: GitHub API calls per review (production server in its own process, fake GitHub on 127.0.0.1,");
  console.log("built-in rules, no config file; the installation token exchange not counted)\n");
  const header = ["", ...results.map((r) => `${r.build.label}: calls (writes)`), ...results.map((r) => `${r.build.label}: s`)];
  const rows: string[][] = [];
  for (let i = 0; i < (results[0]?.singles.length ?? 0); i++) {
    rows.push([
      results[0]!.singles[i]!.name,
      ...results.map((r) => `${total(r.singles[i]!.calls)} (${r.singles[i]!.writes})`),
      ...results.map((r) => r.singles[i]!.seconds.toFixed(1)),
    ]);
  }
  rows.push([
    `${INSTALLATIONS * PULLS_PER_INSTALLATION} PRs, ${INSTALLATIONS} installations, at once`,
    ...results.map((r) => `${r.many.calls} (${r.many.writes})`),
    ...results.map((r) => r.many.seconds.toFixed(1)),
  ]);
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map(() => "---").join("|")}|`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log(`\n"s": seconds from the delivery until the check run is completed (for the 50 PRs: until every one is).`);
  for (const r of results) {
    console.log(`\n${r.build.label}:`);
    for (const s of r.singles) {
      console.log(`  ${s.name}: ${total(s.calls)} calls, ${s.writes} writes, check ${s.conclusion}: "${s.title}"`);
      for (const [k, n] of [...s.calls].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`    ${String(n).padStart(5)} × ${k}`);
    }
    console.log(`  50 PRs: conclusions ${JSON.stringify(r.many.conclusions)}`);
  }
}

await main();
