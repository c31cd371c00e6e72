/**
 * How the `archgate` bin starts: it runs the CLI's CommonJS bundle (dist/cli.cjs) through V8's code cache.
 *
 * A small review is mostly start-up: compiling and running the engine's code was about a third of a 3-file
 * review's CPU, every time, and Node 20 caches no compiled code for ES modules. A `vm.Script` can take V8's code
 * cache: the first run writes what V8 compiled (the bytecode of every function the run used, made at exit), later
 * runs of the same bundle, Node and flags start from it. V8 checks the cache against the source and its own
 * version and flags and rejects one that does not match; a rejected, missing, unreadable or unwritable cache only
 * costs that compile, never the review.
 *
 * Where: `$ARCHGATE_CODE_CACHE` (a directory; `off` turns the cache off), else `$XDG_CACHE_HOME/archgate`, else
 * `~/.cache/archgate`; the directory is made private to the user (a cache is code that runs). One file per bundle,
 * Node version and flags, written whole under a temporary name and renamed, so runs at the same time never read half
 * of one. `ARCHGATE_DEBUG_CODE_CACHE=1` says on stderr what happened. The vendor chunks the bundle loads on use
 * (`BUNDLE_VENDOR`) are run the same way, each with a cache file of its own.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { Script } from "node:vm";
import { applyCliV8Settings, CLI_V8_FLAGS, withLaunchFlags } from "./v8-flags.js";

/**
 * The name the CLI bundle calls for a dynamic `import()` (scripts/build-bundles.ts writes it in place of `import`,
 * a name of the same length, so that the source map's columns still hold).
 */
export const BUNDLE_IMPORT = "$$load";

/**
 * The name under which the CLI bundle asks its launcher for a vendor chunk (`dist/vendor/<package>.cjs`, see
 * scripts/build-bundles.ts): a table of the package's modules, each loaded on first use. A package read from
 * node_modules is compiled again by every review that needs it (yaml: about 30 ms, graphql's modules about 40 ms);
 * a chunk is one file, run through its own code cache as the bundle is.
 */
export const BUNDLE_VENDOR = "$$vendor";

/** What a vendor chunk exports: a loader per module id (`graphql/language/parser.js`). */
export type VendorChunk = Record<string, () => unknown>;

/** What the CLI bundle exports to its launcher (src/cli.ts `main`). */
interface CliBundle {
  main(argv: readonly string[]): Promise<void>;
}

export type CodeCacheOutcome = "used" | "written" | "rejected and written" | "off" | "not written";

/** The cache directory the environment asks for, or undefined when the cache is off. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const asked = env.ARCHGATE_CODE_CACHE;
  if (asked !== undefined && asked !== "") return asked === "off" ? undefined : asked;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "archgate");
  try {
    return join(homedir(), ".cache", "archgate");
  } catch {
    return undefined; // no home directory (a bare container user): no cache
  }
}

/** The cache file of one bundle text under this Node and these flags (`name`: `cli`, or `vendor-<package>` for a chunk). */
export function codeCacheFile(dir: string, source: string, name = "cli"): string {
  const key = createHash("sha256")
    .update(`${process.version}\0${process.arch}\0${CLI_V8_FLAGS.join(" ")}\0`)
    .update(source)
    .digest("hex");
  return join(dir, `${name}-${key.slice(0, 32)}.v8cache`);
}

/**
 * Compiles a CommonJS file as a function of `params` with the code cache of `dir` and calls it with `args` (after
 * `exports, require, module, __filename, __dirname`); returns its `module.exports`. At exit, a cache that was missing
 * or rejected is written and `onExit` told the outcome.
 */
function runCached<T>(
  file: string,
  name: string,
  dir: string | undefined,
  params: readonly string[],
  args: readonly unknown[],
  onExit?: (outcome: CodeCacheOutcome) => void,
): T {
  const source = readFileSync(file, "utf8");
  const cacheFile = dir === undefined ? undefined : codeCacheFile(dir, source, name);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile !== undefined) cachedData = readFileSync(cacheFile);
  } catch {}
  // A hashbang line is no JavaScript inside the function wrapper: made a comment, so line numbers stay.
  const body = source.startsWith("#!") ? `//${source.slice(2)}` : source;
  const wrapped = `(function (${["exports", "require", "module", "__filename", "__dirname", ...params].join(", ")}) {${body}\n})`;
  const script = withLaunchFlags(() => new Script(wrapped, { filename: file, cachedData }));
  const rejected = cachedData !== undefined && script.cachedDataRejected === true;
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file), ...args);
  process.once("exit", () => {
    if (cacheFile === undefined) onExit?.("off");
    else if (cachedData !== undefined && !rejected) onExit?.("used");
    // Made at exit, so that it holds every function this run compiled, not only the file's top level.
    else if (writeCodeCache(cacheFile, script)) onExit?.(rejected ? "rejected and written" : "written");
    else onExit?.("not written");
  });
  return module.exports;
}

/**
 * Loads the CLI bundle at `bundle` with the code cache and returns its exports; `onExit` is told, when the process
 * exits, whether the cache was used or written.
 */
export function loadCliBundle(
  bundle: string,
  env: NodeJS.ProcessEnv = process.env,
  onExit?: (outcome: CodeCacheOutcome, file: string) => void,
): CliBundle {
  applyCliV8Settings();
  const dir = codeCacheDir(env);
  // The bundle's `import()` of an ES module package (Probot) goes through this module's own, which resolves from the
  // same folder: a script's own `import()` needs an experimental vm option that warns on use.
  const load = (specifier: string): Promise<unknown> => import(specifier);
  // Vendor chunks beside the bundle, each run once, on first use; undefined when the build made none for `name`
  // (the bundle then requires the package from node_modules).
  const chunks = new Map<string, VendorChunk | undefined>();
  const vendor = (name: string): VendorChunk | undefined => {
    if (!chunks.has(name)) {
      const stem = name.replace("/", "+"); // a scoped package's name, as the build writes it
      const file = join(dirname(bundle), "vendor", `${stem}.cjs`);
      chunks.set(
        name,
        existsSync(file) ? runCached<VendorChunk>(file, `vendor-${stem}`, dir, [], [], onExit && ((o) => onExit(o, file))) : undefined,
      );
    }
    return chunks.get(name);
  };
  return runCached<CliBundle>(bundle, "cli", dir, [BUNDLE_IMPORT, BUNDLE_VENDOR], [load, vendor], onExit && ((o) => onExit(o, bundle)));
}

/** Writes the script's code cache to `file` (whole, then renamed); false when it cannot be written. */
function writeCodeCache(file: string, script: Script): boolean {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(
      temporary,
      withLaunchFlags(() => script.createCachedData()),
      { mode: 0o600 },
    );
    renameSync(temporary, file);
    return true;
  } catch {
    return false;
  }
}

/** The bin: runs the bundle beside this file with the process's arguments. */
export function launch(bundle: string): void {
  const debug = process.env.ARCHGATE_DEBUG_CODE_CACHE === "1";
  const report = (outcome: CodeCacheOutcome, file: string) =>
    process.stderr.write(`archgate: code cache ${outcome}${file === bundle ? "" : ` (${relative(dirname(bundle), file)})`}\n`);
  const cli = loadCliBundle(bundle, process.env, debug ? report : undefined);
  void cli.main(process.argv.slice(2));
}
