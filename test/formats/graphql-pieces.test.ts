import type { DefinitionNode } from "graphql";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { sdlPieces } from "../../src/formats/graphql/pieces.js";

/** The whole parse and the piece-by-piece parse of `text`: each definition without locations, and the line it starts on. */
function bothWays(text: string) {
  const pieces = sdlPieces(text);
  if (!pieces) return undefined;
  const lines = (definitions: readonly DefinitionNode[], shift: number) => definitions.map((d) => d.loc!.startToken.line + shift);
  const apart = pieces.map((p) => text.slice(p.start, p.end));
  return {
    pieces,
    whole: { nodes: parse(text, { noLocation: true }).definitions, lines: lines(parse(text).definitions, 0) },
    apart: {
      nodes: apart.flatMap((body) => parse(body, { noLocation: true }).definitions),
      lines: apart.flatMap((body, i) => lines(parse(body).definitions, pieces[i]!.line - 1)),
    },
  };
}

const SDL = [
  "\uFEFF# a schema with everything the scanner must step over",
  '"""',
  'A block string with a } and a { and an escaped \\""" inside',
  '"""',
  "type Query {",
  '  "a string with } and \\" and # inside"',
  '  items(filter: Filter = { ids: [1, 2], nested: { a: "}" } }): [Item!]! @deprecated(reason: "use { other }")',
  "  # a comment with a } in it",
  "}",
  "scalar Date",
  "union Result = Item | Query",
  'directive @tag(name: String = "}", options: Options = { a: [1] }) repeatable on FIELD_DEFINITION | OBJECT',
  "input Filter { ids: [Int!], nested: Nested }",
  "input Nested { a: String }",
  "input Options { a: [Int] }",
  "type Item { id: ID!, name: String }",
  'extend type Item @tag(name: "x")',
  "schema { query: Query }",
  "# trailing comment",
  "",
].join("\n");

describe("sdlPieces: cutting SDL where graphql-js parses each piece as within the whole", () => {
  it("cuts after each top-level }, steps over strings, block strings and comments, and counts lines as the lexer", () => {
    const result = bothWays(SDL)!;
    // (trim() takes the byte order mark too)
    expect(result.pieces.map((p) => SDL.slice(p.start, p.end).trim().split("\n")[0])).toEqual([
      "# a schema with everything the scanner must step over",
      "scalar Date",
      "input Nested { a: String }",
      "input Options { a: [Int] }",
      "type Item { id: ID!, name: String }",
      'extend type Item @tag(name: "x")',
    ]);
    expect(result.pieces.map((p) => p.line)).toEqual([1, 9, 13, 14, 15, 16]);
    expect(result.apart).toEqual(result.whole);
    expect(result.apart.lines).toEqual([2, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
  });

  it("counts \\r\\n and a lone \\r as one line end each, inside block strings too", () => {
    const text = 'type A {\r\n  a: Int\r\n}\r"""\rdoc\r\n"""\rtype B {\n  b: Int\n}\n';
    const result = bothWays(text)!;
    expect(result.pieces.map((p) => p.line)).toEqual([1, 3]);
    expect(result.apart.lines).toEqual([1, 4]);
    expect(result.apart).toEqual(result.whole);
  });

  it("leaves out a piece of blanks and comments only, and returns no piece for a file without tokens", () => {
    expect(sdlPieces("type A { a: Int }\n# the end\n, \n")!.map((p) => p.end)).toEqual([17]);
    expect(sdlPieces("# nothing\n\n")).toEqual([]);
  });

  it.each([
    ["an unterminated block string", 'type A { a: Int }\n"""\ntype B { b: Int }\n'],
    ["a string that runs past its line", 'type A {\n  "doc\n  a: Int\n}\n'],
    ["an escaped line end in a string", 'type A {\n  "doc\\\n  a: Int\n}\n'],
    ["a string that never ends", 'type A { a: Int }\n"'],
    ["a bracket that closes nothing", "type A { a: Int }\n}\ntype B { b: Int }\n"],
  ])("gives up on %s (the whole parse reports it)", (_, text) => {
    expect(sdlPieces(text)).toBeUndefined();
    expect(() => parse(text)).toThrow(/Syntax Error/);
  });

  it("gives the same definitions and lines as the whole parse on generated documents", () => {
    const parts = [
      "type T$ {\n  a$: Int\n}\n",
      '"""\nDoc } of T$ with \\""" and {\n"""\ntype T$ implements Node @tag(name: "}") {\n  id: ID!\n  f$(x: In$ = { a: "{" }): [T$!]\n}\n',
      "scalar S$\n",
      "union U$ = A | B\n",
      "enum E$ { A B, C }\n",
      'input In$ {\r\n  a: String = "}"\r\n  b: [Int] = [1, 2]\r\n}\r\n',
      "# comment { with brackets ]\n",
      'extend type Query { "doc" x$: Int }\n',
      'directive @d$(a: In$ = { a: "x" }) on FIELD\n',
      "\r",
      ",,\t\n",
    ];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const count = 1 + next(12);
      const text = Array.from({ length: count }, (_, i) => parts[next(parts.length)]!.replaceAll("$", String(i))).join("");
      if (!/[A-Za-z]/.test(text.replace(/#[^\n]*/g, ""))) continue;
      const result = bothWays(text);
      expect(result, text).toBeDefined();
      expect(result!.apart, text).toEqual(result!.whole);
    }
  });
});
