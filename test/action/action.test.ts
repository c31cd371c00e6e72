import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runAction } from "../../src/action/run.js";
import { COMMENT_MARKER } from "../../src/render/markdown.js";
import { FINGERPRINT_KEY } from "../../src/render/sarif.js";
import { ACTIONS_APP, FakeGitHub, serveFakeGitHub, type FakeServer } from "../github/fake-github.js";
import { FULL_NAME, push, pullRequestPayload, ROOT, seedRepo, TestOctokit, type Repo } from "../github/harness.js";
import { sarifSchemaErrors } from "../helpers/sarif-schema.js";

const MIGRATIONS = "services/orders/src/main/resources/db/migration";
const ORDERS_API = "services/orders/src/main/resources/openapi.yaml";
const ORDERS_SPEC = `openapi: 3.0.3
info:
  title: Orders
  version: 1.2.0
paths:
  /orders/{id}:
    get:
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200": { description: the order }
  /legacy-orders/{id}:
    get:
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200": { description: a legacy order }
`;

/**
 * A Spring Boot orders service with Flyway migrations (the layout of services/<name>/src/main/resources/
 * db/migration); the PR adds V2, which drops the legacy table and a column that running code still reads.
 */
function ordersRepo(fake: FakeGitHub, config?: string, withApi = false): Repo {
  return seedRepo(fake, {
    base: {
      "services/orders/pom.xml": "<project><artifactId>orders</artifactId></project>\n",
      [`${MIGRATIONS}/V1__init.sql`]:
        "CREATE TABLE legacy_orders (id bigint primary key);\nCREATE TABLE orders (id bigint primary key, customer_email text);\n",
      ...(withApi ? { [ORDERS_API]: ORDERS_SPEC } : {}),
    },
    head: {
      [`${MIGRATIONS}/V2__drop_legacy.sql`]: "-- legacy_orders was migrated to orders in 2024\nDROP TABLE legacy_orders;\n",
      // The same PR drops the legacy endpoint: a breaking change openapi-diff (bundled beside index.mjs) must see.
      ...(withApi ? { [ORDERS_API]: ORDERS_SPEC.replace(/ {2}\/legacy-orders\/\{id\}:\n[\s\S]*$/, "") } : {}),
    },
    ...(config !== undefined ? { config } : {}),
    pull: { title: "Drop the legacy orders table" },
  });
}

interface Run {
  code: number;
  stdout: string;
  summary: string;
  outputs: Record<string, string>;
  sarif?: any;
}

/** What a runner gives a JavaScript action: INPUT_* and GITHUB_* variables, an event file, summary and output files. */
function runnerEnv(dir: string, server: FakeServer, payload: unknown, inputs: Record<string, string>): Record<string, string> {
  const event = join(dir, "event.json");
  writeFileSync(event, JSON.stringify(payload));
  const env: Record<string, string> = {
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: FULL_NAME,
    GITHUB_API_URL: `${server.baseUrl}/api/v3`,
    GITHUB_WORKSPACE: join(dir, "workspace"),
    GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
    GITHUB_OUTPUT: join(dir, "output.txt"),
    RUNNER_TEMP: dir,
  };
  mkdirSync(env.GITHUB_WORKSPACE!, { recursive: true });
  writeFileSync(env.GITHUB_STEP_SUMMARY!, "");
  writeFileSync(env.GITHUB_OUTPUT!, "");
  // action.yml's defaults, as the runner fills them in.
  const all = { token: "", config: "", "fail-on": "error", comment: "true", sarif: "", ...inputs };
  for (const [name, value] of Object.entries(all)) env[`INPUT_${name.toUpperCase()}`] = value;
  return env;
}

function results(env: Record<string, string>, code: number, stdout: string): Run {
  const outputs: Record<string, string> = {};
  const text = readFileSync(env.GITHUB_OUTPUT!, "utf8");
  for (const m of text.matchAll(/^([a-z-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  let sarif: unknown;
  try {
    sarif = JSON.parse(readFileSync(join(env.GITHUB_WORKSPACE!, "archgate.sarif"), "utf8"));
  } catch {
    sarif = undefined;
  }
  return { code, stdout, summary: readFileSync(env.GITHUB_STEP_SUMMARY!, "utf8"), outputs, ...(sarif ? { sarif } : {}) };
}

/** Runs the committed bundle with `node`, from a copy of action.yml and action/ in an empty folder (no node_modules). */
async function runBundle(dir: string, env: Record<string, string>): Promise<Run> {
  const checkout = join(dir, "checkout");
  rmSync(checkout, { recursive: true, force: true });
  mkdirSync(checkout);
  cpSync(join(ROOT, "action.yml"), join(checkout, "action.yml"));
  cpSync(join(ROOT, "action"), join(checkout, "action"), { recursive: true });
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(checkout, "action", "bundle", "index.mjs")],
      { cwd: env.GITHUB_WORKSPACE, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (error, out, err) => resolve({ code: error ? ((error as { code?: number }).code ?? 99) : 0, stdout: `${out}${err}` }),
    );
  });
  return results(env, code, stdout);
}

/** Runs src/action/run.ts in this process (Octokit without retries, so each request is seen once). */
async function runInProcess(env: Record<string, string>): Promise<Run> {
  let stdout = "";
  const result = await runAction({ env, stdout: (t) => (stdout += t), Octokit: TestOctokit });
  return results(env, result.exitCode, stdout);
}

describe("the GitHub Action", () => {
  let fake: FakeGitHub;
  let server: FakeServer;
  let dir: string;
  beforeEach(async () => {
    fake = new FakeGitHub();
    server = await serveFakeGitHub(fake);
    dir = mkdtempSync(join(tmpdir(), "archgate-action-"));
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the bundle, run as a runner runs it: one comment by github-actions[bot], a completed check run, summary, valid SARIF, outputs, exit 1; a push edits the comment", async () => {
    fake.workflowTokens.set("ghs_workflow_token", { readOnly: false });
    const repo = ordersRepo(fake, undefined, true);
    const env = runnerEnv(dir, server, pullRequestPayload(fake, "opened", repo.pull), { token: "ghs_workflow_token", sarif: "archgate.sarif" });

    const first = await runBundle(dir, env);
    expect(first.code, first.stdout).toBe(1);
    expect(fake.requests.some((r) => r.path === "/app")).toBe(false);
    expect(fake.comments).toHaveLength(1);
    const comment = fake.comments[0]!;
    expect(comment.user).toEqual({ login: "github-actions[bot]", type: "Bot" });
    expect(comment.performed_via_github_app).toEqual(ACTIONS_APP);
    expect(comment.body).toContain(COMMENT_MARKER);
    expect(comment.body).toContain("Data review");
    expect(fake.checkRuns).toHaveLength(1);
    expect(fake.checkRuns[0]).toMatchObject({
      name: "Architecture review",
      head_sha: repo.head,
      status: "completed",
      conclusion: "failure",
      app: ACTIONS_APP,
    });
    expect(fake.checkRuns[0]!.annotations.map((a: { path: string; start_line: number }) => `${a.path}:${a.start_line}`).sort()).toEqual([
      `${MIGRATIONS}/V2__drop_legacy.sql:2`,
      // The removed GET /legacy-orders/{id}: the whole path item is gone, so it sits on `paths:` at head (line 5);
      // its base line (13) is named in the message.
      `${ORDERS_API}:5`,
    ]);
    const annotation = fake.checkRuns[0]!.annotations.find((a: { path: string }) => a.path.endsWith(".sql"));
    expect(annotation).toMatchObject({ path: `${MIGRATIONS}/V2__drop_legacy.sql`, start_line: 2, annotation_level: "failure" });
    const findingId = /^(DATA-[0-9a-f]{6}) /.exec(annotation.title)![1]!;

    expect(first.outputs).toEqual({
      conclusion: "failure",
      "review-types": "contract,data",
      triggers: "api-contract,schema-migration",
      findings: "2",
    });
    expect(first.summary).toContain(findingId);
    expect(first.summary).toContain(`${MIGRATIONS}/V2__drop_legacy.sql:2`);
    expect(sarifSchemaErrors(first.sarif)).toEqual([]);
    expect(first.sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId).sort()).toEqual(["breaking-api-change", "destructive-migration"]);
    const result = first.sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === "destructive-migration");
    expect(result.ruleId).toBe("destructive-migration");
    expect(result.partialFingerprints[FINGERPRINT_KEY]).toBe(findingId);
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: `${MIGRATIONS}/V2__drop_legacy.sql`, uriBaseId: "%SRCROOT%" },
      region: { startLine: 2 },
    });
    // Published, so no workflow-command annotations (the check run has them) and no read-only notice.
    expect(first.stdout).not.toContain("::error file=");
    expect(first.stdout).not.toContain("read-only");

    const firstHead = repo.head;
    // The author keeps the table and the endpoint: the same comment is edited, a new check run succeeds.
    push(repo, {
      [ORDERS_API]: ORDERS_SPEC,
      [`${MIGRATIONS}/V2__drop_legacy.sql`]: "-- keep legacy_orders until the reports move\nALTER TABLE legacy_orders ADD COLUMN archived boolean;\n",
    });
    const env2 = runnerEnv(dir, server, pullRequestPayload(fake, "synchronize", repo.pull), { token: "ghs_workflow_token", sarif: "archgate.sarif" });
    const second = await runBundle(dir, env2);
    expect(second.code, second.stdout).toBe(0);
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]!.id).toBe(comment.id);
    expect(fake.comments[0]!.body).toContain(repo.head);
    expect(fake.comments[0]!.body).not.toContain(findingId);
    expect(fake.checkRuns.map((r) => [r.head_sha, r.status, r.conclusion])).toEqual([
      [firstHead, "completed", "failure"],
      [repo.head, "completed", "success"],
    ]);
    expect(second.outputs).toEqual({ conclusion: "success", "review-types": "data", triggers: "schema-migration", findings: "0" });
    expect(sarifSchemaErrors(second.sarif)).toEqual([]);
    expect(second.sarif.runs[0].results).toEqual([]);
    expect(fake.requests.some((r) => r.path === "/app")).toBe(false);
  }, 120_000);

  it("a fork's pull_request with a read-only token: says so once, writes nothing, annotates with ::error file=…,line=…::, exits 1", async () => {
    fake.workflowTokens.set("ghs_read_only", { readOnly: true });
    const repo = ordersRepo(fake);
    const payload = pullRequestPayload(fake, "opened", repo.pull);
    payload.pull_request.head.repo = { name: "shop", owner: { login: "mallory" }, full_name: "mallory/shop" };
    const env = runnerEnv(dir, server, payload, { token: "ghs_read_only" });
    const run = await runInProcess(env);
    expect(run.code).toBe(1);
    expect(fake.writes()).toEqual([]);
    expect(fake.comments).toEqual([]);
    expect(run.stdout.match(/read-only/g)).toHaveLength(1);
    expect(run.stdout).toContain("this pull request comes from a fork (mallory/shop)");
    const errors = run.stdout.split("\n").filter((l) => l.startsWith("::error "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^::error file=${MIGRATIONS.replace(/\//g, "\\/")}\\/V2__drop_legacy\\.sql,line=2,title=DATA-[0-9a-f]{6} `));
    expect(run.outputs.conclusion).toBe("failure");
    expect(run.summary).toContain(`${MIGRATIONS}/V2__drop_legacy.sql:2`);
  });

  it("a token that may not write check runs: falls back like a fork, once", async () => {
    fake.workflowTokens.set("ghs_no_checks", { readOnly: true });
    const repo = ordersRepo(fake);
    const env = runnerEnv(dir, server, pullRequestPayload(fake, "opened", repo.pull), { token: "ghs_no_checks" });
    const run = await runInProcess(env);
    expect(run.code).toBe(1);
    expect(fake.comments).toEqual([]);
    expect(fake.checkRuns).toEqual([]);
    expect(run.stdout.match(/::notice title=archgate::No check run or comment: the token may not write check runs/g)).toHaveLength(1);
    expect(run.stdout).toContain("::error file=");
  });

  it("fail-on: never exits 0 on a failure; warning exits 1 on a warning finding; error exits 0 on it", async () => {
    fake.workflowTokens.set("ghs_workflow_token", { readOnly: false });
    const repo = ordersRepo(fake, "rules:\n  destructive-migration: warning\n");
    const payload = pullRequestPayload(fake, "opened", repo.pull);
    const byFailOn: Record<string, number> = {};
    for (const failOn of ["error", "warning", "never"]) {
      const run = await runInProcess(runnerEnv(dir, server, payload, { token: "ghs_workflow_token", "fail-on": failOn, comment: "false" }));
      byFailOn[failOn] = run.code;
      expect(run.outputs.conclusion).toBe("success");
      expect(run.outputs.findings).toBe("1");
    }
    expect(byFailOn).toEqual({ error: 0, warning: 1, never: 0 });
    // comment: false writes no comment, but the check run.
    expect(fake.comments).toEqual([]);
    expect(fake.checkRuns.length).toBeGreaterThan(0);
  });

  it("an invalid config: ::error at its file and line, conclusion error, exit 1", async () => {
    fake.workflowTokens.set("ghs_workflow_token", { readOnly: false });
    const repo = ordersRepo(fake, "rules:\n  destructive-migraton: warning\n");
    const run = await runInProcess(runnerEnv(dir, server, pullRequestPayload(fake, "opened", repo.pull), { token: "ghs_workflow_token" }));
    expect(run.code).toBe(1);
    expect(run.outputs.conclusion).toBe("error");
    expect(run.stdout).toMatch(/::error file=\.github\/archgate\.yml,line=2,col=3,/);
    expect(fake.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("not a pull request event: a clear error, exit 1", async () => {
    const env = runnerEnv(dir, server, {}, { token: "x" });
    env.GITHUB_EVENT_NAME = "push";
    const run = await runInProcess(env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("archgate reviews pull requests: run it on pull_request or pull_request_target, not on push");
    expect(fake.requests).toEqual([]);
  });
});
