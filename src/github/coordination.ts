import { serialByKey } from "./octokit.js";
import { fromScope, runInScope, ScopeKey } from "./scope.js";

/**
 * What the handlers need to know beyond one event, and where it lives. Two implementations:
 *
 * - `InProcessCoordination` (the default, embedded mode): one process, its memory. Reviews of one pull
 *   request run one after another, the newest head per PR and the deliveries handled are remembered in
 *   bounded maps. A process that dies forgets them.
 * - `RedisCoordination` (redis-coordination.ts, with REDIS_URL): the same three things shared by every
 *   replica through Redis, so two replicas never review one PR at the same time.
 *
 * Keys of pull requests are "owner/repo#number" in lower case.
 */
export interface Coordination {
  /** Runs `task` once no other review of `pull` runs (in this process, or on any replica). */
  exclusive<T>(pull: string, task: () => Promise<T>): Promise<T>;
  /**
   * Records `sha` as the PR's head if it is at least as recent (by the PR's `updated_at`) as the newest
   * one seen; answers whether an event for `sha` is for an older head than the newest (then nothing is
   * reviewed). `updatedAt` NaN (unknown) never counts as older and records nothing.
   */
  olderHead(pull: string, sha: string, updatedAt: number): Promise<boolean>;
  /** Whether this delivery was handled to the end already (a replay is answered without an API call). */
  handled(delivery: string): Promise<boolean>;
  markHandled(delivery: string): Promise<void>;
}

/** A bounded set of recent keys (oldest forgotten first): delivery ids handled, newest heads of PRs. */
export class Recent<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity = 10_000) {}
  get(key: string): V | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** The embedded mode: everything in this process's memory. */
export class InProcessCoordination implements Coordination {
  private readonly perPullRequest = serialByKey();
  private readonly newestHead = new Recent<{ sha: string; updatedAt: number }>();
  private readonly done = new Recent<true>();

  exclusive<T>(pull: string, task: () => Promise<T>): Promise<T> {
    return this.perPullRequest(pull, task);
  }

  async olderHead(pull: string, sha: string, updatedAt: number): Promise<boolean> {
    const newest = this.newestHead.get(pull);
    if (newest && newest.sha !== sha && Number.isFinite(updatedAt) && updatedAt < newest.updatedAt) return true;
    if (Number.isFinite(updatedAt) && (!newest || updatedAt >= newest.updatedAt)) this.newestHead.set(pull, { sha, updatedAt });
    return false;
  }

  async handled(delivery: string): Promise<boolean> {
    return this.done.get(delivery) === true;
  }

  async markHandled(delivery: string): Promise<void> {
    this.done.set(delivery, true);
  }
}

/**
 * Fencing for a review that holds a lock on its pull request (Redis mode). If the lock is lost while the
 * review runs (the process stalled past the lock's expiry and another replica took the PR over), the
 * review must write nothing more: every write request it sends checks its fence first (retry.ts), and a
 * check run it could not complete is not kept for the sweep (unfinished.ts), since the replica now
 * holding the PR completes it.
 */
export interface Fence {
  /** Throws when the lock is no longer held by this review (asked of Redis, not only remembered). */
  check(): Promise<void>;
  /** Whether the lock is known to be lost (no round trip). */
  readonly lost: boolean;
}

const FENCE = new ScopeKey<Fence>("fence");

/** Runs `task` under `fence`: GitHub writes it sends are refused once the fence is lost. */
export function runFenced<T>(fence: Fence, task: () => Promise<T>): Promise<T> {
  return runInScope(FENCE, fence, task);
}

/** The fence of the review this code runs for, if any. */
export function currentFence(): Fence | undefined {
  return fromScope(FENCE);
}

/** The lock on a pull request was lost while its review ran; the message names the PR. */
export class LockLost extends Error {
  constructor(pull: string) {
    super(`the lock on ${pull} was lost (another replica took the review over)`);
    this.name = "LockLost";
  }
}
