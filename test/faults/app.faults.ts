import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FakeGitHub, serveFakeGitHub, type FakePull, type FakeServer } from "../github/fake-github.js";
import { FULL_NAME, OWNER, REPO, ROOT, configYaml, isolatedConfig, sha } from "../github/harness.js";
import { freePort } from "../helpers/app-process.js";

/**
 * Fault injection against the production build: `node dist/server.js` started as its own process, a fake
 * GitHub on 127.0.0.1 (GHE_HOST) that can fail, hang or rate-limit any route, and HMAC-signed webhooks
 * over HTTP. For each fault the check run must end `completed` with the right conclusion and reason
 * within the time stated in the case, with at most one comment and no write for a closed PR or an older
 * head. Retry and budget settings are shortened through the app's environment (the code paths are the
 * production ones). The table of outcomes is written to .tmp/faults.json.
 */

const SECRET = "faults-webhook-secret";
const KEY = join(ROOT, "fixtures", "github", "test-app-key.pem");
const ENV = {
  NODE_ENV: "production",
  APP_ID: "123",
  PRIVATE_KEY_PATH: KEY,
  WEBHOOK_SECRET: SECRET,
  HOST: "127.0.0.1",
  LOG_LEVEL: "warn" as const,
  LOG_FORMAT: "json" as const,
  ARCHGATE_REQUEST_TIMEOUT_MS: "1000",
  ARCHGATE_RETRY_BASE_MS: "100",
  ARCHGATE_RETRY_BUDGET_MS: "8000",
  ARCHGATE_REVIEW_TIMEOUT_MS: "5000",
  ARCHGATE_SWEEP_INTERVAL_MS: "1000",
  // Requests are counted per case: no redelivery check in between (tested in test/github/recovery.test.ts).
  ARCHGATE_REDELIVERY_INTERVAL_MS: "0",
  // Check runs are created in progress at once (not after the default 2 s): the cases fail the update.
  ARCHGATE_CHECK_RUN_DELAY_MS: "0",
};

let fake: FakeGitHub;
let github: FakeServer;
let app: ChildProcess;
let port: number;
let output = "";
let base: string;
let nextNumber = 100;
const table: Array<{ fault: string; status: string; conclusion: string | null; title: string; seconds: number }> = [];

const sign = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

async function deliver(
  event: string,
  payload: unknown,
  id = `faults-${Math.random()}`,
  signature?: string,
): Promise<{ status: number; text: string }> {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": id, "x-hub-signature-256": signature ?? sign(body) },
  });
  return { status: res.status, text: await res.text() };
}

/** A PR of its own per case: its head adds a payments file (one review type, one label, one comment). */
function newPull(extra: Partial<FakePull> = {}): FakePull {
  const number = nextNumber++;
  const tree = { ...fake.commits.get(base)!, [`src/payments/case${number}.ts`]: `export const n = ${number};\n` };
  const head = fake.addCommit(sha(`head${number}`, tree), tree);
  return fake.addPull(FULL_NAME, { number, base, head, title: `Case ${number}`, ...extra });
}

function payload(pull: FakePull, action = "opened", updatedAt?: string): any {
  const json = fake.pullJson(FULL_NAME, pull);
  return {
    action,
    number: pull.number,
    pull_request: { ...json, ...(updatedAt ? { updated_at: updatedAt } : {}) },
    repository: { id: 1, name: REPO, full_name: FULL_NAME, owner: { login: OWNER, type: "Organization" }, default_branch: "main" },
    installation: { id: 42 },
    sender: { login: "alice", type: "User" },
  };
}

const runsOf = (pull: FakePull) => fake.checkRuns.filter((r) => r.external_id === String(pull.number));
const commentsOf = (pull: FakePull, fullName = FULL_NAME) => fake.comments.filter((c) => c.repository === fullName && c.issue_number === pull.number);
const writesFor = (pull: FakePull) => fake.writes().filter((w) => w.path.includes(`/issues/${pull.number}/`));

/** Waits until the PR's latest check run on `head` is completed; returns it and the seconds it took. */
async function completed(pull: FakePull, started: number, withinMs: number, head = pull.head) {
  for (;;) {
    const run = runsOf(pull)
      .filter((r) => r.head_sha === head)
      .at(-1);
    if (run?.status === "completed") return { run, seconds: Math.round((Date.now() - started) / 100) / 10 };
    if (Date.now() - started > withinMs)
      throw new Error(`no completed check run for #${pull.number} within ${withinMs} ms: ${JSON.stringify(run)}\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function record(fault: string, run: { status: string; conclusion: string | null; output: { title?: string } }, seconds: number) {
  table.push({ fault, status: run.status, conclusion: run.conclusion, title: run.output.title ?? "", seconds });
}

/** One case: the fault, one delivery, the check run completed within `withinMs`. */
async function review(fault: string, pull: FakePull, withinMs: number) {
  const started = Date.now();
  const res = await deliver("pull_request", payload(pull));
  const { run, seconds } = await completed(pull, started, withinMs);
  record(fault, run, seconds);
  return { res, run, seconds };
}

const PASS = "No hard constraint violated · Architecture decision record required";

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
}

beforeAll(async () => {
  // The production build (`npm start` runs it) comes from the suite's global setup (global-setup.ts).
  fake = new FakeGitHub();
  const tree = { "README.md": "# shop\n", ".github/archgate.yml": configYaml(isolatedConfig()) };
  base = fake.addCommit(sha("base", tree), tree);
  fake.setDefaultBranch(FULL_NAME, base);
  github = await serveFakeGitHub(fake);
  port = await freePort();
  app = spawn(process.execPath, ["dist/server.js"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...ENV, GHE_HOST: `127.0.0.1:${github.port}`, GHE_PROTOCOL: "http", PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  app.stdout!.on("data", (d) => (output += d));
  app.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`the app did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 120_000);

afterAll(async () => {
  if (app?.exitCode === null) app.kill("SIGKILL");
  await github?.close();
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  writeFileSync(join(ROOT, ".tmp", "faults.json"), `${JSON.stringify(table, null, 2)}\n`);
  console.info(table.map((r) => `| ${r.fault} | ${r.status} ${r.conclusion} | ${r.title} | ${r.seconds} s |`).join("\n"));
});

describe("check run writes fail", () => {
  test("500 on the check run update, twice: completed by the third attempt (within 5 s)", async () => {
    const pull = newPull();
    fake.faults = [{ route: /^PATCH \/repos\/acme\/shop\/check-runs\//, status: 500, times: 2 }];
    const { run } = await review("500 ×2 on check run update", pull, 5_000);
    expect([run.conclusion, run.output.title]).toEqual(["success", PASS]);
    expect(commentsOf(pull)).toHaveLength(1);
  });

  test("502 on every update for 10 s (past the retry budget): the sweep completes it once GitHub answers (within 15 s)", async () => {
    const pull = newPull();
    fake.faults = [{ route: /^PATCH \/repos\/acme\/shop\/check-runs\//, status: 502, body: { message: "Bad Gateway" } }];
    const started = Date.now();
    await deliver("pull_request", payload(pull));
    await new Promise((resolve) => setTimeout(resolve, 10_000 - (Date.now() - started)));
    expect(runsOf(pull).map((r) => r.status)).toEqual(["in_progress"]);
    fake.faults = [];
    const { run, seconds } = await completed(pull, started, 15_000);
    record("502 on every check run update for 10 s", run, seconds);
    expect([run.conclusion, run.output.title]).toEqual(["success", PASS]);
    expect(commentsOf(pull)).toHaveLength(1);
  }, 20_000);

  test("a hung update: the attempt times out after 1 s and the next one completes it (within 5 s)", async () => {
    const pull = newPull();
    fake.faults = [{ route: /^PATCH \/repos\/acme\/shop\/check-runs\//, hang: true, times: 1 }];
    const { run } = await review("hung check run update", pull, 5_000);
    expect([run.conclusion, run.output.title]).toEqual(["success", PASS]);
  });

  test("403 secondary rate limit (retry-after: 2) on the create: waits and goes on (within 6 s)", async () => {
    const pull = newPull();
    fake.faults = [
      {
        route: /^POST \/repos\/acme\/shop\/check-runs$/,
        status: 403,
        headers: { "retry-after": "2" },
        body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." },
        times: 1,
      },
    ];
    const { run, seconds } = await review("403 secondary rate limit (retry-after 2) on create", pull, 6_000);
    expect([run.conclusion, run.output.title]).toEqual(["success", PASS]);
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(runsOf(pull)).toHaveLength(1);
  });

  test("the create fails twice (500): created by the third attempt, once (within 5 s)", async () => {
    const pull = newPull();
    fake.faults = [{ route: /^POST \/repos\/acme\/shop\/check-runs$/, status: 500, times: 2 }];
    const { run } = await review("500 ×2 on check run create", pull, 5_000);
    expect([run.conclusion, run.output.title]).toEqual(["success", PASS]);
    expect(runsOf(pull)).toHaveLength(1);
  });

  test("listing check runs fails for good: the run is created with the verdict (within 10 s)", async () => {
    const pull = newPull();
    fake.faults = [{ route: /^GET \/repos\/acme\/shop\/commits\/[0-9a-f]+\/check-runs$/, status: 500 }];
    const { run } = await review("500 on every check run list", pull, 10_000);
    expect([run.conclusion, run.output.title]).toEqual(["success", PASS]);
    expect(runsOf(pull)).toHaveLength(1);
    fake.faults = [];
  });
});

describe("reads fail: the review fails closed with the reason, and writes nothing else", () => {
  test("contents API 500 for good (the config cannot be read) (within 10 s)", async () => {
    const pull = newPull();
    fake.faults = [{ route: /^GET \/repos\/acme\/shop\/contents\//, status: 500, body: { message: "Server Error" } }];
    const { run } = await review("contents API 500", pull, 10_000);
    fake.faults = [];
    expect([run.conclusion, run.output.title]).toEqual(["failure", "Review could not run: GitHub API error 500: Server Error"]);
    expect(writesFor(pull)).toEqual([]);
  });

  test("GraphQL 502 and the contents API 500 for a spec the built-in rules read (within 10 s)", async () => {
    // A repository with the default config (every built-in rule on) and a PR adding an OpenAPI spec.
    const full = "acme/api";
    const apiBase = fake.addCommit(sha("apibase", { "README.md": "" }), { "README.md": "# api\n" });
    fake.setDefaultBranch(full, apiBase);
    const spec =
      "openapi: 3.0.3\ninfo:\n  title: Pets\n  version: 1.0.0\npaths:\n  /pets:\n    get:\n      responses:\n        '200':\n          description: ok\n";
    const apiHead = fake.addCommit(sha("apihead", { "api/openapi.yaml": spec }), { "README.md": "# api\n", "api/openapi.yaml": spec });
    const pull = fake.addPull(full, { number: nextNumber++, base: apiBase, head: apiHead });
    fake.faults = [
      { route: /^POST \/(api\/)?graphql$/, status: 502, body: { message: "Bad Gateway" } },
      { route: /^GET \/repos\/acme\/api\/contents\/api\//, status: 500, body: { message: "Server Error" } },
    ];
    const started = Date.now();
    const body = payload(pull);
    body.pull_request = fake.pullJson(full, pull);
    body.repository = { id: 2, name: "api", full_name: full, owner: { login: OWNER, type: "Organization" }, default_branch: "main" };
    await deliver("pull_request", body);
    const { run, seconds } = await completed(pull, started, 10_000);
    record("GraphQL 502 + contents 500 (default rules read the spec)", run, seconds);
    fake.faults = [];
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toMatch(/^Review could not run: /);
    expect(fake.writes().filter((w) => w.path.startsWith("/repos/acme/api/issues/"))).toEqual([]);
  });

  test("the files API keeps answering 'secondary rate limit, retry after 3 s': the review's 5 s budget runs out (within 7 s)", async () => {
    const pull = newPull();
    fake.faults = [
      {
        route: new RegExp(`^GET /repos/acme/shop/pulls/${pull.number}/files$`),
        status: 403,
        headers: { "retry-after": "3" },
        body: { message: "You have exceeded a secondary rate limit." },
      },
    ];
    const { run } = await review("files API rate-limited for good (review budget 5 s)", pull, 7_000);
    fake.faults = [];
    expect([run.conclusion, run.output.title]).toEqual(["failure", "Review could not run: the review time budget of 5 s ran out"]);
    expect(writesFor(pull)).toEqual([]);
  });

  test("the files API hangs: every attempt times out after 1 s, the reason says so (within 8 s)", async () => {
    const pull = newPull();
    fake.faults = [{ route: new RegExp(`^GET /repos/acme/shop/pulls/${pull.number}/files$`), hang: true }];
    const { run } = await review("files API hangs", pull, 8_000);
    fake.faults = [];
    expect([run.conclusion, run.output.title]).toEqual(["failure", "Review could not run: a GitHub API request timed out"]);
    expect(writesFor(pull)).toEqual([]);
  });
});

describe("writes only for an open PR at the head reviewed, once", () => {
  test("the PR is closed mid-review: the check completes, no comment, no labels (within 5 s)", async () => {
    const pull = newPull();
    fake.faults = [{ route: new RegExp(`^GET /repos/acme/shop/pulls/${pull.number}/files$`), delayMs: 600 }];
    const started = Date.now();
    const delivered = deliver("pull_request", payload(pull));
    await new Promise((resolve) => setTimeout(resolve, 200));
    pull.state = "closed";
    await delivered;
    const { run, seconds } = await completed(pull, started, 5_000);
    record("PR closed mid-review", run, seconds);
    fake.faults = [];
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toContain("The pull request was closed meanwhile");
    expect(writesFor(pull)).toEqual([]);
    expect(pull.labels).toEqual([]);
  });

  test("an event for an older head after the newer one: no check run on the old commit", async () => {
    const pull = newPull();
    const old = payload(pull, "opened", "2026-01-01T10:00:00Z");
    const oldHead = pull.head;
    const tree = { ...fake.commits.get(pull.head)!, "README.md": "newer\n" };
    pull.head = fake.addCommit(sha("newer", tree), tree);
    const started = Date.now();
    await deliver("pull_request", payload(pull, "synchronize", "2026-01-01T10:05:00Z"));
    const { run, seconds } = await completed(pull, started, 5_000);
    const res = await deliver("pull_request", old);
    expect(res.status).toBe(200);
    record("event for an older head after the newer one", run, seconds);
    expect(runsOf(pull).map((r) => r.head_sha)).toEqual([pull.head]);
    expect(runsOf(pull).some((r) => r.head_sha === oldHead)).toBe(false);
    expect(commentsOf(pull)).toHaveLength(1);
  });

  test("a replayed delivery (same x-github-delivery): no API call, one comment", async () => {
    const pull = newPull();
    const started = Date.now();
    await deliver("pull_request", payload(pull), "replayed-delivery");
    const { run, seconds } = await completed(pull, started, 5_000);
    record("replayed delivery", run, seconds);
    fake.reset();
    const res = await deliver("pull_request", payload(pull), "replayed-delivery");
    expect(res.status).toBe(200);
    expect(fake.requests).toEqual([]);
    expect(commentsOf(pull)).toHaveLength(1);
  });
});

describe("bounded, authenticated input", () => {
  /** Sends `bytes` of junk with a wrong signature; resolves with the status (the app may close early). */
  function bogus(bytes: number, chunked: boolean): Promise<number | string> {
    return new Promise((resolve) => {
      const req = request({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/github/webhooks",
        headers: {
          "content-type": "application/json",
          "x-github-event": "pull_request",
          "x-github-delivery": `bogus-${Math.random()}`,
          "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
          ...(chunked ? {} : { "content-length": String(bytes) }),
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // A write error can come before the answer is read: give the answer a moment to arrive.
      req.on("error", (error) => setTimeout(() => resolve(`error ${(error as NodeJS.ErrnoException).code}`), 500));
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < bytes) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
  }

  test("five concurrent 30 MB deliveries with a bad signature: all 413, RSS grows by less than 50 MB", async () => {
    const before = rssKb(app.pid!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKb(app.pid!))), 20);
    const statuses = await Promise.all(Array.from({ length: 5 }, () => bogus(30 * 1024 * 1024, false)));
    clearInterval(sampler);
    const growthMb = Math.round((peak - before) / 1024);
    table.push({
      fault: "5 × 30 MB bogus bodies (Content-Length)",
      status: statuses.join(","),
      conclusion: null,
      title: `RSS growth ${growthMb} MB`,
      seconds: 0,
    });
    expect(statuses).toEqual([413, 413, 413, 413, 413]);
    expect(growthMb).toBeLessThan(50);
  }, 30_000);

  test("five concurrent 30 MB chunked deliveries (no Content-Length): all 411, RSS grows by less than 50 MB", async () => {
    const before = rssKb(app.pid!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKb(app.pid!))), 20);
    const statuses = await Promise.all(Array.from({ length: 5 }, () => bogus(30 * 1024 * 1024, true)));
    clearInterval(sampler);
    const growthMb = Math.round((peak - before) / 1024);
    table.push({
      fault: "5 × 30 MB bogus bodies (chunked)",
      status: statuses.join(","),
      conclusion: null,
      title: `RSS growth ${growthMb} MB`,
      seconds: 0,
    });
    expect(statuses).toEqual([411, 411, 411, 411, 411]);
    expect(growthMb).toBeLessThan(50);
  }, 30_000);

  test("a bad signature: 400, one log line, no stack trace", async () => {
    const from = output.length;
    const res = await deliver("pull_request", { zen: "hi" }, "bad-signature", sign("other"));
    expect(res).toEqual({ status: 400, text: "signature does not match\n" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Other cases' lines may arrive late: the ones about this delivery count.
    const logged = output
      .slice(from)
      .trim()
      .split("\n")
      .filter((line) => line.includes("bad-signature"));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: 40, delivery: "bad-signature", msg: "webhook refused: signature does not match" });
    expect(output.slice(from)).not.toMatch(/\n\s+at /);
  });

  test("a signed payload without pull_request: 400 with a short message", async () => {
    const res = await deliver("pull_request", { action: "opened", repository: { name: REPO, owner: { login: OWNER } } });
    expect(res).toEqual({ status: 400, text: "malformed payload: pull_request event without pull_request.number\n" });
  });

  test("signed but not JSON: 400", async () => {
    const body = "{not json";
    const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      body,
      headers: { "x-github-event": "pull_request", "x-github-delivery": "not-json", "x-hub-signature-256": sign(body) },
    });
    expect([res.status, await res.text()]).toEqual([400, "malformed payload: not JSON\n"]);
  });
});

describe("refuses to run unsafely in production", () => {
  function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["dist/server.js"], { cwd: ROOT, env: { PATH: process.env.PATH, ...env, PORT: "0" }, stdio: "pipe" });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.on("exit", (code) => {
        clearTimeout(killer);
        resolve({ code, stderr, ms: Date.now() - started });
      });
    });
  }

  test("no WEBHOOK_SECRET: exits 1 with a message", async () => {
    const { WEBHOOK_SECRET: _, ...env } = ENV;
    const result = await start(env);
    table.push({
      fault: "no WEBHOOK_SECRET",
      status: `exit ${result.code}`,
      conclusion: null,
      title: result.stderr.trim(),
      seconds: Math.round(result.ms / 100) / 10,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("archgate: WEBHOOK_SECRET is missing: without it anyone could send webhooks\n");
  });

  test("an invalid PRIVATE_KEY: exits 1 with a message", async () => {
    const { PRIVATE_KEY_PATH: _, ...env } = ENV;
    const result = await start({ ...env, PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----\n" });
    table.push({
      fault: "invalid PRIVATE_KEY",
      status: `exit ${result.code}`,
      conclusion: null,
      title: result.stderr.trim(),
      seconds: Math.round(result.ms / 100) / 10,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("archgate: the private key (PRIVATE_KEY) is not a valid PEM private key\n");
  });
});
