import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomInt } from "node:crypto";
import { join } from "node:path";
import { Redis } from "ioredis";
import { FakeGitHub, serveFakeGitHub, type FakePull, type FakeServer } from "../github/fake-github.js";
import { configYaml, isolatedConfig, sha } from "../github/harness.js";
import { freePort } from "./app-process.js";

/**
 * Two (or more) replicas of the production server (`node dist/server.js` with REDIS_URL, each its own
 * process and port) sharing one real Redis behind a fake GitHub on 127.0.0.1. Used by the two-replica
 * case of the fault suite (test/faults/replicas.faults.ts) and by `npm run bench:replicas`
 * (scripts/bench-replicas.ts), which measures the time to drain at a larger size.
 *
 * The scenario: `installations × pullsPerInstallation` pull requests (one repository per installation,
 * each PR's head adds a payments file: one review type, one label, one comment), every `opened` delivery
 * sent twice with the same delivery id, to alternating replicas, all at once; once `killAfter` check runs
 * are completed, one replica is killed with SIGKILL in the middle of its reviews; then the survivors
 * drain the queue. Every Redis key of the run lives under a prefix of its own (deleted by `close`), and
 * the installation ids are drawn per run, so the write pacing Probot keeps on Redis (Bottleneck, keyed by
 * installation) is not shared with another run.
 */

export const REDIS_URL = process.env.ARCHGATE_TEST_REDIS_URL || "redis://127.0.0.1:6379";
const SECRET = "replicas-webhook-secret";

/** Whether Redis answers PING at REDIS_URL (tests skip with a message when not). */
export async function redisAnswers(url = REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export interface Replica {
  name: string;
  child: ChildProcess;
  port: number;
  output: string;
  exited: Promise<number | null>;
}

export interface ReplicaOptions {
  root: string;
  /** Directory holding server.js (the production build). */
  dist: string;
  replicas: number;
  installations: number;
  pullsPerInstallation: number;
  /** Environment added to every replica's (queue lock, stalled interval, …). */
  env?: Record<string, string>;
}

export interface PullUnderTest {
  fullName: string;
  installation: number;
  pull: FakePull;
  delivery: string;
}

export class ReplicaCluster {
  readonly prefix = `archgate-replicas-${process.pid}-${Date.now().toString(36)}`;
  readonly fake = new FakeGitHub();
  readonly replicas: Replica[] = [];
  readonly pulls: PullUnderTest[] = [];
  private github: FakeServer | undefined;

  constructor(private readonly options: ReplicaOptions) {}

  /** Starts the fake GitHub and the replicas; resolves once every replica answers /healthz. */
  async start(): Promise<void> {
    this.github = await serveFakeGitHub(this.fake);
    const firstInstallation = randomInt(1_000_000, 9_000_000);
    for (let i = 0; i < this.options.installations; i++) {
      const fullName = `org${i}/shop`;
      const tree = { "README.md": "# shop\n", ".github/archgate.yml": configYaml(isolatedConfig()) };
      const base = this.fake.addCommit(sha(`${fullName}-base`, tree), tree);
      this.fake.setDefaultBranch(fullName, base);
      // Numbers unique across the repositories: the fake keeps one list of issue comments for all of them.
      for (let k = 1; k <= this.options.pullsPerInstallation; k++) {
        const n = i * this.options.pullsPerInstallation + k;
        const head = { ...tree, [`src/payments/change${n}.ts`]: `export const change = ${n};\n` };
        const pull = this.fake.addPull(fullName, {
          number: n,
          base,
          head: this.fake.addCommit(sha(`${fullName}-${n}`, head), head),
          title: `PR ${n}`,
        });
        this.pulls.push({ fullName, installation: firstInstallation + i, pull, delivery: `${this.prefix}-${i}-${n}` });
      }
    }
    for (let i = 0; i < this.options.replicas; i++) this.replicas.push(await this.spawn(`replica-${String.fromCharCode(97 + i)}`));
    await Promise.all(this.replicas.map((r) => this.healthy(r)));
  }

  private async spawn(name: string): Promise<Replica> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(this.options.dist, "server.js")], {
      cwd: this.options.root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        APP_ID: "123",
        PRIVATE_KEY_PATH: join(this.options.root, "fixtures", "github", "test-app-key.pem"),
        WEBHOOK_SECRET: SECRET,
        HOST: "127.0.0.1",
        PORT: String(port),
        LOG_LEVEL: "warn",
        LOG_FORMAT: "json",
        GHE_HOST: `127.0.0.1:${this.github!.port}`,
        GHE_PROTOCOL: "http",
        REDIS_URL,
        ARCHGATE_REDIS_PREFIX: this.prefix,
        ARCHGATE_REDELIVERY_INTERVAL_MS: "0",
        ...this.options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const replica: Replica = { name, child, port, output: "", exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
    child.stdout!.on("data", (d) => (replica.output += d));
    child.stderr!.on("data", (d) => (replica.output += d));
    return replica;
  }

  private async healthy(replica: Replica): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${replica.port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return;
      if (Date.now() > deadline || replica.child.exitCode !== null)
        throw new Error(`${replica.name} did not start (exit ${replica.child.exitCode}):\n${replica.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  payload({ fullName, installation, pull }: PullUnderTest): unknown {
    const [owner, repo] = fullName.split("/");
    return {
      action: "opened",
      number: pull.number,
      pull_request: this.fake.pullJson(fullName, pull),
      repository: { id: installation, name: repo, full_name: fullName, owner: { login: owner, type: "Organization" }, default_branch: "main" },
      installation: { id: installation },
      sender: { login: "alice", type: "User" },
    };
  }

  /** Sends one signed delivery to a replica; the HTTP status. */
  async deliver(replica: Replica, target: PullUnderTest): Promise<number> {
    const body = JSON.stringify(this.payload(target));
    const res = await fetch(`http://127.0.0.1:${replica.port}/api/github/webhooks`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": target.delivery,
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
    });
    await res.text();
    return res.status;
  }

  /** Every PR's delivery twice, the first copy to replica i mod n and the second to the next one, all at once. */
  async deliverAllTwice(): Promise<number[]> {
    const n = this.replicas.length;
    return Promise.all(this.pulls.flatMap((p, i) => [this.deliver(this.replicas[i % n]!, p), this.deliver(this.replicas[(i + 1) % n]!, p)]));
  }

  /** The latest check run of a PR on its head. */
  runOf({ pull }: PullUnderTest) {
    return this.fake.checkRuns.filter((r) => r.head_sha === pull.head && r.external_id === String(pull.number)).at(-1);
  }

  completedCount(): number {
    return this.pulls.filter((p) => this.runOf(p)?.status === "completed").length;
  }

  /** Comments on a PR. */
  commentsOf({ fullName, pull }: PullUnderTest): number {
    return this.fake.comments.filter((c) => c.repository === fullName && c.issue_number === pull.number).length;
  }

  /** Waits until `done()` or `withinMs` passed (then throws with the replicas' output). */
  async until(done: () => boolean, withinMs: number, what: string): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`${what}: not within ${withinMs} ms\n${this.replicas.map((r) => `--- ${r.name}\n${r.output.slice(-4000)}`).join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Kills every replica still running (SIGKILL), stops the fake GitHub and deletes the run's Redis keys. */
  async close(): Promise<void> {
    for (const r of this.replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
    await Promise.all(this.replicas.map((r) => r.exited));
    await this.github?.close();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    redis.on("error", () => undefined);
    try {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${this.prefix}:*`, "COUNT", 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== "0");
    } finally {
      redis.disconnect();
    }
  }
}
