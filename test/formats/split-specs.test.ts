/**
 * Large split specs, laid out like DigitalOcean's public spec: one root document whose paths each `$ref` a
 * resource file under `resources/<group>/`, which in turn `$ref`s its models. Every file is followed (read in
 * batches), a spec past the file cap fails closed naming it, and many unfollowed `$ref`s make one note.
 */
import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { parseStructured } from "../../src/engine/structured.js";
import type { ReviewView } from "../../src/engine/types.js";
import { noteText } from "../../src/engine/types.js";
import { refsByText, SpecDocument, specLoadReport, unchangedBetween } from "../../src/formats/refs/spec-document.js";
import type { ParseEvent } from "../../src/engine/change.js";
import { breakingApiChange } from "../../src/rules/breaking-api-change.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";

type Tree = Record<string, string>;
const ROOT = "specification/DigitalOcean-public.v2.yaml";

/** `groups` resource groups, each with a list operation in its own file and a model file: 2 files per group. */
function splitSpec(groups: number, modelOf: (i: number) => string = () => "type: string"): Tree {
  const tree: Tree = {};
  const paths: string[] = [];
  for (let i = 0; i < groups; i++) {
    paths.push(`  /v2/group${i}:`, "    get:", `      $ref: 'resources/group${i}/group${i}_list.yml'`);
    tree[`specification/resources/group${i}/group${i}_list.yml`] = [
      `operationId: group${i}_list`,
      "responses:",
      "  '200':",
      "    description: ok",
      "    content:",
      "      application/json:",
      "        schema:",
      `          $ref: 'models/group${i}.yml'`,
      "",
    ].join("\n");
    tree[`specification/resources/group${i}/models/group${i}.yml`] = [
      "type: object", //                        1
      "properties:", //                         2
      "  name:", //                             3
      `    ${modelOf(i)}`, //                   4
      "",
    ].join("\n");
  }
  tree[ROOT] = ["openapi: 3.0.0", "info:", "  title: DigitalOcean API", "  version: '2.0'", "paths:", ...paths, ""].join("\n");
  return tree;
}

async function run(base: Tree, head: Tree) {
  const report = await reviewChange(changeFromTrees(base, head), validateConfig({}, "test"), { rules: [breakingApiChange], triggers: [] });
  return {
    found: report.findings.map((f) => `${f.file}:${f.line} ${f.key}`),
    notes: report.notes.map(noteText),
    problems: report.problems,
    conclusion: report.conclusion,
  };
}

/** Just enough of a review for SpecDocument.load: parsed files of one in-memory tree. */
function treeView(tree: Tree): ReviewView {
  return {
    structured: async (_side: string, path: string) => (tree[path] === undefined ? undefined : parseStructured(tree[path]!)),
  } as unknown as ReviewView;
}

describe("split specs: $refs followed across thousands of files", () => {
  it("follows 1,201 files and finds a break in the last model (the old 200-file cap stopped long before)", async () => {
    const base = splitSpec(600);
    const head = splitSpec(600, (i) => (i === 599 ? "type: integer" : "type: string"));
    head[ROOT] = head[ROOT]!.replace("title: DigitalOcean API", "title: DigitalOcean public API");
    const result = await run(base, head);
    expect(result.found).toEqual([
      "specification/resources/group599/models/group599.yml:4 GET /v2/group599: response 200 (application/json) property 'name' type changed from string to integer",
    ]);
    // Every file was followed: the one note is openapi-diff leaving a spec of this size to our own checks.
    expect(result.notes).toEqual([`breaking-api-change: ${ROOT} has 600 operations; openapi-diff was skipped (our own checks ran)`]);
    expect(result.problems).toEqual([]);
  });

  it("a spec that references more files than the cap fails closed, naming the spec", async () => {
    const tree = splitSpec(30);
    const spec = await SpecDocument.load(treeView(tree), "head", ROOT, 25);
    expect(spec!.truncated).toEqual({ limit: 25, unfollowed: 30 });
    const report = specLoadReport(spec!);
    expect(report.problem).toEqual({
      file: ROOT,
      line: 1,
      message: `API spec ${ROOT} references more than 25 files at head: 30 $refs beyond that were not followed, so it cannot be judged completely`,
    });
    // 25 files: the root and 24 resource files; 6 resource files and the 24 models were not followed.
    expect(spec!.files.size).toBe(25);
    // The cap is a problem, not a note per unfollowed $ref.
    expect(report.notes).toEqual([]);
  });

  it("loads the same files in the same order however the batched reads finish", async () => {
    const tree = splitSpec(100);
    const slowFirst: ReviewView = {
      structured: async (_side: string, path: string) => {
        // Reads answer in a scrambled order.
        const n = Number(/group(\d+)/.exec(path)?.[1] ?? 0);
        await new Promise((resolve) => setTimeout(resolve, (n * 7) % 11));
        return tree[path] === undefined ? undefined : parseStructured(tree[path]!);
      },
    } as unknown as ReviewView;
    const scrambled = [...(await SpecDocument.load(slowFirst, "head", ROOT))!.files.keys()];
    const immediate = [...(await SpecDocument.load(treeView(tree), "head", ROOT))!.files.keys()];
    expect(scrambled).toEqual(immediate);
    expect(scrambled).toHaveLength(201);
    expect(scrambled[0]).toBe(ROOT);
  });

  it("many $refs to files that do not exist make one note with the first three, not one note each", async () => {
    const base = splitSpec(10);
    const head = splitSpec(10);
    head[ROOT] = head[ROOT]!.replace("title: DigitalOcean API", "title: DigitalOcean public API");
    for (let i = 0; i < 10; i++) delete head[`specification/resources/group${i}/models/group${i}.yml`];
    delete base["specification/resources/group0/models/group0.yml"];
    const result = await run(base, head);
    expect(result.notes).toEqual([
      `API spec specification/resources/group0/group0_list.yml:8: referenced file specification/resources/group0/models/group0.yml could not be read at base (missing, binary or over the size limit); its contents were not compared`,
      `API spec ${ROOT}: 10 referenced files could not be read at head (missing, binary or over the size limit); their contents were not compared. First 3: specification/resources/group0/models/group0.yml (from specification/resources/group0/group0_list.yml:8); specification/resources/group1/models/group1.yml (from specification/resources/group1/group1_list.yml:8); specification/resources/group2/models/group2.yml (from specification/resources/group2/group2_list.yml:8)`,
    ]);
  });

  it("many $refs that point outside the repository make one note", async () => {
    const tree = splitSpec(2);
    tree[ROOT] = tree[ROOT]!.replace(
      "paths:",
      ["x-shared:", ...Array.from({ length: 5 }, (_, i) => `  s${i}:\n    $ref: 'https://example.com/schemas/s${i}.yml'`), "paths:"].join("\n"),
    );
    const spec = await SpecDocument.load(treeView(tree), "head", ROOT);
    expect(specLoadReport(spec!).notes).toEqual([
      `API spec ${ROOT}: 5 $refs were not followed (head), in 1 files; those parts were not compared. First 3: ${ROOT}:7 "https://example.com/schemas/s0.yml" points outside the repository (URL); not fetched; ${ROOT}:9 "https://example.com/schemas/s1.yml" points outside the repository (URL); not fetched; ${ROOT}:11 "https://example.com/schemas/s2.yml" points outside the repository (URL); not fetched`,
    ]);
  });

  it("a commit that changes only a model is reviewed through its root, whatever the root is called", async () => {
    // DigitalOcean's root is `DigitalOcean-public.v2.yaml`: recognised by its content (openapi + paths), not its name.
    const base = splitSpec(5);
    const head = splitSpec(5, (i) => (i === 3 ? "type: integer" : "type: string"));
    const result = await run(base, head);
    expect(result.found).toEqual([
      "specification/resources/group3/models/group3.yml:4 GET /v2/group3: response 200 (application/json) property 'name' type changed from string to integer",
    ]);
    expect(result.problems).toEqual([]);
  });

  it("finds a root next to the fragments' directory (api/ beside schemas/), and skips YAML no spec references", async () => {
    const base: Tree = {
      "api/petstore.yaml": [
        "openapi: 3.0.3",
        "info:",
        "  title: Pets",
        "  version: '1'",
        "paths:",
        "  /pets:",
        "    get:",
        "      responses:",
        "        '200':",
        "          description: ok",
        "          content:",
        "            application/json:",
        "              schema:",
        "                $ref: '../schemas/pet.yaml'",
        "",
      ].join("\n"),
      "schemas/pet.yaml": "type: object\nproperties:\n  name:\n    type: string\n",
      "schemas/unused.yaml": "type: object\nproperties:\n  id:\n    type: string\n",
    };
    const head = { ...base, "schemas/pet.yaml": "type: object\nproperties:\n  name:\n    type: integer\n" };
    expect((await run(base, head)).found).toEqual([
      "schemas/pet.yaml:4 GET /pets: response 200 (application/json) property 'name' type changed from string to integer",
    ]);
    // A schema file no root references: nothing to judge, nothing reported.
    const unrelated = { ...base, "schemas/unused.yaml": "type: object\nproperties:\n  id:\n    type: integer\n" };
    expect(await run(base, unrelated)).toMatchObject({ found: [], problems: [], conclusion: "success" });
  });

  it("compares only what the PR changed: an operation reaching a changed model through unchanged files is still compared", async () => {
    const base = splitSpec(3);
    const head = splitSpec(3, (i) => (i === 1 ? "type: integer" : "type: string"));
    const trees = { base, head };
    // One parse per distinct text, as the review does: unchanged files are the same parsed document on both sides.
    const parsed = new Map<string, ReturnType<typeof parseStructured>>();
    const view = {
      structured: async (side: "base" | "head", path: string) => {
        const text = trees[side][path];
        if (text === undefined) return undefined;
        if (!parsed.has(text)) parsed.set(text, parseStructured(text));
        return parsed.get(text);
      },
    } as unknown as ReviewView;
    const b = (await SpecDocument.load(view, "base", ROOT))!;
    const h = (await SpecDocument.load(view, "head", ROOT))!;
    const op = (spec: SpecDocument, i: number) => ({
      value: spec.files.get(`specification/resources/group${i}/group${i}_list.yml`)!.value,
      loc: { file: `specification/resources/group${i}/group${i}_list.yml`, pointer: [] },
    });
    // group0's operation file and model read the same: nothing to compare.
    expect(unchangedBetween(b, h, op(b, 0), op(h, 0))).toBe(true);
    // group1's operation file reads the same but reaches the changed model: compared.
    expect(unchangedBetween(b, h, op(b, 1), op(h, 1))).toBe(false);
    // The root changed nowhere, but it reaches the changed model too.
    expect(unchangedBetween(b, h, b.rootNode(), h.rootNode())).toBe(false);
  });
});

/** `$ref`s as the parser finds them: value and line of each `$ref` key holding a string. */
function refsByParse(text: string): { ref: string; line: number }[] {
  const doc = parseStructured(text).docs[0]!;
  const out: { ref: string; line: number }[] = [];
  const walk = (value: unknown, pointer: (string | number)[]) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...pointer, i]));
    else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (typeof record.$ref === "string") out.push({ ref: record.$ref, line: doc.lineOf([...pointer, "$ref"]) });
      for (const [k, v] of Object.entries(record)) if (k !== "$ref") walk(v, [...pointer, k]);
    }
  };
  walk(doc.value, []);
  return out.sort((a, b) => a.line - b.line);
}

describe("refsByText: a file the PR leaves alone states its $refs in its text, or is parsed", () => {
  // DigitalOcean's operation files: refs in sequences, quoted and plain, after block-scalar descriptions.
  const operation = [
    "operationId: sizes_list", //                          1
    "description: >-", //                                   2
    "  To list all sizes, send a GET request.", //          3
    "parameters:", //                                       4
    "  - $ref: '../../shared/parameters.yml#/per_page'", // 5
    '  - $ref: "../../shared/parameters.yml#/page"', //     6
    "responses:", //                                        7
    "  '200':", //                                          8
    "    $ref: responses/all_sizes.yml # the list", //      9
    "x-codeSamples:", //                                    10
    "  - $ref: 'examples/curl/sizes_list.yml'", //          11
    "",
  ].join("\n");

  it("reads the refs of an operation file as the parser does, with their lines", () => {
    expect(refsByText(operation)).toEqual([
      { ref: "../../shared/parameters.yml#/per_page", line: 5 },
      { ref: "../../shared/parameters.yml#/page", line: 6 },
      { ref: "responses/all_sizes.yml", line: 9 },
      { ref: "examples/curl/sizes_list.yml", line: 11 },
    ]);
    expect(refsByText(operation)).toEqual(refsByParse(operation));
    expect(refsByText("type: object\nproperties:\n  name:\n    type: string\n")).toEqual([]);
  });

  it.each([
    ["a $ref written inside a block scalar", "description: |\n  Use\n  $ref: 'x.yml'\n  to share.\ntype: string\n"],
    ["a $ref mentioned in a plain description", "description: the $ref keyword points at x.yml\n"],
    ["a $ref in a flow mapping", "schema: {$ref: 'x.yml'}\n"],
    ["a $ref whose value is on the next line", "schema:\n  $ref:\n    'x.yml'\n"],
    ["a $ref whose value is not a string", "schema:\n  $ref: 12\n"],
    ["an escape that spells $ref", 'schema:\n  "\\u0024ref": "x.yml"\n'],
    ["JSON", '{"schema": {"$ref": "x.yml"}}'],
    ["a second document", "a:\n  $ref: 'x.yml'\n---\nb:\n  $ref: 'y.yml'\n"],
    ["a tab", "schema:\n  $ref:\t'x.yml'\n"],
    ["an anchor on the value", "schema:\n  $ref: &a 'x.yml'\n"],
  ])("%s: parsed instead", (_what, text) => {
    expect(refsByText(text)).toBeUndefined();
  });
});

describe("split specs: files the PR leaves alone are parsed only when a comparison reaches them", () => {
  /** splitSpec plus, per group, four code samples and an examples file that nothing compares. */
  function withSamples(groups: number, modelOf?: (i: number) => string): Tree {
    const tree = splitSpec(groups, modelOf);
    for (let i = 0; i < groups; i++) {
      const op = `specification/resources/group${i}/group${i}_list.yml`;
      tree[op] =
        `${tree[op]}x-codeSamples:\n${["curl", "go", "python", "ruby"].map((l) => `  - $ref: 'examples/${l}/group${i}_list.yml'`).join("\n")}\n`;
      for (const l of ["curl", "go", "python", "ruby"])
        tree[`specification/resources/group${i}/examples/${l}/group${i}_list.yml`] = `lang: ${l}\nsource: |-\n  call group${i}\n`;
    }
    return tree;
  }

  async function traced(base: Tree, head: Tree) {
    const change = changeFromTrees(base, head);
    const parsed: ParseEvent[] = [];
    // Parses only: the trace also names every read.
    change.traceParse = (e) => {
      if (e.kind === "parse") parsed.push(e);
    };
    const report = await reviewChange(change, validateConfig({}, "test"), { rules: [breakingApiChange], triggers: [] });
    return { report, parsed: [...new Set(parsed.map((e) => `${e.side}:${e.path}`))].sort() };
  }

  it("a commit that removes a path from the root parses the root and the removed operation only, no unchanged operation, model or code sample", async () => {
    const base = withSamples(40);
    const head = withSamples(40);
    head[ROOT] = head[ROOT]!.replace("  /v2/group7:\n    get:\n      $ref: 'resources/group7/group7_list.yml'\n", "");
    const { report, parsed } = await traced(base, head);
    expect(report.findings.map((f) => `${f.file}:${f.line} ${f.key}`)).toEqual([
      // (Where the path was, at head: the key names its line at base.)
      `${ROOT}:5 GET /v2/group7: removed (the whole path is gone)`,
    ]);
    expect(parsed.filter((p) => /\/(models|examples)\//.test(p))).toEqual([]);
    // The root on both sides, and the removed operation (is it deprecated?); the 39 unchanged ones are not read past their $ref.
    expect(parsed).toEqual([`base:${ROOT}`, "base:specification/resources/group7/group7_list.yml", `head:${ROOT}`]);
  });

  it("a change to one model is found through the unchanged root and operation file; other models stay unparsed", async () => {
    const base = withSamples(40);
    const head = withSamples(40, (i) => (i === 31 ? "type: integer" : "type: string"));
    const { report, parsed } = await traced(base, head);
    expect(report.findings.map((f) => `${f.file}:${f.line} ${f.key}`)).toEqual([
      "specification/resources/group31/models/group31.yml:4 GET /v2/group31: response 200 (application/json) property 'name' type changed from string to integer",
    ]);
    expect(parsed.filter((p) => /\/models\//.test(p))).toEqual([
      "base:specification/resources/group31/models/group31.yml",
      "head:specification/resources/group31/models/group31.yml",
    ]);
  });

  it("an unchanged file that cannot be parsed fails the review when it reaches what the PR changed", async () => {
    const base = withSamples(3);
    const head = withSamples(3, (i) => (i === 1 ? "type: integer" : "type: string"));
    // The same broken line on both sides, in the operation file between the root and the changed model.
    for (const tree of [base, head]) {
      const op = "specification/resources/group1/group1_list.yml";
      tree[op] = tree[op]!.replace("operationId: group1_list", "operationId: [group1_list");
    }
    const { report } = await traced(base, head);
    expect(report.conclusion).toBe("error");
    expect(report.problems.map((p) => `${p.file}:${p.line} ${p.message.split(":")[0]}`)).toEqual([
      "specification/resources/group1/group1_list.yml:2 cannot parse API spec specification/resources/group1/group1_list.yml",
    ]);
  });

  it("an operation written as a $ref is read where it points: removing one deprecated there is not a break", async () => {
    const base = withSamples(3);
    const op = "specification/resources/group2/group2_list.yml";
    base[op] = `deprecated: true\n${base[op]}`;
    const head = { ...base, [ROOT]: base[ROOT]!.replace("  /v2/group2:\n    get:\n      $ref: 'resources/group2/group2_list.yml'\n", "") };
    const { report } = await traced(base, head);
    expect(report.findings).toEqual([]);
  });
});
