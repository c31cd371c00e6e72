/**
 * command-idempotency through `review(change, config)`: a new POST or PATCH with no idempotency header, no idempotency
 * property in its body and no declared strategy is a warning at its method key; PUT, DELETE, queries shaped as POSTs
 * and operations the PR did not add are not judged.
 */
import { describe, expect, it } from "vitest";
import { lines, reviewRule, type RuleRunOptions, type Seen, type Tree } from "../helpers/review.js";

const RULE = "command-idempotency";
const NO_KEY = "is a new command with no idempotency key or declared strategy: a client or proxy retry after a timeout can apply it twice.";

/** A Stripe-like payments service (Spring Boot, contract first): `{NEW}` takes new path items. */
const PAYMENTS_PATH = "payments-service/src/main/resources/openapi/payments.yaml";
function payments(added = ""): string {
  return lines(
    "openapi: 3.0.3", // 1
    "info: {title: Payments, version: 1.0.0}", // 2
    "security: [{bearer: []}]", // 3
    "paths:", // 4
    "  /v1/charges:", // 5
    "    post:", // 6
    "      parameters: [{$ref: '#/components/parameters/IdempotencyKey'}]", // 7
    "      requestBody: {$ref: '#/components/requestBodies/Charge'}", // 8
    "      responses: {'201': {description: Charge created}}", // 9
    "{NEW}",
    "components:",
    "  securitySchemes:",
    "    bearer: {type: http, scheme: bearer}",
    "  parameters:",
    "    IdempotencyKey: {name: Idempotency-Key, in: header, required: true, schema: {type: string, maxLength: 255}}",
    "  schemas:",
    "    Charge: {type: object, properties: {amount: {type: integer}, currency: {type: string}}}",
    "    Refund:",
    "      type: object",
    "      properties:",
    "        charge: {type: string}",
    "        amount: {type: integer}",
    "        client_token: {type: string, description: Makes a retried request safe}",
    "  requestBodies:",
    "    Charge: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Charge'}}}}",
  ).replace("{NEW}\n", added);
}

/** `path` with one operation; `body` lines go inside the operation. */
const op = (path: string, method: string, ...body: string[]) =>
  lines(`  ${path}:`, `    ${method}:`, ...body.map((b) => `      ${b}`), "      responses: {'200': {description: ok}}");

/** A Swagger 2.0 spec of a Node order service. */
const ORDERS_PATH = "orders/api/swagger.yaml";
function orders(added = ""): string {
  return lines(
    "swagger: '2.0'", // 1
    "info: {title: Orders, version: 2.3.0}", // 2
    "basePath: /api/v2", // 3
    "paths:", // 4
    "  /orders:", // 5
    "    get:", // 6
    "      responses: {'200': {description: ok}}", // 7
    "{NEW}",
  ).replace("{NEW}\n", added);
}

interface Case {
  name: string;
  base: Tree;
  head: Tree;
  options?: RuleRunOptions;
  expect: [at: string, severity: string, message: string][];
}

const fire: Case[] = [
  {
    name: "Stripe-like refunds: a new POST without Idempotency-Key, next to a charge endpoint that has one",
    base: { [PAYMENTS_PATH]: payments() },
    head: {
      [PAYMENTS_PATH]: payments(
        op("/v1/refunds", "post", "requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Charge'}}}}"),
      ),
    },
    expect: [[`${PAYMENTS_PATH}:11`, "warning", `POST /v1/refunds ${NO_KEY}`]],
  },
  {
    name: "a oneOf body where only one branch carries the client token: the other branch is retried unsafely",
    base: { [PAYMENTS_PATH]: payments() },
    head: {
      [PAYMENTS_PATH]: payments(
        op(
          "/v1/refunds",
          "post",
          "requestBody: {content: {application/json: {schema: {oneOf: [{$ref: '#/components/schemas/Refund'}, {type: object, properties: {reason: {type: string}}}]}}}}",
        ),
      ),
    },
    expect: [[`${PAYMENTS_PATH}:11`, "warning", `POST /v1/refunds ${NO_KEY}`]],
  },
  {
    name: "a new PATCH that changes a charge",
    base: { [PAYMENTS_PATH]: payments() },
    head: {
      [PAYMENTS_PATH]: payments(op("/v1/charges/{id}", "patch", "parameters: [{name: id, in: path, required: true, schema: {type: string}}]")),
    },
    expect: [[`${PAYMENTS_PATH}:11`, "warning", `PATCH /v1/charges/{id} ${NO_KEY}`]],
  },
  {
    name: "a request-id header is tracing, not an idempotency key",
    base: { [PAYMENTS_PATH]: payments() },
    head: { [PAYMENTS_PATH]: payments(op("/v1/payouts", "post", "parameters: [{name: X-Request-Id, in: header, schema: {type: string}}]")) },
    expect: [[`${PAYMENTS_PATH}:11`, "warning", `POST /v1/payouts ${NO_KEY}`]],
  },
  {
    name: "Swagger 2.0: a new POST with a plain body parameter",
    base: { [ORDERS_PATH]: orders() },
    head: {
      [ORDERS_PATH]: orders(
        op("/orders/{id}/returns", "post", "parameters: [{name: body, in: body, schema: {type: object, properties: {reason: {type: string}}}}]"),
      ),
    },
    expect: [[`${ORDERS_PATH}:9`, "warning", `POST /orders/{id}/returns ${NO_KEY}`]],
  },
  {
    name: "a new service's spec: POST and PATCH are reported, GET and PUT are not",
    base: {},
    head: {
      "services/subscriptions/openapi.yaml": lines(
        "openapi: 3.1.0", // 1
        "info: {title: Subscriptions, version: 1.0.0}", // 2
        "paths:", // 3
        "  /v1/subscriptions:", // 4
        "    get:", // 5
        "      responses: {'200': {description: ok}}", // 6
        "    post:", // 7
        "      responses: {'201': {description: created}}", // 8
        "  /v1/subscriptions/{id}:", // 9
        "    put:", // 10
        "      responses: {'200': {description: replaced}}", // 11
        "    patch:", // 12
        "      responses: {'200': {description: updated}}", // 13
      ),
    },
    expect: [
      ["services/subscriptions/openapi.yaml:7", "warning", `POST /v1/subscriptions ${NO_KEY}`],
      ["services/subscriptions/openapi.yaml:12", "warning", `PATCH /v1/subscriptions/{id} ${NO_KEY}`],
    ],
  },
  {
    name: "methods [post, delete]: a DELETE that sends mail is judged as a command",
    base: { [ORDERS_PATH]: orders() },
    head: { [ORDERS_PATH]: orders(op("/orders/{id}", "delete")) },
    options: { config: { rules: { [RULE]: { methods: ["post", "delete"] } } } },
    expect: [[`${ORDERS_PATH}:9`, "warning", `DELETE /orders/{id} ${NO_KEY}`]],
  },
  {
    name: "configured as an error",
    base: { [PAYMENTS_PATH]: payments() },
    head: { [PAYMENTS_PATH]: payments(op("/v1/payouts", "post")) },
    options: { config: { rules: { [RULE]: "error" } } },
    expect: [[`${PAYMENTS_PATH}:11`, "error", `POST /v1/payouts ${NO_KEY}`]],
  },
];

const pass: Case[] = [
  {
    name: "the shared Idempotency-Key header parameter, through $ref",
    base: { [PAYMENTS_PATH]: payments() },
    head: { [PAYMENTS_PATH]: payments(op("/v1/refunds", "post", "parameters: [{$ref: '#/components/parameters/IdempotencyKey'}]")) },
    expect: [],
  },
  {
    name: "an x-idempotency-key header, spelled in lower case",
    base: { [ORDERS_PATH]: orders() },
    head: { [ORDERS_PATH]: orders(op("/orders/{id}/returns", "post", "parameters: [{name: x-idempotency-key, in: header, type: string}]")) },
    expect: [],
  },
  {
    name: "AWS style: a client_token property in the $ref'd body schema",
    base: { [PAYMENTS_PATH]: payments() },
    head: {
      [PAYMENTS_PATH]: payments(
        op("/v1/refunds", "post", "requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Refund'}}}}"),
      ),
    },
    expect: [],
  },
  {
    name: "a natural-key strategy declared with x-idempotency on the path item",
    base: { [PAYMENTS_PATH]: payments() },
    head: {
      [PAYMENTS_PATH]: payments(
        lines(
          "  /v1/customers:",
          "    x-idempotency: {strategy: natural-key, key: email}",
          "    post:",
          "      responses: {'201': {description: ok}}",
        ),
      ),
    },
    expect: [],
  },
  {
    name: "PUT replaces a resource and is idempotent by HTTP semantics",
    base: { [PAYMENTS_PATH]: payments() },
    head: { [PAYMENTS_PATH]: payments(op("/v1/customers/{id}/tax-ids/{taxId}", "put")) },
    expect: [],
  },
  {
    name: "POST endpoints that only read: Elasticsearch-style _search and a GraphQL endpoint",
    base: { [ORDERS_PATH]: orders() },
    head: { [ORDERS_PATH]: orders(op("/orders/_search", "post") + op("/graphql", "post")) },
    expect: [],
  },
  {
    name: "an existing POST whose idempotency header is removed is not a new command",
    base: { [PAYMENTS_PATH]: payments() },
    head: { [PAYMENTS_PATH]: payments().replace("      parameters: [{$ref: '#/components/parameters/IdempotencyKey'}]\n", "") },
    expect: [],
  },
  {
    name: "a repository's own key header through headers",
    base: { [ORDERS_PATH]: orders() },
    head: { [ORDERS_PATH]: orders(op("/orders/{id}/returns", "post", "parameters: [{name: X-Dedup-Token, in: header, type: string}]")) },
    options: { config: { rules: { [RULE]: { headers: ["X-Dedup-Token"] } } } },
    expect: [],
  },
  {
    name: "switched off in the config",
    base: { [PAYMENTS_PATH]: payments() },
    head: { [PAYMENTS_PATH]: payments(op("/v1/payouts", "post")) },
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

  // A body composed with `allOf` (a shared base schema carrying `client_token`, plus the operation's own fields)
  // has the idempotency property the docs accept ("its request body has an idempotency property").
  it("an idempotency property that reaches the body through allOf", async () => {
    const body = [
      "requestBody:",
      "  content:",
      "    application/json:",
      "      schema:",
      "        allOf:",
      "          - $ref: '#/components/schemas/Refund'",
      "          - {type: object, properties: {reason: {type: string}}}",
    ];
    const run = await reviewRule(RULE, { [PAYMENTS_PATH]: payments() }, { [PAYMENTS_PATH]: payments(op("/v1/refunds", "post", ...body)) });
    expect(run.problems).toEqual([]);
    expect(run.findings).toEqual([]);
  });
});
