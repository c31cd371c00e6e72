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
import { argsAt, lineAt, stringConstants, stringValue, type CodeSource } from "./code-model.js";
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
