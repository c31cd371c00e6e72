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
 * in the patch's text (three entries). Several times smaller than the lines as objects, so a review can keep it
 * for every changed file and make the lines only when asked. A patch that came as bytes stays bytes: its text
 * is decoded for each request and dropped after, so a big change's patches are not held as text.
 */
export interface PatchIndex {
  patch: string | Uint8Array;
  added: Int32Array;
  removed: Int32Array;
}

/** The file fields a patch can come in: text (GitHub, tests) or UTF-8 bytes (git). */
export interface PatchSource {
  patch?: string;
  patchBytes?: Uint8Array;
}

const utf8 = new TextDecoder();

/** The patch as text, or undefined when the source has none (binary, or dropped for size). */
export function patchText(file: PatchSource): string | undefined {
  return file.patch ?? (file.patchBytes === undefined ? undefined : utf8.decode(file.patchBytes));
}

/** Whether the source gave the file a patch at all (an empty one included), without decoding it. */
export function hasPatch(file: PatchSource): boolean {
  return file.patch !== undefined || file.patchBytes !== undefined;
}

/** Whether the file has a patch with at least one character. */
export function hasNonEmptyPatch(file: PatchSource): boolean {
  return file.patch !== undefined ? file.patch !== "" : file.patchBytes !== undefined && file.patchBytes.length > 0;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parsePatch(patch: string | undefined): ParsedPatch {
  const index = indexPatch(patch);
  return { added: patchLines(index, "added"), removed: patchLines(index, "removed") };
}

export function indexPatch(source: string | Uint8Array | undefined): PatchIndex {
  const added: number[] = [];
  const removed: number[] = [];
  if (!source || source.length === 0) return { patch: "", added: new Int32Array(0), removed: new Int32Array(0) };
  // Offsets are in the patch's own units, characters of a text or bytes of bytes (`patchLines` maps them back).
  // Bytes are read as Latin-1, one character per byte, so a character's offset is its byte's: one native call
  // instead of one per line (a `Uint8Array#indexOf` per line was most of the cost of indexing a 30 MB diff).
  const text = typeof source === "string" ? source : latin1(source);
  let baseLine = 0;
  let headLine = 0;
  let inHunk = false;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const marker = text.charCodeAt(start);
    // A hunk header is ASCII up to its second `@@`, so it reads the same as Latin-1.
    const header = marker === 0x40 /* @ */ ? HUNK_HEADER.exec(text.slice(start, end)) : null;
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
  return { patch: source, added: Int32Array.from(added), removed: Int32Array.from(removed) };
}

/** Bytes as Latin-1 text: every byte one character, offsets unchanged. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/**
 * The added or removed lines of an indexed patch, as new objects (callers may keep or modify them). Bytes are
 * decoded once per call; when every byte became one character (ASCII, the usual case) their offsets are the
 * text's, otherwise each line is decoded alone (a newline byte is never inside a multi-byte character).
 */
export function patchLines(index: PatchIndex, side: "added" | "removed"): PatchLine[] {
  const entries = index[side];
  const lines: PatchLine[] = [];
  if (entries.length === 0) return lines;
  const source = index.patch;
  const text = typeof source === "string" ? source : utf8.decode(source);
  if (typeof source === "string" || text.length === source.length) {
    for (let i = 0; i < entries.length; i += 3) lines.push({ line: entries[i]!, text: text.slice(entries[i + 1], entries[i + 2]) });
  } else {
    for (let i = 0; i < entries.length; i += 3) lines.push({ line: entries[i]!, text: utf8.decode(source.subarray(entries[i + 1], entries[i + 2])) });
  }
  return lines;
}
