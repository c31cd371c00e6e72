import { hostname } from "node:os";
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { LoggerLike } from "./octokit.js";
import type { VerifiedDelivery } from "./webhooks.js";

/**
 * The Redis mode's durable delivery queue (BullMQ). The webhook endpoint verifies a delivery, records
 * its id once (`SET <prefix>:delivery:<id> NX EX`, so a delivery sent twice, to one replica or two, is
 * queued once), adds it as a job (job id = delivery id) and answers 202. Workers on every replica take
 * jobs and run the handlers (Probot's `receive`).
 *
 * A replica killed mid-review (`kill -9`) stops renewing its jobs' locks: after `lockMs` the job counts
 * as stalled and the next stalled check on any live replica (every `stalledIntervalMs`) puts it back in
 * the queue, where a worker runs it again (the review takes over the check run left in progress). So a
 * job is picked up again within about `lockMs + stalledIntervalMs` (defaults 30 s + 30 s), and a job
 * stalled more than `maxStalledCount` times, or failing `attempts` times, is given up (`onGiveUp`, which
 * completes its check run as failure).
 */
export interface DeliveryQueueOptions {
  /** Key prefix of the deployment (BullMQ's keys are `<prefix>:deliveries:*`). */
  prefix: string;
  /** Jobs run at once by this replica's worker. */
  concurrency: number;
  /** A job's lock (renewed every half of it while it runs); a dead worker's jobs are free after it. */
  lockMs: number;
  /** How often each worker looks for stalled jobs. */
  stalledIntervalMs: number;
  /** Times a job may stall (its worker died) and be run again before it is given up. */
  maxStalledCount: number;
  /** Runs of a job whose handler throws, with exponential backoff from `backoffMs`. */
  attempts: number;
  backoffMs: number;
  /** How long a delivery id is remembered against duplicates. */
  deliveryTtlSeconds: number;
  log: LoggerLike;
}

export const DEFAULT_QUEUE_OPTIONS: Omit<DeliveryQueueOptions, "prefix" | "concurrency" | "log"> = {
  lockMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 2,
  attempts: 3,
  backoffMs: 5_000,
  deliveryTtlSeconds: 24 * 3600,
};

/** The queue's settings from the environment (ARCHGATE_QUEUE_LOCK_MS, ARCHGATE_QUEUE_STALLED_INTERVAL_MS, ARCHGATE_QUEUE_ATTEMPTS). */
export function queueSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<DeliveryQueueOptions, "prefix" | "concurrency" | "log"> {
  const positive = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    ...DEFAULT_QUEUE_OPTIONS,
    lockMs: positive("ARCHGATE_QUEUE_LOCK_MS", DEFAULT_QUEUE_OPTIONS.lockMs),
    stalledIntervalMs: positive("ARCHGATE_QUEUE_STALLED_INTERVAL_MS", DEFAULT_QUEUE_OPTIONS.stalledIntervalMs),
    attempts: Math.floor(positive("ARCHGATE_QUEUE_ATTEMPTS", DEFAULT_QUEUE_OPTIONS.attempts)),
    backoffMs: positive("ARCHGATE_QUEUE_BACKOFF_MS", DEFAULT_QUEUE_OPTIONS.backoffMs),
  };
}

/**
 * Jobs a replica's worker runs at once (ARCHGATE_QUEUE_CONCURRENCY, default 32). More than the reviews
 * evaluated at once (ARCHGATE_CONCURRENCY): a job spends most of its time waiting for GitHub's write
 * pacing of its installation, which costs no CPU and little memory, and taking only as many jobs as there
 * are evaluation slots would let one busy installation's jobs hold up every other installation's.
 */
export const DEFAULT_QUEUE_CONCURRENCY = 32;

export function queueConcurrencyFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.ARCHGATE_QUEUE_CONCURRENCY);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_QUEUE_CONCURRENCY;
}

export const QUEUE_NAME = "deliveries";

/** BullMQ refuses ":" in custom job ids; GitHub's delivery ids are GUIDs. */
const jobId = (delivery: string) => delivery.replace(/:/g, "_");

export class DeliveryQueue {
  private readonly queue: Queue<VerifiedDelivery>;
  private worker: Worker<VerifiedDelivery> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly options: DeliveryQueueOptions,
  ) {
    this.queue = new Queue<VerifiedDelivery>(QUEUE_NAME, {
      connection: redis,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: "exponential", delay: options.backoffMs },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
  }

  /** Queues a verified delivery once: "duplicate" when its id was queued before (by any replica). */
  async enqueue(delivery: VerifiedDelivery): Promise<"queued" | "duplicate"> {
    const seen = `${this.options.prefix}:delivery:${delivery.id}`;
    if ((await this.redis.set(seen, "1", "EX", this.options.deliveryTtlSeconds, "NX")) !== "OK") return "duplicate";
    try {
      await this.queue.add(delivery.name, delivery, { jobId: jobId(delivery.id) });
    } catch (error) {
      // Not queued: forget the id, so GitHub's redelivery (or the recovery sweep) is queued.
      await this.redis.del(seen).catch(() => undefined);
      throw error;
    }
    return "queued";
  }

  /**
   * Starts this replica's worker. `handle` runs the delivery's handlers; `onGiveUp` is told of a job
   * given up for good (failed its last attempt, or stalled too often), to complete its check run.
   */
  work(handle: (delivery: VerifiedDelivery) => Promise<void>, onGiveUp: (delivery: VerifiedDelivery, reason: string) => Promise<void>): void {
    const { log } = this.options;
    const worker = new Worker<VerifiedDelivery>(QUEUE_NAME, (job: Job<VerifiedDelivery>) => handle(job.data), {
      connection: this.redis.duplicate({ maxRetriesPerRequest: null }),
      prefix: this.options.prefix,
      name: `${hostname()}:${process.pid}`,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockMs,
      stalledInterval: this.options.stalledIntervalMs,
      maxStalledCount: this.options.maxStalledCount,
    });
    worker.on("stalled", (id) => log.warn({ job: id }, "a delivery's worker stopped (replica died or stalled); the delivery is queued again"));
    worker.on("failed", (job, error) => {
      if (!job) return;
      const last = job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled more than/i.test(error.message);
      log.warn({ err: error, delivery: job.data.id, attempt: job.attemptsMade, last }, "a queued delivery failed");
      if (last)
        void onGiveUp(job.data, error.message).catch((e: unknown) =>
          log.error({ err: e, delivery: job.data.id }, "a given-up delivery's check run could not be completed"),
        );
    });
    worker.on("error", (error) => log.error({ err: error }, "the delivery queue's worker failed (Redis)"));
    this.worker = worker;
  }

  /** Stops taking jobs; running ones finish (close waits for them). */
  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
