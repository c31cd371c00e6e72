import { describe, expect, it } from "vitest";
import { indexPatch, parsePatch, patchLines } from "../../src/engine/patch.js";

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
});
