/**
 * A small Python reader for migration files (Django, Alembic): a tokenizer that knows string literals
 * (single, triple-quoted, prefixed r/b/u/f), `#` comments, backslash line continuations and brackets, and
 * a loose expression parser that turns the token stream into a tree of calls with keyword arguments and
 * source offsets. It does not execute or type anything: it reads the declarative part of a migration
 * (`migrations.AddField(...)`, `op.drop_column(...)`) wherever comments and line breaks fall.
 */

export type TokenKind = "name" | "number" | "string" | "op" | "newline";

export interface Token {
  kind: TokenKind;
  /** Source text of the token. */
  text: string;
  start: number;
  end: number;
  /** 0-based column of the token's first character. */
  col: number;
  /** string: the decoded value (escapes applied unless raw). */
  value?: string;
  /** string: offset of the value's first character in the file. */
  contentStart?: number;
  /** string: an f-string (its value is built at run time when it has a `{...}` field). */
  formatted?: boolean;
}

const TWO_CHAR_OPS = new Set(["==", "!=", "<=", ">=", ":=", "->", "**", "//", "<<", ">>", "+=", "-=", "*=", "/=", "|=", "&="]);

function decodeEscapes(raw: string): string {
  return raw.replace(/\\(\r?\n|n|t|r|'|"|\\|0)/g, (_, c: string) => {
    if (c === "\n" || c === "\r\n") return "";
    return ({ n: "\n", t: "\t", r: "\r", "0": "\0" } as Record<string, string>)[c] ?? c;
  });
}

/** Letters that may prefix a string literal (r, b, u, f in either case). */
const STRING_PREFIX = new Set(["r", "R", "b", "B", "u", "U", "f", "F"]);

/**
 * How many prefix letters (0 to 2) the string literal at `i` has, or undefined when no literal starts at `i`:
 * `^[rRbBuUfF]{0,2}(?=["'])` on the text from `i`.
 */
function stringPrefixLength(text: string, i: number): number | undefined {
  const isQuote = (ch: string | undefined) => ch === '"' || ch === "'";
  if (isQuote(text[i])) return 0;
  if (!STRING_PREFIX.has(text[i]!)) return undefined;
  if (STRING_PREFIX.has(text[i + 1]!) && isQuote(text[i + 2])) return 2;
  return isQuote(text[i + 1]) ? 1 : undefined;
}

const isDigit = (code: number) => code >= 48 && code <= 57;
/** `\w` (ASCII letters, digits, `_`). */
const isNamePartAscii = (code: number) => isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
/** `[A-Za-z_\u00c0-\uffff]`: a name's first character. */
const isNameStart = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code >= 0xc0;
/** `[\w\u00c0-\uffff]`: a name's other characters. */
const isNamePart = (code: number) => isNamePartAscii(code) || code >= 0xc0;

/** Tokens of a Python source; comments and line continuations are dropped, newlines kept only outside brackets. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      if (depth === 0 && tokens.length > 0 && tokens.at(-1)!.kind !== "newline")
        tokens.push({ kind: "newline", text: "\n", start: i, end: i + 1, col: i - lineStart });
      i++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f") {
      i++;
      continue;
    }
    if (c === "\\" && (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n"))) {
      i += text[i + 1] === "\n" ? 2 : 3;
      lineStart = i;
      continue;
    }
    if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    const prefixLength = stringPrefixLength(text, i);
    if (prefixLength !== undefined) {
      const start = i;
      const q = text[i + prefixLength]!;
      const triple = text.startsWith(q.repeat(3), i + prefixLength);
      const quote = triple ? q.repeat(3) : q;
      const contentStart = i + prefixLength + quote.length;
      let j = contentStart;
      while (j < n) {
        if (text[j] === "\\") j += 2;
        else if (text.startsWith(quote, j)) break;
        else if (!triple && text[j] === "\n") break;
        else j++;
      }
      const contentEnd = Math.min(j, n);
      const end = text.startsWith(quote, j) ? j + quote.length : contentEnd;
      const raw = text.slice(contentStart, contentEnd);
      const p = text.slice(i, i + prefixLength).toLowerCase();
      tokens.push({
        kind: "string",
        text: text.slice(start, end),
        start,
        end,
        col: start - lineStart,
        value: p.includes("r") ? raw : decodeEscapes(raw),
        contentStart,
        formatted: p.includes("f"),
      });
      // Newlines inside a triple-quoted string move the line start.
      const lastNl = text.lastIndexOf("\n", end - 1);
      if (lastNl >= start) lineStart = lastNl + 1;
      i = end;
      continue;
    }
    const code = text.charCodeAt(i);
    if (isNameStart(code)) {
      let j = i + 1;
      while (j < n && isNamePart(text.charCodeAt(j))) j++;
      tokens.push({ kind: "name", text: text.slice(i, j), start: i, end: j, col: i - lineStart });
      i = j;
      continue;
    }
    if (isDigit(code) || (c === "." && isDigit(text.charCodeAt(i + 1)))) {
      let j = i + 1;
      while (j < n && (isNamePartAscii(text.charCodeAt(j)) || text[j] === ".")) j++;
      tokens.push({ kind: "number", text: text.slice(i, j), start: i, end: j, col: i - lineStart });
      i = j;
      continue;
    }
    const two = text.slice(i, i + 2);
    const op = TWO_CHAR_OPS.has(two) ? two : c;
    if ("([{".includes(op)) depth++;
    else if (")]}".includes(op)) depth = Math.max(0, depth - 1);
    tokens.push({ kind: "op", text: op, start: i, end: i + op.length, col: i - lineStart });
    i += op.length;
  }
  return tokens;
}

// ------------------------------------------------------------------------------------------------ tree

interface NodeBase {
  start: number;
  end: number;
  /** Source without comments and continuations, tokens joined (a space only between two words). */
  text: string;
}

export interface PyCallNode extends NodeBase {
  kind: "call";
  /** Dotted name as written (`migrations.AddField`), or the callee's text when it is not a plain name. */
  callee: string;
  args: PyArgument[];
}

export interface PyStringNode extends NodeBase {
  kind: "string";
  /** Implicitly concatenated literals, joined. */
  value: string;
  contentStart: number;
  /** An f-string with a `{...}` field: the value is known only at run time. */
  dynamic: boolean;
}

export interface PyNameNode extends NodeBase {
  kind: "name";
  name: string;
}

export interface PySequenceNode extends NodeBase {
  kind: "list" | "tuple" | "set";
  items: PyNode[];
}

export interface PyDictNode extends NodeBase {
  kind: "dict";
  entries: { key: PyNode; value: PyNode }[];
}

/** A number, or an expression with operators, subscripts, lambdas...: kept as its parts. */
export interface PyOtherNode extends NodeBase {
  kind: "other";
  parts: PyNode[];
}

export type PyNode = PyCallNode | PyStringNode | PyNameNode | PySequenceNode | PyDictNode | PyOtherNode;

export interface PyArgument {
  /** Keyword, when passed as `name=value`. */
  name?: string;
  star?: "*" | "**";
  value: PyNode;
}

export interface PyModule {
  tokens: Token[];
  /** Expressions of every statement, in order (calls not nested in another expression are roots here). */
  roots: PyNode[];
  /** Module-level `NAME = value` assignments (the last one wins). */
  assignments: Map<string, PyNode>;
}

const CLOSERS = new Set([")", "]", "}"]);

/**
 * What every node is made from: its `text` is built when first read. Every enclosing node spans its children's
 * tokens again, so building each node's text up front was quadratic in the nesting (most of a large Django
 * migration's reading time), and few are read. A getter of the class, not one defined on each node (that made
 * each node a slow dictionary object with two closures: most of the reading time again).
 */
class LazyText {
  #parser: Parser;
  #from: number;
  #to: number;
  #text: string | undefined;

  constructor(parser: Parser, from: number, to: number) {
    this.#parser = parser;
    this.#from = from;
    this.#to = to;
  }

  get text(): string {
    if (this.#text === undefined) this.#text = this.#parser.textOf(this.#from, this.#to);
    return this.#text;
  }

  set text(value: string) {
    this.#text = value;
  }

  /** A copy of `node` with another span and the same text (a parenthesised expression: the text inside). */
  static respanned<T extends PyNode>(node: T, start: number, end: number): T {
    if (!(node instanceof LazyText)) return { ...node, start, end };
    const copy = Object.assign(new LazyText(node.#parser, node.#from, node.#to), node) as unknown as T;
    copy.start = start;
    copy.end = end;
    return copy;
  }
}

class Parser {
  i = 0;
  constructor(
    readonly tokens: Token[],
    readonly source: string,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  isOp(t: Token | undefined, text: string): boolean {
    return t !== undefined && t.kind === "op" && t.text === text;
  }

  textOf(from: number, to: number): string {
    let out = "";
    let previous: Token | undefined;
    for (let k = from; k < to; k++) {
      const t = this.tokens[k]!;
      if (t.kind === "newline") continue;
      const word = (x: Token) => x.kind === "name" || x.kind === "number";
      if (previous && word(previous) && word(t)) out += " ";
      out += t.text;
      previous = t;
    }
    return out;
  }

  node<T extends PyNode>(from: number, partial: Omit<T, "start" | "end" | "text">): T {
    const first = this.tokens[from]!;
    const to = this.i;
    const last = this.tokens[to - 1] ?? first;
    const out = Object.assign(new LazyText(this, from, to), partial) as unknown as T;
    out.start = first.start;
    out.end = last.end;
    return out;
  }

  /** An expression up to `,`, a closing bracket, `:` (when `stopAtColon`), `=` or a newline. */
  expression(stopAtColon: boolean): PyNode | undefined {
    const from = this.i;
    const parts: PyNode[] = [];
    let lambdas = 0;
    let operators = false;
    for (;;) {
      const t = this.peek();
      if (!t || t.kind === "newline") break;
      if (t.kind === "op") {
        // A lambda's parameters (`lambda apps, schema: ...`) run to its colon.
        if ((t.text === "," && lambdas === 0) || CLOSERS.has(t.text) || (t.text === "=" && lambdas === 0)) break;
        if (t.text === ":") {
          if (lambdas === 0 || stopAtColon) break;
          lambdas--;
        }
      }
      if (t.kind === "name" && t.text === "lambda") lambdas++;
      const atom = this.atom();
      if (atom) parts.push(atom);
      else {
        operators = true;
        this.i++;
      }
    }
    if (this.i === from) return undefined;
    if (parts.length === 1 && !operators) return parts[0];
    return this.node<PyOtherNode>(from, { kind: "other", parts });
  }

  /** One operand with its trailers (`.name`, `(...)`, `[...]`), or undefined for an operator token. */
  atom(): PyNode | undefined {
    const from = this.i;
    const t = this.peek();
    if (!t) return undefined;
    let node: PyNode | undefined;
    if (t.kind === "name") {
      let name = t.text;
      this.i++;
      while (this.isOp(this.peek(), ".") && this.peek(1)?.kind === "name") {
        name += `.${this.peek(1)!.text}`;
        this.i += 2;
      }
      node = this.node<PyNameNode>(from, { kind: "name", name });
    } else if (t.kind === "string") {
      let value = "";
      let dynamic = false;
      while (this.peek()?.kind === "string") {
        const s = this.peek()!;
        value += s.value ?? "";
        if (s.formatted && /\{[^{]/.test(s.value ?? "")) dynamic = true;
        this.i++;
      }
      node = this.node<PyStringNode>(from, { kind: "string", value, contentStart: t.contentStart!, dynamic });
    } else if (t.kind === "number") {
      this.i++;
      node = this.node<PyOtherNode>(from, { kind: "other", parts: [] });
    } else if (t.kind === "op" && (t.text === "(" || t.text === "[" || t.text === "{")) {
      node = this.display();
    } else return undefined;
    // Trailers.
    for (;;) {
      const next = this.peek();
      if (this.isOp(next, "(")) {
        const callee: string = node.kind === "name" ? node.name : node.text;
        const args = this.callArguments();
        node = this.node<PyCallNode>(from, { kind: "call", callee, args });
      } else if (this.isOp(next, "[")) {
        const subscript = this.display();
        node = this.node<PyOtherNode>(from, { kind: "other", parts: [node, subscript] });
      } else if (this.isOp(next, ".") && this.peek(1)?.kind === "name") {
        this.i += 2;
        node = this.node<PyOtherNode>(from, { kind: "other", parts: [node] });
      } else break;
    }
    return node;
  }

  /** `( ... )`, `[ ... ]` or `{ ... }` starting at the current token. */
  display(): PyNode {
    const from = this.i;
    const open = this.peek()!.text;
    const close = open === "(" ? ")" : open === "[" ? "]" : "}";
    this.i++;
    const items: PyNode[] = [];
    const entries: { key: PyNode; value: PyNode }[] = [];
    let sawComma = false;
    let isDict = false;
    while (this.i < this.tokens.length && !this.isOp(this.peek(), close)) {
      if (CLOSERS.has(this.peek()!.text) && this.peek()!.kind === "op") break; // unbalanced: stop here
      if (this.isOp(this.peek(), "**")) this.i++;
      const item = this.expression(open === "{");
      if (open === "{" && this.isOp(this.peek(), ":")) {
        this.i++;
        isDict = true;
        const value = this.expression(false);
        if (item && value) entries.push({ key: item, value });
      } else if (item) items.push(item);
      if (this.isOp(this.peek(), ",")) {
        sawComma = true;
        this.i++;
      } else if (!this.isOp(this.peek(), close)) {
        if (this.peek()?.kind === "op" && CLOSERS.has(this.peek()!.text)) break;
        this.i++; // something the loose parser does not model (e.g. `for` in a comprehension): skip it
      }
    }
    if (this.isOp(this.peek(), close)) this.i++;
    if (open === "{")
      return isDict ? this.node<PyDictNode>(from, { kind: "dict", entries }) : this.node<PySequenceNode>(from, { kind: "set", items });
    if (open === "[") return this.node<PySequenceNode>(from, { kind: "list", items });
    if (!sawComma && items.length === 1) {
      // A parenthesised expression: keep the inner node (with the parentheses' span).
      return LazyText.respanned(items[0]!, this.tokens[from]!.start, this.tokens[this.i - 1]!.end);
    }
    return this.node<PySequenceNode>(from, { kind: "tuple", items });
  }

  callArguments(): PyArgument[] {
    this.i++; // (
    const args: PyArgument[] = [];
    while (this.i < this.tokens.length && !this.isOp(this.peek(), ")")) {
      const t = this.peek()!;
      if (t.kind === "op" && (t.text === "]" || t.text === "}")) break;
      let name: string | undefined;
      let star: "*" | "**" | undefined;
      if (t.kind === "name" && this.isOp(this.peek(1), "=")) {
        name = t.text;
        this.i += 2;
      } else if (this.isOp(t, "*") || this.isOp(t, "**")) {
        star = t.text as "*" | "**";
        this.i++;
      }
      const value = this.expression(false);
      if (value) args.push({ ...(name ? { name } : {}), ...(star ? { star } : {}), value });
      if (this.isOp(this.peek(), ",")) this.i++;
      else if (!this.isOp(this.peek(), ")")) {
        if (this.peek()?.kind === "op" && CLOSERS.has(this.peek()!.text)) break;
        this.i++;
      }
    }
    if (this.isOp(this.peek(), ")")) this.i++;
    return args;
  }
}

/** Parses a Python source into statement expressions (loosely: unknown syntax is skipped, never fatal). */
export function parsePython(source: string): PyModule {
  const tokens = tokenize(source);
  const parser = new Parser(tokens, source);
  const roots: PyNode[] = [];
  const assignments = new Map<string, PyNode>();
  let statementStart = true;
  while (parser.i < tokens.length) {
    const t = parser.peek()!;
    if (t.kind === "newline") {
      parser.i++;
      statementStart = true;
      continue;
    }
    if (statementStart && t.kind === "name" && t.col === 0 && parser.isOp(parser.peek(1), "=")) {
      parser.i += 2;
      const value = parser.expression(false);
      if (value) {
        assignments.set(t.text, value);
        roots.push(value);
      }
      statementStart = false;
      continue;
    }
    statementStart = false;
    const before = parser.i;
    const node = parser.atom();
    if (node) roots.push(node);
    if (parser.i === before) parser.i++;
  }
  return { tokens, roots, assignments };
}

// -------------------------------------------------------------------------------------------- helpers

/** The last segment of a call's dotted name: `migrations.AddField` → `AddField`. */
export function shortName(call: PyCallNode): string {
  return call.callee.split(".").at(-1) ?? call.callee;
}

/** A call argument by keyword, or by position among the positional arguments. */
export function argument(call: PyCallNode, name: string, position?: number): PyNode | undefined {
  const named = call.args.find((a) => a.name === name);
  if (named) return named.value;
  if (position === undefined) return undefined;
  return call.args.filter((a) => a.name === undefined && a.star === undefined)[position]?.value;
}

/** The string value of a literal argument (undefined for anything else). */
export function stringOf(node: PyNode | undefined): string | undefined {
  return node?.kind === "string" && !node.dynamic ? node.value : undefined;
}

/** Every node under `node` (itself included), depth first in source order. */
export function* walk(node: PyNode): Generator<PyNode> {
  yield node;
  for (const child of children(node)) yield* walk(child);
}

export function children(node: PyNode): PyNode[] {
  switch (node.kind) {
    case "call":
      return node.args.map((a) => a.value);
    case "list":
    case "tuple":
    case "set":
      return node.items;
    case "dict":
      return node.entries.flatMap((e) => [e.key, e.value]);
    case "other":
      return node.parts;
    default:
      return [];
  }
}

/** Every call in the module, outer calls before the calls in their arguments. */
export function allCalls(module: PyModule): PyCallNode[] {
  const out: PyCallNode[] = [];
  for (const root of module.roots) for (const node of walk(root)) if (node.kind === "call") out.push(node);
  return out;
}
