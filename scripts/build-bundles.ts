/**
 * Builds the bundles archgate ships.
 *
 * - The GitHub Action's single file, action/bundle/index.mjs (committed: a workflow runs it from a clean checkout
 *   of the action, with no node_modules), with the WebAssembly files of libpg-query and @cdktf/hcl2json beside it.
 * - The CLI and the server, dist/cli.js and dist/server.js with their chunks in dist/chunks/ (not committed;
 *   `npm run build` and `prepack` write them over tsc's per-file output of the same two entries, which the rest
 *   of dist/ keeps for package.json `main`; `bin`, `npm start` and the container run them). ESM with code splitting: what every review
 *   runs (the engine, the rules, zod, minimatch) is one chunk instead of ~200 modules to resolve and compile, and
 *   what few reviews need stays out of it until asked for: the commands, renderers and `_extends` as chunks
 *   loaded by `import()`, the heavy parsers (yaml, graphql, protobufjs, avsc, sax, libpg-query, @cdktf/hcl2json,
 *   openapi-diff) and Probot from node_modules, on first use, as the unbundled build loads them.
 *
 *   npm run build:bundles          writes action/bundle/
 *   npm run build:bundles -- --dist  writes dist/cli.js, dist/server.js, dist/chunks/ (part of `npm run build`)
 *   npm run check:bundles          fails when the committed action bundle differs from a fresh build (CI)
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type BuildOptions, build, type Plugin } from "esbuild";
import { BUNDLE_IMPORT, BUNDLE_VENDOR } from "../src/bin/launch.js";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "action", "bundle");
const require = createRequire(join(ROOT, "package.json"));

/** Bundled CommonJS code asks for `require`, `__filename` and `__dirname`: ESM has none of them. */
const BANNER = [
  "// archgate GitHub Action: built by scripts/build-bundles.ts from src/action.ts; do not edit.",
  'import { createRequire as __archgateCreateRequire } from "node:module";',
  'import { fileURLToPath as __archgateFileURLToPath } from "node:url";',
  'import { dirname as __archgateDirname } from "node:path";',
  "const require = __archgateCreateRequire(import.meta.url);",
  "const __filename = __archgateFileURLToPath(import.meta.url);",
  "const __dirname = __archgateDirname(__filename);",
].join("\n");

/**
 * @cdktf/hcl2json reads `main.wasm.gz` from its package root (`join(__dirname, "..", "main.wasm.gz")`);
 * in the bundle `__dirname` is the bundle's folder, where the file is copied.
 */
const hclWasmBesideBundle: Plugin = {
  name: "hcl2json-wasm-beside-bundle",
  setup(b) {
    b.onLoad({ filter: /@cdktf[\\/]hcl2json[\\/]lib[\\/]bridge\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const patched = source.replace('(0, path_1.join)(__dirname, "..", "main.wasm.gz")', '(0, path_1.join)(__dirname, "main.wasm.gz")');
      if (patched === source) throw new Error(`${args.path}: the main.wasm.gz path changed; update scripts/build-bundles.ts`);
      return { contents: patched, loader: "js" };
    });
  },
};

/**
 * formats/openapi/bounded-openapi-diff.ts runs openapi-diff in a worker that `require`s it by the path the
 * parent resolves from node_modules; the Action has none, so it gets openapi-diff as its own CommonJS bundle
 * beside index.mjs and that path.
 */
const OPENAPI_DIFF_RESOLVE = 'createRequire(import.meta.url).resolve("openapi-diff")';
const openapiDiffBesideBundle: Plugin = {
  name: "openapi-diff-beside-bundle",
  setup(b) {
    b.onLoad({ filter: /src[\\/]formats[\\/]openapi[\\/]bounded-openapi-diff\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes(OPENAPI_DIFF_RESOLVE))
        throw new Error(`${args.path}: how openapi-diff is resolved changed; update scripts/build-bundles.ts`);
      const patched = source.replace(OPENAPI_DIFF_RESOLVE, 'new URL("./openapi-diff.cjs", import.meta.url).pathname');
      return { contents: patched, loader: "ts" };
    });
  },
};

/**
 * src/engine/lazy.ts loads some CommonJS parsers with a runtime `require` (yaml, protobufjs, avsc, graphql's
 * modules) that a bundler cannot follow. In the bundle it becomes a table of the modules the sources name in
 * files that use it (every resolvable package specifier in those files), each required on first use.
 * `exceptImports`: only the ids given to `lazyRequire` or listed as module paths (the CLI's vendor chunks hold what is loaded).
 */
function lazyModules(options: { exceptImports?: boolean } = {}): string[] {
  const ids = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) {
        const text = readFileSync(path, "utf8");
        if (!/import \{ lazyRequire \} from/.test(text)) continue;
        for (const m of text.matchAll(/"((?:@[\w.-]+\/)?[\w.-]+(?:\/[\w./-]+)?)"/g)) {
          const id = m[1]!;
          // Only what is loaded: `lazyRequire("yaml")`, or a module path in a list of them (graphql's), not an import
          // statement's specifier (`import type { X } from "graphql"`) nor a word that happens to be a package name.
          if (
            options.exceptImports &&
            !text.slice(Math.max(0, m.index - 12), m.index).endsWith("lazyRequire(") &&
            (packageOf(id) === id || /\bfrom\s*$/.test(text.slice(Math.max(0, m.index - 10), m.index)))
          )
            continue;
          if (id.startsWith(".") || id.startsWith("node:")) continue;
          try {
            require.resolve(id);
            ids.add(id);
          } catch {}
        }
      }
    }
  };
  walk(join(ROOT, "src"));
  return [...ids].sort();
}

const lazyRequireTable: Plugin = {
  name: "lazy-require-table",
  setup(b) {
    b.onLoad({ filter: /src[\\/]engine[\\/]lazy\.ts$/ }, () => {
      const table = lazyModules()
        .map((id) => `  ${JSON.stringify(id)}: () => require(${JSON.stringify(id)}),`)
        .join("\n");
      return {
        contents: `const modules = {\n${table}\n};
const nodeRequire = require;
export const lazyRequire = (id) => {
  if (id.startsWith("node:")) return nodeRequire(id);
  const load = modules[id];
  if (!load) throw new Error(\`\${id} is not in the Action's bundle (scripts/build-bundles.ts)\`);
  return load();
};
`,
        loader: "js",
      };
    });
  },
};

/**
 * Packages the CLI loads through src/engine/lazy.ts from a vendor chunk of its own (dist/vendor/<name>.cjs) rather
 * than from node_modules: the parsers many reviews need (YAML: workflows, manifests, specs; GraphQL schemas). From
 * node_modules each is dozens of files, resolved, read and compiled again by every review that loads it; a chunk is
 * one file that the launcher runs through its own V8 code cache (src/bin/launch.ts).
 */
const CLI_VENDOR_CHUNKS = ["yaml", "graphql"];

/** The package a module id belongs to (`graphql/language/parser.js` -> `graphql`). */
const packageOf = (id: string): string =>
  id
    .split("/")
    .slice(0, id.startsWith("@") ? 2 : 1)
    .join("/");

/**
 * src/engine/lazy.ts in the CLI bundle: a module of a vendored package comes from its chunk, which the launcher
 * passes as `BUNDLE_VENDOR` (absent when the bundle is run without it: then node_modules, as before).
 */
const lazyRequireFromVendorChunks: Plugin = {
  name: "lazy-require-from-vendor-chunks",
  setup(b) {
    b.onLoad({ filter: /src[\\/]engine[\\/]lazy\.ts$/ }, () => ({
      contents: `const nodeRequire = require;
const vendored = new Set(${JSON.stringify(CLI_VENDOR_CHUNKS)});
const packageOf = ${packageOf.toString()};
export const lazyRequire = (id) => {
  const name = packageOf(id);
  const chunk = vendored.has(name) && typeof ${BUNDLE_VENDOR} === "function" ? ${BUNDLE_VENDOR}(name) : undefined;
  if (!chunk) return nodeRequire(id);
  const load = chunk[id];
  if (!load) throw new Error(\`\${id} is not in dist/vendor/\${name}.cjs (scripts/build-bundles.ts)\`);
  return load();
};
`,
      loader: "js",
    }));
  },
};

/** dist/vendor/<name>.cjs for each of `CLI_VENDOR_CHUNKS`: a loader per module id the sources load lazily from it. */
async function buildVendorChunks(dir: string, common: BuildOptions): Promise<string[]> {
  rmSync(join(dir, "vendor"), { recursive: true, force: true });
  const ids = lazyModules({ exceptImports: true });
  const files: string[] = [];
  for (const name of CLI_VENDOR_CHUNKS) {
    const own = ids.filter((id) => packageOf(id) === name);
    if (own.length === 0) throw new Error(`no lazily loaded module of ${name} in src/: drop it from CLI_VENDOR_CHUNKS`);
    const outfile = join(dir, "vendor", `${name.replace("/", "+")}.cjs`);
    const result = await build({
      ...common,
      plugins: [],
      external: [],
      stdin: {
        contents: `module.exports = {\n${own.map((id) => `  ${JSON.stringify(id)}: () => require(${JSON.stringify(id)}),`).join("\n")}\n};\n`,
        resolveDir: ROOT,
        sourcefile: `vendor-${name}.cjs`,
        loader: "js",
      },
      outfile,
      format: "cjs",
    });
    if (result.errors.length > 0) throw new Error("esbuild failed");
    files.push(outfile);
  }
  return files;
}

async function buildInto(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  const result = await build({
    entryPoints: [join(ROOT, "src", "action.ts")],
    outfile: join(dir, "index.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    banner: { js: BANNER },
    define: { __ARCHGATE_VERSION__: JSON.stringify(version) },
    plugins: [hclWasmBesideBundle, openapiDiffBesideBundle, lazyRequireTable],
    // `require("performance")` in Go's wasm_exec.js runs only where globalThis.performance is missing (never on Node 20).
    external: ["performance"],
    minify: true,
    keepNames: true,
    legalComments: "none",
    sourcemap: false,
    logLevel: "warning",
    // Paths in the bundle's comments are relative to the repository, never this machine's.
    absWorkingDir: ROOT,
    metafile: false,
  });
  if (result.errors.length > 0) throw new Error("esbuild failed");
  assertAscii([join(dir, "index.mjs")]);
  await build({
    entryPoints: [require.resolve("openapi-diff")],
    outfile: join(dir, "openapi-diff.cjs"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    keepNames: true,
    legalComments: "none",
    logLevel: "warning",
    absWorkingDir: ROOT,
  });
  // libpg-query (Emscripten) loads libpg-query.wasm from `__dirname`, i.e. the bundle's folder.
  copyFileSync(join(dirname(require.resolve("libpg-query/package.json")), "wasm", "libpg-query.wasm"), join(dir, "libpg-query.wasm"));
  copyFileSync(join(dirname(require.resolve("@cdktf/hcl2json/package.json")), "main.wasm.gz"), join(dir, "main.wasm.gz"));
  writeFileSync(join(dir, ".gitattributes"), "* -diff linguist-generated\n");
}

/** The packages dist/cli.cjs imports as ES modules, through its launcher (src/bin/launch.ts). */
const CLI_DYNAMIC_IMPORTS = ["probot", "sax", "@cdktf/hcl2json", "@babel/parser"];

/**
 * Points the CLI bundle's dynamic `import()`s at the launcher's (`BUNDLE_IMPORT`, the same length as `import`, so the
 * source map's columns hold): a `vm.Script`'s own `import()` needs an experimental option that warns when used. Fails
 * if the bundle imports anything else that way, or if what it imports changed.
 */
function loadThroughLauncher(file: string): void {
  const source = readFileSync(file, "utf8");
  const found: string[] = [];
  const rewritten = source.replace(/\bimport\((?=(["'])([^"']+)\1\))/g, (_match, _quote: string, ...rest: unknown[]) => {
    found.push(String(rest[0]));
    return `${BUNDLE_IMPORT}(`;
  });
  const stray = /\bimport\(/.exec(rewritten);
  if (stray) throw new Error(`${file}: an import() the launcher cannot serve: ${rewritten.slice(stray.index, stray.index + 60)}`);
  if ([...found].sort().join() !== [...CLI_DYNAMIC_IMPORTS].sort().join())
    throw new Error(
      `${file}: it imports ${found.join(", ")}; CLI_DYNAMIC_IMPORTS in scripts/build-bundles.ts says ${CLI_DYNAMIC_IMPORTS.join(", ")}`,
    );
  writeFileSync(file, rewritten);
}

/**
 * Fails when a bundled file has a byte outside ASCII. esbuild escapes non-ASCII in strings but keeps it in regular
 * expression literals, and one such character makes V8 hold the whole file's source as two-byte text (the engine
 * chunk: 1.9 MB instead of 0.95 MB for every review): write `\u2026`, not the character, in a regex.
 */
function assertAscii(files: readonly string[]): void {
  for (const file of files) {
    const bytes = readFileSync(file);
    const at = bytes.findIndex((byte) => byte > 0x7f);
    if (at === -1) continue;
    const line = bytes.subarray(0, at).toString("latin1").split("\n").length;
    const around = bytes.subarray(Math.max(0, at - 60), at + 20).toString("utf8");
    throw new Error(`${file}:${line}: a non-ASCII character in the bundle (escape it as \\u in the source): …${around}…`);
  }
}

function same(a: string, b: string): string[] {
  const names = [...new Set([...readdirSync(a), ...readdirSync(b)])].sort();
  const differ: string[] = [];
  for (const name of names) {
    let left: Buffer | undefined;
    let right: Buffer | undefined;
    try {
      left = readFileSync(join(a, name));
    } catch {}
    try {
      right = readFileSync(join(b, name));
    } catch {}
    if (!left || !right || !left.equals(right)) differ.push(name);
  }
  return differ;
}

/**
 * Packages loaded from node_modules by the CLI and server bundles rather than bundled: Probot (the server and
 * `archgate pr`; pino resolves transports by file), the parsers loaded on first use (`import()` or
 * src/engine/lazy.ts's `lazyRequire`, which a bundler cannot follow anyway), and those whose WebAssembly or worker
 * is found beside their own files. Bottleneck too: Probot paces requests with the copy in node_modules, and the
 * Redis mode patches that class (src/github/bottleneck-*.ts); a bundled copy would be a second class the patches
 * reach and Probot never uses.
 */
const LOADED_FROM_NODE_MODULES = [
  "probot",
  "bottleneck",
  "libpg-query",
  "@cdktf/hcl2json",
  "openapi-diff",
  "sax",
  "yaml",
  "graphql",
  "protobufjs",
  "avsc",
];

/**
 * Also loaded from node_modules by the CLI's single CommonJS file (dist/cli.cjs), which cannot split: undici only
 * serves `archgate pr` (GitHub's API), @babel/parser only reviews with a JavaScript ORM migration. Bundled, they
 * were 1.1 MB of its 2.3 MB, compiled (and cached) by every review.
 */
const CLI_ALSO_FROM_NODE_MODULES = ["undici", "@babel/parser"];

/**
 * zod's namespace (`z.locales`) holds its error messages in 40-odd languages; archgate's config errors are in
 * English (zod's default), so the CLI and server bundles hold that one only (a third of zod's size in the chunk
 * every review compiles).
 */
const zodEnglishOnly: Plugin = {
  name: "zod-english-only",
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes('export { default as en } from "./en.js";'))
        throw new Error(`${args.path}: zod's English locale moved; update scripts/build-bundles.ts`);
      return { contents: 'export { default as en } from "./en.js";\n', loader: "js", resolveDir: dirname(args.path) };
    });
  },
};

async function buildDist(dir: string): Promise<void> {
  rmSync(join(dir, "chunks"), { recursive: true, force: true });
  const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  const common = {
    bundle: true,
    platform: "node",
    target: "node20",
    define: { __ARCHGATE_VERSION__: JSON.stringify(version) },
    plugins: [zodEnglishOnly],
    // Each package in the list, and any module inside it (`graphql/language/parser.js`).
    external: LOADED_FROM_NODE_MODULES.flatMap((name) => [name, `${name}/*`]),
    // Names are kept by not renaming (esbuild's keepNames wraps every function made at run time in a call: ~10 %
    // of a large review's CPU went there, in the parsers' closures).
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    logLevel: "warning",
    absWorkingDir: ROOT,
  } satisfies BuildOptions;
  const banner = BANNER.replace("GitHub Action: built by scripts/build-bundles.ts from src/action.ts", "built by scripts/build-bundles.ts from src/");
  const server = await build({
    ...common,
    entryPoints: { server: join(ROOT, "src", "server.ts") },
    outdir: dir,
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    format: "esm",
    banner: { js: banner },
    sourcemap: "linked",
  });
  // The CLI as one CommonJS file, run by the bin through V8's code cache (src/bin/launch.ts): Node 20 caches no
  // compiled code for ES modules. `import.meta.url` is the bundle's own URL, as in the chunks.
  const cli = await build({
    ...common,
    entryPoints: [join(ROOT, "src", "cli.ts")],
    outfile: join(dir, "cli.cjs"),
    format: "cjs",
    plugins: [...common.plugins, lazyRequireFromVendorChunks],
    // One file has no lazy chunks: what only some commands or reviews use is loaded from node_modules on use.
    external: [...common.external, ...CLI_ALSO_FROM_NODE_MODULES.flatMap((name) => [name, `${name}/*`])],
    define: { ...common.define, "import.meta.url": "__archgateImportMetaUrl" },
    banner: {
      js: `${banner.split("\n")[0]}\nconst __archgateImportMetaUrl = require("node:url").pathToFileURL(__filename).href;`,
    },
    sourcemap: "linked",
  });
  loadThroughLauncher(join(dir, "cli.cjs"));
  const vendor = await buildVendorChunks(dir, common);
  const bin = await build({
    ...common,
    entryPoints: [join(ROOT, "src", "bin", "archgate.ts")],
    outfile: join(dir, "cli.js"),
    format: "esm",
    banner: { js: banner.split("\n")[0] },
  });
  if ([server, cli, bin].some((result) => result.errors.length > 0)) throw new Error("esbuild failed");
  assertAscii([
    join(dir, "cli.js"),
    join(dir, "cli.cjs"),
    join(dir, "server.js"),
    ...readdirSync(join(dir, "chunks"))
      .filter((n) => n.endsWith(".js"))
      .map((n) => join(dir, "chunks", n)),
    ...vendor,
  ]);
  chmodSync(join(dir, "cli.js"), 0o755);
}

if (process.argv.includes("--dist")) {
  const dir = join(ROOT, "dist");
  await buildDist(dir);
  const chunks = readdirSync(join(dir, "chunks")).filter((n) => n.endsWith(".js"));
  const kib =
    [join(dir, "cli.js"), join(dir, "cli.cjs"), join(dir, "server.js"), ...chunks.map((n) => join(dir, "chunks", n))].reduce(
      (sum, f) => sum + readFileSync(f).length,
      0,
    ) / 1024;
  const vendor = readdirSync(join(dir, "vendor")).map(
    (n) => `dist/vendor/${n} ${(readFileSync(join(dir, "vendor", n)).length / 1024).toFixed(0)} KiB`,
  );
  console.log(`dist/cli.js, dist/cli.cjs, dist/server.js and ${chunks.length} chunks in dist/chunks/: ${kib.toFixed(0)} KiB; ${vendor.join(", ")}`);
} else if (process.argv.includes("--check")) {
  const fresh = mkdtempSync(join(tmpdir(), "archgate-bundle-"));
  try {
    await buildInto(fresh);
    let differ: string[];
    try {
      differ = same(fresh, OUT);
    } catch {
      differ = ["(action/bundle/ is missing)"];
    }
    if (differ.length > 0) {
      console.error(`action/bundle/ is stale (${differ.join(", ")}): run \`npm run build:bundles\` and commit the result.`);
      process.exit(1);
    }
    console.log("action/bundle/ is up to date");
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
} else {
  await buildInto(OUT);
  const size = readdirSync(OUT).map((n) => `${n} ${(readFileSync(join(OUT, n)).length / 1024).toFixed(0)} KiB`);
  console.log(`action/bundle/: ${size.join(", ")}`);
}
