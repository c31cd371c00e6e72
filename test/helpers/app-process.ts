import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * The App as its own process, for end-to-end tests and benchmarks: started with a production entry point
 * against a fake GitHub on 127.0.0.1 (GHE_HOST), waited for until `GET /ping` answers, and sent
 * HMAC-signed webhooks over HTTP as GitHub sends them. One module for test/e2e and scripts/bench-*.
 */

/** The `x-hub-signature-256` header GitHub sends with `body` for a webhook secret. */
export function signWebhook(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How the app is started: `npm start` (the production command), src/server.ts under tsx, or a node script. */
export type AppCommand = { npmStart: true } | { tsx: string } | { node: string[] };

export interface AppProcessOptions {
  /** The checkout the app runs from (its node_modules, dist/ and fixtures/github/test-app-key.pem). */
  root: string;
  command: AppCommand;
  /** Port of the fake GitHub on 127.0.0.1. */
  githubPort: number;
  secret: string;
  /** More environment (e.g. ARCHGATE_CHECK_RUN_DELAY_MS, REDIS_URL); overrides the defaults below. */
  env?: Record<string, string>;
  /** How long to wait for `GET /ping` (default 60 s). */
  startTimeoutMs?: number;
}

export interface Delivered {
  status: number;
  text: string;
  /** From the POST to the end of the answer, in ms. */
  ms: number;
}

export interface AppProcess {
  port: number;
  url: string;
  /** The node process (for `npm start`, npm's: its process group holds the server). */
  child: ChildProcess;
  /** Everything the app wrote to stdout and stderr so far. */
  output(): string;
  /**
   * Sends a signed webhook. `payload` is sent as JSON unless it is a string already; `id` is the
   * x-github-delivery header (a fresh one by default); `signature` replaces the correct one.
   */
  deliver(event: string, payload: unknown, options?: { id?: string; signature?: string }): Promise<Delivered>;
  /** Sends `signal` to the app's process group and resolves with the exit code once its output is closed. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL to the process group if it still runs (for afterAll). */
  kill(): void;
}

let deliveries = 0;

/** POSTs a signed webhook to an app listening on 127.0.0.1:`port`. */
export async function sendWebhook(
  port: number,
  secret: string,
  event: string,
  payload: unknown,
  options: { id?: string; signature?: string } = {},
): Promise<Delivered> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": options.id ?? `delivery-${process.pid}-${++deliveries}`,
      "x-hub-signature-256": options.signature ?? signWebhook(body, secret),
    },
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

/**
 * Starts the app in its own process group (npm, sh and node are stopped together) with the production
 * environment (NODE_ENV=production, the test app key, the fake GitHub as GHE_HOST, LOG_LEVEL=warn) and
 * resolves once `GET /ping` answers; a start that fails throws with the app's output.
 */
export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const { root, command, githubPort, secret } = options;
  const port = await freePort();
  const [file, args] =
    "npmStart" in command
      ? ["npm", ["start"]]
      : "tsx" in command
        ? [process.execPath, ["--import", "tsx", command.tsx]]
        : [process.execPath, command.node];
  let output = "";
  const child = spawn(file, args, {
    cwd: root,
    detached: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      APP_ID: "123",
      PRIVATE_KEY_PATH: join(root, "fixtures", "github", "test-app-key.pem"),
      WEBHOOK_SECRET: secret,
      GHE_HOST: `127.0.0.1:${githubPort}`,
      GHE_PROTOCOL: "http",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const kill = () => {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let exited = false;
  void closed.then(() => (exited = true));
  for (;;) {
    try {
      if ((await fetch(`${url}/ping`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (exited || Date.now() > deadline) {
      kill();
      throw new Error(`the app did not answer ${url}/ping (${exited ? "it exited" : "timed out"}); its output:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url,
    child,
    output: () => output,
    deliver: (event, payload, deliverOptions) => sendWebhook(port, secret, event, payload, deliverOptions),
    stop: async (signal = "SIGTERM") => {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, signal);
      return closed;
    },
    kill,
  };
}

/**
 * Resolves once `count()` (e.g. the fake GitHub's number of requests) has not changed for `quietMs`: how a
 * caller waits out a delivery answered 202 (still processing) so that all of its calls are counted.
 */
export async function untilQuiet(count: () => number, quietMs = 3_000): Promise<void> {
  for (let seen = -1; seen !== count(); ) {
    seen = count();
    await new Promise((r) => setTimeout(r, quietMs));
  }
}
