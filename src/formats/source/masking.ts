/**
 * Light-weight source reading shared by the code rules (secrets, timeouts, PII in logs, metric labels,
 * imports): language by file name, masking of comments and string contents, and the extent of a call
 * that spans several lines. Deliberately lexical: the rules judge lines a PR adds, in many languages,
 * without a parser per language.
 */

export type Language = "js" | "python" | "go" | "java" | "kotlin" | "csharp" | "ruby";

const EXTENSIONS: Record<string, Language> = {
  js: "js",
  jsx: "js",
  mjs: "js",
  cjs: "js",
  ts: "js",
  tsx: "js",
  mts: "js",
  cts: "js",
  py: "python",
  go: "go",
  java: "java",
  kt: "kotlin",
  kts: "kotlin",
  cs: "csharp",
  rb: "ruby",
};

export function languageOf(path: string): Language | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (name.endsWith(".d.ts")) return undefined;
  const dot = name.lastIndexOf(".");
  return dot < 0 ? undefined : EXTENSIONS[name.slice(dot + 1).toLowerCase()];
}

interface Syntax {
  lineComment: string[];
  blockComment: boolean;
  /** Quote characters that open a string. */
  quotes: string[];
  /** Python-style triple quotes / Java text blocks. */
  triple: boolean;
}

const SYNTAX: Record<Language, Syntax> = {
  js: { lineComment: ["//"], blockComment: true, quotes: ["'", '"', "`"], triple: false },
  python: { lineComment: ["#"], blockComment: false, quotes: ["'", '"'], triple: true },
  go: { lineComment: ["//"], blockComment: true, quotes: ['"', "`", "'"], triple: false },
  java: { lineComment: ["//"], blockComment: true, quotes: ['"', "'"], triple: true },
  kotlin: { lineComment: ["//"], blockComment: true, quotes: ['"', "'"], triple: true },
  csharp: { lineComment: ["//"], blockComment: true, quotes: ['"', "'"], triple: false },
  ruby: { lineComment: ["#"], blockComment: false, quotes: ["'", '"'], triple: false },
};

/** The characters that can open a comment or a string, per language: everything else is skipped by search. */
const OPENERS: Record<Language, readonly string[]> = {
  js: ["/", "'", '"', "`"],
  python: ["#", "'", '"'],
  go: ["/", '"', "`", "'"],
  java: ["/", '"', "'"],
  kotlin: ["/", '"', "'"],
  csharp: ["/", '"', "'"],
  ruby: ["#", "'", '"'],
};

/**
 * The next offset of a character in a text, from an offset that only moves forward: each search is
 * remembered until the scan passes it, so every character is searched for about once per text.
 */
class NextOf {
  /** Per ASCII character (all the scans look for): the offset found last, -1 for none left, -2 before the first search. */
  private readonly found = new Int32Array(128).fill(-2);
  constructor(private readonly text: string) {}

  /** First offset >= `from` of `ch`, or Infinity. `from` must not decrease between calls. */
  find(ch: string, from: number): number {
    const code = ch.charCodeAt(0);
    let at = code < 128 ? this.found[code]! : -2;
    if (at === -2 || (at !== -1 && at < from)) {
      at = this.text.indexOf(ch, from);
      if (code < 128) this.found[code] = at;
    }
    return at === -1 ? Infinity : at;
  }
}

/**
 * Same-length copy of `text` where comments and the contents of string literals are blanked with
 * spaces (quotes kept, newlines kept), so code patterns never match inside prose. Interpolations stay
 * visible because they are code: JS `${...}`, Python f-string `{...}`, Ruby `#{...}`, Kotlin `${...}`.
 */
export function maskSource(text: string, language: Language): string {
  const syntax = SYNTAX[language];
  // Ranges to blank, applied once at the end (a per-character array would dominate large reviews).
  const ranges: number[] = [];
  const blank = (from: number, to: number) => {
    if (to > from) ranges.push(from, Math.min(to, text.length));
  };
  const next = new NextOf(text);
  const openers = OPENERS[language];
  let i = 0;
  while (i < text.length) {
    let at = Infinity;
    for (const ch of openers) at = Math.min(at, next.find(ch, i));
    if (at === Infinity) break;
    i = at;
    const ch = text[i]!;
    const lineComment = ch === "#" || (ch === "/" && text[i + 1] === "/");
    if (lineComment) {
      const stop = Math.min(next.find("\n", i), text.length);
      blank(i, stop);
      i = stop;
      continue;
    }
    if (ch === "/") {
      if (text[i + 1] === "*") {
        const end = text.indexOf("*/", i + 2);
        const stop = end < 0 ? text.length : end + 2;
        blank(i, stop);
        i = stop;
      } else i++;
      continue;
    }
    i = skipString(text, i, language, syntax, blank, next);
  }
  return ranges.length === 0 ? text : blankRanges(text, ranges);
}

/** A character a one-byte (Latin-1) string cannot hold. */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/**
 * `text` with spaces in place of every character but newlines in each range (`[from, to)` pairs in order; a range
 * that starts inside the previous one is skipped). Written into one copy of the text: pieces and their join were
 * most of what the masking of a big review allocated.
 */
function blankRanges(text: string, ranges: readonly number[]): string {
  const encoding = BEYOND_LATIN1.test(text) ? "utf16le" : "latin1";
  const unit = encoding === "latin1" ? 1 : 2;
  const out = scratch(text.length * unit);
  out.write(text, 0, encoding);
  let at = 0;
  let newline = -2; // the first "\n" at or after the offset being blanked; -1 when there is none
  for (let r = 0; r < ranges.length; r += 2) {
    const from = ranges[r]!;
    const to = ranges[r + 1]!;
    if (from < at) continue;
    for (let p = from; p < to; ) {
      if (newline !== -1 && newline < p) newline = text.indexOf("\n", p);
      const stop = newline === -1 || newline >= to ? to : newline;
      if (stop > p) out.fill(" ", p * unit, stop * unit, encoding);
      p = stop + 1;
    }
    at = to;
  }
  return out.toString(encoding, 0, text.length * unit);
}

/**
 * One buffer for every masking, grown to the largest text masked: a buffer per text was memory outside the heap
 * that V8 counts towards its next full collection.
 */
let scratchBuffer = Buffer.alloc(0);

function scratch(bytes: number): Buffer {
  if (scratchBuffer.length < bytes) scratchBuffer = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * scratchBuffer.length, 64 * 1024));
  return scratchBuffer;
}

const PREFIX_LETTERS = "rRbBuUfF";

/** Blanks one string literal starting at `start`; returns the offset after it. */
function skipString(
  text: string,
  start: number,
  language: Language,
  syntax: Syntax,
  blank: (from: number, to: number) => void,
  next: NextOf,
): number {
  const quote = text[start]!;
  const triple =
    syntax.triple && (language === "python" || quote === '"') && text[start + 1] === quote && text[start + 2] === quote ? quote.repeat(3) : undefined;
  const open = triple ? 3 : 1;
  // Python prefixes: f"", rf"", fr"" interpolate; r"" does not escape. (The prefix is the run of prefix
  // letters among the two characters before the quote.)
  let prefix = "";
  if (language === "python" && start > 0 && PREFIX_LETTERS.includes(text[start - 1]!)) {
    prefix = start > 1 && PREFIX_LETTERS.includes(text[start - 2]!) ? text.slice(start - 2, start) : text[start - 1]!;
  }
  const interpolates =
    (language === "js" && quote === "`") ||
    (language === "python" && /[fF]/.test(prefix)) ||
    ((language === "ruby" || language === "kotlin") && quote === '"') ||
    (language === "csharp" && text[start - 1] === "$");
  const raw = (language === "python" && /[rR]/.test(prefix)) || (language === "go" && quote === "`");
  const multiline = triple !== undefined || (language === "js" && quote === "`") || (language === "go" && quote === "`");
  // The first character of an interpolation opener: `${`, `#{`, or `{`.
  const interpolation = !interpolates ? undefined : language === "js" || language === "kotlin" ? "$" : language === "ruby" ? "#" : "{";
  let i = start + open;
  let segmentStart = i;
  while (i < text.length) {
    // Only these characters need a look; every other one is just part of the string.
    let at = next.find(quote, i);
    if (!raw) at = Math.min(at, next.find("\\", i));
    if (!multiline) at = Math.min(at, next.find("\n", i));
    if (interpolation) at = Math.min(at, next.find(interpolation, i));
    if (at === Infinity) break;
    i = at;
    const ch = text[i]!;
    if (ch === "\\" && !raw) {
      i += 2;
      continue;
    }
    if (ch === "\n" && !multiline) {
      blank(segmentStart, i);
      return i;
    }
    if (triple ? text.startsWith(triple, i) : ch === quote) {
      blank(segmentStart, i);
      return i + open;
    }
    if (interpolates) {
      const opener =
        language === "js" || language === "kotlin"
          ? text.startsWith("${", i)
            ? 2
            : 0
          : language === "ruby"
            ? text.startsWith("#{", i)
              ? 2
              : 0
            : ch === "{" && text[i + 1] !== "{"
              ? 1
              : 0;
      if (opener > 0) {
        blank(segmentStart, i);
        let depth = 1;
        let j = i + opener;
        while (j < text.length && depth > 0) {
          if (text[j] === "{") depth++;
          else if (text[j] === "}") depth--;
          if (depth > 0) j++;
        }
        i = j + 1;
        segmentStart = i;
        continue;
      }
      if (language === "python" && ch === "{" && text[i + 1] === "{") {
        i += 2;
        continue;
      }
    }
    i++;
  }
  blank(segmentStart, text.length);
  return text.length;
}

const LINE_TERMINATORS = "\n\r\u2028\u2029";

/**
 * The matches of `/^[ \t]*keyword…/gm` (or `/^keyword…/gm` when `indented` is false) in `text`, in order, as
 * `matchAll` gives them: `sticky` is that pattern without the `^` and with the `y` flag. A line-anchored pattern is
 * tried at every offset of a text (in a Python module, most of the time a scan for its classes took); this
 * searches for the keyword and tries the pattern only at the start of a line that leads to it.
 */
export function* lineStartMatches(text: string, keyword: string, sticky: RegExp, indented: boolean): Generator<RegExpExecArray> {
  let from = 0;
  let end = 0; // where the last match ended: matchAll goes on from there
  for (let at = text.indexOf(keyword, from); at !== -1; at = text.indexOf(keyword, from)) {
    let start = at;
    if (indented) while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
    from = at + 1;
    if (start < end || (start > 0 && !LINE_TERMINATORS.includes(text[start - 1]!))) continue;
    sticky.lastIndex = start;
    const match = sticky.exec(text);
    if (!match) continue;
    end = start + match[0].length;
    // An empty match cannot happen here (it holds the keyword), so the search always moves on.
    from = Math.max(from, end);
    yield match;
  }
}

/** Offsets where each line starts (line 1 at index 0). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", nl + 1)) starts.push(nl + 1);
  return starts;
}

/** 1-based line of `offset`. */
export function lineOfOffset(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

const PAIRS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/**
 * Offset just past the bracket that closes the one at `open` in masked text, or undefined when it
 * does not close within `limit` characters (a call cut short, or a file that does not parse).
 */
export function closingOffset(masked: string, open: number, limit = 6000): number | undefined {
  const stack: string[] = [];
  const end = Math.min(masked.length, open + limit);
  for (let i = open; i < end; i++) {
    const ch = masked[i]!;
    if (PAIRS[ch]) stack.push(PAIRS[ch]);
    else if (ch === ")" || ch === "]" || ch === "}") {
      if (stack.pop() !== ch) return undefined;
      if (stack.length === 0) return i + 1;
    }
  }
  return undefined;
}

/**
 * Offset just past the end of the statement starting at `from`: the first `;` at bracket depth 0, or
 * (for languages without semicolons) the end of the line once brackets are balanced.
 */
export function statementEnd(masked: string, from: number, limit = 6000): number {
  let depth = 0;
  const end = Math.min(masked.length, from + limit);
  for (let i = from; i < end; i++) {
    const ch = masked[i]!;
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth = Math.max(0, depth - 1);
    else if (ch === ";" && depth === 0) return i + 1;
    else if (ch === "\n" && depth === 0) {
      // A chained call on the next line (`.connectTimeout(...)`) continues the statement.
      const next = /^\s*\n?\s*(\.|\?\.)/.exec(masked.slice(i + 1, i + 200));
      if (!next) return i;
    }
  }
  return end;
}

/** A source file prepared for the code rules. */
export interface SourceFile {
  path: string;
  language: Language;
  text: string;
  masked: string;
  starts: number[];
  /** Head line numbers this change adds. */
  added: Set<number>;
}

export function prepareSource(path: string, language: Language, text: string, added: Iterable<number>): SourceFile {
  return { path, language, text, masked: maskSource(text, language), starts: lineStarts(text), added: new Set(added) };
}

/** True when the change adds a line that holds some of the offsets `start`..`end`. */
export function addsLineBetween(source: SourceFile, start: number, end: number): boolean {
  const last = lineOf(source, end);
  for (let line = lineOf(source, start); line <= last; line++) if (source.added.has(line)) return true;
  return false;
}

export function lineOf(source: SourceFile, offset: number): number {
  return lineOfOffset(source.starts, offset);
}
