import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { LoggerLike } from "./octokit.js";

/**
 * The webhook endpoint, ahead of Probot: bounded and authenticated before anything is parsed.
 *
 * - A body over `maxBodyBytes` (25 MB, GitHub's own cap on a delivery) is refused with 413: from its
 *   Content-Length before a byte is read, or as soon as the streamed count passes it (a body longer than
 *   it said). A request without Content-Length is refused with 411 (GitHub always sends one).
 * - Unauthenticated bodies held at once are bounded: all requests still being read share
 *   `maxPendingBytes` (30 MB: one delivery of the largest size and then some); one that would pass it
 *   gets 503 with Retry-After and is not read further (GitHub marks the delivery failed, to be
 *   redelivered). So any number of concurrent bogus deliveries hold at most 30 MB of request bodies.
 * - The HMAC-SHA256 signature (X-Hub-Signature-256) is checked over the raw bytes before any parsing; a
 *   mismatch is 400 and one warning line in the log (delivery id, event, address), no stack trace.
 * - A signed payload that is not JSON, or lacks what its event needs (e.g. `pull_request.head.sha`), is
 *   400 with a short message. A handler failure is 500 "internal error": details go to the log only.
 * - The handlers run before the answer, up to `answerWithinMs` (GitHub waits 10 s); a review that takes
 *   longer goes on and the delivery is answered 202.
 */
export interface WebhookLimits {
  maxBodyBytes: number;
  maxPendingBytes: number;
  answerWithinMs: number;
}

export const DEFAULT_WEBHOOK_LIMITS: WebhookLimits = {
  maxBodyBytes: 25 * 1024 * 1024,
  maxPendingBytes: 30 * 1024 * 1024,
  answerWithinMs: 9_000,
};

export interface VerifiedDelivery {
  id: string;
  name: string;
  payload: Record<string, unknown>;
}

export interface Answer {
  status: number;
  message: string;
}

export interface WebhookOptions {
  secret: string;
  /**
   * Runs the app's handlers for a verified, parsed delivery (Probot's `receive`), or queues it (Redis
   * mode): an answer it resolves with (202 "queued") is the one sent.
   */
  receive: (delivery: VerifiedDelivery) => Promise<unknown>;
  log: LoggerLike;
  limits?: Partial<WebhookLimits>;
}

/** What a delivery of each event archgate handles must carry; anything else is answered 400. */
const REQUIRED: Record<string, string[]> = {
  pull_request: ["pull_request.number", "pull_request.head.sha", "pull_request.base.sha", "repository.name", "repository.owner.login"],
  check_run: ["check_run.head_sha", "check_run.name", "repository.name", "repository.owner.login"],
  check_suite: ["check_suite.head_sha", "repository.name", "repository.owner.login"],
  issue_comment: ["issue.number", "comment.id", "repository.name", "repository.owner.login"],
  pull_request_review: ["pull_request.number", "pull_request.head.sha", "review.id", "repository.name", "repository.owner.login"],
};

function missingField(name: string, payload: unknown): string | undefined {
  for (const path of REQUIRED[name] ?? []) {
    let value: unknown = payload;
    for (const key of path.split(".")) value = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
    if (value === undefined || value === null || value === "") return path;
  }
  return undefined;
}

function isAnswer(value: unknown): value is Answer {
  return typeof value === "object" && value !== null && typeof (value as Answer).status === "number" && typeof (value as Answer).message === "string";
}

export function signatureMatches(secret: string, body: Buffer, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Creates the request handler for the webhook path (POST only; the caller routes by path). */
export function webhookHandler(options: WebhookOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const limits = { ...DEFAULT_WEBHOOK_LIMITS, ...options.limits };
  const { log } = options;
  let pending = 0;

  const answer = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
    if (res.headersSent) return;
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers }).end(`${message}\n`);
  };
  /**
   * Answers without keeping anything more of the body. The rest of the body is read and thrown away (nothing is kept), so
   * the client sees the answer instead of a reset while it is still sending; a client that keeps sending
   * is cut off after 10 s.
   */
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
    answer(res, status, message, headers);
    req.removeAllListeners("data");
    req.resume();
    setTimeout(() => req.destroy(), 10_000).unref();
  };

  return async (req, res) => {
    if (req.method !== "POST") return refuse(req, res, 405, "method not allowed", { allow: "POST" });
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const id = header("x-github-delivery");
    const name = header("x-github-event");
    const signature = header("x-hub-signature-256");
    const where = { delivery: id, event: name, from: req.socket.remoteAddress };
    if (!id || !name || !signature) {
      log.warn(where, "webhook refused: missing X-GitHub-Delivery, X-GitHub-Event or X-Hub-Signature-256");
      return refuse(req, res, 400, "missing X-GitHub-Delivery, X-GitHub-Event or X-Hub-Signature-256 header");
    }
    // GitHub always sends Content-Length: without it the size would only be known once buffered.
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    if (!Number.isInteger(declared) || declared < 0) {
      log.warn(where, "webhook refused: no Content-Length");
      return refuse(req, res, 411, "Content-Length required");
    }
    if (declared > limits.maxBodyBytes) {
      log.warn({ ...where, bytes: declared }, "webhook refused: body over the size limit");
      return refuse(req, res, 413, `payload too large (limit ${limits.maxBodyBytes} bytes)`);
    }

    // Reserve the declared size (or grow chunk by chunk) within the shared bound for unverified bodies.
    let reserved = 0;
    const reserve = (bytes: number) => {
      if (pending + bytes > limits.maxPendingBytes) return false;
      pending += bytes;
      reserved += bytes;
      return true;
    };
    const release = () => {
      pending -= reserved;
      reserved = 0;
    };
    if (!reserve(declared)) {
      log.warn({ ...where, bytes: declared, pending }, "webhook refused: too many unverified bodies in flight");
      return refuse(req, res, 503, "busy, try again", { "retry-after": "5" });
    }

    const chunks: Buffer[] = [];
    let received = 0;
    type Refusal = { status: number; message: string; headers?: Record<string, string> };
    // Events, not `for await`: leaving an async iterator destroys the request and with it the socket,
    // and the refusal could not be answered.
    const refusal = await new Promise<Refusal | "gone" | undefined>((resolve) => {
      const stop = (result: Refusal | "gone" | undefined) => {
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("error", onError);
        req.off("aborted", onError);
        if (result !== undefined && result !== "gone") req.pause();
        resolve(result);
      };
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        if (received > limits.maxBodyBytes) return stop({ status: 413, message: `payload too large (limit ${limits.maxBodyBytes} bytes)` });
        if (received > reserved && !reserve(received - reserved))
          return stop({ status: 503, message: "busy, try again", headers: { "retry-after": "5" } });
        chunks.push(chunk);
      };
      const onEnd = () => stop(undefined);
      const onError = () => stop("gone");
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", onError);
      req.on("aborted", onError);
    });
    if (refusal === "gone") {
      chunks.length = 0;
      release();
      return;
    }
    if (refusal) {
      chunks.length = 0;
      release();
      log.warn({ ...where, bytes: received }, `webhook refused: ${refusal.message}`);
      return refuse(req, res, refusal.status, refusal.message, refusal.headers);
    }
    const body = Buffer.concat(chunks, received);
    chunks.length = 0;
    release();

    if (!signatureMatches(options.secret, body, signature)) {
      log.warn(where, "webhook refused: signature does not match");
      return answer(res, 400, "signature does not match");
    }

    let payload: unknown;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      log.warn(where, "webhook refused: the payload is not JSON");
      return answer(res, 400, "malformed payload: not JSON");
    }
    if (!payload || typeof payload !== "object" || Array.isArray(payload)) return answer(res, 400, "malformed payload: not a JSON object");
    const missing = missingField(name, payload);
    if (missing) {
      log.warn({ ...where, missing }, "webhook refused: the payload lacks a field its event needs");
      return answer(res, 400, `malformed payload: ${name} event without ${missing}`);
    }

    const handling = options.receive({ id, name, payload: payload as Record<string, unknown> }).then(
      (given): Answer | "ok" => (isAnswer(given) ? given : "ok"),
      (error: unknown) => {
        log.error({ ...where, err: error }, "webhook handler failed");
        return "failed" as const;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), limits.answerWithinMs);
    });
    const outcome = await Promise.race([handling, late]);
    clearTimeout(timer);
    if (typeof outcome === "object") answer(res, outcome.status, outcome.message);
    else if (outcome === "ok") answer(res, 200, "ok");
    else if (outcome === "late") answer(res, 202, "accepted; still processing");
    else answer(res, 500, "internal error");
  };
}
