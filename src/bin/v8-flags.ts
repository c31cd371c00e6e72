/**
 * V8 flags of the `archgate` command, set before the CLI's code is compiled (src/bin/launch.ts) and again by the
 * CLI itself when run unbundled; a process that imports the CLI's modules (tests, the App) keeps V8's defaults.
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
 */
export const CLI_V8_FLAGS = ["--interrupt-budget=540672", "--no-wasm-tier-up", "--no-wasm-dynamic-tiering"] as const;
