/**
 * Hostile and broken OpenAPI input: `$ref`s to absolute paths, URLs and outside the repository, circular
 * references, a 20 MB spec, broken YAML and missing files. Each gives a clear note or problem naming the
 * file and line; nothing is read outside the PR's tree, no request leaves the machine, nothing hangs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Change } from "../../src/engine/change.js";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { breakingApiChange } from "../../src/rules/breaking-api-change.js";
import { commandIdempotency } from "../../src/rules/command-idempotency.js";
import { unauthenticatedEndpoint } from "../../src/rules/unauthenticated-endpoint.js";
import { unversionedApi } from "../../src/rules/unversioned-api.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

const RULES = [breakingApiChange, commandIdempotency, unauthenticatedEndpoint, unversionedApi];

/** Wraps a Change and records every path the engine asks for. */
function recording(change: Change): { change: Change; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    change: {
      ...change,
      read: (side, path, options) => {
        reads.push(path);
        return change.read(side, path, options);
      },
    },
  };
}

async function run(base: Record<string, string>, head: Record<string, string>, config: Record<string, unknown> = {}) {
  const { change, reads } = recording(changeFromTrees(base, head));
  const report = await reviewChange(change, validateConfig(config, "test"), { rules: RULES, triggers: [] });
  return { report, reads, text: JSON.stringify(report) };
}

const spec = (schemaRef: string, extraPaths = "") =>
  [
    "openapi: 3.0.3",
    "info: {title: t, version: 1.0.0}",
    "paths:",
    "  /v1/items:",
    "    get:",
    "      responses:",
    "        '200':",
    "          description: ok",
    "          content:",
    "            application/json:",
    "              schema:",
    `                $ref: '${schemaRef}'`,
    extraPaths,
  ].join("\n") + "\n";

describe("OpenAPI $ref sandbox", () => {
  let secretDir: string;
  let secretFile: string;
  let server: Server;
  let hits = 0;
  let port = 0;

  beforeAll(async () => {
    secretDir = mkdtempSync(join(tmpdir(), "archgate-secret-"));
    secretFile = join(secretDir, "secret.yaml");
    writeFileSync(secretFile, "type: object\nproperties:\n  TOP_SECRET_MARKER:\n    type: string\n");
    server = createServer((_req, res) => {
      hits++;
      res.end("type: object\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    rmSync(secretDir, { recursive: true, force: true });
    await new Promise((resolve) => server.close(resolve));
  });

  it("never reads an absolute-path $ref from the host disk, and notes it with file and line", async () => {
    const { report, reads, text } = await run({ "api/openapi.yaml": spec("#/x") }, { "api/openapi.yaml": spec(secretFile) });
    expect(text).not.toContain("TOP_SECRET_MARKER");
    expect(reads.every((p) => !p.startsWith("/") && !p.startsWith(".."))).toBe(true);
    expect(report.notes.map(noteText).join("\n")).toContain(`API spec api/openapi.yaml:12: $ref "${secretFile}" is an absolute path`);
    expect(report.problems).toEqual([]);
  });

  it("never fetches a URL $ref (a local server sees no request)", async () => {
    const url = `http://127.0.0.1:${port}/schema.yaml`;
    const { report } = await run({ "api/openapi.yaml": spec("#/x") }, { "api/openapi.yaml": spec(url) });
    expect(hits).toBe(0);
    expect(report.notes.map(noteText).join("\n")).toContain(
      `API spec api/openapi.yaml:12: $ref "${url}" points outside the repository (URL); not fetched`,
    );
  });

  it("refuses relative $refs that climb out of the repository", async () => {
    const { report, reads } = await run({ "api/openapi.yaml": spec("#/x") }, { "api/openapi.yaml": spec("../../../etc/passwd#/") });
    expect(reads.some((p) => p.includes("etc/passwd"))).toBe(false);
    expect(report.notes.map(noteText).join("\n")).toContain(
      'API spec api/openapi.yaml:12: $ref "../../../etc/passwd#/" climbs out of the repository; not read',
    );
  });

  it("follows relative $refs inside the tree, from the referencing file's directory", async () => {
    const item = (type: string) => `type: object\nproperties:\n  id:\n    type: ${type}\n`;
    const { report, reads } = await run(
      { "api/openapi.yaml": spec("./schemas/item.yaml"), "api/schemas/item.yaml": item("integer") },
      { "api/openapi.yaml": spec("./schemas/item.yaml"), "api/schemas/item.yaml": item("string") },
    );
    expect(reads).toContain("api/schemas/item.yaml");
    expect(report.findings.map((f) => `${f.rule} ${f.file}:${f.line}`)).toEqual(["breaking-api-change api/schemas/item.yaml:4"]);
  });

  it("notes a $ref to a file missing from the tree", async () => {
    const { report } = await run({ "api/openapi.yaml": spec("#/x") }, { "api/openapi.yaml": spec("./missing.yaml") });
    expect(report.notes.map(noteText).join("\n")).toContain(
      "API spec api/openapi.yaml:12: referenced file api/missing.yaml could not be read at head",
    );
  });
});

describe("circular and pathological references", () => {
  const tree = (childType: string) =>
    [
      "openapi: 3.0.3",
      "info: {title: t, version: 1.0.0}",
      "paths:",
      "  /v1/nodes:",
      "    get:",
      "      responses:",
      "        '200':",
      "          description: ok",
      "          content:",
      "            application/json:",
      "              schema: {$ref: '#/components/schemas/Node'}",
      "components:",
      "  schemas:",
      "    Node:",
      "      type: object",
      "      properties:",
      "        name:",
      `          type: ${childType}`,
      "        children:",
      "          type: array",
      "          items: {$ref: '#/components/schemas/Node'}",
      "    Loop: {$ref: '#/components/schemas/Loop2'}",
      "    Loop2: {$ref: '#/components/schemas/Loop'}",
    ].join("\n") + "\n";

  it("compares recursive schemas without hanging and reports the change once", async () => {
    const { report } = await run({ "api.yaml": tree("string") }, { "api.yaml": tree("integer") });
    expect(report.findings.map((f) => `${f.file}:${f.line} ${f.key}`)).toEqual([
      "api.yaml:18 GET /v1/nodes: response 200 (application/json) property 'name' type changed from string to integer",
    ]);
  });

  it("survives a $ref chain that loops on itself", async () => {
    const head = tree("string").replace("schema: {$ref: '#/components/schemas/Node'}", "schema: {$ref: '#/components/schemas/Loop'}");
    const { report } = await run({ "api.yaml": tree("string") }, { "api.yaml": head });
    expect(report.problems).toEqual([]);
  }, 10_000);

  it("survives files that reference each other in a cycle", async () => {
    const a = spec("./b.yaml#/B");
    const b = "B:\n  type: object\n  properties:\n    again:\n      $ref: './c.yaml#/C'\n";
    const c = "C:\n  $ref: './b.yaml#/B'\n";
    const { report } = await run(
      { "openapi.yaml": a, "b.yaml": b, "c.yaml": c },
      { "openapi.yaml": a, "b.yaml": b + "    more: {type: string}\n", "c.yaml": c },
    );
    expect(report.problems).toEqual([]);
    expect(report.findings).toEqual([]);
  }, 10_000);
});

describe("size limit and broken input", () => {
  it("a 20 MB spec is not read: the review fails closed naming it and the limit, quickly", async () => {
    const big = spec("#/components/schemas/X") + "components:\n  schemas:\n    X:\n      description: '" + "x".repeat(20 * 1024 * 1024) + "'\n";
    const { report } = await run({ "api.yaml": spec("#/x") }, { "api.yaml": big });
    expect(report.problems.map((p) => p.file)).toEqual(["api.yaml"]);
    expect(report.problems[0]!.message).toContain("over the size limit of 2,000,000 bytes");
    expect(report.findings).toEqual([]);
  });

  it("reports unparsable YAML at head as a problem with file and line (once for all rules)", async () => {
    const broken = "openapi: 3.0.3\ninfo: {title: t, version: 1}\npaths:\n  /v1/a:\n    get: [unclosed\n";
    const { report } = await run({ "api.yaml": spec("#/x") }, { "api.yaml": broken });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ file: "api.yaml" });
    expect(report.problems[0]!.message).toMatch(/^cannot parse API spec api\.yaml:\d+:\d+: /);
    expect(report.conclusion).toBe("error");
  });

  it("does not read lockfiles or package manifests while looking for specs", async () => {
    const { reads } = await run(
      { "package-lock.json": "{}", "package.json": "{}", "chart/values.yaml": "a: 1\n" },
      { "package-lock.json": '{"a":1}', "package.json": '{"a":1}', "chart/values.yaml": "a: 2\n" },
    );
    expect(reads.filter((p) => p.startsWith("package"))).toEqual([]);
    expect(reads.every((p) => p === "chart/values.yaml")).toBe(true);
  });

  it("ignores YAML files that are not API specs", async () => {
    const { report } = await run({ "deploy/values.yaml": "replicas: 2\n" }, { "deploy/values.yaml": "replicas: [\n" });
    expect(report.problems).toEqual([]);
    expect(report.findings).toEqual([]);
  });
});
