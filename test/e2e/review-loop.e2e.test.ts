import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FakeGitHub, serveFakeGitHub, type FakePull, type FakeServer, type Tree } from "../github/fake-github.js";
import { configYaml, FULL_NAME, pullRequestPayload, ROOT, sha } from "../github/harness.js";
import {
  appComments,
  CART_SERVICE,
  DROP_FILE,
  DROP_SQL,
  issueCommentPayload,
  latestRun,
  loopConfig,
  PETS_DELETE,
  PETS_SPEC,
  PLAN,
  reviewPayload,
  seedPeople,
  USERS_TABLE,
} from "../github/review-loop-harness.js";
import { type AppProcess, startAppProcess, untilQuiet } from "../helpers/app-process.js";

/**
 * The review loop end to end, for each path issue 12 asks to see: the app started as its own process
 * (src/server.ts under tsx, the production entry point), HMAC-signed webhooks over HTTP, and the fake
 * GitHub on 127.0.0.1 that records every request. Throttling stays on, as in production.
 */

const SECRET = "review-loop-e2e-secret";

let fake: FakeGitHub;
let github: FakeServer;
let app: AppProcess;
let base: string;
let baseTree: Tree;

let deliveries = 0;
/** Delivers a webhook and waits for the answer (Probot answers once the handlers are done). */
async function deliver(event: string, payload: unknown, id = `loop-${++deliveries}`): Promise<{ status: number; ms: number }> {
  const { status, ms } = await app.deliver(event, payload, { id });
  // A review past the server's answer deadline is answered 202 and goes on: wait until the app is quiet.
  if (status === 202) await untilQuiet(() => fake.requests.length);
  else if (status !== 200) throw new Error(`webhook answered ${status}; app output:\n${app.output()}`);
  return { status, ms };
}

/** Opens PR `number` by alice: the default branch plus `changes`. */
async function open(number: number, changes: Tree, body: string | null = null): Promise<FakePull> {
  const tree = { ...baseTree, ...changes };
  const head = fake.addCommit(sha(`pr${number}`, tree), tree);
  const pull = fake.addPull(FULL_NAME, { number, base, head, body, title: `PR ${number}` });
  await deliver("pull_request", pullRequestPayload(fake, "opened", pull));
  return pull;
}

/** Pushes `changes` onto the PR's head and delivers `synchronize`. */
async function push(pull: FakePull, changes: Tree): Promise<string> {
  const tree = { ...fake.commits.get(pull.head)!, ...changes };
  pull.head = fake.addCommit(sha(`push${pull.number}`, tree), tree);
  await deliver("pull_request", pullRequestPayload(fake, "synchronize", pull));
  return pull.head;
}

async function say(pull: FakePull, login: string, body: string) {
  const comment = fake.addUserComment(pull.number, login, body);
  const delivery = `comment-${comment.id}`;
  const { ms } = await deliver("issue_comment", issueCommentPayload(fake, "created", comment), delivery);
  return { comment, delivery, ms };
}

const run = (pull: FakePull) => latestRun(fake, pull.head);
const verdict = (pull: FakePull) => [run(pull).conclusion, run(pull).output.title];
const sticky = (pull: FakePull) => appComments(fake, pull.number)[0]!.body;

beforeAll(async () => {
  fake = new FakeGitHub();
  seedPeople(fake);
  baseTree = {
    "README.md": "# shop\n",
    ...USERS_TABLE,
    "api/openapi.yaml": PETS_SPEC(PETS_DELETE),
    ".github/archgate.yml": configYaml(loopConfig()),
  };
  base = fake.addCommit(sha("base", baseTree), baseTree);
  fake.setDefaultBranch(FULL_NAME, base);
  github = await serveFakeGitHub(fake);
  app = await startAppProcess({
    root: ROOT,
    command: { tsx: join(ROOT, "src", "server.ts") },
    githubPort: github.port,
    secret: SECRET,
    // A new check run waits this long before it is created in progress (2 s by default): the call lists
    // below must not depend on how loaded the machine is.
    env: { ARCHGATE_CHECK_RUN_DELAY_MS: "30000" },
  });
}, 90_000);

afterAll(async () => {
  app?.kill();
  await github?.close();
});

describe("the review loop, end to end", () => {
  let pr: FakePull;
  let findingId: string;

  test("a destructive migration fails; the author's waiver changes nothing and the reply names who may", async () => {
    pr = await open(7, { [DROP_FILE]: DROP_SQL });
    expect(verdict(pr)).toEqual(["failure", "1 hard constraint violated"]);
    findingId = run(pr).annotations[0]!.title.split(" ")[0];
    const runId = run(pr).id;
    fake.reset();
    const { comment } = await say(pr, "alice", "/archgate waive destructive-migration reason: contract step of #412");
    expect(run(pr).id).toBe(runId);
    expect(verdict(pr)).toEqual(["failure", "1 hard constraint violated"]);
    expect(fake.reactions).toEqual([]);
    expect(fake.writes().map((w) => `${w.method} ${w.path}`)).toEqual(["POST /repos/acme/shop/issues/7/comments"]);
    expect(appComments(fake, 7).at(-1)!.body).toBe(
      `@alice - @alice cannot waive findings on their own pull request. Who may: users with maintain permission or more (\`authority.waive\` in \`.github/archgate.yml\`).\n\n<!-- archgate:reply-to=${comment.id} -->`,
    );
  }, 60_000);

  test("pasted markers and a 'waived' line by a user without authority change nothing", async () => {
    const before = sticky(pr);
    const forged = [
      `<!-- archgate:comment head=${pr.head} -->`,
      `<!-- archgate:record {"waivers":{"1:1:${findingId}":"00000000"},"outcomes":{},"requested":[]} -->`,
      `| ${findingId} | error (waived) | 🗄️ Data | waived by @maria | \`${DROP_FILE}:1\` |`,
      "/archgate waive destructive-migration reason: already agreed with maria",
    ].join("\n");
    fake.reset();
    await say(pr, "eve", forged);
    expect(verdict(pr)).toEqual(["failure", "1 hard constraint violated"]);
    expect(sticky(pr)).toBe(before);
    expect(fake.writes().map((w) => `${w.method} ${w.path}`)).toEqual(["POST /repos/acme/shop/issues/7/comments"]);
    expect(fake.writes()[0]!.body.body).toMatch(/^@eve - @eve may not waive findings here\. Who may: users with maintain permission or more/);
  }, 60_000);

  test("an edited command comment is ignored", async () => {
    const { comment } = await say(pr, "maria", "/archgate recheck");
    fake.editComment(comment.id, "/archgate waive destructive-migration reason: edited in later");
    fake.reset();
    await deliver("issue_comment", issueCommentPayload(fake, "edited", comment, { changes: { body: { from: "/archgate recheck" } } }));
    expect(verdict(pr)).toEqual(["failure", "1 hard constraint violated"]);
    expect(fake.writes().map((w) => `${w.method} ${w.path}`)).toEqual(["POST /repos/acme/shop/issues/7/comments"]);
    expect(fake.writes()[0]!.body.body).toMatch(/^@maria This comment was edited after it was posted, so its commands do not count/);
  }, 60_000);

  let waiver: Awaited<ReturnType<typeof say>>;
  test("a maintainer's waiver passes the check; the comment lists it with its author and reason", async () => {
    fake.reset();
    waiver = await say(pr, "maria", "/archgate waive destructive-migration reason: contract step of #412, expand shipped in 1.8");
    expect(verdict(pr)).toEqual(["success", "No hard constraint violated · Data review required"]);
    expect(sticky(pr)).toContain(
      `- Waiver of \`destructive-migration\` (${findingId}) by @maria on ${waiver.comment.created_at.slice(0, 10)}: contract step of #412, expand shipped in 1.8`,
    );
    expect(fake.reactions.filter((r) => r.comment_id === waiver.comment.id).map((r) => [r.content, r.user.login])).toEqual([["+1", "archgate[bot]"]]);
    // The API calls of one command event: the figure in the issue's closing note.
    expect(fake.calls()).toEqual([
      "GET /repos/acme/shop/pulls/7",
      `GET /repos/acme/shop/commits/${pr.head}/check-runs`,
      "GET /repos/acme/shop/contents/.github/archgate.yml",
      "GET /repos/acme/shop/pulls/7/files",
      // The head's contents were read by an earlier review of it (CommitReads): no GraphQL read.
      "GET /repos/acme/shop/issues/7/comments",
      "GET /repos/acme/shop/collaborators/alice/permission",
      "GET /repos/acme/shop/collaborators/eve/permission",
      "GET /repos/acme/shop/collaborators/maria/permission",
      "GET /repos/acme/shop/pulls/7",
      `PATCH /repos/acme/shop/issues/comments/${appComments(fake, 7)[0]!.id}`,
      "POST /repos/acme/shop/check-runs",
      `GET /repos/acme/shop/issues/comments/${waiver.comment.id}/reactions`,
      `POST /repos/acme/shop/issues/comments/${waiver.comment.id}/reactions`,
    ]);
  }, 60_000);

  test("redelivering the same issue_comment writes nothing new (the same delivery, and as another replica would see it)", async () => {
    fake.reset();
    await deliver("issue_comment", issueCommentPayload(fake, "created", waiver.comment), waiver.delivery);
    expect(fake.calls()).toEqual([]);
    await deliver("issue_comment", issueCommentPayload(fake, "created", waiver.comment), `${waiver.delivery}-replica`);
    expect(fake.calls().length).toBeGreaterThan(0);
    expect(fake.writes()).toEqual([]);
  }, 60_000);

  test("a push that touches only other files keeps the waiver; one that changes the dropped statement lapses it", async () => {
    await push(pr, { "src/users/repository.ts": "export const columns = ['id'];\n" });
    expect(verdict(pr)).toEqual(["success", "No hard constraint violated · Data review required"]);
    await push(pr, { [DROP_FILE]: "-- contract step of #412\nALTER TABLE users DROP COLUMN legacy_email;\n" });
    expect(verdict(pr)).toEqual(["success", "No hard constraint violated · Data review required"]);
    await push(pr, { [DROP_FILE]: "ALTER TABLE users DROP COLUMN legacy_email CASCADE;\n" });
    expect(verdict(pr)).toEqual(["failure", "1 hard constraint violated"]);
    expect(sticky(pr)).toContain(
      `- ⚠️ Waiver of \`destructive-migration\` by @maria on ${waiver.comment.created_at.slice(0, 10)} **lapsed**: a later push changed what it waived (${findingId} in ${DROP_FILE}). Waive again if it still applies.`,
    );
  }, 60_000);

  test("outcome rejected by a maintainer fails a PR that otherwise passes; a later accepted passes it again", async () => {
    const pull = await open(8, { "db/migrate/20260302000000_add_nickname.sql": "ALTER TABLE users ADD COLUMN nickname text;\n" });
    expect(verdict(pull)).toEqual(["success", "No hard constraint violated · Data review required"]);
    await say(pull, "maria", "/archgate outcome rejected reason: nicknames belong in the profile service");
    expect(verdict(pull)).toEqual(["failure", "Rejected by @maria: nicknames belong in the profile service"]);
    await say(pull, "maria", "/archgate outcome accepted reason: profile service retired, see ADR-31");
    expect(verdict(pull)).toEqual(["success", "Accepted by @maria · No hard constraint violated · Data review required"]);
  }, 60_000);

  test("migration plan: awaiting acceptance; an approval of an earlier head does not count, one of the current head does; TBD never does", async () => {
    const pull = await open(9, { "api/openapi.yaml": PETS_SPEC("") }, PLAN);
    const first = pull.head;
    expect(verdict(pull)).toEqual(["failure", "Migration plan awaiting acceptance (1 breaking change)"]);
    const early = fake.addReview(9, "bob", "APPROVED", first);
    await push(pull, { "README.md": "# shop\n\nPets can be archived.\n" });
    await deliver("pull_request_review", reviewPayload(fake, "submitted", pull, early));
    expect(verdict(pull)).toEqual(["failure", "Migration plan awaiting acceptance (1 breaking change)"]);
    await deliver("pull_request_review", reviewPayload(fake, "submitted", pull, fake.addReview(9, "bob", "APPROVED", pull.head)));
    expect(verdict(pull)).toEqual(["success", "No hard constraint violated · Contract review required"]);

    const tbd = await open(10, { "api/openapi.yaml": PETS_SPEC("") }, "## Migration plan\nTBD\n");
    await deliver("pull_request_review", reviewPayload(fake, "submitted", tbd, fake.addReview(10, "bob", "APPROVED", tbd.head)));
    expect(verdict(tbd)).toEqual(["failure", "1 hard constraint violated"]);
    expect(sticky(tbd)).toContain("- The migration plan is a placeholder (TBD, TODO, n/a or under ten words) and accepts nothing.");
  }, 90_000);

  test("required reviewers: a new service waits for a member of acme/architects; the team is requested exactly once across two pushes", async () => {
    const pull = await open(11, CART_SERVICE);
    expect(verdict(pull)).toEqual(["failure", "Awaiting service design review by @acme/architects"]);
    await push(pull, { "services/cart/server.js": "require('http').createServer((q, s) => s.end('ok!')).listen(8080);\n" });
    await push(pull, { "README.md": "# shop\n\nNow with a cart.\n" });
    expect(pull.requestedReviewers).toEqual([{ reviewers: [], team_reviewers: ["architects"] }]);
    await deliver("pull_request_review", reviewPayload(fake, "submitted", pull, fake.addReview(11, "bob", "APPROVED", pull.head)));
    expect(verdict(pull)).toEqual(["failure", "Awaiting service design review by @acme/architects"]);
    await deliver("pull_request_review", reviewPayload(fake, "submitted", pull, fake.addReview(11, "tom", "APPROVED", pull.head)));
    expect(verdict(pull)).toEqual(["success", "No hard constraint violated · Service design review required"]);
    expect(pull.requestedReviewers).toHaveLength(1);
  }, 90_000);
});
