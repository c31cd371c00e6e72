/**
 * Table-driven cases for the rules that judge operations a PR adds: unauthenticated-endpoint,
 * command-idempotency and unversioned-api.
 */
import { describe, expect, it } from "vitest";

import type { RuleModule } from "../../src/engine/types.js";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { commandIdempotency } from "../../src/rules/command-idempotency.js";
import { unauthenticatedEndpoint } from "../../src/rules/unauthenticated-endpoint.js";
import { unversionedApi } from "../../src/rules/unversioned-api.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

const lines = (...l: string[]) => l.join("\n") + "\n";

/** Base spec; `{ROOT}` takes document-level keys, `{PATHS}` new path items. */
const TEMPLATE = lines(
  "openapi: 3.0.3", //                         1
  "info: {title: t, version: 1.0.0}", //       2
  "servers:", //                               3
  "  - url: {SERVER}", //                      4
  "{ROOT}", //                                 5
  "paths:", //                                 6
  "  /v1/existing:", //                        7
  "    get:", //                               8
  "      security: [{bearer: []}]", //         9
  "      responses: {'200': {description: ok}}", // 10
  "{PATHS}", //                                11+
  "components:",
  "  securitySchemes:",
  "    bearer: {type: http, scheme: bearer}",
);

function spec(paths: string, options: { root?: string; server?: string; noSchemes?: boolean } = {}): string {
  let text = TEMPLATE.replace("{SERVER}", options.server ?? "https://api.example.com")
    .replace("{ROOT}", options.root ?? "x-root: true")
    .replace("{PATHS}\n", paths);
  if (options.noSchemes) text = text.replace(/components:\n[\s\S]*$/, "");
  return text;
}

async function findings(rule: RuleModule<any>, head: string, options: { base?: string; config?: Record<string, unknown> } = {}) {
  const change = changeFromTrees({ "openapi.yaml": options.base ?? spec("") }, { "openapi.yaml": head });
  const report = await reviewChange(change, validateConfig(options.config ?? {}, "test"), { rules: [rule], triggers: [] });
  expect(report.problems).toEqual([]);
  return { found: report.findings.map((f) => `${f.line} ${f.key} ${f.severity}`), notes: report.notes.map(noteText) };
}

const op = (path: string, method: string, ...body: string[]) =>
  lines(`  ${path}:`, `    ${method}:`, ...body.map((b) => `      ${b}`), "      responses: {'200': {description: ok}}");

describe("unauthenticated-endpoint", () => {
  const cases: { name: string; head: string; expect: string[]; config?: Record<string, unknown> }[] = [
    { name: "new operation without security", head: spec(op("/v1/orders", "post")), expect: ["12 POST /v1/orders error"] },
    { name: "new operation with its own security", head: spec(op("/v1/orders", "post", "security: [{bearer: []}]")), expect: [] },
    { name: "explicitly public (security: [])", head: spec(op("/v1/signup", "post", "security: []")), expect: [] },
    { name: "optional auth alternative ({})", head: spec(op("/v1/catalog", "get", "security: [{}, {bearer: []}]")), expect: [] },
    { name: "covered by global security", head: spec(op("/v1/orders", "post"), { root: "security: [{bearer: []}]" }), expect: [] },
    { name: "global security emptied", head: spec(op("/v1/orders", "post"), { root: "security: []" }), expect: ["12 POST /v1/orders error"] },
    {
      name: "operation-level empty list overrides global",
      head: spec(op("/v1/login", "post", "security: []"), { root: "security: [{bearer: []}]" }),
      expect: [],
    },
    { name: "readiness probe path", head: spec(op("/readyz", "get")), expect: [] },
    { name: "nested metrics path", head: spec(op("/v1/internal/metrics", "get")), expect: [] },
    {
      name: "configured public path",
      head: spec(op("/v1/webhooks/stripe", "post")),
      expect: [],
      config: { rules: { "unauthenticated-endpoint": { publicPaths: ["/v1/webhooks/**"] } } },
    },
    { name: "existing operation edited is not judged", head: spec("").replace("      security: [{bearer: []}]\n", ""), expect: [] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect((await findings(unauthenticatedEndpoint, c.head, { config: c.config })).found).toEqual(c.expect);
    });
  }

  it("specs without security schemes are noted, not judged, unless configured", async () => {
    const base = spec("", { noSchemes: true });
    const head = spec(op("/v1/orders", "post"), { noSchemes: true });
    const quiet = await findings(unauthenticatedEndpoint, head, { base });
    expect(quiet.found).toEqual([]);
    expect(quiet.notes.join("\n")).toContain("openapi.yaml declares no security schemes, so 1 new operation(s) were not judged");
    const strict = await findings(unauthenticatedEndpoint, head, {
      base,
      config: { rules: { "unauthenticated-endpoint": { requireSecuritySchemes: true } } },
    });
    expect(strict.found).toEqual(["12 POST /v1/orders error"]);
  });
});

describe("command-idempotency", () => {
  const header = "parameters: [{name: Idempotency-Key, in: header, schema: {type: string}}]";
  const cases: { name: string; head: string; expect: string[]; config?: Record<string, unknown> }[] = [
    { name: "new POST without a key", head: spec(op("/v1/orders", "post")), expect: ["12 POST /v1/orders warning"] },
    { name: "new PATCH without a key", head: spec(op("/v1/orders/{id}", "patch")), expect: ["12 PATCH /v1/orders/{id} warning"] },
    { name: "Idempotency-Key header", head: spec(op("/v1/orders", "post", header)), expect: [] },
    {
      name: "header name is case-insensitive",
      head: spec(op("/v1/orders", "post", header.replace("Idempotency-Key", "idempotency-key"))),
      expect: [],
    },
    { name: "x-idempotency on the operation", head: spec(op("/v1/orders", "post", "x-idempotency: {strategy: natural-key}")), expect: [] },
    { name: "x-idempotency on the document", head: spec(op("/v1/orders", "post"), { root: "x-idempotency: {strategy: header}" }), expect: [] },
    {
      name: "idempotency property in the body",
      head: spec(
        op(
          "/v1/orders",
          "post",
          "requestBody: {content: {application/json: {schema: {type: object, properties: {idempotency_key: {type: string}}}}}}",
        ),
      ),
      expect: [],
    },
    { name: "PUT is idempotent by default", head: spec(op("/v1/orders/{id}", "put")), expect: [] },
    {
      name: "PUT judged when configured",
      head: spec(op("/v1/orders/{id}", "put")),
      expect: ["12 PUT /v1/orders/{id} warning"],
      config: { rules: { "command-idempotency": { methods: ["put"] } } },
    },
    { name: "POST search is a query", head: spec(op("/v1/orders/search", "post")), expect: [] },
    { name: "GET is not a command", head: spec(op("/v1/orders", "get")), expect: [] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect((await findings(commandIdempotency, c.head, { config: c.config })).found).toEqual(c.expect);
    });
  }
});

describe("unversioned-api", () => {
  const UNVERSIONED_EXISTING = spec("").replace("  /v1/existing:\n", "  /existing:\n");
  const cases: { name: string; head: string; base?: string; expect: string[]; config?: Record<string, unknown> }[] = [
    { name: "new unversioned path", head: spec(op("/orders", "get")), expect: ["11 /orders warning"] },
    {
      name: "one finding per path, not per method",
      head: spec(op("/orders", "get") + "    post:\n      responses: {'201': {description: ok}}\n"),
      expect: ["11 /orders warning"],
    },
    { name: "under /v1", head: spec(op("/v1/orders", "get")), expect: [] },
    { name: "pre-release version segment", head: spec(op("/v2beta1/orders", "get")), expect: [] },
    { name: "date version segment", head: spec(op("/2024-06-01/orders", "get")), expect: [] },
    {
      name: "versioned server URL",
      head: spec(op("/orders", "get"), { server: "https://api.example.com/v3" }),
      base: spec("", { server: "https://api.example.com/v3" }),
      expect: [],
    },
    {
      name: "version query parameter (Azure style)",
      head: spec(op("/orders", "get", "parameters: [{name: api-version, in: query, required: true, schema: {type: string}}]")),
      expect: [],
    },
    { name: "operational path", head: spec(op("/healthz", "get")), expect: [] },
    {
      name: "x-internal path",
      head: spec(lines("  /admin/reindex:", "    x-internal: true", "    post:", "      responses: {'202': {description: ok}}")),
      expect: [],
    },
    {
      name: "custom version pattern",
      head: spec(op("/api-2/orders", "get")),
      expect: [],
      config: { rules: { "unversioned-api": { versionSegment: "^api-\\d+$" } } },
    },
    {
      name: "new method on an existing unversioned path",
      base: UNVERSIONED_EXISTING,
      head: UNVERSIONED_EXISTING.replace(
        "      responses: {'200': {description: ok}}\n",
        "      responses: {'200': {description: ok}}\n    post:\n      responses: {'201': {description: ok}}\n",
      ),
      expect: [],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect((await findings(unversionedApi, c.head, { base: c.base, config: c.config })).found).toEqual(c.expect);
    });
  }
});
