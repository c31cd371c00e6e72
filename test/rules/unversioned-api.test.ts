/**
 * unversioned-api through `review(change, config)`: a new public API path with no version in the path, the server URL
 * (or Swagger basePath) or a version header/query parameter is a warning, reported once per path at its path key.
 */
import { describe, expect, it } from "vitest";
import { lines, reviewRule, type RuleRunOptions, type Seen, type Tree } from "../helpers/review.js";

const RULE = "unversioned-api";
const UNVERSIONED = "is a new public path outside a version segment: its contract cannot evolve without breaking the clients that call it.";

/** A Node (Express) service's spec: one unversioned server URL, `{NEW}` takes new path items. */
const SHOP_PATH = "services/shop/openapi.yaml";
function shop(added = "", server = "https://shop.acme.dev"): string {
  return lines(
    "openapi: 3.0.3", // 1
    "info: {title: Shop, version: 3.2.0}", // 2
    "servers:", // 3
    `  - url: ${server}`, // 4
    "security: [{session: []}]", // 5
    "paths:", // 6
    "  /v1/carts:", // 7
    "    get:", // 8
    "      responses: {'200': {description: The cart}}", // 9
    "{NEW}",
    "components:",
    "  securitySchemes:",
    "    session: {type: apiKey, in: cookie, name: SESSION}",
  ).replace("{NEW}\n", added);
}

/** A Spring service's Swagger 2.0 spec: versions come from basePath. */
const LEGACY_PATH = "billing-service/src/main/resources/swagger.yaml";
function legacy(basePath: string, added = ""): string {
  return lines(
    "swagger: '2.0'", // 1
    "info: {title: Billing, version: 1.0.0}", // 2
    "host: billing.acme.dev", // 3
    `basePath: ${basePath}`, // 4
    "paths:", // 5
    "  /invoices:", // 6
    "    get:", // 7
    "      responses: {'200': {description: ok}}", // 8
    "{NEW}",
  ).replace("{NEW}\n", added);
}

const item = (path: string, method = "get", ...body: string[]) =>
  lines(`  ${path}:`, `    ${method}:`, ...body.map((b) => `      ${b}`), "      responses: {'200': {description: ok}}");

interface Case {
  name: string;
  base: Tree;
  head: Tree;
  options?: RuleRunOptions;
  expect: [at: string, severity: string, message: string][];
}

const TEMPLATED_SERVER =
  "https://{region}.shop.acme.dev/{base}\n    variables:\n      region: {default: eu}\n      base: {default: api, enum: [api]}";

const fire: Case[] = [
  {
    name: "server variables substituted by their defaults name no version (https://{region}.shop.acme.dev/{base}, base: api)",
    base: { [SHOP_PATH]: shop("", TEMPLATED_SERVER) },
    head: { [SHOP_PATH]: shop(item("/wishlists"), TEMPLATED_SERVER) },
    expect: [[`${SHOP_PATH}:13`, "warning", `/wishlists ${UNVERSIONED}`]],
  },
  {
    name: "Express service: a new path with no version anywhere, reported at its path key",
    base: { [SHOP_PATH]: shop() },
    head: { [SHOP_PATH]: shop(item("/wishlists")) },
    expect: [[`${SHOP_PATH}:10`, "warning", `/wishlists ${UNVERSIONED}`]],
  },
  {
    name: "one finding per path, not per method; each new path on its own",
    base: { [SHOP_PATH]: shop() },
    head: {
      [SHOP_PATH]: shop(
        lines(
          "  /wishlists:", // 10
          "    get:",
          "      responses: {'200': {description: ok}}",
          "    post:",
          "      responses: {'201': {description: created}}",
          "  /wishlists/{id}/items:", // 15
          "    put:",
          "      responses: {'200': {description: ok}}",
        ),
      ),
    },
    expect: [
      [`${SHOP_PATH}:10`, "warning", `/wishlists ${UNVERSIONED}`],
      [`${SHOP_PATH}:15`, "warning", `/wishlists/{id}/items ${UNVERSIONED}`],
    ],
  },
  {
    name: "Swagger 2.0: a basePath without a version does not version the new path",
    base: { [LEGACY_PATH]: legacy("/api") },
    head: { [LEGACY_PATH]: legacy("/api", item("/credit-notes", "post")) },
    expect: [[`${LEGACY_PATH}:9`, "warning", `/credit-notes ${UNVERSIONED}`]],
  },
  {
    name: "a path-level server without a version replaces the versioned root server",
    base: { [SHOP_PATH]: shop("", "https://shop.acme.dev/v1") },
    head: {
      [SHOP_PATH]: shop(
        lines("  /uploads:", "    servers:", "      - url: https://upload.acme.dev", "    post:", "      responses: {'201': {description: stored}}"),
        "https://shop.acme.dev/v1",
      ),
    },
    expect: [[`${SHOP_PATH}:10`, "warning", `/uploads ${UNVERSIONED}`]],
  },
  {
    name: "split spec: the path item lives in its own file, the finding points at the path key in the root",
    base: {
      "reports/openapi.yaml": lines(
        "openapi: 3.0.3",
        "info: {title: Reports, version: 1.0.0}",
        "servers: [{url: 'https://reports.acme.dev'}]",
        "paths:",
        "  /reports:",
        "    $ref: paths/reports.yaml",
      ),
      "reports/paths/reports.yaml": lines("get:", "  responses: {'200': {description: ok}}"),
    },
    head: {
      "reports/openapi.yaml": lines(
        "openapi: 3.0.3",
        "info: {title: Reports, version: 1.0.0}",
        "servers: [{url: 'https://reports.acme.dev'}]",
        "paths:",
        "  /reports:",
        "    $ref: paths/reports.yaml",
        "  /reports/{id}/download:", // 7
        "    $ref: paths/report-download.yaml",
      ),
      "reports/paths/reports.yaml": lines("get:", "  responses: {'200': {description: ok}}"),
      "reports/paths/report-download.yaml": lines("get:", "  responses: {'200': {description: the file}}"),
    },
    expect: [["reports/openapi.yaml:7", "warning", `/reports/{id}/download ${UNVERSIONED}`]],
  },
  {
    name: "a new service's OpenAPI 3.1 spec in JSON",
    base: {},
    head: {
      "services/search/api/openapi.json": `${JSON.stringify(
        {
          openapi: "3.1.0",
          info: { title: "Search", version: "1.0.0" },
          servers: [{ url: "https://search.acme.dev" }],
          paths: { "/search": { get: { responses: { "200": { description: "hits" } } } } },
        },
        null,
        2,
      )}\n`,
    },
    expect: [["services/search/api/openapi.json:13", "warning", `/search ${UNVERSIONED}`]],
  },
  {
    name: "configured as an error",
    base: { [SHOP_PATH]: shop() },
    head: { [SHOP_PATH]: shop(item("/wishlists")) },
    options: { config: { rules: { [RULE]: "error" } } },
    expect: [[`${SHOP_PATH}:10`, "error", `/wishlists ${UNVERSIONED}`]],
  },
];

const pass: Case[] = [
  { name: "the new path sits under /v1", base: { [SHOP_PATH]: shop() }, head: { [SHOP_PATH]: shop(item("/v1/wishlists")) }, expect: [] },
  {
    name: "the server URL carries the version (https://api/v2)",
    base: { [SHOP_PATH]: shop("", "https://shop.acme.dev/v2") },
    head: { [SHOP_PATH]: shop(item("/wishlists"), "https://shop.acme.dev/v2") },
    expect: [],
  },
  {
    name: "Swagger 2.0: basePath /api/v1 versions every path",
    base: { [LEGACY_PATH]: legacy("/api/v1") },
    head: { [LEGACY_PATH]: legacy("/api/v1", item("/credit-notes", "post")) },
    expect: [],
  },
  {
    name: "a dated version segment, Stripe style",
    base: { [SHOP_PATH]: shop() },
    head: { [SHOP_PATH]: shop(item("/2024-06-01/payment-links", "post")) },
    expect: [],
  },
  {
    name: "the version travels in a header (GitHub's X-GitHub-Api-Version)",
    base: { [SHOP_PATH]: shop() },
    head: {
      [SHOP_PATH]: shop(item("/wishlists", "get", "parameters: [{name: X-GitHub-Api-Version, in: header, required: true, schema: {type: string}}]")),
    },
    expect: [],
  },
  {
    name: "Azure style: a required api-version query parameter shared through components/parameters",
    base: { [SHOP_PATH]: shop() },
    head: {
      [SHOP_PATH]: `${shop(item("/wishlists", "get", "parameters: [{$ref: '#/components/parameters/ApiVersion'}]"))}  parameters:\n    ApiVersion: {name: api-version, in: query, required: true, schema: {type: string}}\n`,
    },
    expect: [],
  },
  {
    name: "an Accept-Version header declared once on the path item",
    base: { [SHOP_PATH]: shop() },
    head: {
      [SHOP_PATH]: shop(
        lines(
          "  /wishlists:",
          "    parameters: [{name: Accept-Version, in: header, required: true, schema: {type: string}}]",
          "    get:",
          "      responses: {'200': {description: ok}}",
        ),
      ),
    },
    expect: [],
  },
  {
    name: "Kubernetes probes and OpenID discovery are unversioned by convention",
    base: { [SHOP_PATH]: shop() },
    head: { [SHOP_PATH]: shop(item("/healthz") + item("/readyz") + item("/.well-known/openid-configuration")) },
    expect: [],
  },
  {
    name: "a path marked x-internal",
    base: { [SHOP_PATH]: shop() },
    head: { [SHOP_PATH]: shop(lines("  /admin/reindex:", "    x-internal: true", "    post:", "      responses: {'202': {description: queued}}")) },
    expect: [],
  },
  {
    name: "a new method on a path that already existed unversioned",
    base: { [LEGACY_PATH]: legacy("/api") },
    head: {
      [LEGACY_PATH]: legacy("/api").replace(
        "      responses: {'200': {description: ok}}\n",
        "      responses: {'200': {description: ok}}\n    post:\n      responses: {'201': {description: ok}}\n",
      ),
    },
    expect: [],
  },
  {
    name: "a repository's own version scheme (release-2 segments) through versionSegment",
    base: { [SHOP_PATH]: shop() },
    head: { [SHOP_PATH]: shop(item("/release-2/wishlists")) },
    options: { config: { rules: { [RULE]: { versionSegment: "^release-\\d+$" } } } },
    expect: [],
  },
  {
    name: "switched off in the config",
    base: { [SHOP_PATH]: shop() },
    head: { [SHOP_PATH]: shop(item("/wishlists")) },
    options: { config: { rules: { [RULE]: "off" } } },
    expect: [],
  },
];

function expected(c: Case): Seen[] {
  return c.expect.map(([at, severity, message]) => ({ at, severity, message }));
}

describe(`${RULE}: must fire`, () => {
  it.each(fire.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const run = await reviewRule(RULE, c.base, c.head, c.options);
    expect(run.problems).toEqual([]);
    expect(run.findings).toEqual(expected(c));
  });
});

describe(`${RULE}: must not fire`, () => {
  it.each(pass.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const run = await reviewRule(RULE, c.base, c.head, c.options);
    expect(run.problems).toEqual([]);
    expect(run.findings).toEqual([]);
  });

  // Server variables are substituted by their defaults, as the OpenAPI specification does: `https://{region}.acme.dev/{version}`
  // with `version` defaulting to `v2` is a versioned server URL.
  it("a server URL whose {version} variable defaults to a version", async () => {
    const server =
      "https://{region}.shop.acme.dev/{version}\n    variables:\n      region: {default: eu}\n      version: {default: v2, enum: [v1, v2]}";
    const run = await reviewRule(RULE, { [SHOP_PATH]: shop("", server) }, { [SHOP_PATH]: shop(item("/wishlists"), server) });
    expect(run.problems).toEqual([]);
    expect(run.findings).toEqual([]);
  });
});
