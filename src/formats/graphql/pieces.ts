/**
 * Cuts a GraphQL document into pieces that graphql-js parses the same on their own as within the whole
 * text: a cut falls right after each `}` that closes a top-level bracket, outside strings and comments.
 *
 * Why that is safe: every top-level `{…}` ends its definition (a type's fields, an enum's values, a schema's
 * operation types, an operation's or fragment's selection set are always last; defaults and directive
 * arguments sit inside `(…)`), the lexer carries nothing across a `}`, and a description belongs to the
 * definition after it, so it is in the same piece. Anything the scanner is unsure of (a bracket that closes
 * nothing, a string that does not end on its line, an unterminated block string) gives up: the caller then
 * parses the whole file, which also reports any syntax error exactly as before. A piece that holds a
 * mistake of the scanner's would not parse on its own, which sends the caller to the whole parse as well.
 */

/** One piece: `text.slice(start, end)`, on 1-based `line` of the file; pieces holding only blanks and comments are left out. */
export interface SdlPiece {
  start: number;
  end: number;
  line: number;
}

const HASH = 0x23;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

/** True for what the lexer skips between tokens: tab, space, comma and the byte order mark (line ends apart). */
const isBlank = (c: number) => c === 0x20 || c === 0x09 || c === 0x2c || c === 0xfeff;

export function sdlPieces(text: string): SdlPiece[] | undefined {
  const out: SdlPiece[] = [];
  const n = text.length;
  const hasCr = text.includes("\r");
  let depth = 0;
  let start = 0;
  let line = 1; // line of `i`
  let startLine = 1;
  let tokens = false; // whether the piece so far holds a token
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === LF) {
      line++;
      i++;
      continue;
    }
    if (c === CR) {
      line++;
      i += text.charCodeAt(i + 1) === LF ? 2 : 1;
      continue;
    }
    if (isBlank(c)) {
      i++;
      continue;
    }
    if (c === HASH) {
      while (i < n && text.charCodeAt(i) !== LF && text.charCodeAt(i) !== CR) i++;
      continue;
    }
    tokens = true;
    if (c === QUOTE) {
      if (text.charCodeAt(i + 1) === QUOTE && text.charCodeAt(i + 2) === QUOTE) {
        // A block string runs to the next `"""` that is not `\"""`; its line ends count as the lexer counts them.
        let j = i + 3;
        for (;;) {
          const q = text.indexOf('"""', j);
          if (q < 0) return undefined;
          if (text.charCodeAt(q - 1) === BACKSLASH) {
            j = q + 3;
            continue;
          }
          j = q + 3;
          break;
        }
        line += lineBreaks(text, i, j, hasCr);
        i = j;
        continue;
      }
      // A string ends on its own line; `\` escapes the next character.
      i++;
      for (;;) {
        if (i >= n) return undefined;
        const d = text.charCodeAt(i);
        if (d === QUOTE) break;
        if (d === LF || d === CR) return undefined;
        if (d === BACKSLASH) {
          const e = text.charCodeAt(i + 1);
          if (e === LF || e === CR) return undefined;
          i += 2;
        } else i++;
      }
      i++;
      continue;
    }
    if (c === 0x7b || c === 0x28 || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x29 || c === 0x5d) {
      if (--depth < 0) return undefined;
      if (depth === 0 && c === 0x7d) {
        out.push({ start, end: i + 1, line: startLine });
        start = i + 1;
        startLine = line;
        tokens = false;
      }
    }
    i++;
  }
  if (tokens) out.push({ start, end: n, line: startLine });
  return out;
}

/** Line ends in `text[from, to)` as the GraphQL lexer counts them: `\n`, `\r\n` and a lone `\r`. */
function lineBreaks(text: string, from: number, to: number, hasCr: boolean): number {
  let count = 0;
  // Most files have no \r: their line ends are found natively.
  if (!hasCr) {
    for (let nl = text.indexOf("\n", from); nl >= 0 && nl < to; nl = text.indexOf("\n", nl + 1)) count++;
    return count;
  }
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) count++;
    else if (c === CR) {
      count++;
      if (text.charCodeAt(i + 1) === LF) i++;
    }
  }
  return count;
}
