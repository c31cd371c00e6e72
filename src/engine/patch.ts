/** Reading unified diff hunks (GitHub's `patch` field, or `git diff` output without the file header). */

export interface PatchLine {
  /** 1-based line number at head (for added/context lines) or base (for removed lines). */
  line: number;
  text: string;
}

export interface ParsedPatch {
  added: PatchLine[];
  removed: PatchLine[];
}

/**
 * A patch's added and removed lines as numbers: per line its line number and where its text starts and ends
 * in the patch (three entries). Several times smaller than the lines as objects, so a review can keep it for
 * every changed file and make the lines only when asked.
 */
export interface PatchIndex {
  patch: string;
  added: Int32Array;
  removed: Int32Array;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parsePatch(patch: string | undefined): ParsedPatch {
  const index = indexPatch(patch);
  return { added: patchLines(index, "added"), removed: patchLines(index, "removed") };
}

export function indexPatch(patch: string | undefined): PatchIndex {
  const added: number[] = [];
  const removed: number[] = [];
  if (!patch) return { patch: "", added: new Int32Array(0), removed: new Int32Array(0) };
  let baseLine = 0;
  let headLine = 0;
  let inHunk = false;
  for (let start = 0; start <= patch.length; ) {
    let end = patch.indexOf("\n", start);
    if (end === -1) end = patch.length;
    const marker = patch.charCodeAt(start);
    const header = marker === 0x40 /* @ */ ? HUNK_HEADER.exec(patch.slice(start, end)) : null;
    if (header) {
      baseLine = Number(header[1]);
      headLine = Number(header[2]);
      inHunk = true;
    } else if (inHunk) {
      if (marker === 0x2b /* + */) added.push(headLine++, start + 1, end);
      else if (marker === 0x2d /* - */) removed.push(baseLine++, start + 1, end);
      else if (marker !== 0x5c /* \ */) {
        // Context (and an empty line); "\ No newline at end of file" counts for neither side.
        baseLine++;
        headLine++;
      }
    }
    start = end + 1;
  }
  return { patch, added: Int32Array.from(added), removed: Int32Array.from(removed) };
}

/** The added or removed lines of an indexed patch, as new objects (callers may keep or modify them). */
export function patchLines(index: PatchIndex, side: "added" | "removed"): PatchLine[] {
  const entries = index[side];
  const lines: PatchLine[] = [];
  for (let i = 0; i < entries.length; i += 3) lines.push({ line: entries[i]!, text: index.patch.slice(entries[i + 1], entries[i + 2]) });
  return lines;
}
