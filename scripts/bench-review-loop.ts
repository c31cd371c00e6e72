/**
 * Review-loop figures (not a test): `npm run bench:review-loop`.
 *
 * Starts the app as its own process with the production entry point (src/server.ts under tsx, Probot's
 * Octokit with its throttling and retries, as in production) against the fake GitHub on 127.0.0.1 in this
 * process, opens a destructive-migration PR, then sends HMAC-signed `issue_comment` and `pull_request_review`
 * webhooks and prints, per kind of event: the API calls it made (reads, writes) and, for commands that flip
 * the check, the latency from the webhook's POST to the request that completes the updated check run.
 *
 * BENCH_ROUNDS (default 10): waive/unwaive pairs by a maintainer, each flipping the check.
 */
import { join } from "node:path";
import { FakeGitHub, serveFakeGitHub, type FakeComment } from "../test/github/fake-github.js";
import { configYaml, FULL_NAME, pullRequestPayload, ROOT, sha } from "../test/github/harness.js";
import { startAppProcess, untilQuiet } from "../test/helpers/app-process.js";
import { DROP_FILE, DROP_SQL, issueCommentPayload, loopConfig, reviewPayload, seedPeople, USERS_TABLE } from "../test/github/review-loop-harness.js";

const SECRET = "bench-review-loop";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

const fake = new FakeGitHub();
seedPeople(fake);
// When each request arrived, to time command -> completed check.
const arrivals: number[] = [];
const handle = fake.handle.bind(fake);
fake.handle = (...args) => {
  arrivals[fake.requests.length] = performance.now();
  return handle(...args);
};

const baseTree = { "README.md": "# shop\n", ...USERS_TABLE, ".github/archgate.yml": configYaml(loopConfig()) };
const base = fake.addCommit(sha("base", baseTree), baseTree);
fake.setDefaultBranch(FULL_NAME, base);
const headTree = { ...baseTree, [DROP_FILE]: DROP_SQL };
const pull = fake.addPull(FULL_NAME, { number: 7, base, head: fake.addCommit(sha("head", headTree), headTree) });
const github = await serveFakeGitHub(fake);

const app = await startAppProcess({ root: ROOT, command: { tsx: join(ROOT, "src", "server.ts") }, githubPort: github.port, secret: SECRET });
process.on("exit", app.kill);

async function deliver(event: string, payload: unknown): Promise<{ start: number; answered: number }> {
  const start = performance.now();
  const { status } = await app.deliver(event, payload);
  // Past the server's answer deadline: wait until the app is quiet so the event's calls are all counted.
  if (status === 202) await untilQuiet(() => fake.requests.length);
  else if (status !== 200) throw new Error(`webhook answered ${status}:\n${app.output()}`);
  return { start, answered: performance.now() };
}

interface Measured {
  reads: number;
  writes: number;
  calls: string[];
  /** Webhook POST -> the PATCH that completes the check run with a new verdict (undefined when none). */
  toCheckMs?: number;
  answeredMs: number;
}

async function measure(event: string, payload: unknown): Promise<Measured> {
  const from = fake.requests.length;
  const { start, answered } = await deliver(event, payload);
  const requests = fake.requests.slice(from).filter((r) => !r.path.startsWith("/app"));
  const completing = fake.requests.findIndex((r, i) => i >= from && r.method === "PATCH" && /check-runs\/\d+$/.test(r.path) && r.body?.conclusion);
  return {
    reads: requests.filter((r) => r.method === "GET" || r.path.endsWith("graphql")).length,
    writes: requests.filter((r) => r.method !== "GET" && !r.path.endsWith("graphql")).length,
    calls: requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{40}/, "<head>")}`),
    ...(completing >= 0 ? { toCheckMs: arrivals[completing]! - start } : {}),
    answeredMs: answered - start,
  };
}

const comment = (login: string, body: string): FakeComment => fake.addUserComment(7, login, body);
await deliver("pull_request", pullRequestPayload(fake, "opened", pull));

const results: Record<string, Measured[]> = {};
const record = (kind: string, m: Measured) => (results[kind] ??= []).push(m);

record("comment without a command", await measure("issue_comment", issueCommentPayload(fake, "created", comment("bob", "Looks good to me."))));
record(
  "unauthorised waive (author)",
  await measure("issue_comment", issueCommentPayload(fake, "created", comment("alice", "/archgate waive destructive-migration reason: mine"))),
);
for (let i = 0; i < ROUNDS; i++) {
  const waive = comment("maria", `/archgate waive destructive-migration reason: round ${i}`);
  record("waive by a maintainer (check flips to success)", await measure("issue_comment", issueCommentPayload(fake, "created", waive)));
  if (i === 0) record("redelivery of that waive (another delivery id)", await measure("issue_comment", issueCommentPayload(fake, "created", waive)));
  record(
    "unwaive by a maintainer (check flips to failure)",
    await measure("issue_comment", issueCommentPayload(fake, "created", comment("maria", "/archgate unwaive destructive-migration"))),
  );
}
record("recheck (nothing changes)", await measure("issue_comment", issueCommentPayload(fake, "created", comment("bob", "/archgate recheck"))));
record(
  "approving review",
  await measure("pull_request_review", reviewPayload(fake, "submitted", pull, fake.addReview(7, "bob", "APPROVED", pull.head))),
);

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
console.log(`review loop, app as its own process (throttling on), ${ROUNDS} waive/unwaive rounds, ${process.platform} ${process.version}`);
for (const [kind, list] of Object.entries(results)) {
  const first = list[0]!;
  const toCheck = list.map((m) => m.toCheckMs).filter((v): v is number => v !== undefined);
  const latency =
    toCheck.length > 0
      ? `; command -> completed check p50 ${pct(toCheck, 50).toFixed(0)} ms, p95 ${pct(toCheck, 95).toFixed(0)} ms (n=${toCheck.length})`
      : "";
  console.log(
    `- ${kind}: ${first.reads} reads + ${first.writes} writes${latency}; webhook answered p50 ${pct(
      list.map((m) => m.answeredMs),
      50,
    ).toFixed(0)} ms`,
  );
  if (process.env.BENCH_VERBOSE) for (const call of first.calls) console.log(`    ${call}`);
}
app.kill();
await github.close();
process.exit(0);
