/**
 * Where to show something that no longer exists at head. GitHub annotates the head version of a file, so a
 * finding about a removed path, operation or property cannot point at its base line (at head that line holds
 * something else): it points at the nearest enclosing element that still exists at head — the path item whose
 * operation went, the schema whose property went, `paths:` when a whole path went — else the file's first line.
 * The base line goes into the message and the comment's link to the base version.
 */
import { isRecord, type StructuredDoc } from "../../engine/structured.js";
import type { ReviewView } from "../../engine/types.js";

type Path = (string | number)[];

/**
 * For brace-delimited schema languages (Protobuf, GraphQL SDL, Avro IDL, Thrift): the head line of the innermost
 * block (`message Order {`, `type User {`, `service Inventory {`) around `baseLine` whose header line is still
 * there at head, walking outwards; 1 when none is.
 */
export function nearestBlockAtHead(base: string, head: string, baseLine: number): number {
  return blockIndex(base, head)(baseLine);
}

/** One block's header line, as it is compared between base and head: comments dropped, blanks collapsed. */
const header = (line: string) =>
  line
    .replace(/\/\/.*$|#.*$/, "")
    .replace(/\s+/g, " ")
    .trim();

/** The blocks open at each line of a base text, as a shared stack: `open[i]` is the innermost before line i + 1. */
interface OpenBlock {
  header: string;
  outer: OpenBlock | undefined;
}

/**
 * `nearestBlockAtHead` for many lines of the same two texts: each text is read once (a schema's breaking changes
 * on a 30,000-line SDL file asked for it hundreds of times, each time splitting and normalising both texts).
 */
export function blockIndex(base: string, head: string): (baseLine: number) => number {
  const lines = base.split("\n");
  // open[i]: the blocks open after the first i lines.
  const open: (OpenBlock | undefined)[] = [undefined];
  let stack: OpenBlock | undefined;
  for (const line of lines) {
    // Only a line with a brace opens or closes a block (most lines of a schema are fields).
    if (line.includes("{") || line.includes("}")) {
      const text = header(line);
      for (const ch of text) {
        if (ch === "{") stack = { header: text, outer: stack };
        else if (ch === "}") stack = stack?.outer;
      }
    }
    open.push(stack);
  }
  let headAt: Map<string, number> | undefined;
  // `open` has one entry per line and one more: the split lines are not kept for their count (memoised with the
  // index, they held one string per line of a 30,000-line schema until the review ended).
  return (baseLine) => {
    let block = open[Math.max(0, Math.min(baseLine - 1, open.length - 1))];
    if (!block) return 1;
    if (!headAt) {
      headAt = new Map();
      // Only headers are looked up, and every header holds a `{`.
      head.split("\n").forEach((line, i) => {
        if (!line.includes("{")) return;
        const text = header(line);
        if (!headAt!.has(text)) headAt!.set(text, i + 1);
      });
    }
    for (; block; block = block.outer) {
      const at = headAt.get(block.header);
      if (at !== undefined) return at;
    }
    return 1;
  };
}

/**
 * The head line of the nearest element enclosing `baseLine` of `basePath` that still exists in `headPath`
 * (YAML or JSON documents, compared by their key paths); 1 when there is none or the files are not structured.
 */
export async function nearestLineAtHead(ctx: ReviewView, basePath: string, headPath: string, baseLine: number): Promise<number | undefined> {
  // Contracts read from source code (routes, event classes) keep their base line for now.
  if (!/\.(ya?ml|json|proto|graphqls?|gql|avdl|thrift|avsc)$/i.test(basePath)) return undefined;
  if (/\.(proto|graphqls?|gql|avdl|thrift)$/i.test(basePath)) {
    const [before, after] = await Promise.all([ctx.text("base", basePath), ctx.text("head", headPath)]);
    if (before === undefined || after === undefined) return 1;
    // Indexed once per pair of texts and review: a schema's removals all ask about the same two files.
    const index = ctx.memo(`removed:blocks\0${basePath}\0${headPath}`, () => ({ before, after, at: blockIndex(before, after) }));
    return index.before === before && index.after === after ? index.at(baseLine) : nearestBlockAtHead(before, after, baseLine);
  }
  const [text, base, head] = await Promise.all([ctx.text("base", basePath), ctx.structured("base", basePath), ctx.structured("head", headPath)]);
  if (text === undefined || !base || !head || base.docs.length === 0 || head.docs.length === 0) return 1;
  const index = base.docs.findIndex((doc, i) => doc.startLine <= baseLine && (base.docs[i + 1]?.startLine ?? Infinity) > baseLine);
  const baseDoc = base.docs[Math.max(0, index)]!;
  const headDoc = head.docs[Math.max(0, index)] ?? head.docs[0]!;
  const path = enclosingPath(baseDoc, text, baseLine);
  for (let length = path.length; length > 0; length--) {
    const prefix = path.slice(0, length);
    if (exists(headDoc.value, prefix)) return headDoc.lineOf(prefix);
  }
  return 1;
}

interface AstNode {
  range?: [number, number, number] | null;
  items?: unknown[];
  key?: AstNode & { value?: unknown };
  value?: unknown;
}

/**
 * The key path of the deepest element (mapping entry or sequence item) whose source range holds `line`, read
 * from the parsed document's syntax tree, so an element is found by what encloses the line, not by what comes
 * near it.
 */
function enclosingPath(doc: StructuredDoc, text: string, line: number): Path {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const lineStart = starts[line - 1];
  if (lineStart === undefined) return [];
  const lineEnd = starts[line] ?? text.length;
  const firstChar = lineStart + (text.slice(lineStart, lineEnd).length - text.slice(lineStart, lineEnd).trimStart().length);
  let best: Path = [];
  const visit = (node: unknown, path: Path, depth: number) => {
    if (depth > 64 || !node || typeof node !== "object") return;
    const items = (node as AstNode).items;
    if (!Array.isArray(items)) return;
    items.forEach((item, i) => {
      const pair = item as AstNode;
      const isPair = pair && typeof pair === "object" && "key" in pair && "value" in pair;
      const key: string | number = isPair ? String((pair.key as { value?: unknown } | null)?.value ?? "") : i;
      const head = isPair ? pair.key?.range : pair?.range;
      const tail = isPair ? ((pair.value as AstNode | null)?.range ?? pair.key?.range) : pair?.range;
      if (!head || !tail || firstChar < head[0] || firstChar > tail[2]) return;
      const childPath = [...path, key];
      if (childPath.length > best.length) best = childPath;
      visit(isPair ? pair.value : pair, childPath, depth + 1);
    });
  };
  visit((doc.node as unknown as { contents?: unknown }).contents, [], 0);
  return best;
}

function exists(value: unknown, path: Path): boolean {
  let current = value;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === "number") current = current[key];
    else if (isRecord(current) && typeof key === "string" && Object.hasOwn(current, key)) current = current[key];
    else return false;
    if (current === undefined) return false;
  }
  return true;
}
