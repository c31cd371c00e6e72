/**
 * Shared by the review-loop tests (in process, test/github/review-loop.test.ts) and the end-to-end test
 * (the app as its own process, test/e2e/review-loop.e2e.test.ts): a repository whose default branch
 * turns on the three triggers and two rules the loop is about, and webhook payloads for comments and reviews.
 */
import { RULES, TRIGGERS } from "../../src/builtins.js";
import { APP, INSTALLATION_ID, type FakeComment, type FakeGitHub, type FakePull, type FakeReview } from "./fake-github.js";
import { FULL_NAME, OWNER, REPO } from "./harness.js";

const ON_TRIGGERS = ["schema-migration", "api-contract", "new-service"];
const ON_RULES = ["destructive-migration", "breaking-api-change"];

/** The default branch's config: only the triggers and rules of these scenarios, service design reviewed by acme/architects. */
export function loopConfig(): Record<string, unknown> {
  return {
    triggers: { disabled: TRIGGERS.map((t) => t.meta.id).filter((id) => !ON_TRIGGERS.includes(id)) },
    rules: Object.fromEntries(RULES.map((r) => [r.meta.id, ON_RULES.includes(r.meta.id) ? "error" : "off"])),
    reviewers: { "service-design": { teams: ["acme/architects"] } },
  };
}

/** maria maintains the repository; alice (the author), bob and tom write; eve reads; tom is in acme/architects. */
export function seedPeople(fake: FakeGitHub): void {
  fake.permissions.set("maria", "maintain");
  fake.permissions.set("alice", "write");
  fake.permissions.set("bob", "write");
  fake.permissions.set("tom", "write");
  fake.teams.set("acme/architects", new Set(["tom"]));
}

/** The expand/contract PR: the contract step drops the column #412 stopped reading. */
export const USERS_TABLE = { "db/migrate/20260101000000_create_users.sql": "CREATE TABLE users (id bigint primary key, legacy_email text);\n" };
export const DROP_FILE = "db/migrate/20260301000000_drop_legacy_email.sql";
export const DROP_SQL = "ALTER TABLE users DROP COLUMN legacy_email;\n";

export const PETS_SPEC = (extra: string) =>
  `openapi: 3.0.3\ninfo:\n  title: Pets\n  version: 1.0.0\npaths:\n  /pets:\n    get:\n      responses:\n        "200":\n          description: ok\n${extra}`;
export const PETS_DELETE = '  /pets/{id}:\n    delete:\n      responses:\n        "204":\n          description: gone\n';
export const PLAN =
  "Retire pet deletion.\n\n## Migration plan\nClients archive pets with PATCH /pets/{id} instead; DELETE saw no calls for 90 days.\n";

/** A new deployable: its own directory with a Dockerfile and an entrypoint. */
export const CART_SERVICE = {
  "services/cart/Dockerfile": 'FROM node:20\nCOPY . .\nCMD ["node", "server.js"]\n',
  "services/cart/package.json": '{ "name": "cart", "scripts": { "start": "node server.js" } }\n',
  "services/cart/server.js": "require('http').createServer((q, s) => s.end('ok')).listen(8080);\n",
};

const repository = { id: 1, name: REPO, full_name: FULL_NAME, owner: { login: OWNER, type: "Organization" }, default_branch: "main" };

export function issueCommentPayload(
  fake: FakeGitHub,
  action: "created" | "edited" | "deleted",
  comment: FakeComment,
  extra: Record<string, unknown> = {},
): any {
  const pull = [...fake.pulls.values()].find((p) => p.number === comment.issue_number)!;
  return {
    action,
    issue: {
      number: comment.issue_number,
      state: pull.state,
      title: pull.title,
      pull_request: { url: `http://fake/repos/${FULL_NAME}/pulls/${pull.number}` },
      user: { login: pull.author ?? "alice" },
    },
    comment,
    repository,
    installation: { id: INSTALLATION_ID },
    sender: comment.user,
    ...extra,
  };
}

export function reviewPayload(fake: FakeGitHub, action: "submitted" | "edited" | "dismissed", pull: FakePull, review: FakeReview): any {
  return {
    action,
    review: { ...review, body: null, html_url: "https://github.com/acme/shop/pull/7#review" },
    pull_request: fake.pullJson(FULL_NAME, pull),
    repository,
    installation: { id: INSTALLATION_ID },
    sender: review.user,
  };
}

/** The app's comments (the sticky one and its replies). */
export function appComments(fake: FakeGitHub, issueNumber: number): FakeComment[] {
  return fake.comments.filter((c) => c.issue_number === issueNumber && c.performed_via_github_app?.id === APP.id);
}

export function latestRun(fake: FakeGitHub, headSha: string) {
  return fake.checkRuns.filter((r) => r.head_sha === headSha).at(-1)!;
}
