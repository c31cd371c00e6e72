import { describe, expect, it } from "vitest";
import { closingOffset, languageOf, maskSource, statementEnd } from "../../src/formats/source/masking.js";

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
