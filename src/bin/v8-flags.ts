import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from "node:v8";

/**
 * V8 flags of the `archgate` command, set before the CLI's code is compiled (src/bin/launch.ts), or by the CLI itself
 * when run unbundled; a process that imports the CLI's modules without running `main` (the App) keeps V8's defaults.
 *
 * `--interrupt-budget`: V8 optimizes a function once it has run 66 KB of bytecode (the default budget); in a review,
 * a one-off process of a few seconds, some 250 functions got there and TurboFan's compile threads took about a third
 * of the CPU of a 1,000-file review, for code that ran little longer. Eight times that budget leaves the functions
 * that carry a large review (scanners, parsers) optimized and spares the rest: 10-17 % less CPU on saleor's 1,099-
 * and 3,188-file ranges (bench:floor), same reports.
 *
 * `--no-wasm-tier-up --no-wasm-dynamic-tiering`: WebAssembly stays on Liftoff, V8's baseline compiler: the Postgres
 * parser's grammar function (100 KB of wasm) was tiered up to TurboFan by the first SQL statement it read, 70-200 ms
 * of compile and 26 MB of compiler memory in a review that parses a few statements (a Django RunSQL is enough).
 *
 * `--no-flush-bytecode`: V8 drops the bytecode of a function unused over a few full GCs, and the code cache written at
 * exit then lacks it. A big review makes many full GCs, so the cache its run wrote lacked much of the start-up code,
 * and every later run compiled it again: on saleor's 1-file commit 0.22 s CPU and 62 MB against 0.16 s and 57 MB
 * with the cache of a small run. Kept, a big run's cache serves a small one as well (0.17 s, 58 MB).
 */
export const CLI_V8_FLAGS = ["--interrupt-budget=540672", "--no-wasm-tier-up", "--no-wasm-dynamic-tiering", "--no-flush-bytecode"] as const;

/**
 * `--heap-growing-percent=30`, set once the heap holds CLI_LARGE_HEAP_BYTES: after a full GC, V8 then lets the old
 * generation grow to 1.3 times what survived instead of up to 4 times for a heap this small. Most of what a review
 * allocates dies within one rule, and what reached the old generation was collected only near the end: on saleor's
 * 3,188-file range the peak RSS came at the end of the review while a heap snapshot there holds 4 MB of the review's
 * strings. With the young generation's cap below, peak RSS there went from 243 to 190 MB (10 interleaved runs each);
 * the cap alone gave 207 MB. It costs full GCs, which a heap that stays small does not need: set from the start, it
 * cost 10 % more CPU on documenso's 1,414-file commit (35 MB of heap at most) than without it.
 */
export const CLI_LARGE_HEAP_GROWING_PERCENT = 30;
/**
 * The heap in use (bytes) from which the old generation grows by CLI_LARGE_HEAP_GROWING_PERCENT. Against setting it
 * from the start (7-10 interleaved runs each): 6 % less CPU on documenso's 1,414-file commit (121 against 112 MB of
 * RSS), 8 % less on saleor's 1,099-file range; on the 3,188-file range a peak RSS of 190 / 195 MB (median / most)
 * and 2-5 % less CPU. From 32 or 40 MB, that range's peak RSS passed 200 MB (209 MB).
 */
export const CLI_LARGE_HEAP_BYTES = 24 * 1024 * 1024;

/**
 * The young generation's size the CLI stops growing at (both semi-spaces, bytes). V8 doubles it up to 32 MB while
 * much of what is allocated survives a scavenge, as a big review's file texts do while they are read, and keeps it
 * committed to the end. With the growing percent above set from the start, the two cost CPU, in more scavenges (about
 * 200 instead of 60 on that range) and more mark-compacts (about 22 instead of 8): 4-10 % more CPU on the 3,188-file
 * range in interleaved runs on a shared machine (less since the growing percent waits for a large heap). A small review reaches the cap too (saleor's 1-file commit does) but runs few GCs after it: its CPU and
 * peak RSS did not change (0.19 s, 58 MB, 15 interleaved runs). A 16 MB cap saved 10 MB less.
 */
export const CLI_YOUNG_GENERATION_BYTES = 8 * 1024 * 1024;

const applied = Symbol.for("archgate.cli-v8-settings");

/** V8's own growth factor of the young generation (`--semi-space-growth-factor`), which the CLI starts with. */
const DEFAULT_GROWTH_FACTOR = 2;
/** V8's own `--heap-growing-percent` (0: V8 picks the factor), which the CLI starts with. */
const DEFAULT_HEAP_GROWING_PERCENT = 0;
/**
 * Whether this module set the growth factor to 1 (the cap is reached), and the old generation's growing percent (the
 * heap is large). Per module instance: the launcher's copy is the one that applies the settings and reads and writes
 * the code caches; the bundle's copy finds them applied.
 */
let growthStopped = false;
let largeHeap = false;

function stopGrowth(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
  growthStopped = true;
}

function growOldGenerationSlowly(): void {
  setFlagsFromString(`--heap-growing-percent=${CLI_LARGE_HEAP_GROWING_PERCENT}`);
  largeHeap = true;
}

/**
 * Sets the CLI's V8 flags, caps its young generation and slows the old generation's growth once the heap is large
 * (once per process: the launcher and the bundle both ask). The young generation's maximum is fixed when V8 starts;
 * what can change later is how much it grows by, read at each growth: after the GC at which it reaches the cap, the
 * growth factor becomes 1. The growing percent is read each time V8 sets the old generation's next limit, after a
 * full GC. A GC observer sees every GC once the event loop turns (the reads of a big review turn it between chunks),
 * and stops once both are set.
 */
export function applyCliV8Settings(youngGenerationBytes = CLI_YOUNG_GENERATION_BYTES, largeHeapBytes = CLI_LARGE_HEAP_BYTES): void {
  const state = globalThis as { [applied]?: true };
  if (state[applied]) return;
  state[applied] = true;
  for (const flag of CLI_V8_FLAGS) setFlagsFromString(flag);
  const settle = (): boolean => {
    if (!growthStopped && (getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0) >= youngGenerationBytes) stopGrowth();
    if (!largeHeap && getHeapStatistics().used_heap_size >= largeHeapBytes) growOldGenerationSlowly();
    return growthStopped && largeHeap;
  };
  if (settle()) return;
  const observer = new PerformanceObserver(() => {
    if (settle()) observer.disconnect();
  });
  observer.observe({ entryTypes: ["gc"] });
}

/** The old generation's growing percent applyCliV8Settings has set in this module instance, if any (for tests). */
export function cliOldGenerationGrowingPercent(): number | undefined {
  return largeHeap ? CLI_LARGE_HEAP_GROWING_PERCENT : undefined;
}

/**
 * Runs `task` under the flags the CLI was launched with. V8 stamps a code cache with a hash of all its flags and
 * rejects a cache made under other flags: a cache written at exit after the young generation stopped growing was
 * rejected by every next run (which starts growing again), so the growth factor and the old generation's growing
 * percent are set back while a cache is read or made.
 */
export function withLaunchFlags<T>(task: () => T): T {
  if (!growthStopped && !largeHeap) return task();
  if (growthStopped) setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
  if (largeHeap) setFlagsFromString(`--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`);
  try {
    return task();
  } finally {
    if (growthStopped) setFlagsFromString("--semi-space-growth-factor=1");
    if (largeHeap) setFlagsFromString(`--heap-growing-percent=${CLI_LARGE_HEAP_GROWING_PERCENT}`);
  }
}
