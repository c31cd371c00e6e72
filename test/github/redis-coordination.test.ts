import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { capBottleneckJobExpiration } from "../../src/github/bottleneck-expiration.js";
import { patchBottleneckForRedis7 } from "../../src/github/bottleneck-redis7.js";
import { currentFence, LockLost } from "../../src/github/coordination.js";
import type { Octokit } from "../../src/github/octokit.js";
import { DEFAULT_QUEUE_OPTIONS, DeliveryQueue, QUEUE_NAME } from "../../src/github/queue.js";
import { RedisCoordination } from "../../src/github/redis-coordination.js";
import { DEFAULT_RETRY_POLICY, withRetries } from "../../src/github/retry.js";
import { REDIS_URL, redisAnswers } from "../helpers/replicas.js";
import { UnfinishedRuns } from "../../src/github/unfinished.js";
import { TestOctokit } from "./harness.js";

/**
 * The Redis mode's shared state against the real Redis on 127.0.0.1:6379: two RedisCoordination
 * instances on two connections stand for two replicas. Keys live under a prefix of this run, deleted at
 * the end. Skipped with a message when no Redis answers.
 */

const PREFIX = `archgate-unit-${process.pid}-${Date.now().toString(36)}`;

const redisUp = await redisAnswers();
if (!redisUp) console.warn(`SKIPPED test/github/redis-coordination.test.ts: no Redis answers on ${REDIS_URL}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const silent = { info() {}, warn() {}, error() {} };

describe.skipIf(!redisUp)("Redis coordination (two replicas)", () => {
  let one: Redis;
  let two: Redis;
  let a: RedisCoordination;
  let b: RedisCoordination;

  beforeAll(() => {
    one = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    two = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    a = new RedisCoordination(one, { prefix: PREFIX, lockMs: 600, log: silent });
    b = new RedisCoordination(two, { prefix: PREFIX, lockMs: 600, log: silent });
  });

  afterAll(async () => {
    let cursor = "0";
    do {
      const [next, keys] = await one.scan(cursor, "MATCH", `${PREFIX}:*`, "COUNT", 1000);
      if (keys.length > 0) await one.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await one.quit();
    await two.quit();
  });

  test("reviews of one PR never overlap across replicas; other PRs run alongside, and the lock outlives its expiry while held", async () => {
    const events: string[] = [];
    let started!: () => void;
    const aStarted = new Promise<void>((resolve) => (started = resolve));
    const review = (who: string, pull: string, ms: number) => async () => {
      events.push(`${who} ${pull} start`);
      if (who === "A") started();
      await sleep(ms);
      events.push(`${who} ${pull} end`);
    };
    await Promise.all([
      // 1500 ms > the 600 ms lock: renewal keeps it.
      a.exclusive("acme/shop#1", review("A", "#1", 1500)),
      aStarted.then(() => Promise.all([b.exclusive("acme/shop#1", review("B", "#1", 50)), b.exclusive("acme/shop#2", review("B", "#2", 50))])),
    ]);
    expect(events).toEqual(["A #1 start", "B #2 start", "B #2 end", "A #1 end", "B #1 start", "B #1 end"]);
  });

  test("a holder that died (its lock no longer renewed) lets go when the lock expires", async () => {
    await one.set(`${PREFIX}:lock:acme/shop#3`, "dead-holder", "PX", 400);
    const started = Date.now();
    await b.exclusive("acme/shop#3", async () => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(await one.exists(`${PREFIX}:lock:acme/shop#3`)).toBe(0);
  });

  test("a review whose lock was taken over writes nothing more: writes refused, reads go on, nothing left for the sweep", async () => {
    const sent: string[] = [];
    const octokit = withRetries(
      new TestOctokit({
        auth: "ghs_test",
        request: {
          fetch: async (url: string, init: { method?: string }) => {
            sent.push(`${init.method ?? "GET"} ${new URL(url).pathname}`);
            return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
          },
        },
      }) as unknown as Octokit,
      { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 },
    );
    const unfinished = new UnfinishedRuns(silent);
    const outcome = await a.exclusive("acme/shop#4", async () => {
      await octokit.request("POST /repos/acme/shop/issues/4/comments", { body: "first" });
      // Another replica took the PR over (this one stalled past the expiry).
      await one.set(`${PREFIX}:lock:acme/shop#4`, "another-replica");
      await octokit.request("GET /repos/acme/shop/pulls/4");
      const refused = await octokit.request("PATCH /repos/acme/shop/check-runs/9", { status: "completed" }).catch((error: unknown) => error);
      unfinished.add({ pull: "acme/shop#4", headSha: "h", result: {} as never, reason: "x", since: 0, write: async () => undefined });
      return { refused, lost: currentFence()?.lost };
    });
    expect(outcome.refused).toBeInstanceOf(LockLost);
    expect(outcome.lost).toBe(true);
    expect(sent).toEqual(["POST /repos/acme/shop/issues/4/comments", "GET /repos/acme/shop/pulls/4"]);
    expect(unfinished.size).toBe(0);
    // The other holder's lock is left alone.
    expect(await one.get(`${PREFIX}:lock:acme/shop#4`)).toBe("another-replica");
  });

  test("the newest head per PR is shared: an older head is refused whichever replica sees it", async () => {
    const t = Date.parse("2026-03-09T09:00:00Z");
    expect(await a.olderHead("acme/shop#5", "head1", t)).toBe(false);
    expect(await b.olderHead("acme/shop#5", "head2", t + 1000)).toBe(false);
    expect(await a.olderHead("acme/shop#5", "head1", t)).toBe(true);
    // The same head again (a redelivery) and an unknown updated_at are never older.
    expect(await a.olderHead("acme/shop#5", "head2", t + 1000)).toBe(false);
    expect(await a.olderHead("acme/shop#5", "head3", Number.NaN)).toBe(false);
    expect(await one.hgetall(`${PREFIX}:head:acme/shop#5`)).toEqual({ sha: "head2", at: String(t + 1000) });
  });

  test("a delivery handled on one replica is handled for the other", async () => {
    expect(await b.handled("guid-1")).toBe(false);
    await a.markHandled("guid-1");
    expect(await b.handled("guid-1")).toBe(true);
    expect(await one.ttl(`${PREFIX}:handled:guid-1`)).toBeGreaterThan(23 * 3600);
  });

  test("a delivery sent twice, to two replicas, is queued once", async () => {
    const queues = [one, two].map((redis) => new DeliveryQueue(redis, { ...DEFAULT_QUEUE_OPTIONS, prefix: PREFIX, concurrency: 1, log: silent }));
    const delivery = { id: "guid-2", name: "pull_request", payload: { action: "opened" } };
    const answers = await Promise.all(queues.map((q) => q.enqueue(delivery)));
    expect(answers.sort()).toEqual(["duplicate", "queued"]);
    expect(await one.llen(`${PREFIX}:${QUEUE_NAME}:wait`)).toBe(1);
    expect(await one.hget(`${PREFIX}:${QUEUE_NAME}:guid-2`, "name")).toBe("pull_request");
    await Promise.all(queues.map((q) => q.close()));
  });

  test("Probot's pacing (Bottleneck on Redis) recovers from a settings key that expired, as Redis 7 words the error", async () => {
    const connection = new Bottleneck.IORedisConnection({ client: one });
    const id = `${PREFIX}-bottleneck`;
    const limiter = new Bottleneck({ id, maxConcurrent: 1, minTime: 10, connection, timeout: 60_000 });
    await limiter.schedule(async () => "first");
    const expire = () => one.del(`b_${id}_settings`);
    await expire();
    const unpatched = await limiter.schedule(async () => "ran").catch((error: Error) => error.message);
    patchBottleneckForRedis7();
    await expire();
    const patched = await limiter.schedule(async () => "ran").catch((error: Error) => error.message);
    expect({ unpatched, patched }).toEqual({ unpatched: "ERR SETTINGS_KEY_NOT_FOUND", patched: "ran" });
    await limiter.disconnect(false);
    const keys = await one.keys(`b_${id}_*`);
    if (keys.length > 0) await one.del(...keys);
  });
});

describe("Bottleneck job expiration (a killed replica's slots)", () => {
  test("pacing limiters' jobs expire within pacingMs, request limiters' within requestMs; no expiration stays none", async () => {
    capBottleneckJobExpiration({ requestMs: 20_000, pacingMs: 10_000 });
    const seen: Array<[string, number | null]> = [];
    for (const id of ["octokit-write-42", "octokit-notifications-42", "octokit-global-42"]) {
      const limiter = new Bottleneck({ id });
      limiter.on("received", (info) => seen.push([id, (info.options as { expiration: number | null }).expiration]));
      await limiter.schedule({ expiration: 60_000 }, async () => undefined);
      await limiter.schedule(async () => undefined);
    }
    expect(seen).toEqual([
      ["octokit-write-42", 10_000],
      ["octokit-write-42", null],
      ["octokit-notifications-42", 10_000],
      ["octokit-notifications-42", null],
      ["octokit-global-42", 20_000],
      ["octokit-global-42", null],
    ]);
  });
});
