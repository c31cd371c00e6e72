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
 * Blocks are compared by identity (`resource "aws_vpc" "this"`) as parsed values (formats/terraform/hcl.ts),
 * with comments and formatting inside expressions removed, across all changed files of a directory, so
 * moving a block between files of one module is no change.
 */
import { isRecord } from "../../engine/structured.js";
import { escapeRegExp, lineCounter, parseHcl, topLevelBlocks, type BlockExtent } from "./hcl.js";

/** One comparable unit of a module: a resource, a local, a variable's default, the backend… */
interface Unit {
  /** Identity: `resource "aws_vpc" "this"`, `local name`, `variable "cidr"`, `terraform backend`. */
  key: string;
  /** What must stay equal for the unit to be unchanged. */
  value: string;
  /** Variables only count when they exist on both sides. */
  kind: "material" | "variable";
  /** 1-based line where the unit starts (Infinity when it cannot be located in the text). */
  line: number;
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
  /** 1-based line where the unit starts in that file, when it can be located. */
  line?: number;
}

/** Block types whose units are named by the block header alone (one unit per block). */
const HEADER_NAMED = (type: string) => type !== "locals" && type !== "terraform" && type !== "output";

/**
 * The units of one Terraform module (the changed files of one directory, at base and head) whose
 * definition differs: every copy of a changed unit, on the side(s) where it exists, in source order.
 * Undefined when a file cannot be parsed, so the caller counts the change as it would without this analysis.
 *
 * HCL parsing is slow (a WebAssembly parser), so a block whose text is the same on both sides (most of a
 * modified file) is not parsed: its copies stand for each other, which leaves every comparison as it
 * would be with parsed values. Files with anything but blocks and comments at the top are parsed whole.
 */
export async function materialTerraformUnits(sources: readonly TerraformSource[]): Promise<MaterialUnit[] | undefined> {
  const layouts = sources.map((source) => ({ source, ...topLevelBlocks(source.text) }));
  // Copies of one block text on both sides, paired: the first min(base, head) copies of each side.
  const counts = new Map<string, { base: number; head: number }>();
  const textOf = (source: TerraformSource, block: BlockExtent) => `${block.type}\0${source.text.slice(block.start, block.end + 1)}`;
  for (const { source, blocks, complete } of layouts) {
    if (!complete) continue;
    for (const block of blocks) {
      if (block.type === "output") continue;
      const key = textOf(source, block);
      const count = counts.get(key) ?? { base: 0, head: 0 };
      count[source.side]++;
      counts.set(key, count);
    }
  }
  const paired = new Map([...counts].map(([key, c]) => [key, { base: Math.min(c.base, c.head), head: Math.min(c.base, c.head) }]));
  const located: Array<Unit & { side: "base" | "head"; path: string }> = [];
  for (const { source, blocks, complete } of layouts) {
    const units: Unit[] = [];
    try {
      if (!complete) units.push(...unitsOf(await parseHcl(source.path, source.text), source.text, 0));
      else {
        for (const block of blocks) {
          if (block.type === "output") continue;
          const text = source.text.slice(block.start, block.end + 1);
          const pair = paired.get(textOf(source, block));
          if (pair && pair[source.side] > 0) {
            pair[source.side]--;
            // Locals and backends are unique per module: unchanged, they add nothing to compare.
            if (!HEADER_NAMED(block.type)) continue;
            const key = [block.type, ...block.labels.map((l) => JSON.stringify(l))].join(" ");
            units.push({ key, value: `unparsed ${text}`, kind: block.type === "variable" ? "variable" : "material", line: block.line });
          } else {
            units.push(...unitsOf(await parseHcl(source.path, text, block.line - 1), text, block.line - 1));
          }
        }
      }
    } catch {
      return undefined;
    }
    units.sort((a, b) => a.line - b.line);
    for (const unit of units) located.push({ ...unit, side: source.side, path: source.path });
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
    for (const u of located) {
      if (u.key !== key) continue;
      const unit: MaterialUnit = { key, side: u.side, path: u.path };
      if (Number.isFinite(u.line)) unit.line = u.line;
      changed.push(unit);
    }
  }
  return changed;
}

/** A block's labels and bodies, from its JSON form (labels nest as keys down to an array of bodies). */
function blocksOf(value: unknown, labels: string[] = []): Array<{ labels: string[]; body: Record<string, unknown> }> | undefined {
  if (Array.isArray(value)) return value.length > 0 && value.every(isRecord) ? value.map((body) => ({ labels, body })) : undefined;
  if (!isRecord(value) || Object.keys(value).length === 0) return undefined;
  const blocks: Array<{ labels: string[]; body: Record<string, unknown> }> = [];
  for (const [label, inner] of Object.entries(value)) {
    const found = blocksOf(inner, [...labels, label]);
    if (!found) return undefined;
    blocks.push(...found);
  }
  return blocks;
}

/**
 * The units of a parsed text (a file, or one block cut out of it at `lineOffset`), in the order they
 * appear in it (the parser orders keys alphabetically; reasons list blocks as the file does).
 */
function unitsOf(json: Record<string, unknown>, text: string, lineOffset: number): Unit[] {
  const units: Unit[] = [];
  const { blocks: extents } = topLevelBlocks(text);
  const lineAt = lineCounter(text);
  /** The nth block of this type and labels in the text (blocks of one identity keep their order in the JSON). */
  const seen = new Map<string, number>();
  const extentOf = (type: string, labels: string[]): BlockExtent | undefined => {
    const id = JSON.stringify([type, labels]);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    return extents.filter((e) => e.type === type && e.labels.length === labels.length && e.labels.every((l, i) => l === labels[i]))[n];
  };
  /** Line of `name =` (or a `name` block) directly in a block's body: the least indented match. */
  const memberLine = (extent: BlockExtent | undefined, name: string, pattern: string): number => {
    if (!extent) return Infinity;
    const body = text.slice(extent.start, extent.end);
    let best: { indent: number; offset: number } | undefined;
    for (const m of body.matchAll(new RegExp(`^([ \\t]*)${escapeRegExp(name)}${pattern}`, "gm"))) {
      if (m.index === 0) continue;
      if (!best || m[1]!.length < best.indent) best = { indent: m[1]!.length, offset: m.index + m[1]!.length };
    }
    return best ? lineAt(extent.start + best.offset) : extent.line;
  };
  for (const [type, value] of Object.entries(json)) {
    const blocks = blocksOf(value);
    if (!blocks) {
      const at = new RegExp(`^${escapeRegExp(type)}[ \\t]*=(?!=)`, "m").exec(text);
      units.push({ key: `attribute ${type}`, value: canonical(value), kind: "material", line: at ? lineAt(at.index) : Infinity });
      continue;
    }
    for (const { labels, body } of blocks) {
      const extent = extentOf(type, labels);
      const line = extent?.line ?? Infinity;
      const key = [type, ...labels.map((l) => JSON.stringify(l))].join(" ");
      if (type === "output") continue;
      if (type === "terraform") {
        for (const state of ["backend", "cloud"]) {
          if (body[state] === undefined) continue;
          units.push({ key: `terraform ${state}`, value: canonical(body[state]), kind: "material", line: memberLine(extent, state, '[ \\t"{]') });
        }
      } else if (type === "variable") {
        units.push({ key, value: "default" in body ? canonical(body.default) : "(no default)", kind: "variable", line });
      } else if (type === "locals") {
        for (const [name, local] of Object.entries(body)) {
          units.push({ key: `local ${name}`, value: canonical(local), kind: "material", line: memberLine(extent, name, "[ \\t]*=(?!=)") });
        }
      } else {
        // resource, data, module, provider, moved/import/removed/check, and block types this reader does not know.
        units.push({ key, value: canonical(body), kind: "material", line });
      }
    }
  }
  // Source order, then the parser's order for what the text does not show.
  return units
    .map((unit, index) => ({ unit: { ...unit, line: unit.line + lineOffset }, index }))
    .sort((a, b) => a.unit.line - b.unit.line || a.index - b.index)
    .map(({ unit }) => unit);
}

/** A value as comparable text: JSON, with comments and layout inside `${...}` expressions removed. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" && /[$%]\{/.test(v) ? normaliseTemplate(v) : v));
}

/**
 * A template string with each interpolation (`${...}`, `%{...}`) written canonically: comments dropped,
 * whitespace kept only between two word characters (`for x in y`), quoted strings untouched.
 */
export function normaliseTemplate(template: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if ((c === "$" || c === "%") && template[i + 1] === "{" && template[i - 1] !== c) {
      const end = interpolationEnd(template, i + 2);
      if (end === undefined) return out + template.slice(i);
      out += `${c}{${normaliseExpression(template.slice(i + 2, end))}}`;
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index of the `}` closing an interpolation whose body starts at `start`. */
function interpolationEnd(text: string, start: number): number | undefined {
  let depth = 1;
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') i = stringEnd(text, i);
    else if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      const eol = text.indexOf("\n", i);
      i = eol < 0 ? text.length : eol;
    } else if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? text.length : close + 2;
    } else {
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) return i;
      i++;
    }
  }
  return undefined;
}

/** Index after the quote closing the string whose opening quote is at `open`. */
function stringEnd(text: string, open: number): number {
  let i = open + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\\") i += 2;
    else if (c === '"') return i + 1;
    else if ((c === "$" || c === "%") && text[i + 1] === "{") i = (interpolationEnd(text, i + 2) ?? text.length - 1) + 1;
    else i++;
  }
  return text.length;
}

function normaliseExpression(expression: string): string {
  let out = "";
  let space = false;
  let i = 0;
  while (i < expression.length) {
    const c = expression[i]!;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      space = true;
      i++;
    } else if (c === "#" || (c === "/" && expression[i + 1] === "/")) {
      const eol = expression.indexOf("\n", i);
      i = eol < 0 ? expression.length : eol;
    } else if (c === "/" && expression[i + 1] === "*") {
      const close = expression.indexOf("*/", i + 2);
      i = close < 0 ? expression.length : close + 2;
      space = true;
    } else {
      const end = c === '"' ? stringEnd(expression, i) : i + 1;
      if (space && /\w$/.test(out) && /^\w/.test(c)) out += " ";
      out += expression.slice(i, end);
      space = false;
      i = end;
    }
  }
  return out;
}
