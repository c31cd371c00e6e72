import type * as Yaml from "yaml";
import type { Document, Node } from "yaml";
import { lazyRequire } from "./lazy.js";

let yamlModule: typeof Yaml | undefined;
/** The YAML parser, loaded by the first structured file (~40 ms of start-up that a review without one skips). */
const yaml = (): typeof Yaml => (yamlModule ??= lazyRequire("yaml") as typeof Yaml);

/** One YAML (or JSON: JSON is read with the YAML parser so every value keeps its source line). */
export interface StructuredDoc {
  /** The document as plain JS (undefined for an empty document). */
  value: unknown;
  /** 1-based line of the value at `path` in this document, or of the closest parent that exists. */
  lineOf(path: ReadonlyArray<string | number>): number;
  /** 1-based line where this document starts. */
  startLine: number;
  node: Document.Parsed;
}

export interface StructuredParseError {
  message: string;
  line: number;
  column: number;
}

export interface StructuredFile {
  docs: StructuredDoc[];
  errors: StructuredParseError[];
}

/**
 * Parses a (multi-document) YAML or JSON text. Never throws: syntax errors come back with their line
 * and column, and the documents that did parse are still returned.
 */
export function parseStructured(text: string): StructuredFile {
  const { LineCounter, parseAllDocuments } = yaml();
  const lineCounter = new LineCounter();
  let parsed: Document.Parsed[];
  try {
    const result = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
    parsed = Array.isArray(result) ? result : [];
  } catch (error) {
    return { docs: [], errors: [{ message: (error as Error).message, line: 1, column: 1 }] };
  }
  const errors: StructuredParseError[] = [];
  const docs: StructuredDoc[] = [];
  for (const doc of parsed) {
    for (const err of doc.errors) {
      const pos = lineCounter.linePos(err.pos[0]);
      errors.push({ message: err.message.split("\n")[0] ?? err.message, line: pos.line, column: pos.col });
    }
    if (doc.errors.length > 0) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      const pos = lineCounter.linePos(doc.range[0]);
      errors.push({ message: (error as Error).message, line: pos.line, column: pos.col });
      continue;
    }
    const startLine = lineCounter.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
    docs.push({
      value: value ?? undefined,
      startLine,
      node: doc,
      lineOf(path) {
        const node = nodeAt(doc, path);
        const offset = node?.range?.[0] ?? doc.contents?.range?.[0] ?? doc.range[0];
        return lineCounter.linePos(offset).line;
      },
    });
  }
  return { docs, errors };
}

/** The deepest node that exists along `path` (a key's line when the value is a collection). */
function nodeAt(doc: Document.Parsed, path: ReadonlyArray<string | number>): Node | undefined {
  const { isNode, isMap, isSeq, isScalar, isPair } = yaml();
  let current: unknown = doc.contents;
  let best: Node | undefined = isNode(current) ? current : undefined;
  for (const key of path) {
    if (isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return best;
      // Point at the key: for collections, the value's range starts on the next line.
      if (isNode(pair.key)) best = pair.key;
      current = pair.value;
      if (isScalar(current) && isNode(current)) best = current;
    } else if (isSeq(current) && typeof key === "number") {
      const item = current.items[key];
      if (!isNode(item)) return best;
      best = item;
      current = item;
    } else {
      return best;
    }
  }
  return best;
}

/** Narrowing helpers for walking parsed documents. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
