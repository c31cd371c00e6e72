import { afterEach, beforeEach, expect, test } from "vitest";
import { redeliverFailed } from "../../src/github/recovery.js";
import { FakeGitHub } from "./fake-github.js";
import { startTestApp, type TestApp } from "./harness.js";

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp(new FakeGitHub());
});
afterEach(async () => t.close());

const NOW = Date.parse("2026-12-06T12:00:00Z");
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();
const delivery = (id: number, guid: string, status: number, minutesAgo: number) => ({
  id,
  guid,
  delivered_at: at(minutesAgo),
  status_code: status,
  event: "pull_request",
  action: "opened",
});

test("the deliveries that never got a 2xx are asked for again, the latest attempt of each, oldest first", async () => {
  // Newest first, as GitHub lists them.
  t.fake.deliveries.push(
    delivery(9, "a", 200, 1), // a: failed, then redelivered with success
    delivery(8, "c", 0, 5), // c: the app was down (no answer)
    delivery(7, "b", 502, 10), // b: failed twice
    delivery(6, "b", 500, 20),
    delivery(5, "a", 500, 30),
    delivery(4, "d", 202, 40), // d: answered "still processing"
    delivery(3, "e", 500, 60 * 7), // e: older than the 6 h window
  );
  const result = await redeliverFailed(t.octokit, { sinceMs: 6 * 3600_000, maxRedeliveries: 50, maxPages: 10, now: NOW });
  expect(result).toEqual({ redelivered: [7, 8], left: 0 });
  expect(t.fake.redeliveries).toEqual([7, 8]);
});

test("bounded: at most maxRedeliveries per run, the rest left for the next", async () => {
  for (let i = 0; i < 150; i++) t.fake.deliveries.push(delivery(1000 - i, `g${i}`, 500, i));
  const result = await redeliverFailed(t.octokit, { sinceMs: 6 * 3600_000, maxRedeliveries: 20, maxPages: 10, now: NOW });
  expect(result.redelivered).toHaveLength(20);
  expect(result.left).toBe(130);
  // Oldest first: the 20 oldest of the 150.
  expect(result.redelivered[0]).toBe(851);
  expect(t.fake.calls({ all: true }).filter((c) => c === "GET /app/hook/deliveries")).toHaveLength(2);
});
