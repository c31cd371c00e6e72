/**
 * Names bound to static strings in one file, read where they are used. A name always bound to the same
 * literal (a constant, wherever the file declares it) has that value everywhere; a name bound more than
 * once, or to something that is not a literal (a call, an environment variable, a parameter), has the
 * value of the nearest binding before the use whose block holds the use, and none when that binding is
 * not a literal. Class attributes and fields are also read through `self.X`, `this.X` and `cls.X` when
 * every binding of the member is the same literal. Nothing is followed into another file.
 */
import { stringAt, type CodeSource, type Constants } from "./code-model.js";
import { lineOfOffset } from "./masking.js";

interface Binding {
  /** Offset of the bound name (or of `self.` / `this.`). */
  at: number;
  /** The literal bound, or undefined for anything else. */
  value: string | undefined;
  /** Bound through `self.` / `this.` / `cls.`, or declared in a class body. */
  member: boolean;
  /** Bound through `self.` / `this.` / `cls.` (not visible as a bare name). */
  qualified: boolean;
  /** Brace languages: offset just past the end of the innermost block holding the binding (file end at top level). */
  blockEnd: number;
  /** Python: indentation of the binding's line. */
  indent: number;
}

const QUALIFIERS = /^(?:self|this|cls)\.(\w+)$/;
/** `name =`, `name: Type =`, `name :=` (not `==`, `=>`, `!=`, `+=`), optionally through `self.` / `this.` / `cls.`. */
const BINDING = /(?<![\w$.])((?:self|this|cls)\s*\.\s*)?([A-Za-z_$][\w$]*)\s*(?::(?!=)\s*[\w.<>[\], |?]+?\s*)?(?::=|=)(?![=>~])/g;
/** What may stand between a statement's start and the bound name: a condition (`if (…) x =`, `if x: x =`), modifiers, keywords and a type. */
const DECLARATION_PREFIX = /^\s*(?:(?:if|while)\s*\(.*\)\s*|(?:if|elif|else)\b[^\n]*:\s*|else\s+)?(?:[\w$<>[\]?,.@]+\s+)*$/;
const CLASS_HEADER = /\b(?:class|struct|interface|object|enum)\b[^;{}()=]*$/;

/** The file's bindings, read at the offset of each use. */
export interface ScopedConstants {
  at(offset: number): Constants;
}

export function scopedConstants(src: CodeSource): ScopedConstants {
  const bindings = collectBindings(src);
  const starts = src.starts;
  const visible = (b: Binding, offset: number): boolean => {
    if (b.at >= offset) return false;
    if (src.language !== "python") return b.blockEnd > offset;
    // Python blocks are indentation: every non-blank line from the binding to the use is indented at least as deep.
    if (b.indent === 0) return true;
    const from = lineIndexOf(starts, b.at) + 1;
    const to = lineIndexOf(starts, offset);
    for (let line = from; line <= to; line++) {
      const start = starts[line]!;
      const end = starts[line + 1] ?? src.masked.length;
      if (!/\S/.test(src.masked.slice(start, end))) continue;
      if (indentOf(src.masked, start) < b.indent) return false;
    }
    return true;
  };
  return {
    at(offset: number): Constants {
      return {
        get(name: string): string | undefined {
          const qualified = QUALIFIERS.exec(name);
          if (qualified) return agreed((bindings.get(qualified[1]!) ?? []).filter((b) => b.member));
          const own = (bindings.get(name) ?? []).filter((b) => !b.qualified);
          if (own.length === 0) return undefined;
          const same = agreed(own);
          if (same !== undefined) return same;
          const nearest = own.filter((b) => visible(b, offset)).at(-1);
          return nearest?.value;
        },
      };
    },
  };
}

/** The literal every binding has, or undefined when they differ or one is not a literal. */
function agreed(bindings: Binding[]): string | undefined {
  const first = bindings[0]?.value;
  return first !== undefined && bindings.every((b) => b.value === first) ? first : undefined;
}

function collectBindings(src: CodeSource): Map<string, Binding[]> {
  const { masked } = src;
  const candidates: { at: number; name: string; qualified: boolean; valueAt: number }[] = [];
  BINDING.lastIndex = 0;
  for (let m = BINDING.exec(masked); m; m = BINDING.exec(masked)) {
    // The statement starts after the last newline, `;`, `{` or `}` before the name (looked for on its line only).
    const newline = masked.lastIndexOf("\n", m.index);
    let lineStart = newline;
    for (let k = m.index - 1; k > newline; k--)
      if (masked[k] === ";" || masked[k] === "{" || masked[k] === "}") {
        lineStart = k;
        break;
      }
    if (!DECLARATION_PREFIX.test(masked.slice(lineStart + 1, m.index))) continue;
    candidates.push({ at: m.index, name: m[2]!, qualified: m[1] !== undefined, valueAt: m.index + m[0].length });
  }
  const out = new Map<string, Binding[]>();
  if (candidates.length === 0) return out;
  // One pass over the brackets: a binding inside ( or [ is an argument or a parameter default, not a binding;
  // the innermost { holding it is its block.
  const stack: number[] = [];
  const blockOf = new Map<number, number>();
  const ends = new Map<number, number>();
  let next = 0;
  for (let i = 0; i <= masked.length && next < candidates.length; i++) {
    while (next < candidates.length && candidates[next]!.at === i) {
      blockOf.set(next, stack.length === 0 ? -1 : stack.at(-1)!);
      next++;
    }
    const ch = masked[i];
    if (ch === "(" || ch === "[" || ch === "{") stack.push(i);
    else if (ch === ")" || ch === "]" || ch === "}") {
      const open = stack.pop();
      if (open !== undefined && masked[open] === "{") ends.set(open, i + 1);
    }
  }
  // Ends of blocks still open when the scan stopped at the last binding.
  const closing = (open: number): number => {
    const known = ends.get(open);
    if (known !== undefined) return known;
    let depth = 0;
    for (let i = open; i < masked.length; i++) {
      const ch = masked[i];
      if (ch === "(" || ch === "[" || ch === "{") depth++;
      else if (ch === ")" || ch === "]" || ch === "}") {
        depth--;
        if (depth === 0) {
          ends.set(open, i + 1);
          return i + 1;
        }
      }
    }
    ends.set(open, masked.length);
    return masked.length;
  };
  candidates.forEach((c, index) => {
    const open = blockOf.get(index) ?? -1;
    if (open >= 0 && masked[open] !== "{") return;
    const member =
      c.qualified ||
      (src.language === "python" ? inPythonClassBody(src, c.at) : open >= 0 && CLASS_HEADER.test(masked.slice(Math.max(0, open - 400), open)));
    const binding: Binding = {
      at: c.at,
      value: literalAt(src, c.valueAt),
      member,
      qualified: c.qualified,
      blockEnd: open < 0 ? masked.length : closing(open),
      indent: src.language === "python" ? indentOf(masked, src.starts[lineIndexOf(src.starts, c.at)]!) : 0,
    };
    const list = out.get(c.name) ?? [];
    list.push(binding);
    out.set(c.name, list);
  });
  return out;
}

/** The literal that is the whole value at `offset` (up to the end of the statement), else undefined. */
function literalAt(src: CodeSource, offset: number): string | undefined {
  let at = offset;
  while (at < src.masked.length && (src.masked[at] === " " || src.masked[at] === "\t")) at++;
  const lit = stringAt(src, at);
  if (!lit || lit.dynamic) return undefined;
  const rest = /^[ \t]*(.?)/.exec(src.masked.slice(lit.end, lit.end + 80))![1]!;
  const ends = src.language === "python" ? ["", "\n", "\r", ";"] : ["", "\n", "\r", ";", ",", ")", "}"];
  return ends.includes(rest) ? lit.value : undefined;
}

function inPythonClassBody(src: CodeSource, offset: number): boolean {
  const line = lineIndexOf(src.starts, offset);
  const indent = indentOf(src.masked, src.starts[line]!);
  if (indent === 0) return false;
  for (let l = line - 1; l >= 0; l--) {
    const start = src.starts[l]!;
    const text = src.masked.slice(start, src.starts[l + 1] ?? src.masked.length);
    if (!/\S/.test(text)) continue;
    if (indentOf(src.masked, start) < indent) return /^\s*class\s/.test(text);
  }
  return false;
}

function indentOf(masked: string, lineStart: number): number {
  let i = lineStart;
  while (masked[i] === " " || masked[i] === "\t") i++;
  return i - lineStart;
}

/** 0-based index of the line holding `offset`. */
function lineIndexOf(starts: readonly number[], offset: number): number {
  return lineOfOffset(starts, offset) - 1;
}
