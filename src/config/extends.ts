/**
 * `_extends` outside the App: the CLI follows it when it names a local file (a path relative to the config
 * file, `./base.yml` or `../shared/archgate.yml`), and reports it at its file and line when it names another
 * repository (`.github`, `acme/policies:archgate/base.yml`), which only the App and the Action can read.
 * Mappings merge key by key and lists replace, as Probot's `context.config` does.
 */
import { LineCounter, parseDocument, isMap, isPair, isScalar } from "yaml";
import { ConfigError } from "./load.js";

/** Deep merge of plain mappings; lists and scalars of `override` replace those of `base`. */
export function mergeConfig(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeConfig(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A local file (`./x.yml`, `../x.yml`, `/x.yml`, or a bare `x.yml`), as opposed to Probot's `[owner/]repo[:path]`. */
export function isLocalExtends(target: string): boolean {
  if (target.startsWith("./") || target.startsWith("../") || target.startsWith("/")) return true;
  return !target.includes(":") && /\.ya?ml$/i.test(target);
}

export interface ExtendsReader {
  /** The text of `target` named by `_extends` in `from`, and how to name it in messages; undefined when missing. */
  read(target: string, from: string): Promise<{ text: string; file: string } | undefined>;
}

/**
 * The raw config of `text` (from `file`) with its `_extends` chain merged in, `_extends` removed. Each file
 * is validated on its own first by `validate` (so an error names its own file and line); YAML errors and
 * an `_extends` that cannot be followed are ConfigErrors at the `_extends` line.
 */
export async function resolveExtends(
  text: string,
  file: string,
  reader: ExtendsReader,
  validate: (text: string, file: string) => unknown,
  seen: string[] = [],
): Promise<Record<string, unknown>> {
  validate(text, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>;
  const { _extends: target, ...own } = raw;
  if (target === undefined) return own;
  const at = extendsPosition(doc, lineCounter);
  const fail = (message: string): never => {
    throw new ConfigError([{ file, line: at.line, column: at.column, key: "_extends", message }]);
  };
  if (typeof target !== "string" || target.trim() === "") return fail("must be a file path (./base.yml) or a repository ([owner/]repo[:path])");
  if (!isLocalExtends(target)) {
    return fail(
      `"${target}" names another repository, which archgate check cannot read (the App and the Action follow it). ` +
        "Use a local path (./base.yml), or pass --config with a file that holds the whole config.",
    );
  }
  const found = await reader.read(target, file);
  if (!found) return fail(`"${target}" does not exist`);
  if (seen.includes(found.file) || found.file === file) return fail(`"${target}" extends itself (${[...seen, file, found.file].join(" → ")})`);
  const base = await resolveExtends(found.text, found.file, reader, validate, [...seen, file]);
  return mergeConfig(base, own);
}

function extendsPosition(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter): { line: number; column: number } {
  const contents = doc.contents;
  if (isMap(contents)) {
    for (const pair of contents.items) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === "_extends") {
        const pos = lineCounter.linePos((pair.key.range?.[0] ?? 0) as number);
        return { line: pos.line, column: pos.col };
      }
    }
  }
  return { line: 1, column: 1 };
}
