/**
 * Which parts of a Terraform/OpenTofu module a change touches. A module is a directory of `.tf` files;
 * its top-level blocks decide what is material:
 * - `resource`, `data`, `module`, `provider`, `locals`, `moved`, `import`, `removed`, `check` (and
 *   anything unknown) change what Terraform plans;
 * - in `terraform {}` only `backend` and `cloud` (where the state lives) do; `required_version`,
 *   `required_providers`, `provider_meta` and `experiments` are dependency metadata;
 * - a `variable` matters when its `default` changes (every caller that omits it gets the new value); a new
 *   variable changes nothing until a resource, local or module uses it, and that use is itself a change;
 * - `output` blocks expose values and never change infrastructure.
 * Blocks are compared by identity (`resource "aws_vpc" "this"`), with comments and formatting removed,
 * across all changed files of a directory, so moving a block between files of one module is no change.
 * Pure: a small structural HCL scanner (strings, heredocs, interpolations and comments), no evaluation.
 */

export interface HclItem {
  kind: "attribute" | "block";
  /** Attribute name or block type. */
  name: string;
  /** Block labels, unquoted. */
  labels: string[];
  /** Normalised text: tokens joined by single spaces, comments dropped. */
  text: string;
  /** 1-based first and last line. */
  line: number;
  endLine: number;
  /** Items of a block's body. */
  body: HclItem[];
}

type TokenKind = "ident" | "string" | "heredoc" | "{" | "}" | "[" | "]" | "(" | ")" | "=" | "nl" | "other";

interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  endLine: number;
}

/** Tokens of an HCL text, or undefined when a string, heredoc or comment is not closed. */
function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  const linesIn = (from: number, to: number) => {
    let count = 0;
    for (let k = from; k < to; k++) if (text.charCodeAt(k) === 10) count++;
    return count;
  };
  /** End index (exclusive) of a quoted template starting after its opening quote. */
  const scanString = (start: number): number | undefined => {
    let k = start;
    while (k < n) {
      const c = text[k]!;
      if (c === "\\") k += 2;
      else if (c === '"') return k + 1;
      else if ((c === "$" || c === "%") && text[k + 1] === c && text[k + 2] === "{") k += 3;
      else if ((c === "$" || c === "%") && text[k + 1] === "{") {
        const end = scanInterpolation(k + 2);
        if (end === undefined) return undefined;
        k = end;
      } else if (c === "\n") return undefined;
      else k++;
    }
    return undefined;
  };
  const scanInterpolation = (start: number): number | undefined => {
    let depth = 1;
    let k = start;
    while (k < n) {
      const c = text[k]!;
      if (c === '"') {
        const end = scanString(k + 1);
        if (end === undefined) return undefined;
        k = end;
        continue;
      }
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) return k + 1;
      k++;
    }
    return undefined;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      tokens.push({ kind: "nl", text: "\n", line, endLine: line });
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return undefined;
      line += linesIn(i, end);
      i = end + 2;
    } else if (c === '"') {
      const end = scanString(i + 1);
      if (end === undefined) return undefined;
      tokens.push({ kind: "string", text: text.slice(i, end), line, endLine: line });
      i = end;
    } else if (c === "<" && text[i + 1] === "<" && /^<<-?[A-Za-z_][\w-]*[ \t]*\r?\n/.test(text.slice(i, i + 80))) {
      const header = /^<<-?([A-Za-z_][\w-]*)[ \t]*\r?\n/.exec(text.slice(i, i + 80))!;
      const marker = header[1]!;
      let k = i + header[0].length;
      const startLine = line;
      let lineNo = line + 1;
      let closed = false;
      while (k <= n) {
        const eol = text.indexOf("\n", k);
        const end = eol < 0 ? n : eol;
        if (text.slice(k, end).trim() === marker) {
          k = end;
          closed = true;
          break;
        }
        if (eol < 0) break;
        k = eol + 1;
        lineNo++;
      }
      if (!closed) return undefined;
      tokens.push({
        kind: "heredoc",
        text: text
          .slice(i, k)
          .split("\n")
          .map((l) => l.trim())
          .join("\n"),
        line: startLine,
        endLine: lineNo,
      });
      line = lineNo;
      i = k;
    } else if (/[0-9]/.test(c)) {
      let k = i + 1;
      while (k < n && /[\w.]/.test(text[k]!)) k++;
      tokens.push({ kind: "other", text: text.slice(i, k), line, endLine: line });
      i = k;
    } else if (/[A-Za-z_]/.test(c)) {
      let k = i + 1;
      while (k < n && /[\w-]/.test(text[k]!)) k++;
      tokens.push({ kind: "ident", text: text.slice(i, k), line, endLine: line });
      i = k;
    } else if ("{}[]()".includes(c)) {
      tokens.push({ kind: c as TokenKind, text: c, line, endLine: line });
      i++;
    } else if (c === "=" && text[i + 1] !== "=" && text[i + 1] !== ">" && !"=!<>".includes(text[i - 1] ?? "")) {
      tokens.push({ kind: "=", text: "=", line, endLine: line });
      i++;
    } else {
      tokens.push({ kind: "other", text: c, line, endLine: line });
      i++;
    }
  }
  return tokens;
}

/**
 * Top-level items of an HCL file (attributes and blocks, each with its body), or undefined when the
 * text is not well-formed enough to tell where blocks start and end.
 */
export function parseHcl(text: string): HclItem[] | undefined {
  const tokens = tokenize(text);
  if (!tokens) return undefined;
  let pos = 0;
  const body = (nested: boolean): HclItem[] | undefined => {
    const items: HclItem[] = [];
    for (;;) {
      while (pos < tokens.length && tokens[pos]!.kind === "nl") pos++;
      if (pos >= tokens.length) return nested ? undefined : items;
      const first = tokens[pos]!;
      if (first.kind === "}") {
        if (!nested) return undefined;
        return items;
      }
      if (first.kind !== "ident") return undefined;
      pos++;
      if (tokens[pos]?.kind === "=") {
        pos++;
        const value: Token[] = [];
        let depth = 0;
        while (pos < tokens.length) {
          const t = tokens[pos]!;
          if (depth === 0 && (t.kind === "nl" || t.kind === "}")) break;
          if (t.kind === "{" || t.kind === "[" || t.kind === "(") depth++;
          else if (t.kind === "}" || t.kind === "]" || t.kind === ")") depth--;
          if (depth < 0) return undefined;
          value.push(t);
          pos++;
        }
        if (depth !== 0) return undefined;
        const valueText = joinTokens(value);
        items.push({
          kind: "attribute",
          name: first.text,
          labels: [],
          text: `${first.text} = ${valueText}`,
          line: first.line,
          endLine: value.at(-1)?.endLine ?? first.line,
          body: [],
        });
        continue;
      }
      const labels: string[] = [];
      while (pos < tokens.length && (tokens[pos]!.kind === "string" || tokens[pos]!.kind === "ident")) {
        const t = tokens[pos]!;
        labels.push(t.kind === "string" ? t.text.slice(1, -1) : t.text);
        pos++;
      }
      if (tokens[pos]?.kind !== "{") return undefined;
      pos++;
      const inner = body(true);
      if (!inner) return undefined;
      const close = tokens[pos]!;
      pos++;
      const head = [first.text, ...labels.map((l) => JSON.stringify(l))].join(" ");
      items.push({
        kind: "block",
        name: first.text,
        labels,
        text: `${head} { ${inner.map((it) => it.text).join(" ; ")} }`,
        line: first.line,
        endLine: close.endLine,
        body: inner,
      });
    }
  };
  return body(false);
}

function joinTokens(tokens: Token[]): string {
  return tokens
    .filter((t) => t.kind !== "nl")
    .map((t) => t.text)
    .join(" ");
}

/** One comparable unit of a module: a resource, a local, a variable's default, the backend… */
interface Unit {
  /** Identity: `resource "aws_vpc" "this"`, `locals.name`, `variable "cidr"`, `terraform.backend`. */
  key: string;
  /** What must stay equal for the unit to be unchanged. */
  value: string;
  /** Variables only count when they exist on both sides. */
  kind: "material" | "variable";
  line: number;
  endLine: number;
}

function unitsOf(items: HclItem[]): Unit[] {
  const units: Unit[] = [];
  for (const item of items) {
    const key = [item.name, ...item.labels.map((l) => JSON.stringify(l))].join(" ");
    const at = { line: item.line, endLine: item.endLine };
    if (item.kind === "attribute") {
      units.push({ key: `attribute ${item.name}`, value: item.text, kind: "material", ...at });
    } else if (item.name === "output") {
    } else if (item.name === "terraform") {
      const state = item.body.filter((b) => b.kind === "block" && (b.name === "backend" || b.name === "cloud"));
      for (const b of state) units.push({ key: `terraform ${b.name}`, value: b.text, kind: "material", line: b.line, endLine: b.endLine });
    } else if (item.name === "variable") {
      const fallback = item.body.find((b) => b.kind === "attribute" && b.name === "default");
      units.push({ key, value: fallback?.text ?? "(no default)", kind: "variable", ...at });
    } else if (item.name === "locals") {
      for (const local of item.body)
        units.push({ key: `local ${local.name}`, value: local.text, kind: "material", line: local.line, endLine: local.endLine });
    } else {
      // resource, data, module, provider, moved/import/removed/check, and block types this scanner does not know.
      units.push({ key, value: item.text, kind: "material", ...at });
    }
  }
  return units;
}

export interface TerraformSource {
  /** Path of the file at its side. */
  path: string;
  side: "base" | "head";
  text: string;
}

export interface MaterialUnit {
  key: string;
  side: "base" | "head";
  path: string;
  line: number;
  endLine: number;
}

/**
 * The units of one Terraform module (the changed files of one directory, at base and head) whose
 * definition differs: every copy of a changed unit, on the side(s) where it exists. Undefined when a
 * file cannot be scanned, so the caller counts the change as it would without this analysis.
 */
export function materialTerraformUnits(sources: readonly TerraformSource[]): MaterialUnit[] | undefined {
  const located: Array<Unit & { side: "base" | "head"; path: string }> = [];
  for (const source of sources) {
    const items = parseHcl(source.text);
    if (!items) return undefined;
    for (const unit of unitsOf(items)) located.push({ ...unit, side: source.side, path: source.path });
  }
  const bySide = (key: string, side: "base" | "head") =>
    located
      .filter((u) => u.key === key && u.side === side)
      .map((u) => u.value)
      .sort();
  const changed: MaterialUnit[] = [];
  const keys = new Set(located.map((u) => u.key));
  for (const key of keys) {
    const before = bySide(key, "base");
    const after = bySide(key, "head");
    const isVariable = located.some((u) => u.key === key && u.kind === "variable");
    if (isVariable && (before.length === 0 || after.length === 0)) continue;
    if (before.length === after.length && before.every((v, i) => v === after[i])) continue;
    for (const u of located) if (u.key === key) changed.push({ key, side: u.side, path: u.path, line: u.line, endLine: u.endLine });
  }
  return changed;
}
