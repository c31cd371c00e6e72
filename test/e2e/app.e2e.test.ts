import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FakeGitHub, serveFakeGitHub, type FakeServer } from "../github/fake-github.js";
import { FULL_NAME, ROOT, configYaml, isolatedConfig } from "../github/harness.js";
import { type AppProcess, signWebhook, startAppProcess } from "../helpers/app-process.js";
import { buildProduction } from "../helpers/production-build.js";

/**
 * End to end: the production build started with the production command (`npm start`) as its own
 * process, HMAC-signed webhooks over HTTP, and a fake GitHub REST API on 127.0.0.1 (GHE_HOST) that
 * records every request. Throttling stays on, as in production, so writes are about a second apart.
 */

const SECRET = "e2e-webhook-secret";
const BASE = "9f1c2e7d4b3a59687c0d1e2f3a4b5c6d7e8f9012";
const HEAD = "4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d";
const HEAD2 = "b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8";
const fixture = (name: string) => readFileSync(join(ROOT, "fixtures", "webhooks", name), "utf8");

let fake: FakeGitHub;
let github: FakeServer;
let app: AppProcess;
let port: number;

const sign = (body: string, secret = SECRET) => signWebhook(body, secret);
const deliver = (event: string, body: string, signature = sign(body), id = `e2e-${Math.random()}`) => app.deliver(event, body, { id, signature });

beforeAll(async () => {
  buildProduction(ROOT);

  fake = new FakeGitHub();
  const config = configYaml(isolatedConfig());
  fake.addCommit(BASE, { "README.md": "# shop\n", ".github/archgate.yml": config });
  fake.addCommit(HEAD, {
    "README.md": "# shop\n",
    ".github/archgate.yml": config,
    "src/payments/refund.ts": "export async function refund(id: string) {\n  return id;\n}\n",
    "api/openapi.yaml": "openapi: 3.0.3\ninfo:\n  title: Shop\n  version: 1.0.0\npaths: {}\n",
  });
  fake.addCommit(HEAD2, {
    "README.md": "# shop\n",
    ".github/archgate.yml": config,
    "src/payments/refund.ts": "export async function refund(id: string) {\n  return id;\n}\n",
  });
  fake.setDefaultBranch(FULL_NAME, BASE);
  fake.addPull(FULL_NAME, { number: 7, base: BASE, head: HEAD, title: "Add refunds to payments" });
  github = await serveFakeGitHub(fake);
  app = await startAppProcess({
    root: ROOT,
    command: { npmStart: true },
    githubPort: github.port,
    secret: SECRET,
    env: {
      // The exact request lists below: no redelivery check in between (tested in test/github/recovery.test.ts).
      ARCHGATE_REDELIVERY_INTERVAL_MS: "0",
      // Reviews here end well within it (2 s by default), but a loaded machine must not make the call lists flaky.
      ARCHGATE_CHECK_RUN_DELAY_MS: "30000",
    },
    startTimeoutMs: 30_000,
  });
  port = app.port;
}, 240_000);

afterAll(async () => {
  app?.kill();
  await github?.close();
});

describe("the app as its own process", () => {
  test("GET /ping and GET /healthz answer", async () => {
    const ping = await fetch(`http://127.0.0.1:${port}/ping`);
    expect([ping.status, await ping.text()]).toEqual([200, "PONG"]);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
  });

  test("a webhook with a bad signature gets 400 and causes no API call", async () => {
    const body = fixture("pull_request.opened.json");
    const res = await deliver("pull_request", body, sign(body, "not-the-secret"));
    expect(res.status).toBe(400);
    expect(fake.requests).toEqual([]);
  });

  test("pull_request.opened: the exact API calls, in order, and the bodies written", async () => {
    const res = await deliver("pull_request", fixture("pull_request.opened.json"), undefined, "delivery-opened");
    expect(res.status).toBe(200);
    // The verdict is known within the check run's start delay: the run is created once, completed.
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /app",
      "POST /app/installations/42/access_tokens",
      `GET /repos/acme/shop/commits/${HEAD}/check-runs`,
      "GET /repos/acme/shop/contents/.github/archgate.yml",
      "GET /repos/acme/shop/pulls/7/files",
      "GET /repos/acme/shop/issues/7/comments",
      "GET /repos/acme/shop/pulls/7",
      "POST /repos/acme/shop/issues/7/comments",
      "POST /repos/acme/shop/labels",
      "POST /repos/acme/shop/labels",
      "POST /repos/acme/shop/issues/7/labels",
      "POST /repos/acme/shop/check-runs",
    ]);
    const [app, token, ...rest] = fake.requests;
    expect(app!.headers.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(token!.headers.authorization).toMatch(/^bearer /);
    expect(rest.every((r) => r.headers.authorization === "token ghs_fake")).toBe(true);
    expect(fake.requests[2]!.query).toEqual({ check_name: "Architecture review", filter: "latest", per_page: "50", app_id: "123" });

    const writes = fake.writes();
    const comment = writes[0]!.body.body as string;
    expect(comment.split("\n").slice(0, 5)).toEqual([
      `<!-- archgate:comment head=${HEAD} -->`,
      "## 🏛️ Architecture review",
      "",
      "✅ **Nothing blocks the merge** · ⏳ **Contract review** awaited (also Architecture decision record)",
      "",
    ]);
    expect(comment).toContain("- **API spec**: changes api/openapi.yaml. Files: `api/openapi.yaml`");
    expect(comment).toContain("- **Payments code**: changes src/payments/refund.ts. Files: `src/payments/refund.ts`");
    expect(writes.slice(1, 4).map((w) => w.body)).toEqual([
      { name: "arch-review: contract", color: "5319e7", description: "Contract review required (archgate)" },
      { name: "arch-review: adr", color: "5319e7", description: "Architecture decision record required (archgate)" },
      { labels: ["arch-review: contract", "arch-review: adr"] },
    ]);
    expect(writes[4]!.body).toMatchObject({
      name: "Architecture review",
      head_sha: HEAD,
      external_id: "7",
      status: "completed",
      conclusion: "success",
      output: { title: "No hard constraint violated · Contract review required" },
    });
  }, 30_000);

  test("the same delivery again (same x-github-delivery) is answered without a single API call", async () => {
    fake.reset();
    const res = await deliver("pull_request", fixture("pull_request.opened.json"), undefined, "delivery-opened");
    expect(res.status).toBe(200);
    expect(fake.requests).toEqual([]);
    // The same payload under a new delivery id is reviewed again, and finds nothing to write.
    const again = await deliver("pull_request", fixture("pull_request.opened.json"), undefined, "delivery-opened-2");
    expect(again.status).toBe(200);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/acme/shop/commits/${HEAD}/check-runs`,
      "GET /repos/acme/shop/contents/.github/archgate.yml",
      "GET /repos/acme/shop/pulls/7/files",
      "GET /repos/acme/shop/issues/7/comments",
      "GET /repos/acme/shop/pulls/7",
    ]);
  }, 30_000);

  test("pull_request.synchronize: the comment is edited in place and the contract label removed", async () => {
    fake.reset();
    fake.pulls.get(`${FULL_NAME}#7`)!.head = HEAD2;
    const res = await deliver("pull_request", fixture("pull_request.synchronize.json"));
    expect(res.status).toBe(200);
    expect(fake.writes().map((w) => `${w.method} ${w.path}`)).toEqual([
      `PATCH /repos/acme/shop/issues/comments/${fake.comments[0]!.id}`,
      "DELETE /repos/acme/shop/issues/7/labels/arch-review: contract",
      "POST /repos/acme/shop/check-runs",
    ]);
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]!.body).toContain(`head=${HEAD2}`);
    expect(fake.pulls.get(`${FULL_NAME}#7`)!.labels).toEqual(["arch-review: adr"]);
  }, 30_000);

  test("check_run.rerequested re-runs the commit it names; the newer head's comment is left alone", async () => {
    fake.reset();
    const before = fake.comments[0]!.body;
    const res = await deliver("check_run", fixture("check_run.rerequested.json"));
    expect(res.status).toBe(200);
    expect(fake.writes().map((w) => `${w.method} ${w.path}`)).toEqual(["POST /repos/acme/shop/check-runs"]);
    expect(fake.writes()[0]!.body).toMatchObject({ head_sha: HEAD, external_id: "7" });
    expect(fake.comments[0]!.body).toBe(before);
  }, 30_000);

  test("SIGTERM stops the server cleanly", async () => {
    // stop() waits for "close", not "exit": npm may exit before the server it started has written its last line to the shared pipe.
    const exited = app.stop("SIGTERM");
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 10_000))]);
    expect(code === 0 || code === null).toBe(true);
    expect(app.output()).toContain("SIGTERM received, stopping server");
    await expect(fetch(`http://127.0.0.1:${port}/ping`)).rejects.toThrow();
  }, 15_000);
});
