import type { CheckResult } from "./check-result.js";
import { currentFence } from "./coordination.js";
import type { LoggerLike } from "./octokit.js";

/**
 * Check runs this process could not complete (or not even create): every API attempt failed within the
 * retry budget. Each is kept with the verdict it should carry and a way to write it, and is completed by
 * the next review of the same pull request (before that review begins) or by the periodic sweep
 * (`sweep`, started by the server), whichever comes first. Bounded: the oldest entries go first.
 *
 * A run left in progress by a process that died is not in here; the next review of that pull request
 * head takes it over (CheckRunLifecycle.begin) and GitHub's redelivery of the failed webhook brings that
 * review about (recovery.ts).
 */
export interface UnfinishedRun {
  /** "owner/repo#number", lower case. */
  pull: string;
  headSha: string;
  /** The check run, when it was created. */
  runId?: number;
  /** The verdict to write. */
  result: CheckResult;
  /** Why it could not be written (for the logs). */
  reason: string;
  since: number;
  /** Attempts made since (it is given up after MAX_ATTEMPTS, with an error in the log). */
  attempts?: number;
  /** Writes the verdict (creating the run when `runId` is unset). Resolves once written. */
  write: () => Promise<void>;
}

/** A run still failing after this many tries (about an hour of sweeps) is given up, with an error logged. */
export const MAX_ATTEMPTS = 60;

export class UnfinishedRuns {
  private readonly runs = new Map<string, UnfinishedRun>();
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly log?: LoggerLike,
    private readonly capacity = 1_000,
  ) {}

  get size(): number {
    return this.runs.size;
  }

  list(): UnfinishedRun[] {
    return [...this.runs.values()];
  }

  add(run: UnfinishedRun): void {
    // A review that lost its lock on the PR (Redis mode) leaves the run to the replica that holds it now.
    if (currentFence()?.lost) {
      this.log?.warn(
        { pull: run.pull, head: run.headSha, runId: run.runId },
        "the lock on the pull request was lost; its check run is left to the replica holding it",
      );
      return;
    }
    const key = `${run.pull}@${run.headSha}`;
    this.runs.delete(key);
    this.runs.set(key, run);
    if (this.runs.size > this.capacity) {
      const [oldest] = this.runs.values();
      this.log?.error({ pull: oldest!.pull, head: oldest!.headSha, runId: oldest!.runId }, "giving up on an unfinished check run (too many pending)");
      this.runs.delete(this.runs.keys().next().value!);
    }
  }

  /** Completes the pull request's unfinished runs (any head); those that fail again stay for the sweep. */
  async settle(pull: string): Promise<void> {
    for (const [key, run] of [...this.runs]) if (run.pull === pull.toLowerCase()) await this.attempt(key, run);
  }

  /** Tries every unfinished run once; one sweep at a time. */
  sweep(): Promise<void> {
    if (this.sweeping !== undefined) return this.sweeping;
    const sweeping = (async () => {
      for (const [key, run] of [...this.runs]) await this.attempt(key, run);
    })().finally(() => {
      if (this.sweeping === sweeping) this.sweeping = undefined;
    });
    this.sweeping = sweeping;
    return sweeping;
  }

  /** Sweeps every `intervalMs` until the returned function is called. */
  start(intervalMs: number): () => void {
    const timer = setInterval(() => void this.sweep(), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async attempt(key: string, run: UnfinishedRun): Promise<void> {
    try {
      await run.write();
      if (this.runs.get(key) === run) this.runs.delete(key);
      this.log?.info({ pull: run.pull, head: run.headSha, runId: run.runId }, "completed a check run left unfinished earlier");
    } catch (error) {
      run.attempts = (run.attempts ?? 0) + 1;
      if (run.attempts >= MAX_ATTEMPTS) {
        if (this.runs.get(key) === run) this.runs.delete(key);
        this.log?.error(
          { err: error, pull: run.pull, head: run.headSha, runId: run.runId },
          `giving up on an unfinished check run after ${run.attempts} attempts`,
        );
      } else {
        this.log?.warn({ err: error, pull: run.pull, head: run.headSha, runId: run.runId }, "an unfinished check run could not be completed yet");
      }
    }
  }
}
