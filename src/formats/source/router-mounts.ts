/**
 * Where a JavaScript/TypeScript file mounts routers declared in other files, so a route's full path joins the
 * prefixes of every file on the way: `app.use("/v1", routes)` in app.js, `router.use("/users", userRoute)` in
 * routes/v1/index.js (also through a list of `{ path, route }` objects walked with `forEach`, the
 * node-express-boilerplate layout), `fastify.register(orders, { prefix: "/orders" })`.
 *
 * Only mounts of routers imported from relative modules count (`require("./routes")`, `import orders from
 * "./orders.js"`). A mount whose prefix is not a static string is kept with an undefined prefix, so a caller
 * never joins a guessed path.
 */
import { posix } from "node:path";
import { argsAt, lineAt, stringAt, stringConstants, stringValue, type CodeSource } from "./code-model.js";
import { closingOffset } from "./masking.js";

export interface RouterMount {
  /** The prefix as written (`""` for a mount without a path), undefined when it is not a static string. */
  prefix: string | undefined;
  /** The relative module specifier the mounted router is imported from. */
  specifier: string;
  line: number;
}

/** Cheap check on raw text: could this file mount a router at all? */
export function mayMountRouters(text: string): boolean {
  return /\.\s*(use|register)\s*\(/.test(text) && /\brequire\s*\(\s*["']\.|\bfrom\s+["']\./.test(text);
}

/** Identifiers bound to relative modules: `const x = require("./x")`, `import x from "./x"`, `import { x } from "./x"`. */
export function relativeBindings(src: CodeSource): Map<string, string> {
  const out = new Map<string, string>();
  const spec = (offset: number) => {
    const quote = src.masked[offset];
    if (quote !== '"' && quote !== "'") return undefined;
    const close = src.masked.indexOf(quote, offset + 1);
    const value = close < 0 ? undefined : src.text.slice(offset + 1, close);
    return value?.startsWith(".") ? value : undefined;
  };
  for (const m of src.masked.matchAll(/\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require\s*\(\s*(?=["'])/g)) {
    const s = spec(m.index! + m[0].length);
    if (s) out.set(m[1]!, s);
  }
  for (const m of src.masked.matchAll(/\bimport\s+(?:type\s+)?([^;]*?)\s+from\s+(?=["'])/g)) {
    const s = spec(m.index! + m[0].length);
    if (!s) continue;
    const clause = m[1]!;
    const def = /^([A-Za-z_$][\w$]*)/.exec(clause);
    if (def) out.set(def[1]!, s);
    const ns = /\*\s+as\s+([A-Za-z_$][\w$]*)/.exec(clause);
    if (ns) out.set(ns[1]!, s);
    const named = /\{([^}]*)\}/.exec(clause);
    for (const piece of named?.[1]?.split(",") ?? []) {
      const local = /(?:\w+\s+as\s+)?([A-Za-z_$][\w$]*)\s*$/.exec(piece.trim());
      if (local) out.set(local[1]!, s);
    }
  }
  return out;
}

/** The router mounts a file declares. */
export function routerMounts(src: CodeSource): RouterMount[] {
  if (src.language !== "js" || !mayMountRouters(src.text)) return [];
  const bindings = relativeBindings(src);
  if (bindings.size === 0 && !/\brequire\s*\(\s*["']\./.test(src.masked)) return [];
  const constants = stringConstants(src);
  const out: RouterMount[] = [];
  /** The module a router argument names: a bound identifier or an inline `require("./x")`. */
  const moduleOf = (start: number, end: number): string | undefined => {
    const text = src.masked.slice(start, end).trim();
    const id = /^([A-Za-z_$][\w$]*)$/.exec(text);
    if (id) return bindings.get(id[1]!);
    const req = /^\s*require\s*\(\s*(["'])([^"'\n]+)\1/.exec(src.text.slice(start, end));
    return req?.[2]?.startsWith(".") ? req[2] : undefined;
  };
  let listMount = false;
  for (const m of src.masked.matchAll(/\b[A-Za-z_$][\w$]*\s*\.\s*use\s*\(/g)) {
    const args = argsAt(src, m.index! + m[0].length - 1);
    if (!args || args.positional.length === 0) continue;
    const [first, ...rest] = args.positional;
    const firstText = src.masked.slice(first!.start, first!.end).trim();
    // `router.use(route.path, route.route)` inside a forEach over `{ path, route }` objects.
    if (/^[A-Za-z_$][\w$]*\.path$/.test(firstText) && rest.some((r) => /^[A-Za-z_$][\w$]*\.route$/.test(src.masked.slice(r.start, r.end).trim()))) {
      listMount = true;
      continue;
    }
    const firstModule = moduleOf(first!.start, first!.end);
    if (firstModule) {
      out.push({ prefix: "", specifier: firstModule, line: lineAt(src, m.index!) });
      continue;
    }
    const routers = rest.map((r) => moduleOf(r.start, r.end)).filter((s): s is string => s !== undefined);
    if (routers.length === 0) continue;
    const literal = /^["'`]/.test(firstText);
    const prefix = stringValue(src, first!.start, first!.end, constants);
    // An array of paths, or an expression: the mount is there, its prefix is not known.
    for (const specifier of routers)
      out.push({ prefix: literal || prefix !== undefined ? prefix : undefined, specifier, line: lineAt(src, m.index!) });
  }
  if (listMount) {
    for (const m of src.masked.matchAll(/\{\s*path\s*:\s*/g)) {
      const open = m.index!;
      const close = closingOffset(src.masked, open, 5000);
      if (close === undefined) continue;
      const obj = argsAt(src, open);
      if (!obj) continue;
      let path: { start: number; end: number } | undefined;
      let route: { start: number; end: number } | undefined;
      for (const piece of obj.positional) {
        const kv = /^(path|route)\s*:\s*/.exec(src.masked.slice(piece.start, piece.end));
        if (kv?.[1] === "path") path = { start: piece.start + kv[0].length, end: piece.end };
        if (kv?.[1] === "route") route = { start: piece.start + kv[0].length, end: piece.end };
      }
      const specifier = route ? moduleOf(route.start, route.end) : undefined;
      if (!path || !specifier) continue;
      out.push({ prefix: stringValue(src, path.start, path.end, constants), specifier, line: lineAt(src, open) });
    }
  }
  // Fastify plugins: fastify.register(orders, { prefix: "/orders" }).
  for (const m of src.masked.matchAll(/\b[A-Za-z_$][\w$]*\s*\.\s*register\s*\(/g)) {
    const args = argsAt(src, m.index! + m[0].length - 1);
    const first = args?.positional[0];
    if (!args || !first) continue;
    const specifier = moduleOf(first.start, first.end);
    if (!specifier) continue;
    const opts = args.positional[1];
    let prefix: string | undefined = "";
    if (opts && src.masked[opts.start] === "{") {
      const inner = argsAt(src, opts.start);
      for (const piece of inner?.positional ?? []) {
        const kv = /^prefix\s*:\s*/.exec(src.masked.slice(piece.start, piece.end));
        if (kv) prefix = stringValue(src, piece.start + kv[0].length, piece.end, constants);
      }
    } else if (opts) prefix = undefined;
    out.push({ prefix, specifier, line: lineAt(src, m.index!) });
  }
  return out;
}

const EXTENSIONS = ["", ".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx", "/index.js", "/index.ts", "/index.mjs"];

/** The repository path a relative specifier of `from` resolves to among `exists`, if any. */
export function resolveRelativeModule(from: string, specifier: string, exists: (path: string) => boolean): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  // TypeScript sources import their compiled name: "./orders.js" for orders.ts.
  const stripped = base.replace(/\.[cm]?js$/, "");
  for (const candidate of [base, ...EXTENSIONS.slice(1).map((e) => `${base}${e}`), ...EXTENSIONS.slice(1).map((e) => `${stripped}${e}`)])
    if (!candidate.startsWith("..") && exists(candidate)) return candidate;
  return undefined;
}

/** Where a file registers `@fastify/autoload`: each route file under `dir` is mounted at its directory path. */
export interface AutoloadMount {
  /** The autoloaded directory, relative to the registering file's directory (`routes`, `src/routes`). */
  dir: string;
  /** `options.prefix` passed to every autoloaded plugin ("" when none), undefined when not a static string. */
  prefix: string | undefined;
  /** False with `dirNameRoutePrefix: false`; undefined when it is a function (a rewrite this reader does not run). */
  dirNamePrefix: boolean | undefined;
  line: number;
}

const AUTOLOAD_IMPORT =
  /\bimport\s+([A-Za-z_$][\w$]*)\s+from\s+["'](?:@fastify\/autoload|fastify-autoload)["']|\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require\s*\(\s*["'](?:@fastify\/autoload|fastify-autoload)["']\s*\)/g;
/** The module's own directory: `__dirname`, `import.meta.dirname`, or `dirname(fileURLToPath(import.meta.url))`. */
const OWN_DIR = /^(?:__dirname|import\.meta\.dirname|(?:path\.)?dirname\s*\(\s*(?:url\.)?fileURLToPath\s*\(\s*import\.meta\.url\s*\)\s*\))$/;

/**
 * `fastify.register(autoload, { dir: path.join(__dirname, "routes"), options: { prefix: "/v1" } })`: the directory
 * (joined from the module's own directory and string literals only) and the options that shape route prefixes. A
 * `dir` computed any other way is not returned: which files it loads is not known.
 */
export function autoloadMounts(src: CodeSource): AutoloadMount[] {
  if (src.language !== "js" || !/autoload/.test(src.text)) return [];
  const names = new Set<string>();
  // The specifier is a string literal (blanked in `masked`): the import is read from the text.
  for (const m of src.text.matchAll(AUTOLOAD_IMPORT)) names.add((m[1] ?? m[2])!);
  if (names.size === 0) return [];
  const constants = stringConstants(src);
  const out: AutoloadMount[] = [];
  for (const m of src.masked.matchAll(/\b[A-Za-z_$][\w$]*\s*\.\s*register\s*\(/g)) {
    const args = argsAt(src, m.index! + m[0].length - 1);
    const [first, opts] = args?.positional ?? [];
    if (!first || !opts || !names.has(src.masked.slice(first.start, first.end).trim()) || src.masked[opts.start] !== "{") continue;
    const fields = objectFields(src, opts.start);
    const dirField = fields.get("dir");
    const dir = dirField ? ownDirPath(src, dirField.start, dirField.end, constants) : undefined;
    if (dir === undefined) continue;
    let prefix: string | undefined = "";
    const options = fields.get("options");
    if (options) {
      if (src.masked[options.start] !== "{") prefix = undefined;
      else {
        const inner = objectFields(src, options.start);
        const p = inner.get("prefix");
        if (p) prefix = stringValue(src, p.start, p.end, constants);
        // `{ ...opts }` may carry a prefix of its own.
        else if (
          /^\s*\.\.\./m.test(src.masked.slice(options.start + 1, options.end - 1)) &&
          /\.\.\.\s*[\w.]*prefix/i.test(src.masked.slice(options.start, options.end))
        )
          prefix = undefined;
      }
    }
    const dirName = fields.get("dirNameRoutePrefix");
    const dirNameText = dirName ? src.masked.slice(dirName.start, dirName.end).trim() : "true";
    out.push({
      dir,
      prefix,
      dirNamePrefix: dirNameText === "true" ? true : dirNameText === "false" ? false : undefined,
      line: lineAt(src, m.index!),
    });
  }
  return out;
}

/** `key: value` fields of the object literal opening at `open` (shorthand and spread entries are left out). */
function objectFields(src: CodeSource, open: number): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  for (const piece of argsAt(src, open)?.positional ?? []) {
    const kv = /^([A-Za-z_$][\w$]*)\s*:\s*/.exec(src.masked.slice(piece.start, piece.end));
    if (kv) out.set(kv[1]!, { start: piece.start + kv[0].length, end: piece.end });
  }
  return out;
}

/** `path.join(__dirname, "routes")` (or `resolve`) as a path relative to the module's directory; undefined for anything else. */
function ownDirPath(src: CodeSource, start: number, end: number, constants: Map<string, string>): string | undefined {
  const lead = src.masked.slice(start, end).length - src.masked.slice(start, end).trimStart().length;
  const call = /^(?:path\.)?(?:join|resolve)\s*\(/.exec(src.masked.slice(start + lead, end));
  if (!call) return undefined;
  const args = argsAt(src, start + lead + call[0].length - 1);
  const [base, ...rest] = args?.positional ?? [];
  if (!base || !OWN_DIR.test(src.masked.slice(base.start, base.end).trim())) return undefined;
  const parts: string[] = [];
  for (const piece of rest) {
    const value = stringValue(src, piece.start, piece.end, constants);
    if (value === undefined) return undefined;
    parts.push(value);
  }
  const joined = posix.normalize(posix.join(".", ...parts));
  return joined.startsWith("..") ? undefined : joined === "." ? "" : joined;
}

/** `export const autoPrefix = "/x"` / `module.exports.autoPrefix = "/x"`: "" when absent, undefined when not a static string. */
export function autoPrefixOf(src: CodeSource): string | undefined {
  const m = /\b(?:export\s+const\s+autoPrefix|module\.exports\.autoPrefix|exports\.autoPrefix)\s*=\s*/.exec(src.masked);
  if (!m) return "";
  const literal = stringAt(src, m.index + m[0].length);
  return literal && !literal.dynamic ? literal.value : undefined;
}
