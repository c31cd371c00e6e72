import type * as Yaml from "yaml";
import type { Document, LineCounter } from "yaml";
import { lazyRequire } from "../engine/lazy.js";
import type { z } from "zod";
import { CONFIG_PATH } from "./path.js";
import { applyProfile, missingForProfile } from "./profile.js";
import type { ArchgateConfig, ConfigSchema } from "./schema.js";

export { CONFIG_PATH };

let yamlModule: typeof Yaml | undefined;
/** The YAML parser, loaded when there is a config file to read (the defaults need none). */
const yaml = (): typeof Yaml => (yamlModule ??= lazyRequire("yaml") as typeof Yaml);

export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted key path, e.g. `rules.destructive-migration.severity`. */
  key: string;
  message: string;
}

/** An invalid config: every issue names the key and the file:line:column. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.key ? `${i.key}: ` : ""}${i.message}`).join("\n"));
    this.name = "ConfigError";
  }
}

export interface ConfigLoader {
  /** Parses and validates a config text. An empty file means the defaults. Throws ConfigError. `file` is only used in messages. */
  parseConfig(text: string, file?: string): ArchgateConfig;
  /** Validates an already-parsed config object (e.g. from Probot's context.config). Throws ConfigError. */
  validateConfig(raw: unknown, file?: string, doc?: Document.Parsed, lineCounter?: LineCounter): ArchgateConfig;
  /** The config of a repository without one. */
  defaultConfig(): ArchgateConfig;
}

/** Loading for one schema (the composition root, src/builtins.ts, makes the one with the built-in rules). */
export function configLoader(schema: ConfigSchema): ConfigLoader {
  return {
    parseConfig: (text, file = CONFIG_PATH) => parseConfig(schema, text, file),
    validateConfig: (raw, file = CONFIG_PATH, doc, lineCounter) => validateConfig(schema, raw, file, doc, lineCounter),
    defaultConfig: () => schema.parse({}) as ArchgateConfig,
  };
}

/** Aliases a config may expand (`yaml`'s own guard against "billion laughs" alias bombs). */
const MAX_ALIAS_COUNT = 100;

function parseConfig(schema: ConfigSchema, text: string, file: string): ArchgateConfig {
  const { LineCounter, parseDocument, visit } = yaml();
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    // A document nested deeper than the parser's stack (thousands of `[`): no position to give but the start.
    throw new ConfigError([{ file, line: 1, column: 1, key: "", message: `invalid YAML: ${tooDeep(error)}` }]);
  }
  if (doc.errors.length > 0) {
    // Nesting past the parser's stack fails at every level on the way out: the first one says it.
    const deep = doc.errors.find((e) => /call stack/i.test(e.message));
    throw new ConfigError(
      (deep ? [deep] : doc.errors).map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        const message = deep ? "nested too deeply to be read" : e.message.split("\n")[0];
        return { file, line: pos.line, column: pos.col, key: "", message: `invalid YAML: ${message}` };
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    if (error instanceof RangeError) throw new ConfigError([{ file, line: 1, column: 1, key: "", message: `invalid YAML: ${tooDeep(error)}` }]);
    // An alias bomb: named at its first alias.
    let offset = 0;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const pos = lineCounter.linePos(offset);
    throw new ConfigError([
      {
        file,
        line: pos.line,
        column: pos.col,
        key: "",
        message: "invalid YAML: its aliases expand too far (an alias bomb?); write the values out instead",
      },
    ]);
  }
  return validateConfig(schema, raw, file, doc, lineCounter);
}

function tooDeep(error: unknown): string {
  if (error instanceof RangeError) return "nested too deeply to be read";
  return (error as Error).message?.split("\n")[0] ?? String(error);
}

function validateConfig(schema: ConfigSchema, raw: unknown, file: string, doc?: Document.Parsed, lineCounter?: LineCounter): ArchgateConfig {
  const input = raw === null || raw === undefined ? {} : raw;
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError([{ file, line: 1, column: 1, key: "", message: "the config must be a mapping of keys" }]);
  }
  // Probot's `_extends` is resolved before we see the config; it is not ours to validate.
  const { _extends: _ignored, ...rest } = input as Record<string, unknown>;
  const result = schema.safeParse(rest);
  if (result.success) {
    const parsed = result.data as ArchgateConfig;
    const rules = (rest as { rules?: unknown }).rules;
    const explicitSeverity = (id: string) => {
      const value = typeof rules === "object" && rules !== null ? (rules as Record<string, unknown>)[id] : undefined;
      return typeof value === "string" || (typeof value === "object" && value !== null && "severity" in value);
    };
    const config = applyProfile(parsed, parsed.profile, explicitSeverity);
    const missing = missingForProfile(config, config.profile);
    if (missing.length === 0) return config;
    const pos = position(doc, lineCounter, ["profile"], false);
    throw new ConfigError(missing.map((m) => ({ file, ...pos, key: "profile", message: m.message })));
  }
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const pos = position(doc, lineCounter, path, true);
        const suggestion = didYouMean(key, allowedKeys(schema, issue.path));
        issues.push({
          file,
          ...pos,
          key: dotted(path),
          message: `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`,
        });
      }
      continue;
    }
    const pos = position(doc, lineCounter, issue.path, false);
    issues.push({ file, ...pos, key: dotted(issue.path), message: describeIssue(issue) });
  }
  throw new ConfigError(issues);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_union") {
    return `${issue.message}: expected ${
      issue.path.length > 0 && String(issue.path[0]) === "rules"
        ? "a severity (error, warning, off) or a mapping with severity and the rule's options"
        : "a list, or { append: [...] }"
    }`;
  }
  return issue.message;
}

function dotted(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join(".");
}

function position(
  doc: Document.Parsed | undefined,
  lineCounter: LineCounter | undefined,
  path: ReadonlyArray<PropertyKey>,
  pointAtKey: boolean,
): { line: number; column: number } {
  if (!doc || !lineCounter) return { line: 1, column: 1 };
  const { isMap, isPair, isScalar } = yaml();
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      const last = i === path.length - 1;
      const keyNode = pair.key as { range?: [number, number, number] };
      const valueNode = pair.value as { range?: [number, number, number] } | null;
      offset = last && (pointAtKey || !valueNode?.range) ? (keyNode.range?.[0] ?? offset) : (valueNode?.range?.[0] ?? keyNode.range?.[0] ?? offset);
      node = pair.value;
    } else if (node && typeof node === "object" && "items" in node && typeof key === "number") {
      const item = (node as { items: Array<{ range?: [number, number, number] }> }).items[key];
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** The keys a mapping at `path` of the schema accepts (for did-you-mean). */
export function allowedKeys(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let current: unknown = schema;
  for (const key of [...path, null]) {
    current = unwrap(current);
    if (key === null) break;
    const def = (current as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    if (def.type === "object") current = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === "record") current = def.valueType;
    else if (def.type === "array") current = def.element;
    else return [];
  }
  const def = (current as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
  return def?.type === "object" ? Object.keys(def.shape as Record<string, unknown>) : [];
}

function unwrap(schema: unknown): unknown {
  for (let i = 0; i < 20; i++) {
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return schema;
    if (def.type === "optional" || def.type === "default" || def.type === "nullable" || def.type === "prefault") schema = def.innerType;
    else if (def.type === "pipe") schema = def.in;
    else if (def.type === "union") {
      const options = def.options as unknown[];
      schema =
        options.find((o) => ["object", "array"].includes(String((unwrap(o) as { _zod?: { def?: { type?: string } } })._zod?.def?.type))) ??
        options[0];
      const inner = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      if (inner?.type === "object" || inner?.type === "array") return schema;
    } else return schema;
  }
  return schema;
}

export function didYouMean(input: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = levenshtein(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
