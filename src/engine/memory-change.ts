import { structuredPatch } from "diff";
import type { Change, ChangedFile, FileContent, MemoryChangeInput, Side } from "./change.js";

/** Builds an in-memory Change: for tests, the demo and benchmarks. Pure: no file system. */
export function memoryChange(input: MemoryChangeInput): Change {
  const trees: Record<Side, Record<string, string | Uint8Array>> = {
    base: input.baseTree ?? {},
    head: input.headTree ?? {},
  };
  return {
    base: input.base ?? "base",
    head: input.head ?? "head",
    files: input.files,
    complete: input.complete ?? true,
    incompleteReason: input.incompleteReason,
    title: input.title,
    description: input.description,
    async read(side, path, { maxBytes }): Promise<FileContent> {
      const value = trees[side][path];
      if (value === undefined) return { kind: "missing" };
      const bytes = typeof value === "string" ? Buffer.byteLength(value) : value.byteLength;
      if (bytes > maxBytes) return { kind: "too-large", bytes };
      if (typeof value !== "string") {
        if (value.includes(0)) return { kind: "binary" };
        return { kind: "text", text: Buffer.from(value).toString("utf8") };
      }
      return { kind: "text", text: value };
    },
    async listPaths(side) {
      return Object.keys(trees[side]).sort();
    },
  };
}

function isBinary(value: string | Uint8Array): boolean {
  return typeof value !== "string" && value.includes(0);
}

function asText(value: string | Uint8Array): string {
  return typeof value === "string" ? value : Buffer.from(value).toString("utf8");
}

/**
 * A Change between two trees, with statuses and patches computed as git would (renames must be given
 * explicitly through `renames`: { newPath: oldPath }).
 */
export function changeFromTrees(
  baseTree: Record<string, string | Uint8Array>,
  headTree: Record<string, string | Uint8Array>,
  options: { renames?: Record<string, string>; description?: string; title?: string } = {},
): Change {
  const renames = options.renames ?? {};
  const renamedFrom = new Set(Object.values(renames));
  const files: ChangedFile[] = [];
  const paths = [...new Set([...Object.keys(baseTree), ...Object.keys(headTree)])].sort();
  for (const path of paths) {
    if (renamedFrom.has(path) && !(path in headTree)) continue;
    const previousPath = renames[path];
    const before = previousPath !== undefined ? baseTree[previousPath] : baseTree[path];
    const after = headTree[path];
    if (before !== undefined && after !== undefined && previousPath === undefined && asText(before) === asText(after)) {
      continue;
    }
    const status: ChangedFile["status"] =
      after === undefined ? "removed" : previousPath !== undefined ? "renamed" : before === undefined ? "added" : "modified";
    const file: ChangedFile = { path, status, additions: 0, deletions: 0 };
    if (previousPath !== undefined) file.previousPath = previousPath;
    if ((before !== undefined && isBinary(before)) || (after !== undefined && isBinary(after))) {
      file.binary = true;
    } else {
      const patch = unifiedHunks(before === undefined ? "" : asText(before), after === undefined ? "" : asText(after));
      file.patch = patch.text;
      file.additions = patch.additions;
      file.deletions = patch.deletions;
    }
    files.push(file);
  }
  return memoryChange({ files, baseTree, headTree, description: options.description, title: options.title });
}

/** Unified diff hunks (GitHub `patch` style: no file header). */
export function unifiedHunks(before: string, after: string): { text: string; additions: number; deletions: number } {
  const patch = structuredPatch("a", "b", before, after, "", "", { context: 3 });
  let additions = 0;
  let deletions = 0;
  const out: string[] = [];
  for (const hunk of patch.hunks) {
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) {
      if (line.startsWith("+")) additions++;
      else if (line.startsWith("-")) deletions++;
      out.push(line);
    }
  }
  return { text: out.join("\n"), additions, deletions };
}
