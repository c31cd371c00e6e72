import Bottleneck from "bottleneck";

const PATCHED = Symbol.for("archgate.bottleneck-expiration");

/** Limiters that only pace (their job is a no-op run at its turn): a job frees its slot within their minTime (at most 3 s). */
const PACING = /^octokit-(write|notifications|search)-/;

/**
 * In the Redis mode Probot's throttling plugin paces requests through Bottleneck clustered on Redis, and
 * gives each job an expiration of 60 s: a job counts as running, in Redis, until it is done or has
 * expired. A replica killed while it holds a slot (a write's turn, a request in flight) never says it is
 * done, so the slot stays taken for the rest of the minute: with one write at a time per installation,
 * every replica's writes to that installation stop for up to 60 s (measured: a two-replica drain of 50
 * PRs went from 41 s to 102 s after one `kill -9`). This caps the expiration of clustered jobs at what
 * they can really take: `pacingMs` for the pacing limiters (write, notifications, search, whose job is a
 * no-op started at most one `minTime` after it got its slot) and `requestMs` (one request attempt's
 * timeout and a margin) for the others. A job that outlives its expiration is failed by Bottleneck; no
 * request does, as each attempt is timed out sooner (http.ts). Idempotent; the latest values win.
 */
let caps = { requestMs: 20_000, pacingMs: 10_000 };

export function capBottleneckJobExpiration(limits: { requestMs: number; pacingMs?: number }): void {
  caps = { requestMs: limits.requestMs, pacingMs: limits.pacingMs ?? 10_000 };
  const proto = Bottleneck.prototype as unknown as Record<PropertyKey, unknown> & {
    _receive: (job: { options: { expiration?: number | null } }) => unknown;
  };
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const original = proto._receive;
  proto._receive = function (this: { id?: string }, job) {
    const expiration = job.options.expiration;
    if (typeof expiration === "number") {
      const cap = PACING.test(this.id ?? "") ? caps.pacingMs : caps.requestMs;
      if (expiration > cap) job.options.expiration = cap;
    }
    return original.call(this, job);
  };
}
