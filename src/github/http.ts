import { STATUS_CODES } from "node:http";
import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate } from "node:zlib";
import { Agent, type Dispatcher, util } from "undici";

/** What Octokit's request layer reads from a fetch response (status, headers, the body once). */
export interface ApiResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly headers: ApiHeaders;
  /**
   * The body decoded once, as Octokit would decode it (JSON through the native `JSON.parse`, text, or
   * bytes). Octokit hands it over as `data` untouched when `request.parseSuccessResponseBody` is false,
   * which `appOctokit` sets: see `decodeBody`.
   */
  readonly body: unknown;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
}

/** Response headers with the two things Octokit does with them: iterate, and `get` one by name. */
export class ApiHeaders implements Iterable<[string, string]> {
  private readonly entries = new Map<string, string>();

  constructor(raw: Record<string, string | string[] | undefined>) {
    for (const name in raw) {
      const value = raw[name];
      // undici hands header names over in lower case already.
      if (value !== undefined) this.entries.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : value);
    }
  }

  get(name: string): string | null {
    return this.entries.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  delete(name: string): void {
    this.entries.delete(name.toLowerCase());
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.entries[Symbol.iterator]();
  }
}

export interface ApiFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | null;
  signal?: AbortSignal | null;
}

export type ApiFetch = (url: string | URL, init?: ApiFetchInit) => Promise<ApiResponse>;

export interface ApiFetchOptions {
  /** Connections per origin (GitHub's API is one origin). */
  connections?: number;
  /** Idle connections are kept this long for the next request. */
  keepAliveMs?: number;
  /**
   * Time one request may take, from sending it to its last body byte. It covers one attempt only: the
   * retry policy (retry.ts) waits between attempts outside of it, and the throttling queue before it.
   */
  attemptTimeoutMs?: number;
}

/** Statuses followed to the Location they name (as undici's redirect interceptor and fetch do). */
const REDIRECTS = new Set([300, 301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

const DECODERS: Record<string, (bytes: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  "x-gzip": promisify(gunzip),
  br: promisify(brotliDecompress),
  deflate: promisify(inflate),
  compress: promisify(inflate),
  "x-compress": promisify(inflate),
};

/**
 * The `fetch` Octokit is given in the app: undici's dispatcher on a keep-alive connection pool, with
 * redirects followed (credentials are dropped on a cross-origin hop) and gzip/brotli bodies decoded.
 * Why not the global fetch: the WHATWG layer around the same pool (Request/Response objects, web
 * streams, header guards) was most of the app's CPU per API call, and an event makes about fifteen.
 * Why not undici's `request` either: it wraps every answer in an async resource and a body stream, and
 * a timeout needs an AbortController and its listener; here the answer's chunks are collected by a
 * plain handler (`collect`) and a timeout aborts the request through the handle undici gives it.
 * Why not undici's redirect and decompress interceptors: each wraps every request and response in handler
 * objects although GitHub's API almost never redirects and the body is read whole anyway; here a redirect
 * is followed and a body decoded only when the answer asks for it. The attempt timeout is one timer per
 * request, cleared when the body is in.
 */
export function createApiFetch(options: ApiFetchOptions = {}): ApiFetch {
  const dispatcher = new Agent({ connections: options.connections ?? 32, keepAliveTimeout: options.keepAliveMs ?? 30_000 });
  const attemptTimeoutMs = options.attemptTimeoutMs;
  return (url, init = {}) => send(dispatcher, String(url), init, attemptTimeoutMs);
}

/** An answer as it came off the connection: status, headers as undici parses them, the whole body. */
interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
}

/**
 * One request on `dispatcher`, its answer read whole. It rejects with the signal's reason once `signal`
 * aborts or `timeoutMs` passes (a TimeoutError, as AbortSignal.timeout's), and with undici's error when the
 * connection fails; either way the request is aborted as soon as undici has handed over its handle.
 */
function collect(
  dispatcher: Dispatcher,
  request: { origin: string; path: string; method: Dispatcher.HttpMethod; headers: Record<string, string>; body: string | Uint8Array | null },
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): Promise<RawAnswer> {
  return new Promise<RawAnswer>((resolve, reject) => {
    let abortRequest: ((reason: Error) => void) | undefined;
    let abortedWith: Error | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let status = 0;
    let headers: RawAnswer["headers"] = {};
    const chunks: Buffer[] = [];
    const finish = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onSignal);
    };
    const abort = (reason: Error) => {
      if (settled) return;
      finish();
      abortedWith = reason;
      abortRequest?.(reason);
      reject(reason);
    };
    const onSignal = () => abort(signal!.reason as Error);
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    signal?.addEventListener("abort", onSignal, { once: true });
    if (timeoutMs) {
      timer = setTimeout(() => abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), timeoutMs);
      // Like AbortSignal.timeout, the timer does not keep the process alive.
      timer.unref();
    }
    dispatcher.dispatch(request, {
      onConnect(abortWith: (reason: Error) => void) {
        abortRequest = abortWith;
        if (abortedWith) abortWith(abortedWith);
      },
      onHeaders(statusCode: number, rawHeaders: Buffer[]) {
        status = statusCode;
        headers = util.parseHeaders(rawHeaders) as RawAnswer["headers"];
        return true;
      },
      onData(chunk: Buffer) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        if (settled) return;
        finish();
        resolve({ status, headers, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
      },
      onError(error: Error) {
        if (settled) return;
        finish();
        // fetch reports network failures as TypeError("fetch failed") with the cause; Octokit unwraps it.
        reject(new TypeError("fetch failed", { cause: error }));
      },
    } as unknown as Dispatcher.DispatchHandler);
  });
}

async function send(dispatcher: Dispatcher, target: string, init: ApiFetchInit, timeoutMs: number | undefined): Promise<ApiResponse> {
  let method = (init.method ?? "GET") as Dispatcher.HttpMethod;
  let headers: Record<string, string> = { "accept-encoding": "gzip, br", ...(init.headers ?? {}) };
  let body = init.body ?? null;
  let location = target;
  const signal = init.signal ?? undefined;
  const started = timeoutMs ? performance.now() : 0;
  // Read the whole body now, so the connection goes back to the pool whatever the caller does with it.
  let answer: RawAnswer;
  for (let redirects = 0; ; redirects++) {
    let url: URL;
    try {
      url = new URL(location);
    } catch (error) {
      throw new TypeError("fetch failed", { cause: error });
    }
    // The attempt's time covers its redirects too.
    const left = timeoutMs ? Math.max(1, timeoutMs - (performance.now() - started)) : undefined;
    answer = await collect(dispatcher, { origin: url.origin, path: url.pathname + url.search, method, headers, body }, signal, left);
    const next = REDIRECTS.has(answer.status) ? firstValue(answer.headers.location) : undefined;
    if (next === undefined || redirects >= MAX_REDIRECTS) break;
    const to = new URL(next, url);
    const status = answer.status;
    // A 303 (and a POST answered 301 or 302) continues as a GET without the body and its content headers.
    const dropBody = (status === 303 && method !== "HEAD") || ((status === 301 || status === 302) && method === "POST");
    if (dropBody) {
      method = "GET";
      body = null;
    }
    headers = Object.fromEntries(
      Object.entries(headers).filter(([name]) => {
        const lower = name.toLowerCase();
        if (lower === "host") return false;
        if (status === 303 && lower.startsWith("content-")) return false;
        // Credentials never travel to another origin.
        return to.origin === url.origin || (lower !== "authorization" && lower !== "cookie" && lower !== "proxy-authorization");
      }),
    );
    location = to.href;
  }
  const { status } = answer;
  let { bytes } = answer;
  const responseHeaders = new ApiHeaders(answer.headers);
  const encoding = responseHeaders.get("content-encoding");
  if (encoding && status !== 204 && status !== 304) {
    try {
      bytes = await decode(bytes, encoding);
    } catch (error) {
      throw new TypeError("fetch failed", { cause: error });
    }
    responseHeaders.delete("content-encoding");
    responseHeaders.delete("content-length");
  }
  const decoded = decodeBody(responseHeaders.get("content-type"), bytes);
  return {
    status,
    statusText: STATUS_CODES[status] ?? "",
    ok: status >= 200 && status < 300,
    url: location,
    headers: responseHeaders,
    body: decoded,
    text: async () => bytes.toString("utf8"),
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    json: async () => JSON.parse(bytes.toString("utf8")) as unknown,
  };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Content codings are undone in the reverse order they were applied; an unknown one leaves the body as it came. */
async function decode(bytes: Buffer, encoding: string): Promise<Buffer> {
  const codings = encoding
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean);
  if (!codings.every((c) => c in DECODERS)) return bytes;
  let out = bytes;
  for (const coding of codings.reverse()) out = await DECODERS[coding]!(out);
  return out;
}

/**
 * The body as Octokit's own response parsing makes it (@octokit/request's getResponseData), done once:
 * JSON media types through the native JSON.parse (text when it is not JSON), text for text/* or a
 * UTF-8 charset (but never for application/octet-stream), bytes otherwise. Octokit would parse JSON
 * with json-with-bigint, a regular-expression pass and a reviver call for every value on Node 20,
 * several times the native parser's cost on every answer; GitHub's ids and numbers fit doubles.
 */
export function decodeBody(contentType: string | null, bytes: Buffer): unknown {
  if (!contentType) return bytes.toString("utf8");
  const [essence = "", ...parameters] = contentType.split(";");
  const type = essence.trim().toLowerCase();
  if (type === "application/json" || type === "application/scim+json") {
    const text = bytes.toString("utf8");
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  const charset = parameters
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith("charset="))
    ?.slice("charset=".length)
    .replace(/^"|"$/g, "");
  if (type.startsWith("text/") || (charset === "utf-8" && type !== "application/octet-stream")) return bytes.toString("utf8");
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
