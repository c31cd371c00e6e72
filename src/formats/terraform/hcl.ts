/**
 * The one Terraform/OpenTofu reader: @cdktf/hcl2json (HashiCorp's HCL parser compiled to WebAssembly: the
 * real grammar, offline). It gives values, not positions, so where a block starts and ends comes from the
 * source text: `topLevelBlocks` finds each top-level block header and the brace that closes it (skipping
 * strings, heredocs and comments) without reading any value.
 */

export class TerraformParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The JSON form of an HCL text (`{ resource: { aws_vpc: { this: [{ ... }] } }, locals: [{ ... }] }`:
 * block labels nest as object keys, each block body is one element of an array, expressions are
 * `"${...}"` strings as written). Throws TerraformParseError with the position HCL reported, shifted by
 * `lineOffset` when the text is a block cut out of a longer file.
 */
export async function parseHcl(path: string, text: string, lineOffset = 0): Promise<Record<string, unknown>> {
  try {
    // Loaded on first use: its WebAssembly start-up is paid only by reviews that change Terraform.
    const { parse } = await import("@cdktf/hcl2json");
    return (await parse(path, text)) as Record<string, unknown>;
  } catch (error) {
    const message = String((error as Error)?.message ?? error);
    // "parse config: [main.tf:12,3-4: Unclosed configuration block; ...]"
    const pos = /:(\d+),(\d+)(?:-\d+)?:\s*([^;\]]+)/.exec(message);
    throw new TerraformParseError(pos ? pos[3]!.trim() : message, (pos ? Number(pos[1]) : 1) + lineOffset, pos ? Number(pos[2]) : 1);
  }
}

/**
 * Index of the `}` closing the block whose `{` is at `open`, skipping strings (with `${...}`
 * interpolations), heredocs and comments; undefined when the text ends first.
 */
export function closingBrace(text: string, open: number): number | undefined {
  let i = open;
  const stack: "block"[] = [];
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "#" || (c === "/" && next === "/")) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return undefined;
      i = end + 2;
      continue;
    } else if (c === "<" && next === "<") {
      const heredoc = /^<<-?([A-Za-z_][\w]*)[ \t]*\n/.exec(text.slice(i, i + 100));
      if (heredoc) {
        const terminator = new RegExp(`^[ \\t]*${heredoc[1]}[ \\t]*$`, "m");
        const rest = text.slice(i + heredoc[0].length);
        const match = terminator.exec(rest);
        if (!match) return undefined;
        i += heredoc[0].length + match.index + match[0].length;
        continue;
      }
    } else if (c === '"') {
      // A string: its interpolations may hold braces and strings of their own.
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") i += 2;
        else if ((text[i] === "$" || text[i] === "%") && text[i + 1] === "{") {
          const end = closingBrace(text, i + 1);
          if (end === undefined) return undefined;
          i = end + 1;
        } else if (text[i] === "\n") return undefined;
        else i++;
      }
    } else if (c === "{") {
      stack.push("block");
    } else if (c === "}") {
      stack.pop();
      if (stack.length === 0) return i;
    }
    i++;
  }
  return undefined;
}

export interface BlockExtent {
  type: string;
  labels: string[];
  /** Offsets of the header's first character and of the closing `}`. */
  start: number;
  end: number;
  /** 1-based lines of the header and of the closing `}`. */
  line: number;
  endLine: number;
}

const HEADER = /[ \t]*([A-Za-z_][\w-]*)((?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))*)[ \t]*\{/y;

/**
 * The top-level blocks of an HCL text with where each starts and ends, in source order. Comments are
 * stepped over; `complete` is false when something else is there (a top-level attribute, a block whose
 * braces do not close, which ends the list), so a caller can read the whole text instead.
 */
export function topLevelBlocks(text: string): { blocks: BlockExtent[]; complete: boolean } {
  const blocks: BlockExtent[] = [];
  const lineAt = lineCounter(text);
  let complete = true;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
      continue;
    }
    if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      const eol = text.indexOf("\n", i);
      i = eol < 0 ? text.length : eol + 1;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return { blocks, complete: false };
      i = end + 2;
      continue;
    }
    HEADER.lastIndex = i;
    const header = HEADER.exec(text);
    if (header) {
      const end = closingBrace(text, i + header[0].length - 1);
      if (end === undefined) return { blocks, complete: false };
      const labels = [...header[2]!.matchAll(/"([^"\n]*)"|([A-Za-z_][\w-]*)/g)].map((m) => m[1] ?? m[2]!);
      blocks.push({ type: header[1]!, labels, start: i, end, line: lineAt(i), endLine: lineAt(end) });
      i = end + 1;
      continue;
    }
    complete = false;
    const eol = text.indexOf("\n", i);
    i = eol < 0 ? text.length : eol + 1;
  }
  return { blocks, complete };
}

/** 1-based line of an offset, for offsets asked in increasing order or not. */
export function lineCounter(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
