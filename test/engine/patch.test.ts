import { describe, expect, it } from "vitest";
import { hasNonEmptyPatch, hasPatch, indexPatch, parsePatch, patchLines, patchText } from "../../src/engine/patch.js";

describe("patch lines", () => {
  const patch = [
    "@@ -3,4 +3,5 @@ def handler():",
    " context",
    "-removed one\r",
    "+added one\r",
    "+",
    "",
    " more context",
    "@@ -20 +21,2 @@",
    "-old last",
    "\\ No newline at end of file",
    "+new last",
    "+@@ not a header",
    "",
  ].join("\n");

  it("numbers added lines at head and removed lines at base, across hunks, keeping each line's text as it is", () => {
    expect(parsePatch(patch)).toEqual({
      added: [
        { line: 4, text: "added one\r" },
        { line: 5, text: "" },
        { line: 21, text: "new last" },
        { line: 22, text: "@@ not a header" },
      ],
      removed: [
        { line: 4, text: "removed one\r" },
        { line: 20, text: "old last" },
      ],
    });
  });

  it("keeps the lines as numbers and makes new line objects on every call", () => {
    const index = indexPatch(patch);
    const at = (line: string) => patch.indexOf(`\n${line}\n`) + 2;
    expect([...index.added]).toEqual([
      ...[4, at("+added one\r"), at("+added one\r") + "added one\r".length],
      ...[5, at("+"), at("+")],
      ...[21, at("+new last"), at("+new last") + "new last".length],
      ...[22, at("+@@ not a header"), at("+@@ not a header") + "@@ not a header".length],
    ]);
    const first = patchLines(index, "removed");
    first[0]!.text = "changed by a caller";
    expect(patchLines(index, "removed")).toEqual(parsePatch(patch).removed);
  });

  it("reads no lines from an empty or missing patch, or from text before the first hunk", () => {
    expect(parsePatch(undefined)).toEqual({ added: [], removed: [] });
    expect(parsePatch("")).toEqual({ added: [], removed: [] });
    expect(parsePatch("+not in a hunk\n-nor this")).toEqual({ added: [], removed: [] });
  });

  it("reads a patch given as UTF-8 bytes exactly as the same patch given as text, multi-byte characters included", () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    const lines = (index: ReturnType<typeof indexPatch>) => ({ added: patchLines(index, "added"), removed: patchLines(index, "removed") });
    expect(lines(indexPatch(bytes(patch)))).toEqual(parsePatch(patch));
    const unicode = "@@ -1,2 +1,3 @@ naïve\n-prénom = 'Zoë'\n+名前 = '花子'\n+emoji = '🚀 ok'\n ctx ü\n@@ -9 +10 @@\n-x\n+y é";
    expect(lines(indexPatch(bytes(unicode)))).toEqual(parsePatch(unicode));
    expect(parsePatch(unicode).added).toEqual([
      { line: 1, text: "名前 = '花子'" },
      { line: 2, text: "emoji = '🚀 ok'" },
      { line: 10, text: "y é" },
    ]);
    // An invalid byte decodes to U+FFFD on its own line, as a whole decode would.
    const broken = new Uint8Array([...bytes("@@ -1 +1,2 @@\n+a"), 0xff, ...bytes("b\n+c")]);
    expect(lines(indexPatch(broken)).added).toEqual([
      { line: 1, text: "a\ufffdb" },
      { line: 2, text: "c" },
    ]);
    // Bytes that are a view into a larger buffer (git's stream), read from the view's own start.
    const stream = bytes(`diff --git a/x b/x\n${unicode}\ntrailing`);
    const from = stream.indexOf(0x40);
    const view = stream.subarray(from, from + bytes(unicode).length);
    expect(lines(indexPatch(view))).toEqual(parsePatch(unicode));
  });

  it("tells whether a file has a patch, text or bytes, without decoding it", () => {
    expect([hasPatch({}), hasPatch({ patch: "" }), hasPatch({ patchBytes: new Uint8Array(0) })]).toEqual([false, true, true]);
    expect([
      hasNonEmptyPatch({ patch: "" }),
      hasNonEmptyPatch({ patchBytes: new Uint8Array(0) }),
      hasNonEmptyPatch({ patchBytes: new Uint8Array([0x40]) }),
    ]).toEqual([false, false, true]);
    expect([patchText({}), patchText({ patch: "@@ t" }), patchText({ patchBytes: new TextEncoder().encode("@@ é") })]).toEqual([
      undefined,
      "@@ t",
      "@@ é",
    ]);
  });
});
