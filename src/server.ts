import { createPrivateKey } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createProbot, ProbotOctokit, run } from "probot";
import { healthHandler } from "./github/health.js";
import { appOctokit, type LoggerLike, type Octokit } from "./github/octokit.js";
import { DEFAULT_RECOVERY, redeliverFailed } from "./github/recovery.js";
import { webhookHandler } from "./github/webhooks.js";
import app from "./index.js";

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

async function serve({ appId, privateKey, secret }: Settings): Promise<void> {
  const probot = createProbot({
    env: { LOG_LEVEL: "info", ...process.env },
    overrides: { appId, privateKey, secret, Octokit: appOctokit(ProbotOctokit) },
  });
  await probot.load(app);
  const log = probot.log.child({ name: "server" }) as unknown as LoggerLike & { info(msg: string): void };

  const webhookPath = process.env.WEBHOOK_PATH || "/api/github/webhooks";
  const webhooks = webhookHandler({ secret, log, receive: (delivery) => probot.receive(delivery as Parameters<typeof probot.receive>[0]) });
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
    const exit = () => process.stdout.write("", () => process.exit(0));
    if (inFlight === 0) exit();
    else drained = exit;
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
