import { STATUS_CODES } from "node:http";
import { Agent, interceptors, request, type Dispatcher } from "undici";

/** What Octokit's request layer reads from a fetch response (status, headers, the body once). */
export interface ApiResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly headers: ApiHeaders;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
}

/** Response headers with the two things Octokit does with them: iterate, and `get` one by name. */
export class ApiHeaders implements Iterable<[string, string]> {
  private readonly entries = new Map<string, string>();

  constructor(raw: Record<string, string | string[] | undefined>) {
    for (const [name, value] of Object.entries(raw)) {
      if (value !== undefined) this.entries.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : value);
    }
  }

  get(name: string): string | null {
    return this.entries.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
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

/**
 * The `fetch` Octokit is given in the app: undici's request API on a keep-alive connection pool, with
 * redirects followed (credentials are dropped on a cross-origin hop) and gzip/brotli bodies decoded.
 * Why not the global fetch: the WHATWG layer around the same pool (Request/Response objects, web
 * streams, header guards) was most of the app's CPU per API call, and an event makes about fifteen.
 */
export function createApiFetch(options: ApiFetchOptions = {}): ApiFetch {
  const dispatcher = new Agent({ connections: options.connections ?? 32, keepAliveTimeout: options.keepAliveMs ?? 30_000 }).compose(
    interceptors.redirect({ maxRedirections: 5 }),
    interceptors.decompress(),
  );
  const attemptTimeoutMs = options.attemptTimeoutMs;
  return async (url, initOptions = {}) => {
    const target = String(url);
    const init: ApiFetchInit = attemptTimeoutMs
      ? {
          ...initOptions,
          signal: initOptions.signal
            ? AbortSignal.any([initOptions.signal, AbortSignal.timeout(attemptTimeoutMs)])
            : AbortSignal.timeout(attemptTimeoutMs),
        }
      : initOptions;
    const headers: Record<string, string> = { "accept-encoding": "gzip, br", ...(init.headers ?? {}) };
    let response: Dispatcher.ResponseData;
    try {
      response = await request(target, {
        dispatcher,
        method: (init.method ?? "GET") as Dispatcher.HttpMethod,
        headers,
        body: init.body ?? null,
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      // An abort is the caller's own signal (a timeout): report its reason, as fetch does.
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      // fetch reports network failures as TypeError("fetch failed") with the cause; Octokit unwraps it.
      throw new TypeError("fetch failed", { cause: error });
    }
    // Read the whole body now, so the connection goes back to the pool whatever the caller does with it.
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await response.body.arrayBuffer());
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      throw new TypeError("fetch failed", { cause: error });
    }
    const status = response.statusCode;
    return {
      status,
      statusText: STATUS_CODES[status] ?? "",
      ok: status >= 200 && status < 300,
      url: target,
      headers: new ApiHeaders(response.headers),
      text: async () => bytes.toString("utf8"),
      arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      json: async () => JSON.parse(bytes.toString("utf8")) as unknown,
    };
  };
}
