import { describe, expect, test } from "vitest";
import { isOwnComment } from "../../src/github/comment.js";
import { mergeConfig } from "../../src/github/config.js";
import { KnownLabels, planLabels } from "../../src/github/labels.js";
import { asGraphqlRead, describeApiError, inGraphqlRead, serialByKey } from "../../src/github/octokit.js";
import { fromScope, runInScope, ScopeKey } from "../../src/github/scope.js";

import type { Report } from "../../src/engine/types.js";
import { defaultConfig } from "../../src/builtins.js";

const APP = { id: 123, slug: "archgate" };
const MARKER = "<!-- archgate:comment head=abcdef1 -->\nbody";

describe("isOwnComment", () => {
  const cases: Array<[string, Parameters<typeof isOwnComment>[0], boolean]> = [
    ["the app's comment (bot login)", { id: 1, body: MARKER, user: { login: "archgate[bot]", type: "Bot" } }, true],
    [
      "the app's comment (performed_via_github_app id)",
      { id: 1, body: MARKER, user: { login: "x", type: "Bot" }, performed_via_github_app: { id: 123 } },
      true,
    ],
    ["the app's comment without the marker", { id: 1, body: "hello", user: { login: "archgate[bot]", type: "Bot" } }, false],
    ["a person quoting the marker", { id: 1, body: MARKER, user: { login: "alice", type: "User" } }, false],
    [
      "another app with the marker",
      { id: 1, body: MARKER, user: { login: "copycat[bot]", type: "Bot" }, performed_via_github_app: { id: 9, slug: "copycat" } },
      false,
    ],
    ["an empty body", { id: 1, body: null, user: { login: "archgate[bot]", type: "Bot" } }, false],
  ];
  test.each(cases)("%s", (_name, comment, expected) => expect(isOwnComment(comment, APP)).toBe(expected));
});

describe("mergeConfig: mappings merge, lists and scalars of the later file replace", () => {
  test.each([
    [{ a: { b: 1, c: 2 } }, { a: { c: 3 } }, { a: { b: 1, c: 3 } }],
    [{ ignorePaths: ["a/**"] }, { ignorePaths: ["b/**"] }, { ignorePaths: ["b/**"] }],
    [{ rules: { x: "error" } }, { rules: { x: { severity: "warning" } } }, { rules: { x: { severity: "warning" } } }],
    [{ labels: { enabled: true } }, { labels: null }, { labels: null }],
  ])("%j + %j", (base, override, expected) => expect(mergeConfig(base, override as Record<string, unknown>)).toEqual(expected));
});

describe("planLabels", () => {
  const report = (types: Array<"contract" | "adr">) => ({ reviewTypes: types.map((id) => ({ id, title: id })) }) as unknown as Report;
  const config = defaultConfig();
  test.each([
    [["contract"], [], { add: ["arch-review: contract"], remove: [] }],
    [["contract"], ["arch-review: contract"], { add: [], remove: [] }],
    [[], ["arch-review: contract", "bug"], { add: [], remove: ["arch-review: contract"] }],
    [["adr"], ["arch-review: contract", "arch-review-other"], { add: ["arch-review: adr"], remove: ["arch-review: contract"] }],
  ] as const)("wanted %j, present %j", (types, present, expected) => {
    expect(planLabels(config, report([...types]), [...present])).toEqual(expected);
  });
});

describe("describeApiError", () => {
  test.each([
    [{ status: 502, message: "Bad Gateway" }, "GitHub API error 502: Bad Gateway"],
    [
      { status: 403, message: "API rate limit exceeded", response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1900000000" } } },
      "GitHub API rate limit exceeded until 2030-03-17T17:46:40.000Z",
    ],
    [
      { status: 403, message: "secondary", response: { headers: { "retry-after": "60" } } },
      "GitHub API rate limit exceeded (secondary rate limit, retry after 60 s)",
    ],
    [{ status: 403, message: "You have exceeded a secondary rate limit." }, "GitHub API secondary rate limit exceeded"],
    [{ status: 403, message: "Resource not accessible by integration" }, "GitHub API answered 403: Resource not accessible by integration"],
    [{ name: "TimeoutError", message: "The operation was aborted due to timeout" }, "a GitHub API request timed out"],
    [new Error("boom\nstack"), "boom"],
  ])("%j", (error, expected) => expect(describeApiError(error)).toBe(expected));
});

describe("limiter", () => {
  test("runs at most N tasks at once, in arrival order, and passes failures through", async () => {
    const { limiter } = await import("../../src/github/octokit.js");
    const run = limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      peak = Math.max(peak, ++active);
      order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      if (i === 3) throw new Error("task 3 failed");
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => run(task(i))));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([0, 1, 2, "task 3 failed", 4]);
  });
});

describe("KnownLabels: labels this process has seen exist", () => {
  test("case-insensitive per repository, bounded with the oldest dropped first", () => {
    const known = new KnownLabels(2);
    const shop = { owner: "Acme", repo: "Shop" };
    known.add(shop, "arch-review: data");
    expect(known.has({ owner: "acme", repo: "shop" }, "Arch-Review: Data")).toBe(true);
    expect(known.has({ owner: "acme", repo: "other" }, "arch-review: data")).toBe(false);
    known.add(shop, "arch-review: contract");
    known.add(shop, "arch-review: adr");
    expect(known.has(shop, "arch-review: data")).toBe(false);
    expect(known.has(shop, "arch-review: contract")).toBe(true);
    expect(known.has(shop, "arch-review: adr")).toBe(true);
  });
});

describe("serialByKey", () => {
  test("same key: one after another, even when one fails; other keys run alongside", async () => {
    const serial = serialByKey();
    const log: string[] = [];
    const step =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([serial("pr#1", step("a", 30, true)), serial("pr#1", step("b", 1)), serial("pr#2", step("c", 5))]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["start a", "start c", "end c", "end a", "start b", "end b"]);
  });
});

describe("runInScope: what a review carries to its requests", () => {
  const BUDGET = new ScopeKey<string>("budget");
  const FENCE = new ScopeKey<string>("fence");

  test("a value is in scope across awaits inside its task only; an inner scope keeps the outer values and shadows its own key", async () => {
    const seen: Array<[string | undefined, string | undefined, boolean]> = [];
    const look = () => seen.push([fromScope(BUDGET), fromScope(FENCE), inGraphqlRead()]);
    await runInScope(FENCE, "lock of acme/shop#7", async () => {
      await runInScope(BUDGET, "120 s", async () => {
        await new Promise((r) => setTimeout(r, 1));
        look();
        await asGraphqlRead(async () => {
          await Promise.resolve();
          look();
        });
        await runInScope(FENCE, "lock of acme/shop#8", async () => look());
        look();
      });
      look();
    });
    look();
    expect(seen).toEqual([
      ["120 s", "lock of acme/shop#7", false],
      ["120 s", "lock of acme/shop#7", true],
      ["120 s", "lock of acme/shop#8", false],
      ["120 s", "lock of acme/shop#7", false],
      [undefined, "lock of acme/shop#7", false],
      [undefined, undefined, false],
    ]);
  });

  test("two tasks running at once each see their own value", async () => {
    const a = runInScope(BUDGET, "a", async () => {
      await new Promise((r) => setTimeout(r, 5));
      return fromScope(BUDGET);
    });
    const b = runInScope(BUDGET, "b", async () => fromScope(BUDGET));
    expect(await Promise.all([a, b])).toEqual(["a", "b"]);
  });
});
