/** Table-driven edge cases of breaking-api-change (OpenAPI), plus GraphQL, version/plan exemptions and keys. */
import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { breakingApiChange } from "../../src/rules/breaking-api-change.js";
import { hasMigrationPlan } from "../../src/engine/migration-plan.js";
import { majorOf } from "../../src/formats/openapi/spec.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

type Tree = Record<string, string>;

async function run(base: Tree, head: Tree, options: { config?: Record<string, unknown>; description?: string } = {}) {
  const change = changeFromTrees(base, head, { description: options.description });
  const report = await reviewChange(change, validateConfig(options.config ?? {}, "test"), { rules: [breakingApiChange], triggers: [] });
  return {
    found: report.findings.map((f) => `${f.file}:${f.line} ${f.key}`),
    findings: report.findings,
    problems: report.problems,
    notes: report.notes.map(noteText),
  };
}

const lines = (...l: string[]) => l.join("\n") + "\n";

/** An OpenAPI 3.0 spec; line numbers in the comments. */
const SPEC = lines(
  "openapi: 3.0.3", //                                     1
  "info:", //                                              2
  "  title: Pets", //                                      3
  "  version: 1.2.0", //                                   4
  "paths:", //                                             5
  "  /v1/pets:", //                                        6
  "    get:", //                                           7
  "      parameters:", //                                  8
  "        - name: limit", //                              9
  "          in: query", //                                10
  "          schema:", //                                  11
  "            type: integer", //                          12
  "            maximum: 100", //                           13
  "        - name: sort", //                               14
  "          in: query", //                                15
  "          schema:", //                                  16
  "            type: string", //                           17
  "            enum: [name, age]", //                      18
  "      responses:", //                                   19
  '        "200":', //                                     20
  "          description: ok", //                         21
  "          content:", //                                 22
  "            application/json:", //                      23
  "              schema:", //                              24
  "                type: array", //                        25
  "                items:", //                             26
  '                  $ref: "#/components/schemas/Pet"', // 27
  "    post:", //                                          28
  "      requestBody:", //                                 29
  "        content:", //                                   30
  "          application/json:", //                        31
  "            schema:", //                                32
  '              $ref: "#/components/schemas/NewPet"', //  33
  "      responses:", //                                   34
  '        "201":', //                                     35
  "          description: created", //                    36
  "  /v1/pets/{petId}:", //                                37
  "    delete:", //                                        38
  "      parameters:", //                                  39
  "        - name: petId", //                              40
  "          in: path", //                                 41
  "          required: true", //                           42
  "          schema:", //                                  43
  "            type: string", //                           44
  "      responses:", //                                   45
  '        "204":', //                                     46
  "          description: gone", //                       47
  "components:", //                                       48
  "  schemas:", //                                         49
  "    Pet:", //                                           50
  "      type: object", //                                 51
  "      required: [id, name]", //                         52
  "      properties:", //                                  53
  "        id:", //                                        54
  "          type: integer", //                            55
  "        name:", //                                      56
  "          type: string", //                             57
  "        status:", //                                    58
  "          type: string", //                             59
  "          enum: [available, sold]", //                  60
  "    NewPet:", //                                        61
  "      type: object", //                                 62
  "      required: [name]", //                             63
  "      properties:", //                                  64
  "        name:", //                                      65
  "          type: string", //                             66
  "          maxLength: 50", //                            67
  "        tag:", //                                       68
  "          type: string", //                             69
);

const edit = (...pairs: [string, string][]) =>
  pairs.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`fixture edit not found: ${from}`);
    return text.replace(from, to);
  }, SPEC);

describe("breaking-api-change: OpenAPI changes that break clients", () => {
  // `warning`: oasdiff rates the change WARN (request-parameter-removed, response-optional-property-removed).
  const cases: { name: string; head: string; expect: string[]; warning?: true }[] = [
    {
      name: "operation removed (base line)",
      head: edit([
        '    delete:\n      parameters:\n        - name: petId\n          in: path\n          required: true\n          schema:\n            type: string\n      responses:\n        "204":\n          description: gone\n',
        "",
      ]).replace("  /v1/pets/{petId}:\n", ""),
      expect: ["api.yaml:5 DELETE /v1/pets/{petId}: removed (the whole path is gone)"],
    },
    {
      name: "optional query parameter became required",
      head: edit(["        - name: limit\n          in: query\n", "        - name: limit\n          in: query\n          required: true\n"]),
      expect: ["api.yaml:9 GET /v1/pets: query parameter 'limit' became required"],
    },
    {
      name: "request parameter maximum lowered",
      head: edit(["maximum: 100", "maximum: 20"]),
      expect: ["api.yaml:13 GET /v1/pets: query parameter 'limit' maximum decreased from 100 to 20"],
    },
    {
      name: "request parameter enum value removed",
      head: edit(["enum: [name, age]", "enum: [name]"]),
      expect: ["api.yaml:18 GET /v1/pets: query parameter 'sort' no longer accepts \"age\""],
    },
    {
      name: "parameter moved from query to header",
      head: edit(["        - name: sort\n          in: query", "        - name: sort\n          in: header"]),
      expect: ["api.yaml:14 GET /v1/pets: query parameter 'sort' moved from query to header"],
    },
    {
      name: "parameter removed (base line)",
      head: edit(["        - name: sort\n          in: query\n          schema:\n            type: string\n            enum: [name, age]\n", ""]),
      warning: true,
      expect: ["api.yaml:8 GET /v1/pets: query parameter 'sort' removed"],
    },
    {
      name: "response property removed (base line), reported once for the shared schema",
      head: edit(["        status:\n          type: string\n          enum: [available, sold]\n", ""]),
      warning: true,
      expect: ["api.yaml:53 GET /v1/pets: response 200 (application/json) property '[].status' removed"],
    },
    {
      name: "response property became optional",
      head: edit(["      required: [id, name]", "      required: [id]"]),
      expect: ["api.yaml:56 GET /v1/pets: response 200 (application/json) property '[].name' became optional"],
    },
    {
      name: "response property type changed",
      head: edit(["        id:\n          type: integer", "        id:\n          type: string"]),
      expect: ["api.yaml:55 GET /v1/pets: response 200 (application/json) property '[].id' type changed from integer to string"],
    },
    {
      name: "new required request property",
      head: edit(["      required: [name]", "      required: [name, tag]"]),
      expect: ["api.yaml:68 POST /v1/pets: request body (application/json) property 'tag' became required"],
    },
    {
      name: "request maxLength lowered",
      head: edit(["maxLength: 50", "maxLength: 10"]),
      expect: ["api.yaml:67 POST /v1/pets: request body (application/json) property 'name' maxLength decreased from 50 to 10"],
    },
    {
      name: "request media type removed (base line)",
      head: edit([
        '          application/json:\n            schema:\n              $ref: "#/components/schemas/NewPet"',
        '          application/xml:\n            schema:\n              $ref: "#/components/schemas/NewPet"',
      ]),
      expect: ["api.yaml:30 POST /v1/pets: request media type application/json removed"],
    },
    {
      name: "request body became required",
      head: edit(["      requestBody:\n        content:", "      requestBody:\n        required: true\n        content:"]),
      expect: ["api.yaml:29 POST /v1/pets: request body became required"],
    },
    {
      name: "success response removed (base line)",
      head: edit(['        "201":\n          description: created', '        "400":\n          description: bad']),
      expect: ["api.yaml:34 POST /v1/pets: response 201 removed"],
    },
    {
      name: "response may now be null (3.0 nullable)",
      head: edit([
        "        name:\n          type: string\n        status:",
        "        name:\n          type: string\n          nullable: true\n        status:",
      ]),
      expect: ["api.yaml:57 GET /v1/pets: response 200 (application/json) property '[].name' may now be null"],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const result = await run({ "api.yaml": SPEC }, { "api.yaml": c.head });
      expect(result.found).toEqual(c.expect);
      expect(result.problems).toEqual([]);
      expect(result.findings.map((f) => f.severity)).toEqual(c.expect.map(() => (c.warning ? "warning" : "error")));
    });
  }
});

describe("breaking-api-change: OpenAPI changes that keep clients working", () => {
  const cases: { name: string; head: string }[] = [
    {
      name: "new optional query parameter",
      head: edit([
        '      responses:\n        "200":',
        '        - name: q\n          in: query\n          schema:\n            type: string\n      responses:\n        "200":',
      ]),
    },
    {
      name: "new optional request property",
      head: edit(["        tag:\n          type: string\n", "        tag:\n          type: string\n        color:\n          type: string\n"]),
    },
    { name: "new response property", head: edit(["        status:\n", "        age:\n          type: integer\n        status:\n"]) },
    { name: "request maximum raised", head: edit(["maximum: 100", "maximum: 500"]) },
    { name: "request enum value added", head: edit(["enum: [name, age]", "enum: [name, age, created]"]) },
    { name: "response enum value removed", head: edit(["enum: [available, sold]", "enum: [available]"]) },
    { name: "request property made optional", head: edit(["      required: [name]", "      required: []"]) },
    {
      name: "request integer widened to number",
      head: edit(["            type: integer\n            maximum: 100", "            type: number\n            maximum: 100"]),
    },
    { name: "path parameter renamed", head: SPEC.replace("/v1/pets/{petId}", "/v1/pets/{id}").replace("- name: petId", "- name: id") },
    {
      name: "query parameter becomes an array of the same type",
      head: edit([
        "            type: string\n            enum: [name, age]",
        "            type: array\n            items:\n              type: string\n              enum: [name, age]",
      ]),
    },
    {
      name: "new path and new response code",
      head: edit([
        '        "201":\n          description: created',
        '        "201":\n          description: created\n        "409":\n          description: conflict',
      ]),
    },
    {
      name: "only formatting and descriptions change",
      head: SPEC.replace("description: ok", "description: The pets").replace("title: Pets", "title: Pet store"),
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const result = await run({ "api.yaml": SPEC }, { "api.yaml": c.head });
      expect(result.found).toEqual([]);
      expect(result.problems).toEqual([]);
    });
  }
});

describe("breaking-api-change: exemptions", () => {
  const removal = edit(['        "201":\n          description: created', '        "400":\n          description: bad']);

  it("accepts breaks when info.version has a new major version, and says so in a note", async () => {
    const result = await run({ "api.yaml": SPEC }, { "api.yaml": removal.replace("version: 1.2.0", "version: 2.0.0") });
    expect(result.found).toEqual([]);
    expect(result.notes.join("\n")).toMatch(/api\.yaml: 1 breaking change\(s\) accepted \(info\.version major bump 1\.2\.0 → 2\.0\.0\)/);
  });

  it("does not accept a minor version bump", async () => {
    const result = await run({ "api.yaml": SPEC }, { "api.yaml": removal.replace("version: 1.2.0", "version: 1.3.0") });
    expect(result.found).toEqual(["api.yaml:34 POST /v1/pets: response 201 removed"]);
  });

  it("holds breaks with a migration-plan section as awaiting acceptance (configurable heading); acceptedBy: author accepts them", async () => {
    const plan = "Body\n\n### Rollout\nClients move to POST /v2/pets by May; the SDK 3.1 release already does.\n";
    const awaiting = await reviewChange(
      changeFromTrees({ "api.yaml": SPEC }, { "api.yaml": removal }, { description: plan }),
      validateConfig({ migrationPlan: { heading: "Rollout" } }, "test"),
    );
    expect(awaiting.findings.filter((f) => f.rule === "breaking-api-change").map((f) => [f.line, f.severity, f.migrationPlan])).toEqual([
      [34, "error", "awaiting-acceptance"],
    ]);
    const config = { migrationPlan: { heading: "Rollout", acceptedBy: "author" } };
    const planned = await run({ "api.yaml": SPEC }, { "api.yaml": removal }, { config, description: plan });
    expect(planned.found).toEqual([]);
    const emptySection = await run({ "api.yaml": SPEC }, { "api.yaml": removal }, { config, description: "### Rollout\n\n## Next\ntext" });
    expect(emptySection.found).toHaveLength(1);
    const placeholder = await run({ "api.yaml": SPEC }, { "api.yaml": removal }, { config, description: "### Rollout\nTBD\n" });
    expect(placeholder.found).toHaveLength(1);
  });

  it("accepts breaks of /v1 operations when the PR adds a /v2 path set", async () => {
    const head = removal.replace(
      "components:\n",
      '  /v2/pets:\n    post:\n      responses:\n        "201":\n          description: created\ncomponents:\n',
    );
    const result = await run({ "api.yaml": SPEC }, { "api.yaml": head });
    expect(result.found).toEqual([]);
  });

  it("parses migration-plan headings and major versions", () => {
    expect(hasMigrationPlan("## Migration plan\n- step 1: ship v2, step 2: move clients, step 3: drop v1", "Migration plan")).toBe(true);
    expect(hasMigrationPlan("## migration PLAN ##\nClients move to v2 by May, then v1 is removed in June.", "Migration plan")).toBe(true);
    expect(hasMigrationPlan("## Migration plan\n- step 1", "Migration plan")).toBe(false);
    expect(hasMigrationPlan("## Migration plan\nTBD", "Migration plan")).toBe(false);
    expect(hasMigrationPlan("Migration plan: none", "Migration plan")).toBe(false);
    expect(hasMigrationPlan(undefined, "Migration plan")).toBe(false);
    expect(majorOf("2.1.0")).toBe(2);
    expect(majorOf("v3")).toBe(3);
    expect(majorOf("2024-06-01")).toBe(2024);
    expect(majorOf("latest")).toBeUndefined();
  });
});

describe("breaking-api-change: deprecation and stability lifecycle", () => {
  const policy = { rules: { "breaking-api-change": { deprecationPolicy: true } } };
  const deprecate = (extra: string) => edit(["    delete:\n", `    delete:\n      deprecated: true\n${extra}`]);

  it("is off by default: deprecating without a sunset date is not a break", async () => {
    expect((await run({ "api.yaml": SPEC }, { "api.yaml": deprecate("") })).found).toEqual([]);
  });

  it("requires a valid x-sunset on new deprecations and keeps stability levels from dropping", async () => {
    const cases: [string, string, string[]][] = [
      ["no sunset", deprecate(""), ["api.yaml:39 DELETE /v1/pets/{petId}: operation deprecated without an x-sunset date"]],
      ["invalid sunset", deprecate("      x-sunset: soon\n"), ["api.yaml:40 DELETE /v1/pets/{petId}: operation x-sunset 'soon' is not a date"]],
      ["valid sunset", deprecate("      x-sunset: 2999-01-01\n"), []],
    ];
    for (const [name, head, expected] of cases) {
      expect((await run({ "api.yaml": SPEC }, { "api.yaml": head }, { config: policy })).found, name).toEqual(expected);
    }
    const beta = edit(["    delete:\n", "    delete:\n      x-stability-level: beta\n"]);
    const lowered = await run(
      { "api.yaml": beta },
      { "api.yaml": beta.replace("x-stability-level: beta", "x-stability-level: alpha") },
      { config: policy },
    );
    expect(lowered.found).toEqual(["api.yaml:39 DELETE /v1/pets/{petId}: stability lowered from beta to alpha"]);
  });

  it("holds broken lifecycle commitments by default, but not hygiene the PR did not introduce", async () => {
    const beta = edit(["    delete:\n", "    delete:\n      x-stability-level: beta\n"]);
    const lowered = await run({ "api.yaml": beta }, { "api.yaml": beta.replace("x-stability-level: beta", "x-stability-level: alpha") });
    expect(lowered.found).toEqual(["api.yaml:39 DELETE /v1/pets/{petId}: stability lowered from beta to alpha"]);

    const sunset = deprecate("      x-sunset: 2999-01-01\n");
    expect((await run({ "api.yaml": sunset }, { "api.yaml": deprecate("") })).found).toEqual([
      "api.yaml:39 DELETE /v1/pets/{petId}: operation x-sunset 2999-01-01 removed",
    ]);
    expect((await run({ "api.yaml": SPEC }, { "api.yaml": deprecate("      x-sunset: soon\n") })).found).toEqual([
      "api.yaml:40 DELETE /v1/pets/{petId}: operation x-sunset 'soon' is not a date",
    ]);

    // An invalid level already in the base version: reported when the PR changes that operation (whether the change
    // lowers its stability cannot be judged, as oasdiff's api-invalid-stability-level), not when it changes another.
    const invalid = edit(["    delete:\n", "    delete:\n      x-stability-level: shaky\n"]);
    const fixed = invalid.replace("x-stability-level: shaky", "x-stability-level: beta");
    expect((await run({ "api.yaml": invalid }, { "api.yaml": fixed })).found).toEqual([
      "api.yaml:39 DELETE /v1/pets/{petId}: x-stability-level 'shaky' is not one of draft, alpha, beta, stable",
    ]);
    const elsewhere = invalid.replace("description: created", "description: created and stored");
    expect((await run({ "api.yaml": invalid }, { "api.yaml": elsewhere })).found).toEqual([]);
    // The full policy reports it on any operation.
    expect((await run({ "api.yaml": invalid }, { "api.yaml": elsewhere }, { config: policy })).found).toEqual([
      "api.yaml:39 DELETE /v1/pets/{petId}: x-stability-level 'shaky' is not one of draft, alpha, beta, stable",
    ]);
  });

  it("fails closed when the PR changes or removes something whose sunset date cannot be read", async () => {
    const soon = deprecate("      x-sunset: soon\n");
    // The date changes from something unreadable: whether it moved earlier cannot be judged.
    expect((await run({ "api.yaml": soon }, { "api.yaml": soon.replace("x-sunset: soon", "x-sunset: 2999-01-01") })).found).toEqual([
      "api.yaml:40 DELETE /v1/pets/{petId}: operation x-sunset 'soon' is not a date (whether 2999-01-01 moves it earlier cannot be judged)",
    ]);
    // The deprecated operation is removed: whether its sunset passed cannot be judged.
    const removed = soon.replace(/ {2}\/v1\/pets\/\{petId\}:\n[\s\S]*?description: gone\n/, "");
    expect((await run({ "api.yaml": soon }, { "api.yaml": removed })).found).toEqual([
      "api.yaml:5 DELETE /v1/pets/{petId}: removed, but its x-sunset 'soon' is not a date (whether it has passed cannot be judged)",
    ]);
    // Unchanged, it is hygiene for the full policy only.
    const other = soon.replace("description: created", "description: created and stored");
    expect((await run({ "api.yaml": soon }, { "api.yaml": other })).found).toEqual([]);
  });

  it("matches a renamed path parameter by position: removing its sunset date still counts", async () => {
    const param = edit(["          in: path\n", "          in: path\n          deprecated: true\n          x-sunset: 2999-01-01\n"]);
    const renamed = param
      .replace("/v1/pets/{petId}:", "/v1/pets/{id}:")
      .replace("- name: petId", "- name: id")
      .replace("          x-sunset: 2999-01-01\n", "");
    expect((await run({ "api.yaml": param }, { "api.yaml": renamed })).found).toEqual([
      "api.yaml:42 DELETE /v1/pets/{petId}: path parameter 'petId' x-sunset 2999-01-01 removed",
    ]);
  });

  it("checks the sunset date of request and response properties the PR deprecates", async () => {
    const deprecateProps = (sunset: string) =>
      edit(
        [
          "        name:\n          type: string\n        status:",
          `        name:\n          type: string\n          deprecated: true\n${sunset}        status:`,
        ],
        ["        tag:\n          type: string\n", `        tag:\n          type: string\n          deprecated: true\n${sunset}`],
      );
    expect((await run({ "api.yaml": SPEC }, { "api.yaml": deprecateProps("          x-sunset: someday\n") })).found).toEqual([
      "api.yaml:59 GET /v1/pets: response 200 (application/json) property '[].name' x-sunset 'someday' is not a date",
      "api.yaml:73 POST /v1/pets: request body (application/json) property 'tag' x-sunset 'someday' is not a date",
    ]);
    expect((await run({ "api.yaml": SPEC }, { "api.yaml": deprecateProps("          x-sunset: 2999-01-01\n") })).found).toEqual([]);
    // Without a date: a break only under the full policy.
    expect((await run({ "api.yaml": SPEC }, { "api.yaml": deprecateProps("") })).found).toEqual([]);
    expect((await run({ "api.yaml": SPEC }, { "api.yaml": deprecateProps("") }, { config: policy })).found).toEqual([
      "api.yaml:58 GET /v1/pets: response 200 (application/json) property '[].name' deprecated without an x-sunset date",
      "api.yaml:71 POST /v1/pets: request body (application/json) property 'tag' deprecated without an x-sunset date",
    ]);
  });

  it("a property deprecated in a definition that generated specs reach by millions of paths is walked once and reported once", async () => {
    // grpc-gateway/Kubernetes-style definitions: D0 -> D1 -> ... -> D23 through two properties each (2^23 paths to D23).
    const chain = (leaf: string) =>
      lines(
        '{"swagger": "2.0", "info": {"title": "gen", "version": "1"},', // 1
        ' "paths": {"/api/v1/things": {"get": {"responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/D0"}}}}}},', // 2
        ' "definitions": {', // 3
        ...Array.from(
          { length: 23 },
          (_, i) =>
            `  "D${i}": {"type": "object", "properties": {"a": {"$ref": "#/definitions/D${i + 1}"}, "b": {"$ref": "#/definitions/D${i + 1}"}}},`,
        ), // 4..26
        `  "D23": {"type": "object", "properties": {"leaf": {"type": "string"${leaf}}}}`, // 27
        " }}",
      );
    const result = await run({ "gen.swagger.json": chain("") }, { "gen.swagger.json": chain(', "deprecated": true, "x-sunset": "someday"') });
    expect(result.found).toEqual([
      "gen.swagger.json:27 GET /api/v1/things: response 200 (application/json) property 'a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.leaf' x-sunset 'someday' is not a date",
    ]);
  });

  it("reports removing a deprecated operation before its sunset date, with or without the policy", async () => {
    const base = deprecate("      x-sunset: 2999-01-01\n");
    const head = base.replace(/ {4}delete:\n[\s\S]*?description: gone\n/, "").replace("  /v1/pets/{petId}:\n", "");
    expect((await run({ "api.yaml": base }, { "api.yaml": head })).found).toEqual([
      "api.yaml:5 DELETE /v1/pets/{petId}: removed before its sunset date 2999-01-01",
    ]);
  });
});

describe("breaking-api-change: formats and keys", () => {
  it("compares OpenAPI 3.1 type arrays (null removed from a request property)", async () => {
    const base = lines(
      "openapi: 3.1.0",
      "info: {title: t, version: 1.0.0}",
      "paths:",
      "  /v1/notes:",
      "    post:",
      "      requestBody:",
      "        content:",
      "          application/json:",
      "            schema:",
      "              type: object",
      "              properties:",
      "                body:",
      "                  type: [string, 'null']",
      "      responses:",
      "        '201': {description: ok}",
    );
    const result = await run({ "a.yaml": base }, { "a.yaml": base.replace("type: [string, 'null']", "type: string") });
    expect(result.found).toEqual(["a.yaml:13 POST /v1/notes: request body (application/json) property 'body' no longer accepts null"]);
  });

  it("reads JSON specs and reports with JSON line numbers", async () => {
    const spec = (required: string) =>
      JSON.stringify(
        {
          swagger: "2.0",
          info: { title: "t", version: "1" },
          paths: {
            "/v1/a": {
              get: {
                parameters: [{ name: "q", in: "query", type: "string", required: required === "yes" }],
                responses: { "200": { description: "ok" } },
              },
            },
          },
        },
        null,
        2,
      );
    const result = await run({ "swagger.json": spec("no") }, { "swagger.json": spec("yes") });
    expect(result.found).toEqual(["swagger.json:11 GET /v1/a: query parameter 'q' became required"]);
  });

  it("reports a deleted spec once, at its first line", async () => {
    const result = await run({ "api.yaml": SPEC, "README.md": "x" }, { "README.md": "x" });
    expect(result.found).toEqual(["api.yaml:1 api.yaml: spec removed with 3 operations"]);
  });

  it("an operation moved to another spec the PR adds is not removed; a spec split in two removes nothing", async () => {
    const petsOnly = edit([
      '    delete:\n      parameters:\n        - name: petId\n          in: path\n          required: true\n          schema:\n            type: string\n      responses:\n        "204":\n          description: gone\n',
      "",
    ]).replace("  /v1/pets/{petId}:\n", "");
    const admin = lines(
      "openapi: 3.0.3",
      "info: {title: admin, version: 1.0.0}",
      "paths:",
      "  /v1/pets/{id}:",
      "    delete:",
      "      responses:",
      "        '204': {description: gone}",
    );
    const moved = await run({ "api.yaml": SPEC }, { "api.yaml": petsOnly, "admin.yaml": admin });
    expect(moved.found).toEqual([]);
    const split = await run({ "api.yaml": SPEC }, { "pets.yaml": petsOnly, "admin.yaml": admin });
    expect(split.found).toEqual([]);
    const lost = await run({ "api.yaml": SPEC }, { "pets.yaml": petsOnly });
    expect(lost.found).toEqual(["api.yaml:1 api.yaml: spec removed; 1 of its 3 operations are in no other spec"]);
  });

  it("gives stable ids that do not depend on line numbers", async () => {
    const head = edit(["maximum: 100", "maximum: 20"]);
    const first = await run({ "api.yaml": SPEC }, { "api.yaml": head });
    const shifted = await run({ "api.yaml": "# comment\n" + SPEC }, { "api.yaml": "# comment\n\n" + head });
    expect(shifted.findings[0]!.line).toBe(15);
    expect(shifted.findings[0]!.id).toBe(first.findings[0]!.id);
  });

  it("GraphQL: removed enum value and changed field type", async () => {
    const base = lines("enum Role {", "  ADMIN", "  USER", "}", "type User {", "  id: ID!", "  role: Role", "  age: Int", "}");
    const head = lines("enum Role {", "  ADMIN", "}", "type User {", "  id: ID!", "  role: Role", "  age: String", "}");
    const result = await run({ "schema.graphql": base }, { "schema.graphql": head });
    expect(result.found).toEqual([
      "schema.graphql:1 Role.USER: USER was removed from enum type Role",
      "schema.graphql:7 User.age: User.age changed type from Int to String",
    ]);
  });

  it("GraphQL: types moved to another file of a split schema are not removals", async () => {
    const user = lines("type User {", "  id: ID!", "  email: String", "}");
    const query = lines("type Query {", "  me: User", "}");
    const result = await run({ "graphql/schema.graphql": query + user }, { "graphql/schema.graphql": query, "graphql/user.graphql": user });
    expect(result.found).toEqual([]);
    const dropped = await run({ "graphql/schema.graphql": query + user }, { "graphql/schema.graphql": query });
    expect(dropped.found).toEqual(["graphql/schema.graphql:1 User: User was removed"]);
  });

  it("GraphQL: a removed file reports only the types that did not move", async () => {
    const result = await run(
      { "a.graphql": lines("type A {", "  x: Int", "}", "type B {", "  y: Int", "}"), "b.graphql": lines("type C {", "  z: Int", "}") },
      { "b.graphql": lines("type C {", "  z: Int", "}", "type B {", "  y: Int", "}") },
    );
    expect(result.found).toEqual(["a.graphql:1 a.graphql: GraphQL schema file removed (1 types)"]);
  });

  it("GraphQL: only changed types are compared, but a change is judged against the types it uses", async () => {
    // Order is unchanged; Filter (an input of a changed argument) and the interface stay as they were.
    const common = lines(
      "interface Node {", //                                      1
      "  id: ID!", //                                             2
      "}", //                                                     3
      "enum Order {", //                                          4
      "  ASC", //                                                 5
      "  DESC", //                                                6
      "}", //                                                     7
      "input Filter {", //                                        8
      "  order: Order = ASC", //                                  9
      "  ids: [ID!] = []", //                                     10
      "}", //                                                     11
    );
    const base =
      common +
      lines(
        "type Item implements Node {",
        "  id: ID!",
        "  name: String",
        "}",
        "type Query {",
        "  items(filter: Filter, first: Int = 10): [Item!]!",
        "}",
      );
    const head =
      common +
      lines(
        "type Item implements Node {",
        "  id: ID!",
        "  name: Int",
        "}",
        "type Query {",
        "  items(filter: Filter!, first: Int = 10, order: Order!): [Item!]!",
        "}",
      );
    const result = await run({ "schema.graphql": base }, { "schema.graphql": head });
    expect(result.found).toEqual([
      "schema.graphql:14 Item.name: Item.name changed type from String to Int",
      "schema.graphql:17 Query.items: Query.items arg filter has changed type from Filter to Filter!",
      "schema.graphql:17 Query.items: A required arg order on Query.items was added",
    ]);
  });

  it("GraphQL: the head reuses the base's unchanged definitions, with head line numbers and whole-file syntax errors", async () => {
    const types = Array.from({ length: 6 }, (_, i) => lines(`type T${i} {`, `  a${i}: Int`, `  b${i}: String`, "}")).join("");
    const base = lines("type Query {", "  t0: T0", "}") + types;
    // Lines added at the top move every reused definition; T4.b4 (head line 3 + 3 + 4 * 4 + 3 = 25) changes type.
    const head = lines("# moved", "", "") + base.replace("  b4: String", "  b4: Int");
    const moved = await run({ "schema.graphql": base }, { "schema.graphql": head });
    expect(moved.found).toEqual(["schema.graphql:25 T4.b4: T4.b4 changed type from String to Int"]);
    // An opening block string before an unchanged definition makes it part of a description: one parse of
    // the whole file reports where the file stops making sense.
    const swallowed = await run({ "schema.graphql": base }, { "schema.graphql": base.replace("type T2 {", '"""\ntype T2 {') });
    expect(swallowed.problems).toHaveLength(1);
    expect(swallowed.problems[0]!.message).toMatch(/^cannot parse GraphQL schema schema.graphql:\d+: Syntax Error/);
  });

  it("GraphQL: lines of definitions parsed piece by piece (several in one piece, a brace in a description, a line added above)", async () => {
    const rest = (union: string, values: string, a: string) =>
      lines(
        '"""',
        "Doc with a } brace",
        '"""',
        "type Query {",
        "  x: X",
        "  u: U",
        "}",
        "scalar Date",
        union,
        values,
        "type X {",
        a,
        "  d: Date",
        "}",
        "type Y { b: Int }",
      );
    const base = rest("union U = X | Y", "enum E { A B }", "  a: Int");
    const head = lines("# a new first line") + rest("union U = X", "enum E { A }", "  a: String");
    const result = await run({ "schema.graphql": base }, { "schema.graphql": head });
    // scalar Date, union U and enum E share the piece that type X closes; E.B was removed, so it is reported at its base line.
    expect(result.findings.map((f) => `${f.line}/${f.baseLine} ${f.key}`)).toEqual([
      "1/10 E.B: B was removed from enum type E",
      "10/undefined U.Y: Y was removed from union type U",
      "13/undefined X.a: X.a changed type from Int to String",
    ]);
  });

  it("GraphQL: a type whose syntax is unchanged (only its layout and comments moved) yields nothing", async () => {
    const base = lines("type Query {", "  a(x: Int = 1): Int", "  b: String", "}");
    const head = lines("type Query {", "  # a comment", "  a(", "    x: Int = 1", "  ): Int,", "  b: String", "}");
    const result = await run({ "schema.graphql": base }, { "schema.graphql": head });
    expect(result.found).toEqual([]);
    expect(result.problems).toEqual([]);
  });

  it("GraphQL: an unchanged part that graphql-js cannot build still makes the base unreadable", async () => {
    // @deprecated(reason: 5) is invalid: graphql-js throws while it builds the whole schema.
    const broken = lines("type Old {", "  a: Int @deprecated(reason: 5)", "}");
    const result = await run(
      { "schema.graphql": broken + lines("type Query {", "  a: Int", "}") },
      { "schema.graphql": broken + lines("type Query {", "  b: Int", "}") },
    );
    expect(result.found).toEqual([]);
    expect(result.notes.some((n) => n.includes("the base version of schema.graphql is not valid GraphQL SDL"))).toBe(true);
  });

  it("GraphQL: a syntax error at head is a problem with its line", async () => {
    const result = await run({ "schema.graphql": "type Query { a: Int }\n" }, { "schema.graphql": "type Query {\n  a: Int\n  b(: Int\n}\n" });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ file: "schema.graphql", line: 3 });
  });
});

describe("breaking-api-change: openapi-diff runs only when a shared body changed", () => {
  const spec = (requestMedia: string) =>
    lines(
      "openapi: 3.0.3",
      "info:",
      "  title: Notes",
      "  version: 1.0.0",
      "paths:",
      "  /v1/notes:",
      "    post:",
      "      requestBody:",
      "        content:",
      requestMedia,
      "      responses:",
      '        "201":',
      "          description: created",
    );

  it("still reports a request body that gains a schema where it accepted anything", async () => {
    const base = { "api/openapi.yaml": spec("          application/json: {}") };
    const head = {
      "api/openapi.yaml": spec(lines("          application/json:", "            schema:", "              type: object").trimEnd()),
    };
    const { found } = await run(base, head);
    expect(found).toEqual(["api/openapi.yaml:11 POST /v1/notes: request body accepts fewer values than before"]);
  });

  it("adds nothing when the bodies are unchanged", async () => {
    const base = { "api/openapi.yaml": spec("          application/json: {}") };
    const head = { "api/openapi.yaml": spec("          application/json: {}").replace("title: Notes", "title: Notes API") };
    expect((await run(base, head)).found).toEqual([]);
  });
});

describe("breaking-api-change: openapi-diff runs bounded in a worker thread", () => {
  // A Swagger 2 spec in the shape grpc-gateway generates: every body refers to shared definitions.
  const gateway = (nameType: string) =>
    lines(
      '{"swagger": "2.0",', //                                                        1
      ' "info": {"title": "workflow.proto", "version": "version not set"},', //      2
      ' "consumes": ["application/json"], "produces": ["application/json"],', //    3
      ' "paths": {', //                                                              4
      '  "/api/v1/workflows/{namespace}": {', //                                     5
      '   "post": {', //                                                             6
      '    "parameters": [', //                                                      7
      '     {"name": "namespace", "in": "path", "required": true, "type": "string"},', // 8
      '     {"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/CreateRequest"}}],', // 9
      '    "responses": {"200": {"description": "A successful response.", "schema": {"$ref": "#/definitions/Workflow"}}}}},', // 10
      '  "/api/v1/info": {"get": {"responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Info"}}}}}', // 11
      " },",
      ' "definitions": {',
      '  "CreateRequest": {"type": "object", "properties": {"workflow": {"$ref": "#/definitions/Workflow"}}},',
      `  "Workflow": {"type": "object", "properties": {"name": {"type": "${nameType}"}, "children": {"type": "array", "items": {"$ref": "#/definitions/Workflow"}}}},`,
      '  "Info": {"type": "object", "properties": {"version": {"type": "string"}}}',
      " }}",
    );
  const base = { "api/openapi-spec/swagger.json": gateway("string") };
  const head = { "api/openapi-spec/swagger.json": gateway("integer") };

  it("a comparison that cannot finish in time fails closed, naming the spec", async () => {
    const result = await run(base, head, {
      config: { rules: { "breaking-api-change": { openapiDiffTimeoutSeconds: 0.001 } } },
    });
    expect(result.problems).toEqual([
      {
        file: "api/openapi-spec/swagger.json",
        line: 1,
        message:
          "openapi-diff could not finish comparing api/openapi-spec/swagger.json (1 operation with changed bodies): did not finish within 1 ms. " +
          "Raise rules.breaking-api-change.openapiDiffTimeoutSeconds / openapiDiffMemoryMb, or set openapiDiff: false to rely on archgate's own checks",
      },
    ]);
    // Our own checks still ran and found the type change.
    expect(result.found).toContain(
      "api/openapi-spec/swagger.json:15 POST /api/v1/workflows/{namespace}: request body (application/json) property 'workflow.name' type changed from string to integer",
    );
  });

  it("within its bounds it finishes and adds nothing our own checks already reported", async () => {
    const result = await run(base, head);
    expect(result.problems).toEqual([]);
    expect(result.found).toEqual([
      "api/openapi-spec/swagger.json:15 POST /api/v1/workflows/{namespace}: response 200 (application/json) property 'name' type changed from string to integer",
      "api/openapi-spec/swagger.json:15 POST /api/v1/workflows/{namespace}: request body (application/json) property 'workflow.name' type changed from string to integer",
    ]);
  });

  it("openapiDiff: false never starts the worker, even with a bound nothing could meet", async () => {
    const result = await run(base, head, {
      config: { rules: { "breaking-api-change": { openapiDiff: false, openapiDiffTimeoutSeconds: 0.001 } } },
    });
    expect(result.problems).toEqual([]);
  });
});

describe("breaking-api-change: direction and levels of every JSON Schema keyword (oasdiff's checker/rules.go)", () => {
  // OpenAPI 3.1 (JSON Schema 2020-12), so openapi-diff (3.0 only) stays out and only our own checks judge.
  const spec = (request: string, response: string, media = "application/json") =>
    lines(
      "openapi: 3.1.0", //                          1
      "info: {title: Items, version: 1.0.0}", //    2
      "paths:", //                                  3
      "  /v1/items:", //                            4
      "    post:", //                               5
      "      requestBody:", //                      6
      "        content:", //                        7
      `          ${media}:`, //                     8
      "            schema:", //                     9
      "              type: object", //              10
      `              ${request}`, //                11
      "      responses:", //                        12
      '        "200":', //                          13
      "          description: ok", //               14
      "          content:", //                      15
      `            ${media}:`, //                   16
      "              schema:", //                   17
      "                type: object", //            18
      `                ${response}`, //             19
    );
  const NONE = "title: Item";
  const keywords: [string, string][] = [
    ["contains", "contains: {type: string}"],
    ["dependentRequired", "dependentRequired: {card: [billing]}"],
    ["if", "if: {required: [card]}"],
    ["then", "then: {required: [billing]}"],
    ["else", "else: {required: [cash]}"],
    ["patternProperties", 'patternProperties: {"^x-": {type: string}}'],
    ["propertyNames", "propertyNames: {maxLength: 10}"],
    ["unevaluatedProperties", "unevaluatedProperties: false"],
    ["unevaluatedItems", "unevaluatedItems: false"],
  ];
  for (const [keyword, text] of keywords) {
    it(`${keyword}: added to a request or removed from a response breaks; removed from a request or added to a response does not`, async () => {
      const addedToRequest = await run({ "api.yaml": spec(NONE, NONE) }, { "api.yaml": spec(text, NONE) });
      expect(addedToRequest.found).toEqual([`api.yaml:11 POST /v1/items: request body (application/json) ${keyword} added`]);
      expect(addedToRequest.findings[0]!.severity).toBe("error");
      const removedFromResponse = await run({ "api.yaml": spec(NONE, text) }, { "api.yaml": spec(NONE, NONE) });
      // Removed from the response: annotated on the response schema, still there at head (its base line is 19).
      expect(removedFromResponse.found).toEqual([`api.yaml:17 POST /v1/items: response 200 (application/json) ${keyword} removed`]);
      expect(removedFromResponse.findings[0]!.severity).toBe("error");
      expect((await run({ "api.yaml": spec(text, NONE) }, { "api.yaml": spec(NONE, NONE) })).found).toEqual([]);
      expect((await run({ "api.yaml": spec(NONE, NONE) }, { "api.yaml": spec(NONE, text) })).found).toEqual([]);
    });
  }

  it("pattern: added to a request is an error, changed in a request a warning, any change in a response nothing", async () => {
    const added = await run({ "api.yaml": spec(NONE, NONE) }, { "api.yaml": spec("pattern: '^[a-z]+$'", NONE) });
    expect(added.findings.map((f) => [f.line, f.severity, f.key])).toEqual([
      [11, "error", "POST /v1/items: request body (application/json) pattern added"],
    ]);
    const changed = await run({ "api.yaml": spec("pattern: '^[a-z]+$'", NONE) }, { "api.yaml": spec("pattern: '^[a-z0-9]+$'", NONE) });
    expect(changed.findings.map((f) => [f.line, f.severity, f.key])).toEqual([
      [11, "warning", "POST /v1/items: request body (application/json) pattern changed"],
    ]);
    expect(changed.findings[0]!.message).toMatch(/^Possibly breaking API change: /);
    for (const [before, after] of [
      [NONE, "pattern: '^[a-z]+$'"],
      ["pattern: '^[a-z]+$'", "pattern: '^[a-z0-9]+$'"],
      ["pattern: '^[a-z]+$'", NONE],
    ]) {
      expect((await run({ "api.yaml": spec(NONE, before!) }, { "api.yaml": spec(NONE, after!) })).found).toEqual([]);
    }
  });

  it("an enum value added to a response is a warning (response-property-enum-value-added is WARN)", async () => {
    const result = await run(
      { "api.yaml": spec(NONE, "properties: {status: {type: string, enum: [open, closed]}}") },
      { "api.yaml": spec(NONE, "properties: {status: {type: string, enum: [open, closed, archived]}}") },
    );
    expect(result.findings.map((f) => [f.line, f.severity, f.key])).toEqual([
      [19, "warning", "POST /v1/items: response 200 (application/json) property 'status' may now return \"archived\""],
    ]);
  });

  it("a request bound set where there was none is a warning; a tightened bound stays an error", async () => {
    const set = await run(
      { "api.yaml": spec("properties: {name: {type: string}}", NONE) },
      { "api.yaml": spec("properties: {name: {type: string, maxLength: 40}}", NONE) },
    );
    expect(set.findings.map((f) => [f.line, f.severity, f.key])).toEqual([
      [11, "warning", "POST /v1/items: request body (application/json) property 'name' maxLength set to 40"],
    ]);
    const tightened = await run(
      { "api.yaml": spec("properties: {name: {type: string, maxLength: 80}}", NONE) },
      { "api.yaml": spec("properties: {name: {type: string, maxLength: 40}}", NONE) },
    );
    expect(tightened.findings.map((f) => [f.line, f.severity, f.key])).toEqual([
      [11, "error", "POST /v1/items: request body (application/json) property 'name' maxLength decreased from 80 to 40"],
    ]);
  });

  it("a response const that changes is an error (response-property-const-changed is ERR)", async () => {
    const result = await run(
      { "api.yaml": spec(NONE, "properties: {kind: {const: item}}") },
      { "api.yaml": spec(NONE, "properties: {kind: {const: article}}") },
    );
    expect(result.findings.map((f) => [f.line, f.severity, f.key])).toEqual([
      [19, "error", "POST /v1/items: response 200 (application/json) property 'kind' may now return \"article\""],
    ]);
  });

  it("breaks on an operation published as x-stability-level: alpha are warnings", async () => {
    const alpha = (text: string) => text.replace("    post:\n", "    post:\n      x-stability-level: alpha\n");
    const result = await run(
      { "api.yaml": alpha(spec("properties: {size: {type: integer}}", NONE)) },
      { "api.yaml": alpha(spec("properties: {size: {type: string, format: uuid}}", NONE)) },
    );
    expect(result.findings.map((f) => [f.line, f.severity, f.key])).toEqual([
      [12, "warning", "POST /v1/items: request body (application/json) property 'size' type changed from integer to string"],
    ]);
  });

  it("an XML body is loosely typed: any type may become a string in a request, and a string anything in a response", async () => {
    const xml = "application/xml";
    const request = await run(
      { "api.yaml": spec("properties: {size: {type: integer}, tags: {type: object}}", NONE, xml) },
      { "api.yaml": spec("properties: {size: {type: string}, tags: {type: string}}", NONE, xml) },
    );
    expect(request.found).toEqual([]);
    const response = await run(
      { "api.yaml": spec(NONE, "properties: {size: {type: string}}", xml) },
      { "api.yaml": spec(NONE, "properties: {size: {type: integer}}", xml) },
    );
    expect(response.found).toEqual([]);
    // A string that must become a number is still a break in XML.
    const narrowed = await run(
      { "api.yaml": spec("properties: {size: {type: string}}", NONE, xml) },
      { "api.yaml": spec("properties: {size: {type: integer}}", NONE, xml) },
    );
    expect(narrowed.found).toEqual([
      "api.yaml:11 POST /v1/items: request body (application/xml) property 'size' type changed from string to integer",
    ]);
    // The same changes in JSON break.
    const json = await run(
      { "api.yaml": spec("properties: {size: {type: integer}}", NONE) },
      { "api.yaml": spec("properties: {size: {type: string}}", NONE) },
    );
    expect(json.found).toEqual(["api.yaml:11 POST /v1/items: request body (application/json) property 'size' type changed from integer to string"]);
  });
});

describe("breaking-api-change: properties a side never sees are not given to openapi-diff", () => {
  const spec = (group: string) =>
    lines(
      "openapi: 3.0.3",
      "info: {title: Groups, version: 1.0.0}",
      "paths:",
      "  /v1/groups:",
      "    post:",
      "      requestBody:",
      "        required: true",
      "        content:",
      "          application/json:",
      "            schema: {$ref: '#/components/schemas/Group'}",
      "      responses:",
      '        "200":',
      "          description: ok",
      "          content:",
      "            application/json:",
      "              schema: {$ref: '#/components/schemas/Group'}",
      "components:",
      "  schemas:",
      "    Group:",
      group,
    );
  it("a new required readOnly property and a property that becomes writeOnly break nobody", async () => {
    const base = spec(
      lines(
        "      type: object",
        "      required: [name]",
        "      properties:",
        "        name: {type: string}",
        "        secret: {type: string, writeOnly: false}",
        "        tags: {type: array, items: {type: object, properties: {key: {type: string}}}}",
      ).trimEnd(),
    );
    const head = spec(
      lines(
        "      type: object",
        "      required: [name, id]",
        "      properties:",
        "        id: {type: string, readOnly: true}",
        "        name: {type: string}",
        "        secret: {type: string, writeOnly: true}",
        "        tags: {type: array, items: {type: object, properties: {key: {type: string}, value: {type: string}}}}",
      ).trimEnd(),
    );
    const result = await run({ "api.yaml": base }, { "api.yaml": head });
    expect(result.found).toEqual([]);
    expect(result.problems).toEqual([]);
  });
});
