import { describe, expect, it } from "vitest";
import { closingOffset, languageOf, lineStartMatches, maskSource, statementEnd } from "../../src/formats/source/masking.js";

describe("languageOf", () => {
  it.each([
    ["src/a.ts", "js"],
    ["web/b.tsx", "js"],
    ["c.mjs", "js"],
    ["types.d.ts", undefined],
    ["app/views.py", "python"],
    ["main.go", "go"],
    ["A.java", "java"],
    ["B.kt", "kotlin"],
    ["C.cs", "csharp"],
    ["d.rb", "ruby"],
    ["README.md", undefined],
  ])("%s -> %s", (path, language) => {
    expect(languageOf(path)).toBe(language);
  });
});

describe("maskSource", () => {
  const cases: [string, Parameters<typeof maskSource>[1], string][] = [
    ['log("a.b") // c.d', "js", 'log("   ")       '],
    ["x = `id ${user.email} ok`", "js", "x = `   ${user.email}   `"],
    ["a /* b.c */ d", "js", "a           d"],
    ['print(f"{user.email} x", "y")  # z', "python", 'print(f"{user.email}  ", " ")     '],
    ['s = """doc\nstring""" + t', "python", 's = """   \n      """ + t'],
    ["r'\\d' + 'it\\'s'", "python", "r'  ' + '     '"],
    ['f := `raw "x"` + "y"', "go", 'f := `       ` + " "'],
    ['String s = "a\\"b"; // c', "java", 'String s = "    ";     '],
    ['val s = "id ${u.email}"', "kotlin", 'val s = "   ${u.email}"'],
    // One blank per UTF-16 unit, beyond Latin-1 too (emoji, a lone surrogate); a "\r" is blanked, a "\n" kept.
    ["x = \"é😀\"; // ü€\r\ny = 'ok'", "js", "x = \"   \";       \ny = '  '"],
    ['a = "\ud800x" + b', "js", 'a = "  " + b'],
    ['s = "café" # naïve', "python", 's = "    "        '],
  ];
  it.each(cases)("masks %j (%s)", (text, language, masked) => {
    expect(maskSource(text, language)).toBe(masked);
    expect(maskSource(text, language).length).toBe(text.length);
  });
});

describe("closingOffset and statementEnd", () => {
  it("finds the bracket that closes a call across lines, or nothing when it never closes", () => {
    const text = "f(a, [1, 2],\n  {b: (c)})\nnext";
    expect(closingOffset(text, 1)).toBe(text.indexOf("\nnext"));
    expect(closingOffset("f(a, b", 1)).toBeUndefined();
    expect(closingOffset("f(a]", 1)).toBeUndefined();
  });

  it("follows builder chains on the next lines to the end of the statement", () => {
    const text = "x = HttpClient.newBuilder()\n    .connectTimeout(d)\n    .build();\ny = 1;";
    expect(text.slice(0, statementEnd(text, 0))).toBe("x = HttpClient.newBuilder()\n    .connectTimeout(d)\n    .build();");
    expect(statementEnd("a = 1\nb = 2", 0)).toBe(5);
  });
});

describe("lineStartMatches", () => {
  const CLASS = String.raw`class\s+([A-Za-z_]\w*)\s*(\(([^)]*)\))?\s*:`;
  /** What the scans did before: the line-anchored pattern with the m flag. */
  const anchored = (text: string, indented: boolean) =>
    [...text.matchAll(new RegExp(`^${indented ? "([ \\t]*)" : ""}${CLASS}`, "gm"))].map((m) => [m.index, ...m]);
  const fast = (text: string, indented: boolean) =>
    [...lineStartMatches(text, "class", new RegExp(`${indented ? "([ \\t]*)" : ""}${CLASS}`, "y"), indented)].map((m) => [m.index, ...m]);

  const texts = [
    "class A:\n    pass\nclass B(Base):\n",
    "    class Inner(ObjectType):\n        x = 1\n",
    "\tclass Tabbed:\n",
    "x = 1  class NotAtStart:\nsubclass C:\n",
    "class A(class B:\n  ):\nclass C:\n",
    // A line that starts a class inside the bases of another is passed over, as matchAll goes on after a match.
    "class A(\nclass B:\n):\nclass C:\n",
    "class A:\r\nclass B:\rclass C:\u2028class D:\u2029  class E:\n",
    "class\n  Wrapped(\n    Base,\n):\n",
    "class A(Base) :  class B:\n",
    " \u00a0class NbspIndent:\n",
    "classic = 1\nclass_ = 2\nclass Real:\n",
    "",
    "class",
    "def f():\n    class Local(Base): pass\n# class Commented:\n",
  ];
  it.each(texts.flatMap((text) => [[text, true] as const, [text, false] as const]))(
    "finds in %j (indented: %s) what the /gm scan found",
    (text, indented) => {
      expect(fast(text, indented)).toEqual(anchored(text, indented));
    },
  );

  it("agrees with the /gm scan on generated Python-like texts", () => {
    const pieces = ["class ", "A", "(B)", ":", "\n", "    ", "\t", " ", "x = 1", "(", ")", "\r\n", "class", "Base", "# c\n", "\u2028"];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % pieces.length;
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: 3 + (n % 40) }, () => pieces[next()]).join("");
      for (const indented of [true, false]) expect(fast(text, indented)).toEqual(anchored(text, indented));
    }
  });
});
