import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Probot, ProbotOctokit } from "probot";
import { stringify } from "yaml";
import app from "../../src/index.js";
import { appOctokit, type Octokit } from "../../src/github/octokit.js";
import type { RuleModule, TriggerModule } from "../../src/engine/types.js";
import { testRule, testTrigger, type TestFinding } from "../helpers/modules.js";

import { APP, FakeGitHub, INSTALLATION_ID, serveFakeGitHub, type FakePull, type FakeServer, type Tree } from "./fake-github.js";
import { RULES, TRIGGERS } from "../../src/builtins.js";

export const ROOT = join(import.meta.dirname, "..", "..");
export const PRIVATE_KEY = readFileSync(join(ROOT, "fixtures", "github", "test-app-key.pem"), "utf8");
export const WEBHOOK_SECRET = "archgate-test-secret";
export const OWNER = "acme";
export const REPO = "shop";
export const FULL_NAME = `${OWNER}/${REPO}`;

/** Octokit without throttling and retries: tests see each request once, immediately. */
export const TestOctokit = ProbotOctokit.defaults((options: object) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));

/**
 * A config that switches every built-in trigger and rule off (they are written concurrently by other
 * engineers and would make exact request sequences drift) and adds one custom trigger per review type
 * the tests need.
 */
export function isolatedConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const triggers = (extra.triggers ?? {}) as Record<string, unknown>;
  return {
    ...extra,
    triggers: {
      disabled: TRIGGERS.map((t) => t.meta.id),
      custom: [
        { id: "payments", title: "Payments code", reviewType: "adr", dimensions: ["reliability"], paths: ["src/payments/**"] },
        { id: "api-spec", title: "API spec", reviewType: "contract", dimensions: ["api-event"], paths: ["api/**"] },
      ],
      ...triggers,
    },
    rules: { ...Object.fromEntries(RULES.map((r) => [r.meta.id, "off"])), ...((extra.rules ?? {}) as Record<string, unknown>) },
  };
}

export function configYaml(config: Record<string, unknown>): string {
  return stringify(config);
}

/** A rule for tests: every added line containing FORBIDDEN is an error (reads the head file, like real rules). */
export const forbiddenRule: RuleModule = testRule({ id: "test-forbidden", title: "Forbidden word", description: "Flags FORBIDDEN." }, async (ctx) => {
  const out: TestFinding[] = [];
  for (const file of ctx.headFiles) {
    const text = await ctx.text("head", file.path);
    if (text === undefined) continue;
    text.split("\n").forEach((line, i) => {
      if (line.includes("FORBIDDEN"))
        out.push({ file: file.path, line: i + 1, message: "FORBIDDEN is not allowed", key: `${i}`, remediation: "Remove it." });
    });
  }
  return out;
});

/** A trigger for tests: any file under src/payments/. */
export const paymentsTrigger: TriggerModule = testTrigger(
  { id: "payments-test", title: "Payments", description: "Payments code.", reviewType: "adr", dimensions: ["reliability"] },
  async (ctx) => ctx.files.filter((f) => f.path.startsWith("src/payments/")).map((f) => ({ file: f.path, reason: `changes ${f.path}` })),
);

export interface Repo {
  fake: FakeGitHub;
  base: string;
  head: string;
  pull: FakePull;
}

/** A repository with a default branch (holding `config` when given) and PR #7 from `base` to `head`. */
export function seedRepo(
  fake: FakeGitHub,
  trees: { base: Tree; head: Tree; config?: Record<string, unknown> | string; pull?: Partial<FakePull> },
): Repo {
  const baseTree: Tree = { ...trees.base };
  if (trees.config !== undefined) baseTree[".github/archgate.yml"] = typeof trees.config === "string" ? trees.config : configYaml(trees.config);
  const headTree: Tree = { ...baseTree, ...trees.head };
  for (const [path, value] of Object.entries(trees.head)) if (value === "\0DELETE") delete headTree[path];
  const base = fake.addCommit(sha("base", baseTree), baseTree);
  const head = fake.addCommit(sha("head", headTree), headTree);
  fake.setDefaultBranch(FULL_NAME, base);
  const pull = fake.addPull(FULL_NAME, { number: 7, base, head, ...(trees.pull ?? {}) });
  return { fake, base, head, pull };
}

let counter = 0;
export function sha(seed: string, tree?: Tree): string {
  const text = `${seed}${counter++}${tree ? Object.keys(tree).join() : ""}`;
  let hex = "";
  for (let i = 0; hex.length < 40; i++)
    hex += ((text.charCodeAt(i % text.length) * 2654435761 + i * 40503 + counter) >>> 0).toString(16).padStart(8, "0");
  return hex.slice(0, 40);
}

/** Adds a commit on top of the PR head and moves the PR there (a push). */
export function push(repo: Repo, changes: Tree): string {
  const tree: Tree = { ...repo.fake.commits.get(repo.pull.head)! };
  for (const [path, value] of Object.entries(changes)) {
    if (value === "\0DELETE") delete tree[path];
    else tree[path] = value;
  }
  const next = repo.fake.addCommit(sha("push", tree), tree);
  repo.pull.head = next;
  repo.head = next;
  return next;
}

export function pullRequestPayload(fake: FakeGitHub, action: string, pull: FakePull, extra: Record<string, unknown> = {}): any {
  return {
    action,
    number: pull.number,
    pull_request: fake.pullJson(FULL_NAME, pull),
    repository: { id: 1, name: REPO, full_name: FULL_NAME, owner: { login: OWNER, type: "Organization" }, default_branch: "main" },
    installation: { id: INSTALLATION_ID },
    sender: { login: "alice", type: "User" },
    ...extra,
  };
}

export function checkRunRerequestedPayload(runId: number, headSha: string, prNumber: number | string): any {
  return {
    action: "rerequested",
    check_run: { id: runId, name: "Architecture review", head_sha: headSha, external_id: String(prNumber), pull_requests: [], app: APP },
    repository: { id: 1, name: REPO, full_name: FULL_NAME, owner: { login: OWNER, type: "Organization" }, default_branch: "main" },
    installation: { id: INSTALLATION_ID },
    sender: { login: "alice", type: "User" },
  };
}

/** "Re-run all checks" on a suite; `pullRequests` is empty for fork PRs, as GitHub sends it. */
export function checkSuiteRerequestedPayload(headSha: string, pullRequests: number[]): any {
  return {
    action: "rerequested",
    check_suite: {
      id: 9,
      head_sha: headSha,
      status: "completed",
      pull_requests: pullRequests.map((number) => ({ number, head: { sha: headSha } })),
      app: APP,
    },
    repository: { id: 1, name: REPO, full_name: FULL_NAME, owner: { login: OWNER, type: "Organization" }, default_branch: "main" },
    installation: { id: INSTALLATION_ID },
    sender: { login: "alice", type: "User" },
  };
}

export interface TestApp {
  fake: FakeGitHub;
  server: FakeServer;
  probot: Probot;
  /** An installation client pointed at the fake (for calling the plain functions directly). */
  octokit: Octokit;
  receive(name: string, payload: any): Promise<void>;
  close(): Promise<void>;
}

/** A Probot instance loaded with the app, talking to a fake GitHub on 127.0.0.1. */
export async function startTestApp(fake = new FakeGitHub()): Promise<TestApp> {
  const server = await serveFakeGitHub(fake);
  // The app's own fetch (as in production), against the fake server; nock-based tests keep TestOctokit's global fetch.
  const Octokit = appOctokit(TestOctokit);
  const probot = new Probot({ appId: APP.id, privateKey: PRIVATE_KEY, secret: WEBHOOK_SECRET, baseUrl: server.baseUrl, Octokit, logLevel: "fatal" });
  await probot.load(app);
  const octokit = new Octokit({ auth: "ghs_direct", baseUrl: server.baseUrl }) as unknown as Octokit;
  let delivery = 0;
  return {
    fake,
    server,
    probot,
    octokit,
    receive: (name, payload) => probot.receive({ id: `delivery-${++delivery}`, name: name as any, payload }),
    close: () => server.close(),
  };
}

/** A rule for tests that parses API specs like the real ones do: a spec that does not parse is a problem. */
export const specRule: RuleModule = testRule({ id: "test-spec", title: "Spec parses", description: "Reports unparsable specs." }, async (ctx) => {
  for (const file of ctx.headFiles.filter((f) => f.path.startsWith("api/"))) {
    const parsed = await ctx.structured("head", file.path);
    const error = parsed?.errors[0];
    if (error) ctx.problem({ file: file.path, line: error.line, message: `cannot parse API spec ${file.path}: ${error.message}` });
  }
});
