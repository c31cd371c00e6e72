import { createPrivateKey } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Redis } from "ioredis";
import { createProbot, ProbotOctokit, run } from "probot";
import { completeAbandoned } from "./github/abandoned.js";
import { identityOf } from "./github/app.js";
import { capBottleneckJobExpiration } from "./github/bottleneck-expiration.js";
import { unpaceGraphqlReads } from "./github/bottleneck-reads.js";
import { patchBottleneckForRedis7 } from "./github/bottleneck-redis7.js";
import { healthHandler } from "./github/health.js";
import { appOctokit, requestTimeoutFromEnv, type LoggerLike, type Octokit } from "./github/octokit.js";
import { DeliveryQueue, queueConcurrencyFromEnv, queueSettingsFromEnv } from "./github/queue.js";
import { DEFAULT_RECOVERY, redeliverFailed } from "./github/recovery.js";
import { RedisCoordination } from "./github/redis-coordination.js";
import { retryPolicyFromEnv, withRetries } from "./github/retry.js";
import { webhookHandler, type VerifiedDelivery, type WebhookOptions } from "./github/webhooks.js";
import app, { appWith } from "./index.js";

/**
 * Production entry (`npm start` = `node dist/server.js`, also the container's command, so SIGTERM reaches
 * this process). archgate's own HTTP server (node:http): webhooks at WEBHOOK_PATH (default
 * /api/github/webhooks) through src/github/webhooks.ts (size-limited, signature checked before any
 * parsing), `GET /ping`, `GET /healthz`; Probot behind it runs the handlers.
 *
 * It refuses to run unsafely: without APP_ID, a readable and valid private key and WEBHOOK_SECRET it
 * exits with a message and code 1. Only outside production (NODE_ENV other than "production") and with
 * neither APP_ID nor a key does it start Probot's setup mode, which registers a new app and writes them
 * to `.env`.
 *
 * Two modes. Embedded (default): a verified delivery runs its handlers in this process; per-PR ordering,
 * delivery de-duplication and write pacing live in its memory. Redis (REDIS_URL set): a verified
 * delivery is queued on Redis (BullMQ, queue.ts) and answered 202; this process's worker, like every
 * replica's, takes jobs from the queue; per-PR locks, delivery ids and newest heads live in Redis
 * (redis-coordination.ts), and Probot paces writes and tracks rate limits through Redis too (its
 * throttling plugin's Bottleneck clustering, switched on by REDIS_URL). Redis not answering at start is
 * an exit with a message, as a missing secret is.
 */

type Settings = { appId: number; privateKey: string; secret: string };

function fail(message: string): never {
  console.error(`archgate: ${message}`);
  process.exit(1);
}

/** The private key from PRIVATE_KEY (PEM, with `\n` escapes or base64-encoded) or PRIVATE_KEY_PATH; validated. */
function privateKeyFrom(env: NodeJS.ProcessEnv): string | undefined {
  let pem: string | undefined;
  if (env.PRIVATE_KEY) {
    pem = env.PRIVATE_KEY.replace(/\\n/g, "\n");
    if (!pem.includes("-----BEGIN")) pem = Buffer.from(pem, "base64").toString("utf8");
  } else if (env.PRIVATE_KEY_PATH) {
    try {
      pem = readFileSync(env.PRIVATE_KEY_PATH, "utf8");
    } catch (error) {
      fail(`PRIVATE_KEY_PATH ${env.PRIVATE_KEY_PATH} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  if (pem === undefined) return undefined;
  try {
    createPrivateKey(pem);
  } catch {
    fail(`the private key (${env.PRIVATE_KEY ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH"}) is not a valid PEM private key`);
  }
  return pem;
}

function settingsFrom(env: NodeJS.ProcessEnv): Settings | "setup" {
  const production = env.NODE_ENV === "production";
  const appId = Number(env.APP_ID);
  const privateKey = privateKeyFrom(env);
  if (!env.APP_ID && !privateKey && !production) return "setup";
  if (!env.APP_ID || !Number.isInteger(appId) || appId <= 0) fail("APP_ID is missing or not a number");
  if (!privateKey) fail("the app's private key is missing: set PRIVATE_KEY or PRIVATE_KEY_PATH");
  if (!env.WEBHOOK_SECRET) fail("WEBHOOK_SECRET is missing: without it anyone could send webhooks");
  return { appId, privateKey, secret: env.WEBHOOK_SECRET };
}

if (existsSync(".env")) process.loadEnvFile(".env");
const settings = settingsFrom(process.env);

if (settings === "setup") {
  console.warn("archgate: no APP_ID and no private key (and NODE_ENV is not production): starting Probot's setup mode");
  await run(app, { Octokit: appOctokit(ProbotOctokit) });
} else {
  await serve(settings);
}

/** Where REDIS_URL points, without credentials (for messages). */
function redisWhere(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "(REDIS_URL is not a URL)";
  }
}

/** A connection to REDIS_URL that answers PING, or an exit with a message. */
async function connectRedis(url: string): Promise<Redis> {
  // Few retries per command: a webhook whose delivery cannot be queued is answered 500 (GitHub marks it
  // failed and the recovery sweep asks for it again) instead of hanging.
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 2 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    fail(`REDIS_URL is set but Redis at ${redisWhere(url)} does not answer (${(error as Error).message})`);
  }
  return redis;
}

async function serve({ appId, privateKey, secret }: Settings): Promise<void> {
  const redis = process.env.REDIS_URL ? await connectRedis(process.env.REDIS_URL) : undefined;
  // Probot paces writes through Bottleneck on the same Redis (REDIS_URL): make it recover on Redis 7.
  // GraphQL requests that only read are not paced like writes (both modes).
  unpaceGraphqlReads();
  // A killed replica's slots are freed within one request's time, not Bottleneck's minute.
  if (redis) {
    patchBottleneckForRedis7();
    capBottleneckJobExpiration({ requestMs: requestTimeoutFromEnv() + 5_000 });
  }
  const probot = createProbot({
    env: { LOG_LEVEL: "info", ...process.env },
    overrides: { appId, privateKey, secret, Octokit: appOctokit(ProbotOctokit) },
  });
  await probot.ready();
  const log = probot.log.child({ name: "server" }) as unknown as LoggerLike & { info(msg: string): void };
  const prefix = process.env.ARCHGATE_REDIS_PREFIX || "archgate";
  const queueSettings = queueSettingsFromEnv();
  const coordination = redis ? new RedisCoordination(redis, { prefix, lockMs: queueSettings.lockMs, log }) : undefined;
  await probot.load(coordination ? appWith({ coordination }) : app);

  const handle = (delivery: VerifiedDelivery) => probot.receive(delivery as Parameters<typeof probot.receive>[0]);
  let receive: WebhookOptions["receive"] = handle;
  let deliveries: DeliveryQueue | undefined;
  if (redis) {
    const queue = new DeliveryQueue(redis, { ...queueSettings, prefix, concurrency: queueConcurrencyFromEnv(), log });
    deliveries = queue;
    receive = async (delivery) => {
      const queued = await queue.enqueue(delivery);
      if (queued === "duplicate") log.info({ delivery: delivery.id, event: delivery.name }, "delivery already queued; not queued again");
      return queued === "queued" ? { status: 202, message: "queued" } : { status: 200, message: "already received" };
    };
    const identity = identityOf(probot);
    const policy = retryPolicyFromEnv();
    queue.work(handle, async (delivery, reason) => {
      const installation = (delivery.payload as { installation?: { id?: number } }).installation?.id;
      if (!installation) return;
      const octokit = withRetries((await probot.auth(installation)) as unknown as Octokit, policy, log);
      if (await completeAbandoned(octokit, await identity(), delivery, reason))
        log.warn({ delivery: delivery.id }, "a given-up delivery's check run was completed as failure");
    });
    log.info(
      `Redis mode: deliveries queued on ${redisWhere(process.env.REDIS_URL!)} (prefix ${prefix}), job lock ${queueSettings.lockMs} ms, stalled check every ${queueSettings.stalledIntervalMs} ms`,
    );
  }

  const webhookPath = process.env.WEBHOOK_PATH || "/api/github/webhooks";
  const webhooks = webhookHandler({ secret, log, receive });
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === webhookPath) {
      inFlight++;
      webhooks(req, res)
        .catch((error: unknown) => {
          log.error({ err: error }, "webhook request failed");
          if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("internal error\n");
        })
        .finally(() => {
          inFlight--;
          if (inFlight === 0) drained?.();
        });
      return;
    }
    if (healthHandler(req, res)) return;
    if (path === "/ping" && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "content-type": "text/plain" }).end("PONG");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
  });
  // A client that trickles headers or a body cannot hold a connection (and its buffer) for long.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  const port = Number(process.env.PORT) || 3000;
  const host = process.env.HOST || "localhost";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  log.info(`archgate listening on http://${host}:${port} (webhooks at ${webhookPath})`);

  // Recovery after downtime: deliveries that failed while the app was down are sent again, on start
  // and periodically (recovery.ts). ARCHGATE_REDELIVERY_INTERVAL_MS=0 switches it off.
  const interval = Number(process.env.ARCHGATE_REDELIVERY_INTERVAL_MS ?? 600_000);
  if (Number.isFinite(interval) && interval > 0) {
    const recover = async () => {
      try {
        const octokit = (await probot.auth()) as unknown as Octokit;
        const { redelivered, left } = await redeliverFailed(octokit, { ...DEFAULT_RECOVERY, log });
        if (redelivered.length > 0 || left > 0) log.info(`asked for ${redelivered.length} failed deliveries again (${left} left for later)`);
      } catch (error) {
        log.warn({ err: error }, "the recent webhook deliveries could not be checked");
      }
    };
    setTimeout(() => void recover(), 5_000).unref();
    setInterval(() => void recover(), interval).unref();
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.info(`${signal} received, stopping server`);
    // Running reviews finish (they complete their check runs); a stuck one must not block the shutdown.
    setTimeout(() => process.exit(1), 25_000).unref();
    server.close();
    server.closeIdleConnections();
    // Standard output to a pipe is written asynchronously: exit once what was logged is out.
    const out = () => process.stdout.write("", () => process.exit(0));
    // Redis mode: the worker takes no new job and lets the running ones finish (a job cut short by the
    // 25 s limit is run again elsewhere once its lock expires).
    const exit = () =>
      void (deliveries?.close() ?? Promise.resolve())
        .then(() => redis?.quit())
        .catch(() => undefined)
        .finally(out);
    if (inFlight === 0) exit();
    else drained = exit;
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
