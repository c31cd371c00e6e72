import { posix } from "node:path";
import type { Side } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { isRecord, type StructuredDoc, type StructuredFile } from "../../engine/structured.js";

/** A JSON path inside one file of a spec. */
export type Pointer = ReadonlyArray<string | number>;

export interface Location {
  file: string;
  pointer: Pointer;
}

/** A value of a spec together with where it was written (after following `$ref`s). */
export interface SpecNode {
  value: unknown;
  loc: Location;
}

/** A `$ref` that was not followed, and why. */
export interface RefIssue {
  file: string;
  line: number;
  ref: string;
  reason: string;
}

/**
 * Most files one spec may pull in through `$ref`s: keeps a hostile spec from fanning out without end.
 * DigitalOcean's public spec, split over about 2,900 files, fits well inside it. Reaching it fails closed.
 */
export const MAX_SPEC_FILES = 10_000;
/** Referenced files read at once: one round of reads per batch, each served by one `git cat-file` process. */
const READ_BATCH = 64;
/** Longest `$ref` chain followed before giving up (a ref to a ref to ...). */
const MAX_REF_CHAIN = 64;

/** Why a `$ref` target may not be read, or undefined when it is a path inside the PR's tree. */
export function unsafeRefReason(target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) return "points outside the repository (URL); not fetched";
  if (target.startsWith("/") || /^[a-z]:[\\/]/i.test(target) || target.startsWith("\\")) {
    return "is an absolute path; only paths relative to the spec inside the repository are read";
  }
  return undefined;
}

/** Decodes a JSON pointer fragment (`/components/schemas/Pet`) into its segments. */
export function parsePointer(fragment: string): string[] | undefined {
  let text = fragment;
  try {
    text = decodeURIComponent(fragment);
  } catch {
    return undefined;
  }
  if (text === "" || text === "/") return text === "" ? [] : [""];
  if (!text.startsWith("/")) return undefined;
  return text
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/**
 * One OpenAPI/Swagger document and every file it references, read from one side of the PR through the
 * review context. `$ref`s are followed only inside the PR's own tree at the same revision: URLs,
 * absolute paths and paths that climb out of the repository are recorded as issues and never read.
 * All files are loaded up front (`load`), so walking the spec afterwards is synchronous and cycle-safe.
 */
/** The node a JSON pointer fragment (`/components/schemas/Pet`) names inside one document's value. */
export function nodeAt(file: string, root: unknown, fragment: string): SpecNode | undefined {
  const pointer = parsePointer(fragment);
  if (!pointer) return undefined;
  let value: unknown = root;
  const path: (string | number)[] = [];
  for (const segment of pointer) {
    if (Array.isArray(value) && /^\d+$/.test(segment)) {
      value = value[Number(segment)];
      path.push(Number(segment));
    } else if (isRecord(value) && Object.hasOwn(value, segment)) {
      value = value[segment];
      path.push(segment);
    } else {
      return undefined;
    }
  }
  return { value, loc: { file, pointer: path } };
}

/** Child `key` of a node whose refs are already followed; undefined when it has none. */
export function childNode(resolved: SpecNode, key: string | number): SpecNode | undefined {
  const value = resolved.value;
  let childValue: unknown;
  if (Array.isArray(value) && typeof key === "number") childValue = value[key];
  else if (isRecord(value) && Object.hasOwn(value, String(key))) childValue = value[String(key)];
  else return undefined;
  if (childValue === undefined) return undefined;
  return { value: childValue, loc: { file: resolved.loc.file, pointer: [...resolved.loc.pointer, key] } };
}

/** A file of a spec read as text; parsed when a walk first reaches it (lazy loads) or when it was read (eager ones). */
interface SpecFile {
  text?: string;
  /** Its `$ref`s as the text states them (lazy loads of files the PR leaves alone; see refsByText). */
  refs?: { ref: string; line: number }[];
  parsed: StructuredFile;
  /** The first document, once parsed; null when it does not parse. */
  doc?: StructuredDoc | null;
}

/** The files of a spec by path: `get` parses a file the first time it is asked for. */
export class SpecFiles {
  constructor(private readonly owner: SpecDocument) {}
  /** The parsed document of a file that was read and parses. */
  get(path: string): StructuredDoc | undefined {
    return this.owner.docOf(path);
  }
  /** Whether a file was read and (when it has been parsed) parses. */
  has(path: string): boolean {
    return this.owner.readable(path);
  }
  keys(): IterableIterator<string> {
    return this.owner.readPaths();
  }
  get size(): number {
    return [...this.owner.readPaths()].length;
  }
}

export class SpecDocument {
  readonly files = new SpecFiles(this);
  private readonly read = new Map<string, SpecFile>();
  readonly issues: RefIssue[] = [];
  /** Files that could not be parsed, with the first error. */
  readonly parseErrors: { file: string; line: number; column: number; message: string }[] = [];
  /** Referenced files that are missing, too large or binary. */
  readonly unreadable: { file: string; from: string; line: number }[] = [];
  /** The files each loaded file references (relative `$ref`s inside the repository), read or not. */
  readonly references = new Map<string, Set<string>>();

  private constructor(
    readonly side: Side,
    readonly root: string,
    /** Files the PR leaves alone are parsed only when a walk reaches them (their `$ref`s are found in their text). */
    readonly lazy = false,
  ) {}

  /** The parsed first document of a file that was read; undefined when it was not read or does not parse. */
  docOf(path: string): StructuredDoc | undefined {
    const file = this.read.get(path);
    if (!file) return undefined;
    if (file.doc === undefined) file.doc = this.parse(path, file.parsed) ?? null;
    return file.doc ?? undefined;
  }

  readable(path: string): boolean {
    const file = this.read.get(path);
    return file !== undefined && file.doc !== null;
  }

  readPaths(): IterableIterator<string> {
    return [...this.read]
      .filter(([, f]) => f.doc !== null)
      .map(([p]) => p)
      [Symbol.iterator]() as IterableIterator<string>;
  }

  /** The text a file was read with (lazy loads), for telling whether it reads the same on both sides. */
  textOf(path: string): string | undefined {
    return this.read.get(path)?.text;
  }

  /** Parses every file `must` names now, so a syntax error among them is known before anything is compared. */
  parseNow(must: (file: string) => boolean): void {
    for (const path of [...this.read.keys()]) if (must(path)) this.docOf(path);
  }

  /** Set when the spec references more than MAX_SPEC_FILES files: it was not loaded completely. */
  truncated?: { limit: number; unfollowed: number };

  /**
   * Loads `root` and everything it references at `side`, breadth first, reading the files each level
   * discovers in batches. Undefined when `root` cannot be read as text.
   */
  static async load(
    ctx: ReviewView,
    side: Side,
    root: string,
    maxFiles = MAX_SPEC_FILES,
    options: { lazy?: boolean } = {},
  ): Promise<SpecDocument | undefined> {
    const lazy = options.lazy === true;
    const spec = new SpecDocument(side, root, lazy);
    // In a lazy load, the files the PR changes are parsed as they are read (a syntax error in them fails the review).
    const changed = lazy ? changedPaths(ctx, side) : undefined;
    const readOne = async (path: string): Promise<SpecFile | undefined> => {
      const text = lazy ? await ctx.text(side, path) : undefined;
      const parsed = await ctx.structured(side, path);
      return parsed ? { text, parsed } : undefined;
    };
    /** Keeps a file that was read; false when it cannot be used. */
    const accept = (path: string, file: SpecFile | undefined): boolean => {
      if (!file) return false;
      if (lazy && file.text !== undefined && !changed!.has(path)) file.refs = refsByText(file.text);
      spec.read.set(path, file);
      return file.refs !== undefined || spec.docOf(path) !== undefined;
    };
    if (!accept(root, await readOne(root)) || !spec.docOf(root)) return spec.parseErrors.length > 0 ? spec : undefined;
    const seen = new Set([root]);
    let level = [root];
    let unfollowed = 0;
    while (level.length > 0) {
      // Every file this level references, in the order the refs are written.
      const wanted: { file: string; from: string; line: number }[] = [];
      for (const file of level) {
        const refs = spec.refsOf(file);
        if (!refs) continue;
        const references = new Set<string>();
        spec.references.set(file, references);
        for (const { ref, line } of refs) {
          const target = ref.split("#")[0]!;
          if (target === "") continue;
          const resolved = spec.resolvePath(file, target, line, ref);
          if (resolved) references.add(resolved);
          if (!resolved || seen.has(resolved)) continue;
          if (seen.size >= maxFiles) {
            unfollowed++;
            spec.issues.push({ file, line, ref, reason: `not followed: the spec references more than ${maxFiles} files` });
            continue;
          }
          seen.add(resolved);
          wanted.push({ file: resolved, from: file, line });
        }
      }
      const next: string[] = [];
      for (let i = 0; i < wanted.length; i += READ_BATCH) {
        const batch = wanted.slice(i, i + READ_BATCH);
        const read = await Promise.all(batch.map((w) => readOne(w.file)));
        // Results are taken in the order the refs were found, so the spec is the same however reads finish.
        batch.forEach((w, j) => {
          if (accept(w.file, read[j])) next.push(w.file);
          else if (!spec.parseErrors.some((e) => e.file === w.file)) spec.unreadable.push({ file: w.file, from: w.from, line: w.line });
        });
      }
      level = next;
    }
    if (unfollowed > 0) spec.truncated = { limit: maxFiles, unfollowed };
    return spec;
  }

  /**
   * The `$ref`s a file holds, with their lines: found in the text when the file has not been parsed and its
   * text says exactly what they are (see refsByText), else from the parsed document.
   */
  private refsOf(file: string): { ref: string; line: number }[] | undefined {
    const entry = this.read.get(file);
    if (!entry) return undefined;
    if (entry.doc === undefined && entry.refs) return entry.refs;
    const doc = this.docOf(file);
    if (!doc) return undefined;
    return collectRefs(doc.value).map(({ ref, pointer }) => ({ ref, line: doc.lineOf([...pointer, "$ref"]) }));
  }

  get ok(): boolean {
    return this.docOf(this.root) !== undefined;
  }

  get rootValue(): Record<string, unknown> {
    const value = this.files.get(this.root)?.value;
    return isRecord(value) ? value : {};
  }

  rootNode(): SpecNode {
    return { value: this.rootValue, loc: { file: this.root, pointer: [] } };
  }

  /** 1-based line of a location (the key's line for collections). */
  lineOf(loc: Location): number {
    return this.files.get(loc.file)?.lineOf(loc.pointer) ?? 1;
  }

  /**
   * Follows `$ref`s from `node` until a value that is not a reference. A reference that cannot be
   * followed (unsafe, missing, circular chain) gives a node whose value is `undefined` at the ref's place.
   */
  deref(node: SpecNode): SpecNode {
    let current = node;
    for (let hops = 0; hops < MAX_REF_CHAIN; hops++) {
      const value = current.value;
      if (!isRecord(value) || typeof value.$ref !== "string") return current;
      const target = this.target(current.loc.file, value.$ref);
      if (!target) return { value: undefined, loc: current.loc };
      current = target;
    }
    return { value: undefined, loc: node.loc };
  }

  /** Where a node that is a `$ref` points (file and pointer), without reading the target; undefined for other nodes. */
  refLocation(node: SpecNode): Location | undefined {
    const value = node.value;
    if (!isRecord(value) || typeof value.$ref !== "string") return undefined;
    const hash = value.$ref.indexOf("#");
    const filePart = hash >= 0 ? value.$ref.slice(0, hash) : value.$ref;
    const pointer = parsePointer(hash >= 0 ? value.$ref.slice(hash + 1) : "");
    if (!pointer) return undefined;
    let file = node.loc.file;
    if (filePart !== "") {
      if (unsafeRefReason(filePart)) return undefined;
      file = posix.normalize(posix.join(posix.dirname(node.loc.file), filePart));
      if (file.startsWith("../") || file === "..") return undefined;
    }
    return { file, pointer };
  }

  /** The referenced name of a node that is a `$ref` (e.g. `Pet` for `#/components/schemas/Pet`). */
  static refName(value: unknown): string | undefined {
    if (!isRecord(value) || typeof value.$ref !== "string") return undefined;
    return value.$ref.split("/").at(-1);
  }

  /** Child `key` of a node (after following refs on the way). */
  child(node: SpecNode | undefined, key: string | number): SpecNode | undefined {
    return node ? childNode(this.deref(node), key) : undefined;
  }

  /** Entries of a map node (refs followed on the map itself, not on the entries). */
  entries(node: SpecNode | undefined): [string, SpecNode][] {
    if (!node) return [];
    const resolved = this.deref(node);
    if (!isRecord(resolved.value)) return [];
    return Object.keys(resolved.value)
      .map((k) => [k, this.child(resolved, k)!] as [string, SpecNode])
      .filter(([, n]) => n !== undefined);
  }

  items(node: SpecNode | undefined): SpecNode[] {
    if (!node) return [];
    const resolved = this.deref(node);
    if (!Array.isArray(resolved.value)) return [];
    return resolved.value.map((_, i) => this.child(resolved, i)!).filter((n) => n !== undefined);
  }

  /**
   * A copy of the value at `node` with every reference replaced by its target (for tools that cannot
   * follow refs safely). Circular and unresolvable references become `{}`.
   */
  inline(node: SpecNode, budget = { nodes: 200_000 }, depth = 0, stack: string[] = []): unknown {
    if (--budget.nodes < 0) throw new Error("the spec is too large to inline");
    const resolved = this.deref(node);
    const key = `${resolved.loc.file}#${resolved.loc.pointer.join("/")}`;
    if (stack.includes(key) || depth > 60) return {};
    const value = resolved.value;
    const inner = [...stack, key];
    if (Array.isArray(value)) {
      return value.map((_, i) => this.inline(this.child(resolved, i)!, budget, depth + 1, inner));
    }
    if (isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value)) {
        const c = this.child(resolved, k);
        if (c) out[k] = this.inline(c, budget, depth + 1, inner);
      }
      return out;
    }
    return value === undefined ? {} : value;
  }

  private target(fromFile: string, ref: string): SpecNode | undefined {
    const hash = ref.indexOf("#");
    const filePart = hash >= 0 ? ref.slice(0, hash) : ref;
    const fragment = hash >= 0 ? ref.slice(hash + 1) : "";
    let file = fromFile;
    if (filePart !== "") {
      if (unsafeRefReason(filePart)) return undefined;
      const joined = posix.normalize(posix.join(posix.dirname(fromFile), filePart));
      if (joined.startsWith("../") || joined === "..") return undefined;
      file = joined;
    }
    const doc = this.files.get(file);
    if (!doc) return undefined;
    return nodeAt(file, doc.value, fragment);
  }

  /** Repository path of a relative `$ref` target, or undefined (with an issue) when it may not be read. */
  private resolvePath(fromFile: string, target: string, line: number, ref: string): string | undefined {
    const unsafe = unsafeRefReason(target);
    if (unsafe) {
      this.issues.push({ file: fromFile, line, ref, reason: unsafe });
      return undefined;
    }
    let decoded = target;
    try {
      decoded = decodeURIComponent(target);
    } catch {
      // keep the raw text
    }
    const joined = posix.normalize(posix.join(posix.dirname(fromFile), decoded));
    if (joined.startsWith("../") || joined === "..") {
      this.issues.push({ file: fromFile, line, ref, reason: "climbs out of the repository; not read" });
      return undefined;
    }
    return joined;
  }

  /** The first document of a parsed file, or undefined after recording why it cannot be used. */
  private parse(path: string, parsed: StructuredFile): StructuredDoc | undefined {
    if (parsed.errors.length > 0 || parsed.docs.length === 0) {
      const first = parsed.errors[0];
      this.parseErrors.push({
        file: path,
        line: first?.line ?? 1,
        column: first?.column ?? 1,
        message: first?.message ?? "empty document",
      });
      return undefined;
    }
    return parsed.docs[0]!;
  }
}

/** Per base spec: the head spec it was compared with and the files that read the same on both sides. */
const stableFiles = new WeakMap<SpecDocument, { head: SpecDocument; stable: (file: string) => boolean }>();

/**
 * True when `b` (in `base`) and `h` (in `head`) are the same place of a file that reads the same on both
 * sides, and so does every file it reaches through `$ref`s: the two subtrees are equal, so comparing them
 * finds nothing. (A file the PR does not touch is parsed once for both sides, so "reads the same" is
 * identity of the parsed document.) Lets a spec split over thousands of files be compared in the time of
 * the files the PR changed.
 */
export function unchangedBetween(base: SpecDocument, head: SpecDocument, b: SpecNode, h: SpecNode): boolean {
  if (b.loc.file !== h.loc.file || b.loc.pointer.length !== h.loc.pointer.length) return false;
  if (!b.loc.pointer.every((segment, i) => segment === h.loc.pointer[i])) return false;
  let known = stableFiles.get(base);
  if (known?.head !== head) {
    known = { head, stable: stableFileTest(base, head) };
    stableFiles.set(base, known);
  }
  return known.stable(b.loc.file);
}

/**
 * unchangedBetween asked of two nodes as written, then of what their `$ref`s point to: a `$ref` at the same
 * place of a file that reads the same on both sides is not followed (nor its target parsed).
 */
export function unchangedNodes(base: SpecDocument, head: SpecDocument, b: SpecNode, h: SpecNode): boolean {
  if (unchangedBetween(base, head, b, h)) return true;
  // Two `$ref`s to the same place of such a file: equal without reading (or parsing) what they point to.
  const rb = base.refLocation(b);
  const rh = head.refLocation(h);
  if (rb && rh && unchangedBetween(base, head, { value: undefined, loc: rb }, { value: undefined, loc: rh })) return true;
  return unchangedBetween(base, head, base.deref(b), head.deref(h));
}

function stableFileTest(base: SpecDocument, head: SpecDocument): (file: string) => boolean {
  const files = new Set([...base.files.keys(), ...head.files.keys(), ...base.references.keys(), ...head.references.keys()]);
  // Files that read differently (or are present on one side only), then every file that reaches one of them.
  const referencedBy = new Map<string, string[]>();
  for (const spec of [base, head]) {
    for (const [from, targets] of spec.references) {
      for (const target of targets) {
        const list = referencedBy.get(target);
        if (list) list.push(from);
        else referencedBy.set(target, [from]);
        files.add(target);
      }
    }
  }
  const unstable = new Set<string>();
  const queue: string[] = [];
  for (const file of files) {
    const same = sameFile(base, head, file);
    const refsSame = sameSet(base.references.get(file), head.references.get(file));
    if (!same || !refsSame) {
      unstable.add(file);
      queue.push(file);
    }
  }
  while (queue.length > 0) {
    for (const from of referencedBy.get(queue.pop()!) ?? []) {
      if (unstable.has(from)) continue;
      unstable.add(from);
      queue.push(from);
    }
  }
  return (file) => base.files.has(file) && !unstable.has(file);
}

/** Whether a file reads the same on both sides (by text when both were read as text; else by parsed document). */
function sameFile(base: SpecDocument, head: SpecDocument, file: string): boolean {
  const a = base.textOf(file);
  const b = head.textOf(file);
  if (a !== undefined || b !== undefined) return a === b && base.files.has(file) === head.files.has(file);
  return base.files.get(file) === head.files.get(file);
}

/**
 * Parses, on both sides of a pair, every file that does not read the same on both sides or reaches one that
 * does not: what a comparison can descend into, so a syntax error there fails the review before anything is
 * compared. Files the PR leaves alone and that reach nothing it changed stay unparsed until a walk needs them.
 */
export function parseComparedFiles(base: SpecDocument | undefined, head: SpecDocument | undefined): void {
  if (base && head) {
    const stable = stableFileTest(base, head);
    // (A file only the base reaches is compared with nothing; its syntax errors are notes at most.)
    base.parseNow((f) => !stable(f) && head.textOf(f) !== undefined);
    head.parseNow((f) => !stable(f));
  }
}

/** The paths the PR changes at `side` (head paths, or base paths of files it modifies, renames or removes). */
function changedPaths(ctx: ReviewView, side: Side): Set<string> {
  const out = new Set<string>();
  for (const f of ctx.files) {
    if (side === "head" && f.status !== "removed") out.add(f.path);
    if (side === "base" && f.status !== "added") out.add(f.previousPath ?? f.path);
  }
  return out;
}

/** A line that is one `$ref` key with its value: `$ref: x`, `- $ref: 'x'`, `"$ref": "x"`, with an optional comment. */
const REF_LINE = /^[ ]*(?:-[ ]+)?(["']?)\$ref\1[ ]*:[ ]+(.*?)[ ]*$/;
/** Escapes that could spell `$ref` in a quoted YAML or JSON key, where the text does not show it. */
const ESCAPED_DOLLAR = /\\(?:x24|u0024|U00000024)/;
/** Plain scalars YAML reads as something other than a string. */
const NOT_A_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|[-+]?\.[0-9]+(?:[eE][-+]?[0-9]+)?)$/;
/** A line that opens a block scalar (`description: >-`, `- |`): the lines indented under it are text. */
const BLOCK_SCALAR = /(?:^[ ]*-|:)[ ]+[|>][-+0-9]*[ ]*(?:#.*)?$/;

/**
 * The `$ref`s of a YAML text and their lines, read from the text alone, or undefined when the text does not
 * say them exactly and the file must be parsed: every occurrence of `$ref` must be a block-mapping key on its
 * own line (not in a block scalar) with a one-line string value. Multi-document texts, tabs, escapes and
 * JSON are parsed. What the text scan finds is what the parser would find, on the files the PR leaves alone.
 */
export function refsByText(text: string): { ref: string; line: number }[] | undefined {
  if (!text.includes("$ref")) return /\\/.test(text) && ESCAPED_DOLLAR.test(text) ? undefined : [];
  if (/^\s*[[{]/.test(text) || ESCAPED_DOLLAR.test(text) || /^(?:---|\.\.\.)/m.test(text.slice(1)) || text.includes("\t")) return undefined;
  const out: { ref: string; line: number }[] = [];
  const lines = text.split("\n");
  let blockIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const indent = line.length - line.trimStart().length;
    if (blockIndent >= 0) {
      if (line.trim() === "" || indent > blockIndent) {
        if (line.includes("$ref")) return undefined;
        continue;
      }
      blockIndent = -1;
    }
    if (BLOCK_SCALAR.test(line)) blockIndent = indent;
    if (!line.includes("$ref")) continue;
    const m = REF_LINE.exec(line);
    if (!m) return undefined;
    const value = plainOrQuoted(m[2]!);
    if (value === undefined) return undefined;
    out.push({ ref: value, line: i + 1 });
  }
  return out;
}

/** A one-line YAML scalar that is a string (quoted without escapes, or plain), with any comment after it. */
function plainOrQuoted(text: string): string | undefined {
  const quoted = /^'((?:[^']|'')*)'[ ]*(?:#.*)?$/.exec(text);
  if (quoted) return quoted[1]!.replace(/''/g, "'");
  const double = /^"([^"\\]*)"[ ]*(?:#.*)?$/.exec(text);
  if (double) return double[1]!;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(text)) return undefined;
  const plain = text.replace(/[ ]+#.*$/, "");
  if (plain === "" || /['"]/.test(plain) || plain.includes(": ") || plain.endsWith(":") || NOT_A_STRING.test(plain)) return undefined;
  return plain;
}

function sameSet(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Every `$ref` string in a parsed document, with the pointer of the object that holds it. */
function collectRefs(root: unknown): { ref: string; pointer: (string | number)[] }[] {
  const out: { ref: string; pointer: (string | number)[] }[] = [];
  const stack: { value: unknown; pointer: (string | number)[] }[] = [{ value: root, pointer: [] }];
  while (stack.length > 0) {
    const { value, pointer } = stack.pop()!;
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, pointer: [...pointer, i] }));
    else if (isRecord(value)) {
      if (typeof value.$ref === "string") out.push({ ref: value.$ref, pointer });
      for (const [k, v] of Object.entries(value)) if (k !== "$ref" && typeof v === "object") stack.push({ value: v, pointer: [...pointer, k] });
    }
  }
  return out;
}

/** Past this many unfollowed `$ref`s (or unreadable files) in one spec side, they are one note, not one each. */
export const MAX_LISTED_REF_ISSUES = 3;

/** What stops a loaded spec side from being compared completely, phrased for notes and problems. */
export interface SpecLoadReport {
  /** The spec references more files than are read: it cannot be judged completely (fail closed). */
  problem?: { file: string; line: number; message: string };
  notes: string[];
}

/**
 * Notes for the `$ref`s a spec side did not follow and the referenced files it could not read: one note
 * each while there are a few, one aggregated note (with the first few as examples) past that, so a spec
 * with thousands of unfollowed refs gives one line, not a comment of a million characters.
 */
export function specLoadReport(
  spec: SpecDocument,
  options: { subject?: string; single?: (issue: RefIssue) => string; unreadable?: boolean } = {},
): SpecLoadReport {
  const subject = options.subject ?? "API spec";
  const single =
    options.single ?? ((issue: RefIssue) => `${subject} ${issue.file}:${issue.line}: $ref "${issue.ref}" ${issue.reason} (${spec.side})`);
  const notes: string[] = [];
  const refs = spec.issues.filter((i) => !i.reason.startsWith("not followed: the spec references more than"));
  if (refs.length <= MAX_LISTED_REF_ISSUES) {
    for (const issue of refs) notes.push(single(issue));
  } else {
    const examples = [...refs]
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)
      .slice(0, MAX_LISTED_REF_ISSUES)
      .map((i) => `${i.file}:${i.line} "${i.ref}" ${i.reason}`);
    notes.push(
      `${subject} ${spec.root}: ${refs.length} $refs were not followed (${spec.side}), in ${new Set(refs.map((i) => i.file)).size} files; those parts were not compared. First ${MAX_LISTED_REF_ISSUES}: ${examples.join("; ")}`,
    );
  }
  const unreadable = options.unreadable === false ? [] : spec.unreadable;
  if (unreadable.length <= MAX_LISTED_REF_ISSUES) {
    for (const u of unreadable) {
      notes.push(
        `${subject} ${u.from}:${u.line}: referenced file ${u.file} could not be read at ${spec.side} (missing, binary or over the size limit); its contents were not compared`,
      );
    }
  } else {
    const examples = [...unreadable]
      .sort((a, b) => a.file.localeCompare(b.file))
      .slice(0, MAX_LISTED_REF_ISSUES)
      .map((u) => `${u.file} (from ${u.from}:${u.line})`);
    notes.push(
      `${subject} ${spec.root}: ${unreadable.length} referenced files could not be read at ${spec.side} (missing, binary or over the size limit); their contents were not compared. First ${MAX_LISTED_REF_ISSUES}: ${examples.join("; ")}`,
    );
  }
  const problem = spec.truncated
    ? {
        file: spec.root,
        line: 1,
        message: `${subject} ${spec.root} references more than ${spec.truncated.limit} files at ${spec.side}: ${spec.truncated.unfollowed} $refs beyond that were not followed, so it cannot be judged completely`,
      }
    : undefined;
  return { problem, notes };
}
