/**
 * Remediation of breaking contract changes in the terms of the contract's format: GraphQL deprecates first, gRPC
 * reserves, OpenAPI versions its paths, Avro adds defaults, AsyncAPI versions its channel.
 */
import { describe, expect, it } from "vitest";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import { lines, type Tree } from "../helpers/review.js";

async function remediation(rule: string, base: Tree, head: Tree): Promise<string> {
  const report = await reviewChange(changeFromTrees(base, head), validateConfig({}, "test"));
  const finding = report.findings.find((f) => f.rule === rule);
  expect(finding, `${rule} finding`).toBeDefined();
  return finding!.remediation ?? "";
}

describe("breaking-api-change advice by format", () => {
  it("GraphQL: @deprecated first, no /vN paths", async () => {
    const schema = (withLegacy: boolean) =>
      lines("type Order {", "  id: ID!", ...(withLegacy ? ["  legacyStatus: String"] : []), "}", "", "type Query {", "  order(id: ID!): Order", "}");
    const advice = await remediation("breaking-api-change", { "api/schema.graphql": schema(true) }, { "api/schema.graphql": schema(false) });
    expect(advice).toMatch(/^Deprecate first: keep the field, argument or enum value and mark it `@deprecated/);
    expect(advice).not.toContain("/vN");
  });

  it("gRPC: reserved numbers and names, new RPCs instead of changed ones", async () => {
    const proto = (withField: boolean) =>
      lines(
        'syntax = "proto3";',
        "package acme.orders.v1;",
        "service Orders {",
        "  rpc GetOrder(GetOrderRequest) returns (Order);",
        ...(withField ? ["  rpc CancelOrder(GetOrderRequest) returns (Order);"] : []),
        "}",
        "message GetOrderRequest {",
        "  string id = 1;",
        "}",
        "message Order {",
        "  string id = 1;",
        ...(withField ? ["  string legacy_status = 2;"] : []),
        "}",
      );
    const advice = await remediation("breaking-api-change", { "proto/orders.proto": proto(true) }, { "proto/orders.proto": proto(false) });
    expect(advice).toContain("`reserved` its number and name");
    expect(advice).toContain("add new RPCs and fields instead of changing existing ones");
  });
});

describe("breaking-event-change advice by format", () => {
  it("Avro: defaults", async () => {
    const avsc = (fields: string) =>
      `{"type":"record","name":"OrderPlaced","namespace":"acme.orders","fields":[{"name":"id","type":"string"}${fields}]}\n`;
    const advice = await remediation(
      "breaking-event-change",
      { "schemas/order-placed.avsc": avsc("") },
      { "schemas/order-placed.avsc": avsc(',{"name":"channel","type":"string"}') },
    );
    expect(advice).toMatch(/^Evolve the Avro schema compatibly: give every added field a `default`/);
  });
});
