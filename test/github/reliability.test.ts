import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { classify, DEFAULT_RETRY_POLICY, retrying } from "../../src/github/retry.js";
import { BudgetExceeded, withinBudget } from "../../src/github/budget.js";
import { FakeGitHub } from "./fake-github.js";
import { isolatedConfig, pullRequestPayload, push, seedRepo, startTestApp, type TestApp } from "./harness.js";

/**
 * The app through Probot (in process) against the fake GitHub, with faults injected: whatever fails, the
 * check run ends completed and says why, and nothing is written twice or for the wrong head. Retry
 * delays are shortened through the app's own settings (the policy itself is the production one).
 */
const env = {
  ARCHGATE_RETRY_BASE_MS: "20",
  ARCHGATE_RETRY_BUDGET_MS: "5000",
  ARCHGATE_REQUEST_TIMEOUT_MS: "400",
  ARCHGATE_SWEEP_INTERVAL_MS: "300",
  // The run is created in progress at once, so the update path (what fails here) is taken.
  ARCHGATE_CHECK_RUN_DELAY_MS: "0",
};

let t: TestApp;
beforeEach(async () => {
  Object.assign(process.env, env);
  t = await startTestApp(new FakeGitHub());
});
afterEach(async () => {
  for (const key of [...Object.keys(env), "ARCHGATE_REVIEW_TIMEOUT_MS"]) delete process.env[key];
  await t.close();
});

const runs = () => t.fake.checkRuns.map((r) => [r.head_sha.slice(0, 4), r.status, r.conclusion, r.output.title]);
const appComments = () => t.fake.comments.filter((c) => c.user.login === "archgate[bot]");
const payments = () => seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
const PASS = "No hard constraint violated · Architecture decision record required";

describe("check run writes are retried", () => {
  test("502 twice on the update: the third attempt completes the run", async () => {
    const repo = payments();
    t.fake.faults = [{ route: /^PATCH \/repos\/acme\/shop\/check-runs\//, status: 502, body: { message: "Bad Gateway" }, times: 2 }];
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "success", PASS]]);
    expect(t.fake.calls().filter((c) => c.startsWith("PATCH /repos/acme/shop/check-runs/"))).toHaveLength(3);
    expect(appComments()).toHaveLength(1);
  });

  test("a hung update times out per attempt and is tried again", async () => {
    const repo = payments();
    t.fake.faults = [{ route: /^PATCH \/repos\/acme\/shop\/check-runs\//, hang: true, times: 1 }];
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "success", PASS]]);
  });

  test("a secondary rate limit on the create waits for retry-after and goes on", async () => {
    const repo = payments();
    t.fake.faults = [
      {
        route: /^POST \/repos\/acme\/shop\/check-runs$/,
        status: 403,
        headers: { "retry-after": "1" },
        body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." },
        times: 1,
      },
    ];
    const started = Date.now();
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "success", PASS]]);
    expect(t.fake.calls().filter((c) => c === "POST /repos/acme/shop/check-runs")).toHaveLength(2);
  });

  test("listing the check runs fails for good: the run is created with the verdict at the end", async () => {
    const repo = payments();
    t.fake.faults = [{ route: /^GET \/repos\/acme\/shop\/commits\/[0-9a-f]+\/check-runs$/, status: 500 }];
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "success", PASS]]);
  });

  test("a create answered 502 after GitHub made the run: the run is found and taken over, not made twice", async () => {
    const repo = payments();
    // The fake creates the run, then the "gateway" loses the answer.
    const handle = t.fake.handle.bind(t.fake);
    let lost = false;
    t.fake.handle = async (method, url, headers, body) => {
      const reply = await handle(method, url, headers, body);
      if (!lost && method === "POST" && url.endsWith("/check-runs")) {
        lost = true;
        return { status: 502, body: { message: "Bad Gateway" } };
      }
      return reply;
    };
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "success", PASS]]);
  });

  test("updates failing for good: the run is completed by the sweep once GitHub answers again", async () => {
    const repo = payments();
    t.fake.faults = [{ route: /^PATCH \/repos\/acme\/shop\/check-runs\//, status: 500 }];
    await expect(t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull))).rejects.toThrow();
    expect(runs()).toEqual([[repo.head.slice(0, 4), "in_progress", null, "Reviewing…"]]);
    t.fake.faults = [];
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "success", PASS]]);
  });

  test("updates failing for good: the next review of the PR completes the older head's run first", async () => {
    process.env.ARCHGATE_SWEEP_INTERVAL_MS = "600000";
    await t.close();
    t = await startTestApp(new FakeGitHub());
    const repo = payments();
    const first = repo.head;
    t.fake.faults = [{ route: /^PATCH \/repos\/acme\/shop\/check-runs\//, status: 500 }];
    await expect(t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull))).rejects.toThrow();
    t.fake.faults = [];
    push(repo, { "README.md": "more\n" });
    await t.receive("pull_request", pullRequestPayload(t.fake, "synchronize", repo.pull));
    expect(runs()).toEqual([
      [first.slice(0, 4), "completed", "success", PASS],
      [repo.head.slice(0, 4), "completed", "success", PASS],
    ]);
  });
});

describe("a review that cannot finish fails its check, with the reason", () => {
  test("past the time budget", async () => {
    process.env.ARCHGATE_REVIEW_TIMEOUT_MS = "700";
    process.env.ARCHGATE_REQUEST_TIMEOUT_MS = "60000";
    await t.close();
    t = await startTestApp(new FakeGitHub());
    const repo = payments();
    t.fake.faults = [{ route: /^GET \/repos\/acme\/shop\/pulls\/7\/files$/, hang: true }];
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "failure", "Review could not run: the review time budget of 0.7 s ran out"]]);
    expect(t.fake.comments).toEqual([]);
  });

  test("a 5xx that lasts: the status is the reason, after the retries", async () => {
    const repo = payments();
    t.fake.faults = [{ route: /^GET \/repos\/acme\/shop\/pulls\/7\/files$/, status: 502, body: { message: "Bad Gateway" } }];
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "failure", "Review could not run: GitHub API error 502: Bad Gateway"]]);
    expect(t.fake.calls().filter((c) => c === "GET /repos/acme/shop/pulls/7/files")).toHaveLength(DEFAULT_RETRY_POLICY.maxAttempts);
    expect(t.fake.writes().filter((w) => !w.path.includes("check-runs"))).toEqual([]);
  });
});

describe("writes only for an open PR at the head reviewed", () => {
  test("closed after the event was sent: the check completes, no comment and no labels", async () => {
    const repo = payments();
    const payload = pullRequestPayload(t.fake, "opened", repo.pull);
    repo.pull.state = "closed";
    await t.receive("pull_request", payload);
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "success", PASS]]);
    expect(t.fake.checkRuns[0]!.output.summary).toContain("The pull request was closed meanwhile; no comment or labels were written.");
    expect(t.fake.comments).toEqual([]);
    expect(repo.pull.labels).toEqual([]);
  });

  test("an event for an older head after the newer one: no check run on the old commit", async () => {
    const repo = payments();
    const old = pullRequestPayload(t.fake, "opened", repo.pull);
    old.pull_request.updated_at = "2026-01-01T10:00:00Z";
    push(repo, { "README.md": "x\n" });
    const newer = pullRequestPayload(t.fake, "synchronize", repo.pull);
    newer.pull_request.updated_at = "2026-01-01T10:05:00Z";
    await t.receive("pull_request", newer);
    t.fake.reset();
    await t.receive("pull_request", old);
    expect(t.fake.calls()).toEqual([]);
    expect(runs()).toEqual([[repo.head.slice(0, 4), "completed", "success", PASS]]);
  });

  test("a replayed delivery (same id) is answered without a single API call", async () => {
    const repo = payments();
    const payload = pullRequestPayload(t.fake, "opened", repo.pull);
    await t.probot.receive({ id: "replayed-1", name: "pull_request", payload });
    t.fake.reset();
    await t.probot.receive({ id: "replayed-1", name: "pull_request", payload });
    expect(t.fake.calls({ all: true })).toEqual([]);
    expect(appComments()).toHaveLength(1);
  });
});

describe("the retry policy", () => {
  test.each([
    [{ status: 502 }, "transient"],
    [{ status: 500, name: "HttpError", message: "The operation was aborted due to timeout" }, "transient"],
    [{ status: 404 }, "permanent"],
    [{ status: 422 }, "permanent"],
    [{ status: 403, message: "Resource not accessible by integration" }, "permanent"],
  ])("%j is %s", (error, kind) => {
    expect(classify(error, DEFAULT_RETRY_POLICY).kind).toBe(kind);
  });

  test("rate limits: retry-after, the reset time, the secondary fallback", () => {
    const now = 1_900_000_000_000;
    expect(classify({ status: 403, response: { headers: { "retry-after": "3" } } }, DEFAULT_RETRY_POLICY, now)).toEqual({
      kind: "rate-limit",
      waitMs: 3000,
    });
    expect(
      classify(
        { status: 403, response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1900000010" } } },
        DEFAULT_RETRY_POLICY,
        now,
      ),
    ).toEqual({ kind: "rate-limit", waitMs: 11_000 });
    expect(classify({ status: 403, message: "You have exceeded a secondary rate limit" }, DEFAULT_RETRY_POLICY, now)).toEqual({
      kind: "rate-limit",
      waitMs: 60_000,
    });
  });

  test("a wait that would end past the budget is not started: the rate limit is thrown at once", async () => {
    const error = { status: 403, message: "rate", response: { headers: { "retry-after": "30" } } };
    let calls = 0;
    const started = Date.now();
    await expect(
      retrying(
        async () => {
          calls++;
          throw error;
        },
        { ...DEFAULT_RETRY_POLICY, budgetMs: 2_000 },
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test("a create (unsafe to repeat) is not sent again after a 5xx", async () => {
    let calls = 0;
    await expect(
      retrying(
        async () => {
          calls++;
          throw { status: 502 };
        },
        { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1 },
        { unsafe: true },
      ),
    ).rejects.toEqual({ status: 502 });
    expect(calls).toBe(1);
  });
});

describe("the review budget", () => {
  test("memory: past it the review stops with the figure", async () => {
    const hold: Buffer[] = [];
    const error = await withinBudget({ timeMs: 10_000, memoryMb: 1, sampleMs: 20 }, async () => {
      hold.push(Buffer.alloc(1));
      await new Promise((resolve) => setTimeout(resolve, 500));
      return "done";
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceeded);
    expect((error as BudgetExceeded).message).toMatch(/^the review memory budget of 1 MB ran out \(\d+ MB of heap in use\)$/);
  });

  test("within it the result comes back", async () => {
    expect(await withinBudget({ timeMs: 1_000, memoryMb: 100_000 }, async () => 42)).toBe(42);
  });
});
