import type { Redis } from "ioredis";
import { type Coordination, type Fence, LockLost, runFenced } from "./coordination.js";
import { serialByKey, type LoggerLike } from "./octokit.js";

/**
 * The Redis mode's coordination (REDIS_URL): what the handlers keep beyond one event, shared by every
 * replica. Keys (all under `prefix`, ARCHGATE_REDIS_PREFIX, default "archgate"):
 *
 * - `<prefix>:lock:<owner/repo#n>`: the PR's lock, held while one of its reviews runs anywhere. SET NX
 *   with an expiry of `lockMs`, renewed every `lockMs / 3` by its holder; its value is a fencing token
 *   (a per-PR counter, `<prefix>:fence:<pull>`, plus the holder). A replica killed while it holds the
 *   lock lets go of it when it expires. A holder that finds its lock gone (it stalled past the expiry and
 *   another replica took the PR) sends no write more: the fence (coordination.ts) refuses them.
 * - `<prefix>:head:<pull>`: the newest head seen (sha and the PR's updated_at), compared and set in one
 *   script, so an event for an older head is not reviewed whichever replica gets it.
 * - `<prefix>:handled:<delivery id>`: a delivery handled to the end (kept `handledTtlSeconds`).
 *
 * Within a process, reviews of one PR also queue in memory first, so they do not poll Redis for a lock
 * their neighbour holds.
 */
export interface RedisCoordinationOptions {
  /** Key prefix shared by every replica of one deployment. */
  prefix: string;
  /** Expiry of a PR's lock; renewed every third of it while the review runs. */
  lockMs: number;
  /** How long a handled delivery id and a PR's newest head are remembered. */
  handledTtlSeconds?: number;
  headTtlSeconds?: number;
  /** Longest wait for a PR's lock before the job is given back to the queue (it is retried). */
  maxWaitMs?: number;
  log?: LoggerLike | undefined;
}

/** Compare-and-set of the newest head: 1 when the event's head is older than the newest recorded. */
const OLDER_HEAD = `
local sha = redis.call('HGET', KEYS[1], 'sha')
local at = tonumber(redis.call('HGET', KEYS[1], 'at'))
if ARGV[2] == '' then return 0 end
local updated = tonumber(ARGV[2])
if sha and sha ~= ARGV[1] and at and updated < at then return 1 end
if (not at) or updated >= at then
  redis.call('HSET', KEYS[1], 'sha', ARGV[1], 'at', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 0`;

/** Extends the lock if this holder still has it: 1, else 0. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** Lets go of the lock if this holder still has it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RedisCoordination implements Coordination {
  private readonly local = serialByKey();
  private readonly handledTtl: number;
  private readonly headTtl: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisCoordinationOptions,
  ) {
    this.handledTtl = options.handledTtlSeconds ?? 24 * 3600;
    this.headTtl = options.headTtlSeconds ?? 30 * 24 * 3600;
    this.maxWaitMs = options.maxWaitMs ?? 10 * 60_000;
  }

  private key(kind: string, name: string): string {
    return `${this.options.prefix}:${kind}:${name}`;
  }

  exclusive<T>(pull: string, task: () => Promise<T>): Promise<T> {
    return this.local(pull, () => this.locked(pull, task));
  }

  private async locked<T>(pull: string, task: () => Promise<T>): Promise<T> {
    const lockKey = this.key("lock", pull);
    const { lockMs } = this.options;
    const token = `${await this.redis.incr(this.key("fence", pull))}:${process.pid}:${Math.random().toString(36).slice(2)}`;
    await this.redis.expire(this.key("fence", pull), this.headTtl);
    const started = Date.now();
    let wait = 50;
    while ((await this.redis.set(lockKey, token, "PX", lockMs, "NX")) !== "OK") {
      if (Date.now() - started > this.maxWaitMs)
        throw new Error(`${pull} stayed locked by another review for ${Math.round(this.maxWaitMs / 1000)} s`);
      await sleep(wait);
      wait = Math.min(wait * 2, 500);
    }
    let lost = false;
    const redis = this.redis;
    const log = this.options.log;
    const markLost = () => {
      if (lost) return;
      lost = true;
      log?.error({ pull, token }, "the lock on the pull request was lost while its review ran; it writes nothing more");
    };
    const fence: Fence = {
      get lost() {
        return lost;
      },
      async check() {
        if (!lost && (await redis.get(lockKey)) !== token) markLost();
        if (lost) throw new LockLost(pull);
      },
    };
    const renewal = setInterval(
      () => {
        redis.eval(RENEW, 1, lockKey, token, String(lockMs)).then(
          (renewed) => {
            if (Number(renewed) !== 1) markLost();
          },
          (error: unknown) => log?.warn({ err: error, pull }, "the lock on the pull request could not be renewed (Redis)"),
        );
      },
      Math.max(100, Math.floor(lockMs / 3)),
    );
    try {
      return await runFenced(fence, task);
    } finally {
      clearInterval(renewal);
      await redis
        .eval(RELEASE, 1, lockKey, token)
        .catch((error: unknown) => log?.warn({ err: error, pull }, "the lock on the pull request could not be released; it expires"));
    }
  }

  async olderHead(pull: string, sha: string, updatedAt: number): Promise<boolean> {
    const older = await this.redis.eval(
      OLDER_HEAD,
      1,
      this.key("head", pull),
      sha,
      Number.isFinite(updatedAt) ? String(updatedAt) : "",
      String(this.headTtl),
    );
    return Number(older) === 1;
  }

  async handled(delivery: string): Promise<boolean> {
    return (await this.redis.exists(this.key("handled", delivery))) === 1;
  }

  async markHandled(delivery: string): Promise<void> {
    await this.redis.set(this.key("handled", delivery), "1", "EX", this.handledTtl);
  }
}
