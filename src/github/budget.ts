import { getHeapStatistics } from "node:v8";
import { fromScope, runInScope, ScopeKey } from "./scope.js";

/**
 * The time and memory a review may use. Past either, the review is abandoned and its check run completes
 * as failure naming what ran out; the gate never waits on a review that does not end.
 *
 * How it stops a review: the budget's signal is carried (in scope, scope.ts) into every GitHub API request
 * the review sends, and a request under an exhausted budget is refused (retry.ts), so an abandoned review
 * stops reading and lets go of its memory at its next read. Work that never yields (one synchronous parse)
 * cannot be interrupted in-process: the verdict is written as soon as it returns control.
 */
export interface ReviewBudget {
  /** Wall-clock time of one review (evaluation and comment), ARCHGATE_REVIEW_TIMEOUT_MS. */
  timeMs: number;
  /** JS heap the process may use while the review runs, ARCHGATE_REVIEW_MEMORY_MB (default: 85 % of the heap limit). */
  memoryMb: number;
  /** How often the heap is sampled. */
  sampleMs?: number;
}

export const DEFAULT_REVIEW_TIMEOUT_MS = 120_000;

/** 85 % of V8's heap limit (`--max-old-space-size`): a review is stopped before the process runs out of memory. */
export function defaultMemoryMb(): number {
  return Math.floor((getHeapStatistics().heap_size_limit / 1024 / 1024) * 0.85);
}

export function budgetFromEnv(env: NodeJS.ProcessEnv = process.env): ReviewBudget {
  const positive = (name: string) => {
    const value = Number(env[name]);
    return env[name] && Number.isFinite(value) && value > 0 ? value : undefined;
  };
  return {
    timeMs: positive("ARCHGATE_REVIEW_TIMEOUT_MS") ?? DEFAULT_REVIEW_TIMEOUT_MS,
    memoryMb: positive("ARCHGATE_REVIEW_MEMORY_MB") ?? defaultMemoryMb(),
  };
}

/** The review ran out of its budget; the message is the check run's reason. */
export class BudgetExceeded extends Error {
  constructor(
    readonly resource: "time" | "memory",
    message: string,
  ) {
    super(message);
    this.name = "BudgetExceeded";
  }
}

const BUDGET = new ScopeKey<AbortSignal>("budget");

/** Throws the budget's reason when the review this code runs for has run out of it (a no-op outside a review). */
export function throwIfBudgetExhausted(): void {
  const signal = fromScope(BUDGET);
  if (signal?.aborted) throw signal.reason;
}

/**
 * Runs `task` within `budget`: resolves with its result, or rejects with BudgetExceeded as soon as the
 * time is up or the heap passes the memory budget (sampled every `sampleMs`).
 */
export function withinBudget<T>(budget: ReviewBudget, task: () => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const seconds = Math.round(budget.timeMs / 100) / 10;
  return new Promise<T>((resolve, reject) => {
    const stop = (error: BudgetExceeded) => {
      if (controller.signal.aborted) return;
      controller.abort(error);
      reject(error);
    };
    const timer = setTimeout(() => stop(new BudgetExceeded("time", `the review time budget of ${seconds} s ran out`)), budget.timeMs);
    const sampler = setInterval(() => {
      // process.memoryUsage().heapUsed without the RSS it reads from /proc on every call.
      const usedMb = Math.round(getHeapStatistics().used_heap_size / 1024 / 1024);
      if (usedMb > budget.memoryMb)
        stop(new BudgetExceeded("memory", `the review memory budget of ${budget.memoryMb} MB ran out (${usedMb} MB of heap in use)`));
    }, budget.sampleMs ?? 250);
    const settle = () => {
      clearTimeout(timer);
      clearInterval(sampler);
    };
    runInScope(BUDGET, controller.signal, task).then(
      (value) => {
        settle();
        if (!controller.signal.aborted) resolve(value);
      },
      (error: unknown) => {
        settle();
        if (!controller.signal.aborted) reject(error);
      },
    );
  });
}
