/**
 * unauthenticated-endpoint through `review(change, config)`: a new API operation with no security requirement in a spec
 * that declares how callers authenticate is an error; explicit `security: []`, global security, operational paths and
 * specs with no security scheme are not.
 */
import { describe, expect, it } from "vitest";
import { lines, reviewRule, type RuleRunOptions, type Seen, type Tree } from "../helpers/review.js";

const RULE = "unauthenticated-endpoint";
const NO_SECURITY = "is a new operation with no security requirement: anyone who can reach the API can call it.";

/** A Spring Boot service's contract-first spec: bearer JWT declared, each operation says its own security. */
const ORDERS_PATH = "orders-service/src/main/resources/api/openapi.yaml";
const ORDERS = lines(
  "openapi: 3.0.3", // 1
  "info:", // 2
  "  title: Orders API", // 3
  "  version: 1.4.0", // 4
  "servers:", // 5
  "  - url: https://api.acme.dev/orders", // 6
  "paths:", // 7
  "  /v1/orders:", // 8
  "    get:", // 9
  "      operationId: listOrders", // 10
  "      security:", // 11
  "        - bearerAuth: [orders:read]", // 12
  "      responses:", // 13
  "        '200': {description: The caller's orders}", // 14
  "{NEW}",
  "components:",
  "  securitySchemes:",
  "    bearerAuth:",
  "      type: http",
  "      scheme: bearer",
  "      bearerFormat: JWT",
);
const orders = (added = "") => ORDERS.replace("{NEW}\n", added);

const CANCEL = lines(
  "  /v1/orders/{orderId}/cancel:", // 15
  "    post:", // 16
  "      operationId: cancelOrder", // 17
  "      parameters:", // 18
  "        - {name: orderId, in: path, required: true, schema: {type: string, format: uuid}}", // 19
  "      responses:", // 20
  "        '202': {description: Cancellation accepted}", // 21
);

/** An Express service's spec in JSON, bearer and API keys declared, security per operation. */
const CATALOG_PATH = "catalog-api/openapi.json";
function catalog(extraPaths: Record<string, unknown> = {}): string {
  return `${JSON.stringify(
    {
      openapi: "3.0.3",
      info: { title: "Catalog", version: "2.0.0" },
      paths: {
        "/v2/products": { get: { security: [{ apiKey: [] }], responses: { "200": { description: "Products" } } } },
        ...extraPaths,
      },
      components: { securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } } },
    },
    null,
    2,
  )}\n`;
}

/** A Swagger 2.0 spec of an older Node gateway (securityDefinitions, basePath). */
const LEGACY_PATH = "gateway/docs/swagger.yaml";
const LEGACY = lines(
  "swagger: '2.0'", // 1
  "info: {title: Legacy gateway, version: 0.9.0}", // 2
  "basePath: /api/v1", // 3
  "securityDefinitions:", // 4
  "  oauth:", // 5
  "    type: oauth2", // 6
  "    flow: application", // 7
  "    tokenUrl: https://auth.acme.dev/token", // 8
  "    scopes: {read: read access}", // 9
  "paths:", // 10
  "  /customers:", // 11
  "    get:", // 12
  "      security: [{oauth: [read]}]", // 13
  "      responses: {'200': {description: ok}}", // 14
  "{NEW}",
);

/** A spec with no security scheme at all (a service behind a gateway that authenticates). */
const GATEWAYED_PATH = "inventory/openapi.yaml";
const GATEWAYED = lines(
  "openapi: 3.0.3", // 1
  "info: {title: Inventory, version: 1.0.0}", // 2
  "paths:", // 3
  "  /v1/stock:", // 4
  "    get:", // 5
  "      responses: {'200': {description: ok}}", // 6
  "{NEW}",
);

interface Case {
  name: string;
  base: Tree;
  head: Tree;
  options?: RuleRunOptions;
  expect: [at: string, severity: string, message: string][];
}

const fire: Case[] = [
  {
    name: "Spring service: a new POST without security, in a spec whose other operations carry a bearer requirement",
    base: { [ORDERS_PATH]: orders() },
    head: { [ORDERS_PATH]: orders(CANCEL) },
    expect: [[`${ORDERS_PATH}:16`, "error", `POST /v1/orders/{orderId}/cancel ${NO_SECURITY}`]],
  },
  {
    name: "Express service, JSON spec: a new DELETE without security, reported at its method key",
    base: { [CATALOG_PATH]: catalog() },
    head: { [CATALOG_PATH]: catalog({ "/v2/products/{sku}": { delete: { responses: { "204": { description: "Deleted" } } } } }) },
    expect: [[`${CATALOG_PATH}:23`, "error", `DELETE /v2/products/{sku} ${NO_SECURITY}`]],
  },
  {
    name: "Swagger 2.0 gateway: a new operation without security, with securityDefinitions declared",
    base: { [LEGACY_PATH]: LEGACY.replace("{NEW}\n", "") },
    head: {
      [LEGACY_PATH]: LEGACY.replace("{NEW}\n", lines("  /customers/{id}/export:", "    post:", "      responses: {'202': {description: queued}}")),
    },
    expect: [[`${LEGACY_PATH}:16`, "error", `POST /customers/{id}/export ${NO_SECURITY}`]],
  },
  {
    name: "a new service's spec: each unsecured operation is its own finding, the secured one is not",
    base: {},
    head: {
      "services/payments/api/openapi.yaml": lines(
        "openapi: 3.1.0", // 1
        "info: {title: Payments, version: 1.0.0}", // 2
        "paths:", // 3
        "  /v1/payments:", // 4
        "    post:", // 5
        "      responses: {'201': {description: created}}", // 6
        "    get:", // 7
        "      security: [{oauth2: [payments:read]}]", // 8
        "      responses: {'200': {description: ok}}", // 9
        "  /v1/payments/{id}/refunds:", // 10
        "    post:", // 11
        "      responses: {'201': {description: created}}", // 12
        "components:",
        "  securitySchemes:",
        "    oauth2:",
        "      type: oauth2",
        "      flows: {clientCredentials: {tokenUrl: 'https://auth.acme.dev/token', scopes: {payments:read: read}}}",
      ),
    },
    expect: [
      ["services/payments/api/openapi.yaml:5", "error", `POST /v1/payments ${NO_SECURITY}`],
      ["services/payments/api/openapi.yaml:11", "error", `POST /v1/payments/{id}/refunds ${NO_SECURITY}`],
    ],
  },
  {
    name: "split spec: a new path-item file referenced from the root is reported in that file",
    base: {
      "reports/openapi.yaml": lines(
        "openapi: 3.0.3",
        "info: {title: Reports, version: 1.0.0}",
        "security: []",
        "paths:",
        "  /v1/reports:",
        "    $ref: paths/reports.yaml",
        "components:",
        "  securitySchemes:",
        "    bearer: {type: http, scheme: bearer}",
      ),
      "reports/paths/reports.yaml": lines("get:", "  security: [{bearer: []}]", "  responses: {'200': {description: ok}}"),
    },
    head: {
      "reports/openapi.yaml": lines(
        "openapi: 3.0.3",
        "info: {title: Reports, version: 1.0.0}",
        "security: []",
        "paths:",
        "  /v1/reports:",
        "    $ref: paths/reports.yaml",
        "  /v1/reports/{id}/download:",
        "    $ref: paths/report-download.yaml",
        "components:",
        "  securitySchemes:",
        "    bearer: {type: http, scheme: bearer}",
      ),
      "reports/paths/reports.yaml": lines("get:", "  security: [{bearer: []}]", "  responses: {'200': {description: ok}}"),
      "reports/paths/report-download.yaml": lines(
        "get:", // 1
        "  parameters:",
        "    - {name: id, in: path, required: true, schema: {type: string}}",
        "  responses: {'200': {description: the report}}",
      ),
    },
    expect: [["reports/paths/report-download.yaml:1", "error", `GET /v1/reports/{id}/download ${NO_SECURITY}`]],
  },
  {
    name: "a new method on a path that already existed is a new operation",
    base: { [ORDERS_PATH]: orders() },
    head: {
      [ORDERS_PATH]: orders().replace(
        "        '200': {description: The caller's orders}\n",
        "        '200': {description: The caller's orders}\n    post:\n      responses: {'201': {description: created}}\n",
      ),
    },
    expect: [[`${ORDERS_PATH}:15`, "error", `POST /v1/orders ${NO_SECURITY}`]],
  },
  {
    name: "requireSecuritySchemes: a spec with no scheme at all is judged",
    base: { [GATEWAYED_PATH]: GATEWAYED.replace("{NEW}\n", "") },
    head: {
      [GATEWAYED_PATH]: GATEWAYED.replace("{NEW}\n", lines("  /v1/stock/adjustments:", "    post:", "      responses: {'201': {description: ok}}")),
    },
    options: { config: { rules: { [RULE]: { requireSecuritySchemes: true } } } },
    expect: [[`${GATEWAYED_PATH}:8`, "error", `POST /v1/stock/adjustments ${NO_SECURITY}`]],
  },
  {
    name: "configured as a warning: the same finding does not fail the check",
    base: { [ORDERS_PATH]: orders() },
    head: { [ORDERS_PATH]: orders(CANCEL) },
    options: { config: { rules: { [RULE]: "warning" } } },
    expect: [[`${ORDERS_PATH}:16`, "warning", `POST /v1/orders/{orderId}/cancel ${NO_SECURITY}`]],
  },
];

const pass: Case[] = [
  {
    name: "the new operation carries its own bearer requirement",
    base: { [ORDERS_PATH]: orders() },
    head: {
      [ORDERS_PATH]: orders(
        CANCEL.replace("      operationId: cancelOrder\n", "      operationId: cancelOrder\n      security: [{bearerAuth: [orders:write]}]\n"),
      ),
    },
    expect: [],
  },
  {
    name: "global security covers the new operation",
    base: { [ORDERS_PATH]: orders().replace("paths:\n", "security:\n  - bearerAuth: []\npaths:\n") },
    head: { [ORDERS_PATH]: orders(CANCEL).replace("paths:\n", "security:\n  - bearerAuth: []\npaths:\n") },
    expect: [],
  },
  {
    name: "a login endpoint made public on purpose with security: []",
    base: { [ORDERS_PATH]: orders() },
    head: { [ORDERS_PATH]: orders(lines("  /v1/session:", "    post:", "      security: []", "      responses: {'201': {description: token}}")) },
    expect: [],
  },
  {
    name: "Spring Boot Actuator health and Prometheus endpoints are public by design",
    base: { [ORDERS_PATH]: orders() },
    head: {
      [ORDERS_PATH]: orders(
        lines(
          "  /actuator/health:",
          "    get:",
          "      responses: {'200': {description: UP}}",
          "  /actuator/prometheus/metrics:",
          "    get:",
          "      responses: {'200': {description: samples}}",
        ),
      ),
    },
    expect: [],
  },
  {
    name: "configured publicPaths: a payment provider's webhook",
    base: { [CATALOG_PATH]: catalog() },
    head: { [CATALOG_PATH]: catalog({ "/v2/webhooks/stripe": { post: { responses: { "204": { description: "ok" } } } } }) },
    options: { config: { rules: { [RULE]: { publicPaths: ["/v2/webhooks/**"] } } } },
    expect: [],
  },
  {
    name: "an existing operation that loses its security requirement is not a new operation",
    base: { [LEGACY_PATH]: LEGACY.replace("{NEW}\n", "") },
    head: { [LEGACY_PATH]: LEGACY.replace("{NEW}\n", "").replace("      security: [{oauth: [read]}]\n", "") },
    expect: [],
  },
  {
    name: "a renamed spec whose operations did not change",
    base: { "api/openapi.yaml": orders(CANCEL) },
    head: { "contracts/orders/openapi.yaml": orders(CANCEL) },
    options: { renames: { "contracts/orders/openapi.yaml": "api/openapi.yaml" } },
    expect: [],
  },
  {
    name: "a Spring test resource and a vendored third-party spec are someone else's contract",
    base: {},
    head: {
      "orders-service/src/test/resources/wiremock/openapi.yaml": orders(CANCEL),
      "vendor/stripe/openapi.yaml": orders(CANCEL),
    },
    expect: [],
  },
  {
    name: "a JSON Schema of an event is not an API spec",
    base: {},
    head: {
      "schemas/order-created.schema.json":
        '{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"post": {"type": "string"}}}\n',
    },
    expect: [],
  },
  {
    name: "switched off in the config",
    base: { [ORDERS_PATH]: orders() },
    head: { [ORDERS_PATH]: orders(CANCEL) },
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

  it("a spec that declares no security scheme is noted, not judged", async () => {
    const run = await reviewRule(
      RULE,
      { [GATEWAYED_PATH]: GATEWAYED.replace("{NEW}\n", "") },
      {
        [GATEWAYED_PATH]: GATEWAYED.replace("{NEW}\n", lines("  /v1/stock/adjustments:", "    post:", "      responses: {'201': {description: ok}}")),
      },
    );
    expect(run.findings).toEqual([]);
    expect(run.notes).toContain(
      `unauthenticated-endpoint: ${GATEWAYED_PATH} declares no security schemes, so 1 new operation(s) were not judged (set rules.unauthenticated-endpoint.requireSecuritySchemes to check them)`,
    );
  });
});
