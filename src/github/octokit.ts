import type { ProbotOctokit } from "probot";
import { type EndpointObject, leanEndpoint, octokitParse } from "./endpoint.js";
import { createApiFetch } from "./http.js";
import { fromScope, runInScope, ScopeKey } from "./scope.js";

/** The installation-authenticated client Probot hands to handlers (`context.octokit`). */
export type Octokit = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * Who publishes: the GitHub App whose comment and check runs are "ours" (a comment carrying the marker
 * but written by anyone else is not). The App asks GET /app once per process (app.ts); a workflow that
 * runs with GITHUB_TOKEN cannot, and passes `{ slug: "github-actions" }` (comments by
 * `github-actions[bot]`) instead.
 */
export interface AppIdentity {
  id?: number;
  slug?: string;
}

/** The logging the GitHub side does (Probot's `context.log` fits). */
export interface LoggerLike {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/** GitHub's REST API answers slowly at times; a hung request must never leave a check run in progress. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * The Octokit class the app runs with: `Base` (Probot's) talking through archgate's lighter fetch (see
 * http.ts), each attempt timed out after `attemptTimeoutMs`. Successful answers reach Octokit decoded
 * already (`parseSuccessResponseBody: false` makes Octokit take the fetch response's `body` as `data`):
 * parsed once with the native JSON parser instead of Octokit's BigInt-preserving one. One connection pool per class, shared by
 * every installation's client. Retries are archgate's own (retry.ts, installed per client in app.ts):
 * Probot's retry plugin is switched off and its throttling plugin only paces writes (one a second per
 * installation, as GitHub asks) and hands rate-limit answers back instead of waiting without a bound.
 */
export function appOctokit<T extends typeof ProbotOctokit>(Base: T, options: { attemptTimeoutMs?: number } = {}): T {
  const fetch = createApiFetch({ attemptTimeoutMs: options.attemptTimeoutMs ?? requestTimeoutFromEnv() });
  return withRequestLoggingAtDebugOnly(Base)
    .plugin(leanRequests)
    .defaults((instance: { request?: Record<string, unknown>; throttle?: Record<string, unknown>; auth?: unknown }) => {
      // The throttling plugin paces writes per `throttle.id`. Probot sets it to the installation for
      // `app.auth(id)`, but not for the client of a webhook event (context.octokit): without this every
      // installation's writes would share one queue, one a second for the whole process.
      const installationId = (instance.auth as { installationId?: unknown } | undefined)?.installationId;
      const id = instance.throttle?.id === undefined && installationId !== undefined ? { id: String(installationId) } : {};
      return {
        ...instance,
        // The fetch decodes each answer once (http.ts, decodeBody) and Octokit takes that as `data`.
        request: { ...instance.request, fetch, parseSuccessResponseBody: false },
        retry: { enabled: false },
        throttle: { ...instance.throttle, ...id, onSecondaryRateLimit: () => false, onRateLimit: () => false },
      };
    }) as T;
}

type OctokitPlugin = ((octokit: Octokit, options: unknown) => unknown) & { name: string };

/** Each client's requests (REST and GraphQL) merge and parse through endpoint.ts. */
function leanRequests(octokit: { request: unknown; graphql: unknown }): void {
  leanEndpoint((octokit.request as { endpoint: EndpointObject }).endpoint);
  leanEndpoint((octokit.graphql as { endpoint: EndpointObject }).endpoint);
}

/**
 * Probot's request logging (its plugin `probotRequestLogging`) parses every request's options again after the
 * answer (the URL template expanded, the body) to log one line at level debug, and the app logs at info:
 * about 2 % of the server's CPU per delivery went to lines nobody reads. This is the same plugin, the same
 * lines at the same level, with the parsing done only when debug is enabled. Bases without it (the Action's,
 * the CLI's) are returned as they are.
 */
function withRequestLoggingAtDebugOnly<T extends typeof ProbotOctokit>(Base: T): T {
  const plugins = (Base as unknown as { plugins: OctokitPlugin[] }).plugins;
  if (!plugins?.some((plugin) => plugin.name === "probotRequestLogging")) return Base;
  const replaced = plugins.map((plugin) => (plugin.name === "probotRequestLogging" ? requestLoggingAtDebug : plugin));
  // Octokit applies `this.constructor.plugins` when a client is made, and `defaults`/`plugin` subclasses inherit them.
  return class extends (Base as unknown as new (...args: unknown[]) => object) {
    static plugins = replaced;
  } as unknown as T;
}

function requestLoggingAtDebug(octokit: Octokit): void {
  // Probot's pino logger: fields first, then the message.
  const log = () => octokit.log as unknown as { debug(fields: unknown, msg: string): void; isLevelEnabled?(level: string): boolean };
  const debugging = () => log().isLevelEnabled?.("debug") ?? true;
  octokit.hook.error("request", (error, options) => {
    if ("status" in error && debugging()) {
      const { method, url, ...params } = octokitParse(octokit.request.endpoint as unknown as EndpointObject, options);
      log().debug(params.body || {}, `GitHub request: ${method} ${url} - ${error.status}`);
    }
    throw error;
  });
  octokit.hook.after("request", (result, options) => {
    if (!debugging()) return;
    const { method, url, ...params } = octokitParse(octokit.request.endpoint as unknown as EndpointObject, options);
    log().debug(params.body || {}, `GitHub request: ${method} ${url} - ${result.status}`);
  });
}

/** ARCHGATE_REQUEST_TIMEOUT_MS: the time one GitHub API request (one attempt) may take. */
export function requestTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.ARCHGATE_REQUEST_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_REQUEST_TIMEOUT_MS;
}

/**
 * Adds a per-request timeout to a client. Octokit has none by default, and a request that never answers
 * would keep the review (and its check run) open forever.
 */
export function withRequestTimeout<T extends Octokit>(octokit: T, timeoutMs: number): T {
  octokit.hook.before("request", (options) => {
    // A fresh object per request: Octokit shares the defaults' `request` object between requests.
    options.request = { ...options.request, signal: AbortSignal.timeout(timeoutMs) };
  });
  return octokit;
}

/** Runs at most `concurrency` tasks at once (file reads: bounded so a large PR cannot burst the API). */
export function limiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    active--;
    queue.shift()?.();
  };
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        active++;
        task().then(resolve, reject).finally(next);
      };
      if (active < concurrency) start();
      else queue.push(start);
    });
}

/**
 * `concurrency` slots taken and given back explicitly: the returned function waits for a free slot and
 * resolves with the function that gives it back (calling that more than once is harmless).
 */
export function slots(concurrency: number): () => Promise<() => void> {
  const run = limiter(concurrency);
  return () =>
    new Promise((acquired) => {
      void run(() => new Promise<void>((release) => acquired(() => release())));
    });
}

/**
 * Runs tasks with the same key one after another (tasks with different keys run freely). Reviews of one
 * pull request go through it: two events for the same PR evaluated at once would both find no sticky
 * comment and both create one.
 */
export function serialByKey(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>) => {
    const previous = tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    tails.set(key, tail);
    // Forget the key once nothing is queued behind this task, so the map does not grow with every PR.
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return current;
  };
}

/** HTTP status of an Octokit error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === "number" ? status : undefined;
}

/** A short, human explanation of why a GitHub API call failed (shown in the check run). */
export function describeApiError(error: unknown): string {
  const err = error as { status?: number; message?: string; name?: string; response?: { headers?: Record<string, string | undefined> } };
  const headers = err.response?.headers ?? {};
  if ((err.status === 403 || err.status === 429) && (headers["x-ratelimit-remaining"] === "0" || headers["retry-after"])) {
    const reset = Number(headers["x-ratelimit-reset"]);
    const retryAfter = Number(headers["retry-after"]);
    const when =
      headers["x-ratelimit-remaining"] === "0" && Number.isFinite(reset) && reset > 0
        ? ` until ${new Date(reset * 1000).toISOString()}`
        : headers["retry-after"] !== undefined && Number.isFinite(retryAfter)
          ? ` (secondary rate limit, retry after ${retryAfter} s)`
          : "";
    return `GitHub API rate limit exceeded${when}`;
  }
  if ((err.status === 403 || err.status === 429) && /secondary rate limit/i.test(err.message ?? ""))
    return "GitHub API secondary rate limit exceeded";
  if (err.name === "TimeoutError" || err.name === "AbortError" || /aborted|timed? ?out/i.test(err.message ?? "")) {
    return "a GitHub API request timed out";
  }
  if (typeof err.status === "number" && err.status >= 500) return `GitHub API error ${err.status}: ${firstLine(err.message)}`;
  if (typeof err.status === "number") return `GitHub API answered ${err.status}: ${firstLine(err.message)}`;
  return firstLine(err.message) || String(error);
}

function firstLine(text: string | undefined): string {
  return (text ?? "")
    .split("\n")[0]!
    .replace(/ May be caused by lack of authentication.*$/, "")
    .slice(0, 300);
}

const GRAPHQL_READ = new ScopeKey<true>("graphql read");

/**
 * Runs a GraphQL request that only reads (archgate sends no mutation): the server's throttling does not
 * pace it like a write (bottleneck-reads.ts). Elsewhere (the Action, tests) a plain call.
 */
export function asGraphqlRead<T>(request: () => Promise<T>): Promise<T> {
  return runInScope(GRAPHQL_READ, true, request);
}

/** Whether the code runs inside `asGraphqlRead`. */
export function inGraphqlRead(): boolean {
  return fromScope(GRAPHQL_READ) === true;
}
