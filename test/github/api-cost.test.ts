import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { GRAPHQL_BATCH, githubChange } from "../../src/github/change-source.js";
import { CommitReads } from "../../src/github/commit-reads.js";
import { reviewPullRequest, targetFromPullRequest } from "../../src/github/review.js";
import type { RuleModule } from "../../src/engine/types.js";
import { testRule } from "../helpers/modules.js";
import { APP, FakeGitHub, type Tree } from "./fake-github.js";
import { forbiddenRule, FULL_NAME, isolatedConfig, OWNER, paymentsTrigger, push, REPO, seedRepo, startTestApp, type TestApp } from "./harness.js";

/**
 * What one review costs in GitHub API calls, listed by route: every content read goes through GraphQL,
 * up to 250 files per request (GRAPHQL_BATCH), whatever the size of the pull request; the check run is written once when
 * the review ends before its start delay. The review reads every changed file at head (a test rule
 * that, like the code rules, reads each file's text).
 */
let t: TestApp;
beforeEach(async () => {
  t = await startTestApp(new FakeGitHub());
});
afterEach(() => t.close());

function review(options: { checkRunDelayMs?: number; commitReads?: CommitReads; rules?: RuleModule[] } = {}) {
  return reviewPullRequest(t.octokit, targetFromPullRequest(OWNER, REPO, t.fake.pullJson(FULL_NAME, t.fake.pulls.get(`${FULL_NAME}#7`)!)), {
    identity: async () => APP,
    engine: { rules: options.rules ?? [forbiddenRule], triggers: [paymentsTrigger] },
    checkRunDelayMs: options.checkRunDelayMs ?? 60_000,
    ...(options.commitReads ? { commitReads: options.commitReads } : {}),
  });
}

/** Calls grouped by route ("METHOD /path" with shas and numbers folded), in order of first use. */
function byRoute(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of t.fake.calls()) {
    const key = call.replace(/[0-9a-f]{40}/g, "{sha}").replace(/\/contents\/(?!\.github).+$/, "/contents/{path}");
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Files asked for by each GraphQL request, in order. */
function graphqlSizes(): number[] {
  return t.fake.requests.filter((r) => r.path === "/graphql").map((r) => Object.keys(r.body.variables).length - 2);
}

/** `n` TypeScript files under src/payments/, modified by the PR (a codemod). */
function codemod(n: number): { base: Tree; head: Tree } {
  const base: Tree = {};
  const head: Tree = {};
  for (let i = 0; i < n; i++) {
    const path = `src/payments/m${String(i).padStart(4, "0")}.ts`;
    base[path] = `import { log } from "../legacy/log";\nexport const f${i} = () => log(${i});\n`;
    head[path] = `import { log } from "@acme/log";\nexport const f${i} = () => log(${i});\n`;
  }
  return { base, head };
}

const seed = (trees: { base: Tree; head: Tree }) => seedRepo(t.fake, { ...trees, config: isolatedConfig() });

const WRITES = {
  "GET /repos/acme/shop/issues/7/comments": 1,
  "GET /repos/acme/shop/pulls/7": 1,
  "POST /repos/acme/shop/issues/7/comments": 1,
  "POST /repos/acme/shop/labels": 1,
  "POST /repos/acme/shop/issues/7/labels": 1,
  "POST /repos/acme/shop/check-runs": 1,
};

describe("API calls per review, by route", () => {
  test("a 20-file PR (18 sources, a YAML file, a README): 12 calls, one GraphQL request for 20 contents", async () => {
    const { base, head } = codemod(18);
    base["config/app.yaml"] = "retries: 3\n";
    head["config/app.yaml"] = "retries: 5\n";
    head["README.md"] = "# shop\n";
    seed({ base, head });
    const outcome = await review();
    expect(outcome.conclusion).toBe("success");
    expect(byRoute()).toEqual({
      "GET /repos/acme/shop/commits/{sha}/check-runs": 1,
      "GET /repos/acme/shop/contents/.github/archgate.yml": 1,
      "GET /repos/acme/shop/pulls/7/files": 1,
      // The YAML file's base version (announced with the heads) is read at the merge base.
      "GET /repos/acme/shop/compare/{sha}...{sha}": 1,
      // 19 heads and the YAML file's base: the engine announced them (README is documentation: not announced).
      "POST /graphql": 1,
      "GET /repos/acme/shop/contents/{path}": 1,
      ...WRITES,
    });
    const graphql = t.fake.requests.find((r) => r.path === "/graphql")!;
    expect(Object.keys(graphql.body.variables)).toHaveLength(2 + 20);
    expect(t.fake.checkRuns.map((r) => [r.status, r.conclusion])).toEqual([["completed", "success"]]);
  });

  test("a 1,000-file PR: 23 calls (10 pages of files, 5 GraphQL requests for 1,000 contents)", async () => {
    seed(codemod(1000));
    expect((await review()).conclusion).toBe("success");
    expect(byRoute()).toEqual({
      "GET /repos/acme/shop/commits/{sha}/check-runs": 1,
      "GET /repos/acme/shop/contents/.github/archgate.yml": 1,
      "GET /repos/acme/shop/pulls/7/files": 10,
      // 600 announced by the engine, the other 400 read ahead in list order as the rule reaches them.
      "POST /graphql": 5,
      ...WRITES,
    });
    expect(graphqlSizes()).toEqual([250, 250, 100, 250, 150]);
  });

  test("a 3,000-file PR: 51 calls (30 pages of files, 13 GraphQL requests for 3,000 contents)", async () => {
    seed(codemod(3000));
    expect((await review()).conclusion).toBe("success");
    expect(byRoute()).toEqual({
      "GET /repos/acme/shop/commits/{sha}/check-runs": 1,
      "GET /repos/acme/shop/contents/.github/archgate.yml": 1,
      "GET /repos/acme/shop/pulls/7/files": 30,
      "POST /graphql": 13,
      ...WRITES,
    });
    expect(graphqlSizes()).toEqual([250, 250, 100, ...new Array(9).fill(250), 150]);
  }, 30_000);

  test("a 3,500-file PR (past the files API's 3,000): 56 calls, the rest of the list from two git trees, 15 GraphQL requests", async () => {
    seed(codemod(3500));
    // The two trees listed to complete the file list also answer a rule that lists the paths of both sides.
    const lister = testRule({ id: "test-lister" }, async (ctx) => {
      expect(await ctx.paths("head")).toHaveLength(3501);
      expect(await ctx.paths("base")).toHaveLength(3501);
    });
    expect((await review({ rules: [forbiddenRule, lister] })).conclusion).toBe("success");
    expect(byRoute()).toEqual({
      "GET /repos/acme/shop/commits/{sha}/check-runs": 1,
      "GET /repos/acme/shop/contents/.github/archgate.yml": 1,
      "GET /repos/acme/shop/pulls/7/files": 30,
      "GET /repos/acme/shop/compare/{sha}...{sha}": 1,
      "GET /repos/acme/shop/git/trees/{sha}": 2,
      "POST /graphql": 15,
      ...WRITES,
    });
  }, 30_000);
});

describe("reviews in one process share what a commit holds (the App's CommitReads)", () => {
  test("the same head again reads no content and no merge base; a push reads the merge base's files no more", async () => {
    const { base, head } = codemod(18);
    base["config/app.yaml"] = "retries: 3\n";
    head["config/app.yaml"] = "retries: 5\n";
    head["README.md"] = "# shop\n";
    const repo = seed({ base, head });
    const commitReads = new CommitReads();
    await review({ commitReads });
    const graphqlVariables = () => Object.keys(t.fake.requests.find((r) => r.path === "/graphql")!.body.variables).length;
    expect(graphqlVariables()).toBe(2 + 20);
    t.fake.reset();
    // A redelivery, a command comment or an approval: same head, same merge base.
    expect((await review({ commitReads })).conclusion).toBe("success");
    expect(byRoute()).toEqual({
      "GET /repos/acme/shop/commits/{sha}/check-runs": 1,
      "GET /repos/acme/shop/contents/.github/archgate.yml": 1,
      "GET /repos/acme/shop/pulls/7/files": 1,
      "GET /repos/acme/shop/issues/7/comments": 1,
    });
    t.fake.reset();
    push(repo, { "src/payments/m0001.ts": "export const f1 = 1;\n" });
    expect((await review({ commitReads })).conclusion).toBe("success");
    // The new head's merge base is asked; the YAML file's base version is not read again.
    expect(byRoute()["GET /repos/acme/shop/compare/{sha}...{sha}"]).toBe(1);
    expect(graphqlVariables()).toBe(2 + 19);
    expect(Object.values(t.fake.requests.find((r) => r.path === "/graphql")!.body.variables)).not.toContain(`${repo.base}:config/app.yaml`);
  });
});

/** The "<side>:<path>" of every file the GraphQL requests asked for, in order. */
function graphqlReads(repo: { base: string; head: string }): string[] {
  return t.fake.requests
    .filter((r) => r.path === "/graphql")
    .flatMap((r) => Object.values(r.body.variables as Record<string, string>).slice(2))
    .map((e) => `${e.startsWith(repo.base) ? "base" : e.startsWith(repo.head) ? "head" : "?"}:${e.slice(41)}`);
}

describe("read-ahead at base: removed files with removed files, the others with the others", () => {
  /** 300 sources of which every 30th is removed by the PR. */
  function codemodRemoving(): { base: Tree; head: Tree; removed: string[]; modified: string[] } {
    const { base, head } = codemod(300);
    const removed: string[] = [];
    for (const path of Object.keys(head).filter((_, i) => i % 30 === 7)) {
      head[path] = "\0DELETE";
      removed.push(path);
    }
    return { base, head, removed, modified: Object.keys(base).filter((p) => !removed.includes(p)) };
  }

  test("a rule that reads what the PR deletes asks for the 10 removed sources in one request, no modified file's base", async () => {
    const trees = codemodRemoving();
    const repo = seed(trees);
    const deletedExports = testRule({ id: "test-deleted-exports" }, async (ctx) => {
      for (const file of ctx.files.filter((f) => f.status === "removed")) await ctx.text("base", file.path);
    });
    expect((await review({ rules: [deletedExports] })).conclusion).toBe("success");
    // The heads are announced up front (likely reads); at base only the removed files, in one request.
    expect(graphqlReads(repo).filter((r) => r.startsWith("base:"))).toEqual(trees.removed.map((p) => `base:${p}`));
    expect(t.fake.requests.filter((r) => r.path === "/graphql" && JSON.stringify(r.body.variables).includes(`${repo.base}:`))).toHaveLength(1);
  });

  test("a rule that diffs modified files reads their base versions a batch at a time, without the removed ones", async () => {
    const trees = codemodRemoving();
    const repo = seed(trees);
    const diffing = testRule({ id: "test-diffing" }, async (ctx) => {
      for (const file of ctx.files.filter((f) => f.status === "modified")) await ctx.text("base", file.path);
    });
    expect((await review({ rules: [diffing] })).conclusion).toBe("success");
    expect(graphqlReads(repo).filter((r) => r.startsWith("base:"))).toEqual(trees.modified.map((p) => `base:${p}`));
    const baseRequests = t.fake.requests.filter((r) => r.path === "/graphql" && JSON.stringify(r.body.variables).includes(`${repo.base}:`));
    expect(baseRequests).toHaveLength(Math.ceil(trees.modified.length / GRAPHQL_BATCH));
  });
});

describe("the head's paths from the merge base's tree and the file list", () => {
  const lister = (readBase: boolean) =>
    testRule({ id: "test-lister" }, async (ctx) => {
      if (readBase) await ctx.text("base", "config/app.yaml");
      await ctx.paths("head");
      await ctx.paths("base");
    });
  const trees = () => {
    const { base, head } = codemod(5);
    base["config/app.yaml"] = "retries: 3\n";
    head["config/app.yaml"] = "retries: 5\n";
    head["src/payments/m0001.ts"] = "\0DELETE";
    head["src/payments/new.ts"] = "export const n = 1;\n";
    return { base, head };
  };

  test("once a base read asked for the merge base, one tree (the merge base's) gives the paths of both sides", async () => {
    const repo = seed(trees());
    let listed: string[] = [];
    const rule = testRule({ id: "test-lister" }, async (ctx) => {
      await ctx.text("base", "config/app.yaml");
      listed = await ctx.paths("head");
      await ctx.paths("base");
    });
    expect((await review({ rules: [rule] })).conclusion).toBe("success");
    expect(listed).toEqual(Object.keys(t.fake.commits.get(repo.head)!).sort());
    expect(t.fake.calls().filter((c) => c.includes("/git/trees/"))).toEqual([`GET /repos/acme/shop/git/trees/${repo.base}`]);
  });

  test("without a base read the head's tree is listed (no merge base asked for it), and the base's when it is needed", async () => {
    const repo = seed(trees());
    expect((await review({ rules: [lister(false)] })).conclusion).toBe("success");
    expect(t.fake.calls().filter((c) => c.includes("/git/trees/") || c.includes("/compare/"))).toEqual([
      `GET /repos/acme/shop/git/trees/${repo.head}`,
      `GET /repos/acme/shop/compare/${repo.base}...${repo.head}`,
      `GET /repos/acme/shop/git/trees/${repo.base}`,
    ]);
  });

  test("once the merge base's tree is kept, the head's tree is not listed: the same paths come from the changed files", async () => {
    const repo = seed({
      base: { "src/a.ts": "a\n", "src/old-name.ts": "b\n", "src/gone.ts": "c\n", "docs/x.md": "x\n" },
      head: { "src/a.ts": "a2\n", "src/new-name.ts": "b\n", "src/old-name.ts": "\0DELETE", "src/gone.ts": "\0DELETE", "src/added.ts": "d\n" },
    });
    repo.pull.renames = { "src/new-name.ts": "src/old-name.ts" };
    const pr = targetFromPullRequest(OWNER, REPO, t.fake.pullJson(FULL_NAME, t.fake.pulls.get(`${FULL_NAME}#7`)!));
    const commitReads = new CommitReads();
    const listed = await (await githubChange(t.octokit, pr, { commitReads })).listPaths("head");
    const first = await githubChange(t.octokit, pr, { commitReads });
    await first.listPaths("base");
    t.fake.reset();
    const second = await githubChange(t.octokit, pr, { commitReads });
    await second.read("base", "src/a.ts", { maxBytes: 1 << 20 });
    expect(await second.listPaths("head")).toEqual(listed);
    expect(listed).toEqual([".github/archgate.yml", "docs/x.md", "src/a.ts", "src/added.ts", "src/new-name.ts"]);
    expect(t.fake.calls().filter((c) => c.includes("/git/trees/"))).toEqual([]);
  });
});

describe("reads that fail: the review fails closed and names the file", () => {
  test("one blob GitHub could not serve in a batch is read again through REST; the others come from the batch", async () => {
    seed(codemod(5));
    t.fake.graphqlFailures.add(`${t.fake.pulls.get(`${FULL_NAME}#7`)!.head}:src/payments/m0003.ts`);
    expect((await review()).conclusion).toBe("success");
    expect(t.fake.calls().filter((c) => c.includes("/contents/src/"))).toEqual(["GET /repos/acme/shop/contents/src/payments/m0003.ts"]);
    expect(t.fake.calls().filter((c) => c === "POST /graphql")).toHaveLength(1);
  });

  test("a file neither GraphQL nor REST can serve: the check fails as could-not-run, naming the file, and nothing else is written", async () => {
    const repo = seed(codemod(5));
    t.fake.graphqlFailures.add(`${repo.head}:src/payments/m0003.ts`);
    t.fake.faults = [{ route: /^GET \/repos\/acme\/shop\/contents\/src\/payments\/m0003\.ts$/, status: 500, body: { message: "Server Error" } }];
    const outcome = await review();
    expect(outcome.conclusion).toBe("failure");
    const run = t.fake.checkRuns.at(-1)!;
    expect(run.status).toBe("completed");
    expect(run.output.summary).toContain("src/payments/m0003.ts");
    expect(t.fake.writes().map((w) => `${w.method} ${w.path}`)).toEqual(["POST /repos/acme/shop/check-runs"]);
  });
});

describe("the check run: one write when the review ends within the start delay, two otherwise", () => {
  test("a review that outlasts the delay shows its run in progress, then completes it", async () => {
    seed(codemod(3));
    const slow = {
      ...forbiddenRule,
      evaluate: async (ctx: any) => {
        await new Promise((r) => setTimeout(r, 300));
        return forbiddenRule.evaluate(ctx);
      },
    };
    const outcome = await reviewPullRequest(
      t.octokit,
      targetFromPullRequest(OWNER, REPO, t.fake.pullJson(FULL_NAME, t.fake.pulls.get(`${FULL_NAME}#7`)!)),
      {
        identity: async () => APP,
        engine: { rules: [slow as typeof forbiddenRule], triggers: [paymentsTrigger] },
        checkRunDelayMs: 50,
      },
    );
    expect(outcome.conclusion).toBe("success");
    const checkWrites = t.fake.writes().filter((w) => w.path.includes("check-runs"));
    expect(checkWrites.map((w) => [w.method, w.body.status ?? null])).toEqual([
      ["POST", "in_progress"],
      ["PATCH", "completed"],
    ]);
  });

  test("writes that outlast the delay after the verdict is known: the run is still created once, completed", async () => {
    seed(codemod(3));
    // The verdict comes well within the delay (also on a busy machine), the comment's write well after it.
    t.fake.faults = [{ route: /^POST \/repos\/acme\/shop\/issues\/7\/comments$/, delayMs: 1_000 }];
    expect((await review({ checkRunDelayMs: 400 })).conclusion).toBe("success");
    const checkWrites = t.fake.writes().filter((w) => w.path.includes("check-runs"));
    expect(checkWrites.map((w) => [w.method, w.body.status, w.body.conclusion])).toEqual([["POST", "completed", "success"]]);
  });
});
