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

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parsePatch(patch: string | undefined): ParsedPatch {
  const added: PatchLine[] = [];
  const removed: PatchLine[] = [];
  if (!patch) return { added, removed };
  let baseLine = 0;
  let headLine = 0;
  let inHunk = false;
  for (const raw of patch.split("\n")) {
    const header = HUNK_HEADER.exec(raw);
    if (header) {
      baseLine = Number(header[1]);
      headLine = Number(header[2]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    const marker = raw[0];
    const text = raw.slice(1);
    if (marker === "+") added.push({ line: headLine++, text });
    else if (marker === "-") removed.push({ line: baseLine++, text });
    else if (marker === "\\")
      continue; // "\ No newline at end of file"
    else {
      baseLine++;
      headLine++;
    }
  }
  return { added, removed };
}
