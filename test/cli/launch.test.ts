import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { codeCacheDir, codeCacheFile } from "../../src/bin/launch.js";
import { CLI_LARGE_HEAP_BYTES, CLI_YOUNG_GENERATION_BYTES } from "../../src/bin/v8-flags.js";

const LAUNCH = join(import.meta.dirname, "..", "..", "src", "bin", "launch.ts");
const V8_FLAGS = join(import.meta.dirname, "..", "..", "src", "bin", "v8-flags.ts");

/** Code (inside an async function or a module) that keeps 400,000 objects across event-loop turns, as a big review keeps the texts it reads between chunks. */
const KEEP_OBJECTS_ACROSS_TURNS = `const kept = [];
for (let turn = 0; turn < 200; turn++) {
  for (let i = 0; i < 2000; i++) kept.push({ i, s: "x" + turn + "-" + i });
  await new Promise((resolve) => setImmediate(resolve));
}`;

/**
 * A stand-in for dist/cli.cjs: a hashbang line, CommonJS `require`, a dynamic import (as the build writes it) and a `main` that prints
 * its arguments, what it was handed and the V8 flag the launcher sets before compiling.
 */
const BUNDLE = `#!/usr/bin/env node
"use strict";
const { basename } = require("node:path");
exports.main = async (argv) => {
  const os = await $$load("node:os");
  const v8 = require("node:v8");
  process.stdout.write(JSON.stringify({ argv, file: basename(__filename), hasOs: typeof os.cpus, heap: typeof v8.getHeapStatistics }));
};
`;

describe("the archgate bin's launcher (V8 code cache)", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "archgate-launch-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Runs the launcher on `bundle` in its own process, as the bin does. */
  const launch = (bundle: string, env: Record<string, string>) => {
    const code = `import { launch } from ${JSON.stringify(LAUNCH)}; launch(${JSON.stringify(bundle)});`;
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code, "_", "check", "--x"], {
      encoding: "utf8",
      env: { ...process.env, ARCHGATE_DEBUG_CODE_CACHE: "1", ...env },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
  };

  it("writes the cache on the first run, starts from it on the next, and runs the bundle the same both times", () => {
    const dir = tempDir();
    const bundle = join(dir, "cli.cjs");
    writeFileSync(bundle, BUNDLE);
    const cache = join(dir, "cache");
    const expected = JSON.stringify({ argv: ["check", "--x"], file: "cli.cjs", hasOs: "function", heap: "function" });
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({ status: 0, stdout: expected, stderr: "archgate: code cache written" });
    const files = readdirSync(cache);
    expect(files).toEqual([codeCacheFile(cache, BUNDLE).slice(cache.length + 1)]);
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({ status: 0, stdout: expected, stderr: "archgate: code cache used" });

    // A damaged cache is rejected by V8, the bundle still runs, and a good cache replaces it.
    writeFileSync(join(cache, files[0]!), "not a code cache");
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({
      status: 0,
      stdout: expected,
      stderr: "archgate: code cache rejected and written",
    });
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({ status: 0, stdout: expected, stderr: "archgate: code cache used" });

    // Another bundle text is another file: an old cache is never applied to new code.
    writeFileSync(bundle, `${BUNDLE}// changed\n`);
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({ status: 0, stdout: expected, stderr: "archgate: code cache written" });
    expect(readdirSync(cache)).toHaveLength(2);
  });

  it("writes a cache the next run uses after a run whose young generation reached the CLI's cap and whose heap grew large", () => {
    // V8 rejects a cache made under other flags; the cap and the large heap's growing percent change two mid-run (v8-flags.ts).
    const dir = tempDir();
    const bundle = join(dir, "cli.cjs");
    writeFileSync(
      bundle,
      `"use strict";
exports.main = async () => {
${KEEP_OBJECTS_ACROSS_TURNS}
  const v8 = require("node:v8");
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
  process.stdout.write(young + (v8.getHeapStatistics().used_heap_size >= ${CLI_LARGE_HEAP_BYTES} ? " large" : " small"));
};
`,
    );
    const cache = join(dir, "cache");
    const capped = `${CLI_YOUNG_GENERATION_BYTES} large`;
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({ status: 0, stdout: capped, stderr: "archgate: code cache written" });
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({ status: 0, stdout: capped, stderr: "archgate: code cache used" });
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({ status: 0, stdout: capped, stderr: "archgate: code cache used" });
  });

  it("writes a cache that holds the code a long run compiled early, full GCs after", () => {
    // 300 functions called once at start; then about 1.3 GB allocated and dropped, many full GCs. V8 drops the bytecode
    // of functions unused that long unless told not to, and the cache written at exit lacked it (half the size).
    const functions = Array.from(
      { length: 300 },
      (_, i) => `function f${i}(x) { let s = 0; for (let k = 0; k < x; k++) s += (k * ${i + 1}) % 7; return s + ${i}; }`,
    ).join("\n");
    const calls = Array.from({ length: 300 }, (_, i) => `f${i}(3)`).join(" + ");
    const cacheSize = (callAgainAtEnd: boolean) => {
      const dir = tempDir();
      const bundle = join(dir, "cli.cjs");
      writeFileSync(
        bundle,
        `"use strict";
${functions}
exports.main = async () => {
  let total = ${calls};
  for (let round = 0; round < 40; round++) {
    let junk = [];
    for (let i = 0; i < 200; i++) junk.push(new Array(20000).fill(round));
    junk = null;
    await new Promise((resolve) => setImmediate(resolve));
  }
  ${callAgainAtEnd ? `total += ${calls};` : ""}
  process.stdout.write(String(total));
};
`,
      );
      const cache = join(dir, "cache");
      expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toMatchObject({ status: 0, stderr: "archgate: code cache written" });
      const [file] = readdirSync(cache);
      return statSync(join(cache, file!)).size;
    };
    const calledOnce = cacheSize(false);
    const calledAgain = cacheSize(true);
    expect(calledOnce).toBeGreaterThan(0.85 * calledAgain);
  });

  it("runs a vendor chunk beside the bundle once, on first use, through a code cache of its own", () => {
    const dir = tempDir();
    const bundle = join(dir, "cli.cjs");
    // The bundle asks twice for one chunk (one run of it), and for a package that has none (node_modules then).
    writeFileSync(
      bundle,
      `exports.main = async () => {
  const first = $$vendor("toml");
  const again = $$vendor("toml");
  process.stdout.write(JSON.stringify({ parsed: first["toml/parse.js"]()("a = 1"), same: first === again, runs: globalThis.tomlChunkRuns, none: $$vendor("yaml") === undefined }));
};
`,
    );
    mkdirSync(join(dir, "vendor"));
    writeFileSync(
      join(dir, "vendor", "toml.cjs"),
      `globalThis.tomlChunkRuns = (globalThis.tomlChunkRuns ?? 0) + 1;
module.exports = { "toml/parse.js": () => (text) => Object.fromEntries([text.split(" = ")]) };
`,
    );
    const cache = join(dir, "cache");
    const expected = JSON.stringify({ parsed: { a: "1" }, same: true, runs: 1, none: true });
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({
      status: 0,
      stdout: expected,
      stderr: "archgate: code cache written\narchgate: code cache written (vendor/toml.cjs)",
    });
    expect(
      readdirSync(cache)
        .map((f) => f.replace(/-[0-9a-f]{32}\.v8cache$/, ""))
        .sort(),
    ).toEqual(["cli", "vendor-toml"]);
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: cache })).toEqual({
      status: 0,
      stdout: expected,
      stderr: "archgate: code cache used\narchgate: code cache used (vendor/toml.cjs)",
    });
  });

  it("runs without a cache when it is off or its directory cannot be written", () => {
    const dir = tempDir();
    const bundle = join(dir, "cli.cjs");
    writeFileSync(bundle, BUNDLE);
    expect(launch(bundle, { ARCHGATE_CODE_CACHE: "off" })).toMatchObject({ status: 0, stderr: "archgate: code cache off" });
    const locked = join(dir, "locked");
    writeFileSync(join(dir, "placeholder"), "");
    chmodSync(dir, 0o500);
    const asRoot = process.getuid?.() === 0; // root writes anyway: then the cache is simply written
    const outcome = launch(bundle, { ARCHGATE_CODE_CACHE: join(locked, "cache") });
    expect(outcome.status).toBe(0);
    expect(outcome.stderr).toBe(asRoot ? "archgate: code cache written" : "archgate: code cache not written");
    expect(existsSync(join(locked, "cache"))).toBe(asRoot);
  });

  it("puts the cache under ARCHGATE_CODE_CACHE, else XDG_CACHE_HOME, else ~/.cache", () => {
    expect(codeCacheDir({ ARCHGATE_CODE_CACHE: "/srv/cache" })).toBe("/srv/cache");
    expect(codeCacheDir({ ARCHGATE_CODE_CACHE: "off", XDG_CACHE_HOME: "/x" })).toBeUndefined();
    expect(codeCacheDir({ XDG_CACHE_HOME: "/x" })).toBe(join("/x", "archgate"));
    expect(codeCacheDir({ ARCHGATE_CODE_CACHE: "", XDG_CACHE_HOME: "" })).toMatch(/[\\/]\.cache[\\/]archgate$/);
    expect(codeCacheFile("/c", "a")).not.toBe(codeCacheFile("/c", "b"));
    expect(codeCacheFile("/c", "a")).toMatch(/^[\\/]c[\\/]cli-[0-9a-f]{32}\.v8cache$/);
    expect(codeCacheFile("/c", "a", "vendor-yaml")).toMatch(/^[\\/]c[\\/]vendor-yaml-[0-9a-f]{32}\.v8cache$/);
  });

  it("stops the young generation growing at the CLI's cap, which a process without the CLI's settings grows past", () => {
    const newSpaceAfterKeeping = (settings: string) => {
      const code = `import { applyCliV8Settings } from ${JSON.stringify(V8_FLAGS)};
import { getHeapSpaceStatistics } from "node:v8";
${settings}
${KEEP_OBJECTS_ACROSS_TURNS}
process.stdout.write(String(getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size));`;
      const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      return Number(result.stdout);
    };
    expect(CLI_YOUNG_GENERATION_BYTES).toBe(8 * 1024 * 1024);
    expect(newSpaceAfterKeeping("applyCliV8Settings();")).toBe(CLI_YOUNG_GENERATION_BYTES);
    // Asked twice (the launcher, then the bundle's main): one observer, the same cap.
    expect(newSpaceAfterKeeping("applyCliV8Settings(); applyCliV8Settings();")).toBe(CLI_YOUNG_GENERATION_BYTES);
    expect(newSpaceAfterKeeping("")).toBeGreaterThan(2 * CLI_YOUNG_GENERATION_BYTES);
  });

  it("slows the old generation's growth once the heap holds CLI_LARGE_HEAP_BYTES, and not before", () => {
    const settingsAfterKeeping = (objects: number) => {
      const code = `import { applyCliV8Settings, cliOldGenerationGrowingPercent } from ${JSON.stringify(V8_FLAGS)};
import { getHeapStatistics } from "node:v8";
applyCliV8Settings();
const kept = [];
for (let turn = 0; turn < 100; turn++) {
  for (let i = 0; i < ${objects / 100}; i++) kept.push({ i, s: "x" + turn + "-" + i });
  await new Promise((resolve) => setImmediate(resolve));
}
const heap = getHeapStatistics().used_heap_size;
process.stdout.write(JSON.stringify({ growingPercent: cliOldGenerationGrowingPercent() ?? null, large: heap >= ${CLI_LARGE_HEAP_BYTES} }));`;
      const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      return JSON.parse(result.stdout) as unknown;
    };
    expect(CLI_LARGE_HEAP_BYTES).toBe(24 * 1024 * 1024);
    expect(settingsAfterKeeping(20_000)).toEqual({ growingPercent: null, large: false });
    expect(settingsAfterKeeping(400_000)).toEqual({ growingPercent: 30, large: true });
  });
});
