import { throwIfBudgetExhausted } from "./budget.js";
import { currentFence } from "./coordination.js";
import { describeApiError, statusOf, type LoggerLike, type Octokit } from "./octokit.js";

/**
 * How GitHub API requests are retried. One policy for the whole app, in one place: Probot's own retry
 * plugin is switched off and the throttling plugin only paces (see `appOctokit`), so a request is
 * retried here or nowhere.
 *
 * - A transient failure (HTTP 500/502/503/504, a network error, an attempt that timed out) is retried
 *   with exponential backoff and jitter, at most `maxAttempts` attempts in all.
 * - A rate limit (403/429 with `retry-after`, or `x-ratelimit-remaining: 0` with `x-ratelimit-reset`, or
 *   GitHub's "secondary rate limit" message) waits as long as GitHub asks and retries; GitHub did not
 *   execute the request, so this is safe for every method.
 * - Everything stays inside `budgetMs` per call: a wait that would end past it is not started, and the
 *   last error is thrown at once (the check run then names it: HTTP status, timeout, rate limit).
 * - Requests GitHub may have executed before failing are not repeated blindly: creating a comment or a
 *   check run is not idempotent (a repeat would write it twice), so a 5xx on those is thrown to the caller
 *   (the check run's lifecycle looks for the run before creating it again).
 *
 * The timeout of one attempt lives in the fetch (`createApiFetch({ attemptTimeoutMs })`), so waits
 * between attempts and the throttling queue never count as a timed-out request.
 */
export interface RetryPolicy {
  /** Attempts in all for a transient failure (rate-limit waits do not count). */
  maxAttempts: number;
  /** First backoff delay; doubled on each retry, with ±25 % jitter, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Time a call may take, waits and attempts included. */
  budgetMs: number;
  /** The wait for a secondary rate limit that names none (GitHub documents "at least one minute"). */
  secondaryRateLimitFallbackMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 8_000,
  budgetMs: 90_000,
  secondaryRateLimitFallbackMs: 60_000,
};

/** The policy from the environment: ARCHGATE_RETRY_BUDGET_MS, ARCHGATE_RETRY_BASE_MS, ARCHGATE_RETRY_ATTEMPTS. */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const num = (name: string, fallback: number, min = 0) => {
    const value = Number(env[name]);
    return env[name] !== undefined && env[name] !== "" && Number.isFinite(value) && value >= min ? value : fallback;
  };
  const baseDelayMs = num("ARCHGATE_RETRY_BASE_MS", DEFAULT_RETRY_POLICY.baseDelayMs);
  return {
    maxAttempts: Math.floor(num("ARCHGATE_RETRY_ATTEMPTS", DEFAULT_RETRY_POLICY.maxAttempts, 1)),
    baseDelayMs,
    maxDelayMs: Math.max(baseDelayMs, DEFAULT_RETRY_POLICY.maxDelayMs * (baseDelayMs / DEFAULT_RETRY_POLICY.baseDelayMs)),
    budgetMs: num("ARCHGATE_RETRY_BUDGET_MS", DEFAULT_RETRY_POLICY.budgetMs, 1),
    secondaryRateLimitFallbackMs: num("ARCHGATE_SECONDARY_RATE_LIMIT_WAIT_MS", DEFAULT_RETRY_POLICY.secondaryRateLimitFallbackMs),
  };
}

export type Failure = { kind: "rate-limit"; waitMs: number } | { kind: "transient" } | { kind: "permanent" };

interface ErrorShape {
  name?: string;
  message?: string;
  response?: { headers?: Record<string, string | undefined> };
}

/** What kind of failure an Octokit error is, and for a rate limit how long GitHub asks us to wait. */
export function classify(error: unknown, policy: Pick<RetryPolicy, "secondaryRateLimitFallbackMs">, now = Date.now()): Failure {
  const err = (error ?? {}) as ErrorShape;
  const status = statusOf(error);
  const headers = err.response?.headers ?? {};
  if (status === 403 || status === 429) {
    const retryAfter = Number(headers["retry-after"]);
    if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter)) return { kind: "rate-limit", waitMs: Math.max(0, retryAfter * 1000) };
    const reset = Number(headers["x-ratelimit-reset"]);
    if (headers["x-ratelimit-remaining"] === "0" && Number.isFinite(reset) && reset > 0) {
      // One second after the reset, as GitHub advises.
      return { kind: "rate-limit", waitMs: Math.max(0, reset * 1000 - now + 1000) };
    }
    if (/secondary rate limit|abuse detection/i.test(err.message ?? "")) return { kind: "rate-limit", waitMs: policy.secondaryRateLimitFallbackMs };
    if (status === 429) return { kind: "rate-limit", waitMs: policy.secondaryRateLimitFallbackMs };
    return { kind: "permanent" };
  }
  // Octokit reports a timed-out attempt and a network failure (no HTTP answer) as status 500 too.
  if (status === 500 || status === 502 || status === 503 || status === 504) return { kind: "transient" };
  if (status === undefined && (err.name === "TimeoutError" || /fetch failed|ECONNRESET|ECONNREFUSED|socket hang up/i.test(err.message ?? "")))
    return { kind: "transient" };
  return { kind: "permanent" };
}

/** Requests that may have been executed by GitHub before a 5xx and must not be sent again blindly. */
export function isUnsafeToRepeat(method: string, url: string): boolean {
  if (method !== "POST") return false;
  const path = url.replace(/^https?:\/\/[^/]+/, "").replace(/^\/api\/v3/, "");
  return /\/issues\/(\{issue_number\}|\d+)\/comments$/.test(path) || /\/check-runs$/.test(path);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` under the policy. `unsafe`: the request may not be repeated after a 5xx or timeout
 * (only rate limits are retried); `transientOnly`: rate limits are thrown (the request layer below
 * waited for them already). The last error is thrown unchanged (its status, headers and message
 * are what the check run's reason is made of).
 */
export async function retrying<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  options: { unsafe?: boolean; log?: LoggerLike | undefined; what?: string; transientOnly?: boolean } = {},
): Promise<T> {
  const started = Date.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      return await attempt();
    } catch (error) {
      const failure = classify(error, policy);
      if (failure.kind === "permanent" || (failure.kind === "rate-limit" && options.transientOnly)) throw error;
      if (failure.kind === "transient" && (options.unsafe || attempts >= policy.maxAttempts)) throw error;
      const delay =
        failure.kind === "rate-limit"
          ? failure.waitMs
          : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1)) * (0.75 + Math.random() * 0.5);
      const left = policy.budgetMs - (Date.now() - started);
      // A wait that would end past the budget is not started: the last error says what happened.
      if (delay > left) throw error;
      options.log?.warn(
        { err: error, attempt: attempts, waitMs: Math.round(delay) },
        `${options.what ?? "GitHub API request"} failed (${describeApiError(error)}); retrying in ${Math.round(delay)} ms`,
      );
      await sleep(delay);
    }
  }
}

/**
 * Installs the policy on a client: every request it sends goes through `retrying`. Idempotent per
 * client (a second call changes nothing).
 */
export function withRetries<T extends Octokit>(octokit: T, policy: RetryPolicy, log?: LoggerLike): T {
  const marked = octokit as T & { [RETRIES]?: true };
  if (marked[RETRIES]) return octokit;
  marked[RETRIES] = true;
  octokit.hook.wrap("request", (request, options) => {
    const method = String(options.method ?? "GET").toUpperCase();
    const what = `${method} ${String(options.url ?? "")}`;
    const write = method !== "GET" && method !== "HEAD" && !/\/graphql$/.test(String(options.url ?? ""));
    return retrying(
      async () => {
        // A review past its time or memory budget sends nothing more (its check run is completed outside it).
        throwIfBudgetExhausted();
        // A review whose lock on the PR was lost (Redis mode) writes nothing more: another replica holds the PR.
        if (write) await currentFence()?.check();
        return request(options);
      },
      policy,
      { unsafe: isUnsafeToRepeat(method, String(options.url ?? "")), log, what },
    );
  });
  return octokit;
}

const RETRIES = Symbol.for("archgate.retries");
