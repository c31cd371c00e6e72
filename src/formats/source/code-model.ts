/**
 * A small, lexical code model over the source masking (comments blanked): string literals read back from
 * the original text, in-file string constants, argument lists, annotation blocks and route paths. Shared
 * by the route and messaging extractors, which read contracts declared in code (routes, topics, events)
 * without a parser per language.
 */
import { basename, extension } from "../common/paths.js";
import { isDocumentation, isExample, isTest, isVendored } from "../common/noise.js";
import { closingOffset, languageOf, lineStarts, lineOfOffset, maskSource, type Language } from "./masking.js";

export interface CodeSource {
  path: string;
  language: Language;
  text: string;
  /** Comments and string contents blanked (quotes kept, same length as `text`). */
  masked: string;
  starts: number[];
}

export function codeSource(path: string, text: string, language = languageOf(path)): CodeSource | undefined {
  if (!language) return undefined;
  return { path, language, text, masked: maskSource(text, language), starts: lineStarts(text) };
}

export function lineAt(src: CodeSource, offset: number): number {
  return lineOfOffset(src.starts, offset);
}

/**
 * A JVM source root: the directories below it spell a package name (Spring Initializr's `com/example/orders`,
 * `org/springframework/samples/petclinic`), not a place in the repository such as an examples folder.
 */
const JVM_SOURCE_ROOT = /(^|\/)src\/(main|test)\/(java|kotlin|scala|groovy)\//;

/** The path without its package directories, for judging where a file is. */
function placeOf(path: string): string {
  const root = JVM_SOURCE_ROOT.exec(path);
  return root ? path.slice(0, root.index + root[0].length) + basename(path) : path;
}

/** Generated code: clients and servers written by a generator are not where a team declares its contract. */
const GENERATED_NAME = /(\.pb\.go|_pb2(_grpc)?\.py|\.g\.cs|\.generated\.\w+|\.designer\.cs|_generated\.\w+|\.gen\.go)$/i;
const GENERATED_DIRS = /(^|\/)(generated-sources|gen|openapi-generator|swagger-codegen|build|target|obj|bin|out|migrations)\//i;
/** Client SDK trees: code that calls an API rather than serving it. */
const CLIENT_DIRS = /(^|\/)(clients?|sdks?|frontend|web-?app|webui|ui|spa)\//i;

/**
 * Files whose routes, topics and event classes are never part of the system's contract: tests, examples,
 * vendored and generated code, docs, client SDKs and frontends.
 */
export function isIgnoredForCodeContracts(path: string): boolean {
  let ignored = ignoredForCodeContracts.get(path);
  if (ignored === undefined) {
    // Bounded for a long-running server that reviews many repositories.
    if (ignoredForCodeContracts.size >= 100_000) ignoredForCodeContracts.clear();
    ignored = classifyIgnoredForCodeContracts(path);
    ignoredForCodeContracts.set(path, ignored);
  }
  return ignored;
}

/** Answers by path: the route, messaging and request-schema scans each ask about the same paths (every file of a tree, for some). */
const ignoredForCodeContracts = new Map<string, boolean>();

function classifyIgnoredForCodeContracts(path: string): boolean {
  if (isTest(path) || isExample(placeOf(path)) || isVendored(path) || isDocumentation(path)) return true;
  if (GENERATED_NAME.test(basename(path)) || GENERATED_DIRS.test(path) || CLIENT_DIRS.test(path)) return true;
  const name = basename(path).toLowerCase();
  return /^(tests?|mock|mocks|fake|stub)[._-]|(mock|fake|stub)s?\.\w+$/.test(name) || extension(path) === "d.ts";
}

export interface StringLiteral {
  value: string;
  start: number;
  end: number;
  /** Holds an interpolation (`${x}`, f"{x}", "#{x}"): its value is not known statically. */
  dynamic: boolean;
}

/** The string literal whose opening quote (or Python/C# prefix) is at `offset`, read from the original text. */
export function stringAt(src: CodeSource, offset: number): StringLiteral | undefined {
  let at = offset;
  const { masked, text } = src;
  while (at < masked.length && /[rRbBuUfF@$]/.test(masked[at]!) && at - offset < 3) at++;
  const quote = masked[at];
  if (quote !== '"' && quote !== "'" && quote !== "`") return undefined;
  const triple = masked.startsWith(quote.repeat(3), at) && (src.language === "python" || src.language === "java" || src.language === "kotlin");
  const open = triple ? 3 : 1;
  const close = triple ? masked.indexOf(quote.repeat(3), at + 3) : masked.indexOf(quote, at + 1);
  if (close < 0) return undefined;
  const inner = masked.slice(at + open, close);
  const dynamic = /\S/.test(inner);
  let value = text.slice(at + open, close);
  if (!dynamic && (src.language !== "python" || !/[rR]/.test(text.slice(offset, at)))) value = unescapeString(value);
  return { value, start: offset, end: close + open, dynamic };
}

function unescapeString(value: string): string {
  return value.includes("\\") ? value.replace(/\\(.)/g, "$1") : value;
}

/** Top-level comma-separated pieces of the text between `open` (a bracket) and its closing bracket. */
export function splitArgs(src: CodeSource, open: number, close: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < close - 1; i++) {
    const ch = src.masked[i]!;
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 0) {
      out.push(trimRange(src, start, i));
      start = i + 1;
    }
  }
  const last = trimRange(src, start, close - 1);
  if (last.end > last.start) out.push(last);
  return out;
}

function trimRange(src: CodeSource, start: number, end: number): { start: number; end: number } {
  while (start < end && /\s/.test(src.masked[start]!)) start++;
  while (end > start && /\s/.test(src.masked[end - 1]!)) end--;
  return { start, end };
}

/** A call's or annotation's arguments: positional and named (`name = value`, `name: value`, `name=value`). */
export interface Args {
  positional: { start: number; end: number }[];
  named: Map<string, { start: number; end: number }>;
  /** Offset just past the closing bracket. */
  end: number;
}

export function argsAt(src: CodeSource, open: number): Args | undefined {
  const close = closingOffset(src.masked, open);
  if (close === undefined) return undefined;
  const positional: Args["positional"] = [];
  const named = new Map<string, { start: number; end: number }>();
  for (const piece of splitArgs(src, open, close)) {
    const m = /^([A-Za-z_]\w*)\s*(=(?!=)|:(?!:))\s*/.exec(src.masked.slice(piece.start, piece.end));
    if (m && !(src.language === "js" && m[2] === ":")) named.set(m[1]!, { start: piece.start + m[0].length, end: piece.end });
    else positional.push(piece);
  }
  return { positional, named, end: close };
}

/** What `stringValue` looks names up in: a file's constants, or a reader's scoped view of them. */
export interface Constants {
  get(name: string): string | undefined;
}

const STRING_DECLARATION = /\b([A-Za-z_]\w*)\s*(?::\s*[\w.<>]+\s*)?(?::=|=)\s*(?=[rRbf@$]{0,2}["'`])/g;
/** Go: `X = "…"`, `X string = "…"`, `x := "…"` (raw strings in backquotes too). */
const GO_STRING_DECLARATION = /\b([A-Za-z_]\w*)(?:\s+string)?\s*(?::=|=)\s*(?=["`])/g;

/**
 * String constants declared in the file: `static final String X = "..."`, `const X = "..."`, `X = "..."`, Go's
 * `const X string = "..."` and `x := "..."`. `accept` keeps only declarations at some offsets (a Go package's top level).
 */
export function stringConstants(src: CodeSource, accept?: (offset: number) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  const re = src.language === "go" ? GO_STRING_DECLARATION : STRING_DECLARATION;
  re.lastIndex = 0;
  for (let m = re.exec(src.masked); m; m = re.exec(src.masked)) {
    if (accept && !accept(m.index)) continue;
    const lit = stringAt(src, m.index + m[0].length);
    if (!lit || lit.dynamic) continue;
    const after = src.masked.slice(lit.end, lit.end + 3);
    if (/^\s*\+/.test(after)) continue;
    if (!out.has(m[1]!)) out.set(m[1]!, lit.value);
  }
  return out;
}

/**
 * The static string value of an expression: a literal, a known constant, or a `+` concatenation of them.
 * Undefined when any part is not known (a call, an interpolation, a constant of another file).
 */
export function stringValue(src: CodeSource, start: number, end: number, constants: Constants): string | undefined {
  const parts: string[] = [];
  let i = start;
  while (i < end) {
    while (i < end && /\s/.test(src.masked[i]!)) i++;
    if (i >= end) break;
    const lit = /[rRbBfu@$]{0,2}["'`]/.exec(src.masked.slice(i, i + 3));
    if (lit && lit.index === 0) {
      const s = stringAt(src, i);
      if (!s || s.dynamic) return undefined;
      parts.push(s.value);
      i = s.end;
    } else {
      const id = /^[A-Za-z_][\w.]*/.exec(src.masked.slice(i, end));
      if (!id) return undefined;
      const names = id[0].split(".");
      const name = names.at(-1)!;
      // `OrderController.BASE` is this file's constant when the file declares `class OrderController`.
      const own = names.length === 1 || (names.length === 2 && new RegExp(`\\b(class|object|interface|struct)\\s+${names[0]}\\b`).test(src.masked));
      const value = constants.get(id[0]) ?? (own ? constants.get(name) : undefined);
      if (value === undefined) return undefined;
      parts.push(value);
      i += id[0].length;
    }
    while (i < end && /\s/.test(src.masked[i]!)) i++;
    if (i >= end) break;
    if (src.masked[i] !== "+") return undefined;
    i++;
  }
  return parts.length === 0 ? undefined : parts.join("");
}

/** Every static string in an expression (an array `{"/a", "/b"}`, `["/a"]`, or a single value). */
export function stringValues(src: CodeSource, start: number, end: number, constants: Constants): string[] | undefined {
  if (src.language === "go") {
    // A slice literal `[]string{"a", Topic}`; a pointer to a string variable `&topic` (confluent-kafka-go's TopicPartition).
    const prefix = /^(?:\[\]\s*string\s*(?=\{)|&\s*(?=[A-Za-z_]))/.exec(src.masked.slice(start, end));
    if (prefix) start += prefix[0].length;
  }
  const first = src.masked[start];
  if (first === "{" || first === "[" || (first === "(" && src.language === "python")) {
    const close = closingOffset(src.masked, start);
    if (close === undefined) return undefined;
    const out: string[] = [];
    for (const piece of splitArgs(src, start, close)) {
      const v = stringValue(src, piece.start, piece.end, constants);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }
  const v = stringValue(src, start, end, constants);
  return v === undefined ? undefined : [v];
}

/** The masked text of a range with whitespace collapsed (a signature to compare across versions). */
export function normalizedText(src: CodeSource, start: number, end: number): string {
  return src.text.slice(start, end).replace(/\s+/g, " ").trim();
}

/** Joins route path pieces: `/api` + `users/{id}` = `/api/users/{id}`. */
export function joinPath(...pieces: (string | undefined)[]): string {
  const joined = pieces
    .filter((p): p is string => p !== undefined && p !== "")
    .map((p) => p.replace(/^\/+|\/+$/g, ""))
    .filter((p) => p !== "")
    .join("/");
  return `/${joined}`;
}

/**
 * A route path in one spelling for comparison: path parameters as `{}` whatever the framework's syntax
 * (`{id}`, `{id:int}`, `:id`, `<int:id>`, `(?P<id>..)`), no trailing slash, no regex anchors.
 */
export function normalizeRoutePath(path: string): string {
  let p = path.trim().replace(/^\^/, "").replace(/\$$/, "");
  p = p.replace(/\(\?P<\w+>[^)]*\)/g, "{}");
  p = p
    .replace(/\{[^}]*\}/g, "{}")
    .replace(/<[^>]*>/g, "{}")
    .replace(/(^|\/):\w+\??/g, "$1{}")
    .replace(/(^|\/)\*\w*/g, "$1*");
  p = `/${p.replace(/^\/+/, "")}`.replace(/\/{2,}/g, "/");
  if (p.length > 1) p = p.replace(/\/$/, "");
  return p;
}

/** Operational endpoints no client team depends on: health, readiness, metrics. */
export function isOperationalPath(path: string): boolean {
  return /(^|\/)(health|healthz|livez|readyz|ready|live|liveness|readiness|ping|metrics|prometheus|actuator|favicon\.ico|robots\.txt|status)(\/|$)/i.test(
    path,
  );
}

/** True when the path has an API marker: an `/api` segment or a `/vN` version segment. */
export function hasApiPrefix(path: string): boolean {
  return /(^|\/)(api|rest|graphql)(\/|$)|(^|\/)v\d+(\.\d+)?(\/|$)/i.test(path);
}

/** Offsets of the start of each line's first non-blank character before `offset`, walking back over annotations/decorators. */
export function annotationBlockStart(src: CodeSource, offset: number): number {
  // Back to the previous statement end or block opening at depth 0.
  let depth = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const ch = src.masked[i]!;
    if (ch === ")" || ch === "]") depth++;
    else if (ch === "(" || ch === "[") depth--;
    else if (depth === 0 && (ch === ";" || ch === "{" || ch === "}")) return i + 1;
    if (depth < 0) return i + 1;
  }
  return 0;
}
