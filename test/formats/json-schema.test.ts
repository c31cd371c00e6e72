import { describe, expect, it } from "vitest";
import { diffJsonSchemas, schemaFromText, schemaFromValue, SchemaTooComplexError, type Compatibility } from "../../src/formats/json-schema/diff.js";

const lines = (...l: string[]) => l.join("\n");

// An OrderPlaced event schema, one keyword per line so that expected lines are easy to read off.
const BASE = lines(
  "$schema: https://json-schema.org/draft/2020-12/schema", // 1
  "$id: https://events.example.com/order-placed.json", //     2
  "type: object", //                                          3
  "required: [orderId, amount]", //                           4
  "properties:", //                                           5
  "  orderId:", //                                            6
  "    type: string", //                                      7
  "  amount:", //                                             8
  "    type: number", //                                      9
  "  currency:", //                                           10
  "    type: string", //                                      11
  "    enum: [EUR, USD, GBP]", //                             12
  "  note:", //                                               13
  "    type: string", //                                      14
);

function diff(head: string, mode: Compatibility = "backward") {
  const b = schemaFromText("base.yaml", BASE)!;
  const h = schemaFromText("head.yaml", head)!;
  return diffJsonSchemas(b, h, mode).map(({ change, side, line, path, direction }) => ({ change, side, line, path, direction }));
}

describe("diffJsonSchemas", () => {
  it("type change is reported at the head line", () => {
    expect(diff(BASE.replace("    type: number", "    type: string"))).toEqual([
      { change: "TYPE_CHANGED", side: "head", line: 9, path: "#/properties/amount", direction: "backward" },
    ]);
  });

  it("integer to number widens (compatible backward, breaking forward)", () => {
    const base = BASE.replace("    type: number", "    type: integer");
    const b = schemaFromText("b.yaml", base)!;
    const h = schemaFromText("h.yaml", BASE)!;
    expect(diffJsonSchemas(b, h, "backward")).toEqual([]);
    expect(diffJsonSchemas(b, h, "forward").map((x) => [x.change, x.side, x.line])).toEqual([["TYPE_CHANGED", "head", 9]]);
  });

  it("enum value removed breaks backward; added breaks forward", () => {
    expect(diff(BASE.replace("[EUR, USD, GBP]", "[EUR, USD]"))).toEqual([
      { change: "ENUM_ARRAY_NARROWED", side: "head", line: 12, path: "#/properties/currency", direction: "backward" },
    ]);
    expect(diff(BASE.replace("[EUR, USD, GBP]", "[EUR, USD, GBP, CHF]"))).toEqual([]);
    expect(diff(BASE.replace("[EUR, USD, GBP]", "[EUR, USD, GBP, CHF]"), "forward")).toEqual([
      { change: "ENUM_ARRAY_NARROWED", side: "head", line: 12, path: "#/properties/currency", direction: "forward" },
    ]);
  });

  it("new required property breaks backward at its head line", () => {
    const head = BASE.replace("required: [orderId, amount]", "required: [orderId, amount, customerId]") + "\n  customerId:\n    type: string";
    expect(diff(head)).toEqual([
      { change: "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", side: "head", line: 15, path: "#/properties/customerId", direction: "backward" },
    ]);
  });

  it("new required property with a default is compatible", () => {
    const head =
      BASE.replace("required: [orderId, amount]", "required: [orderId, amount, channel]") + "\n  channel:\n    type: string\n    default: web";
    expect(diff(head)).toEqual([]);
  });

  it("removed required property breaks forward (old consumers need it), not backward", () => {
    const head = BASE.replace("required: [orderId, amount]", "required: [orderId]").replace("  amount:\n    type: number\n", "");
    expect(diff(head)).toEqual([]);
    expect(diff(head, "forward")).toEqual([
      { change: "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", side: "base", line: 8, path: "#/properties/amount", direction: "forward" },
    ]);
  });

  it("optional property added to an open schema is compatible in every mode", () => {
    const head = BASE + "\n  channel:\n    type: string";
    expect(diff(head, "full")).toEqual([]);
  });

  it("additionalProperties tightened to false", () => {
    const head = BASE.replace("type: object", "type: object\nadditionalProperties: false");
    expect(diff(head)).toEqual([
      { change: "ADDITIONAL_PROPERTIES_REMOVED", side: "head", line: 4, path: "#/additionalProperties", direction: "backward" },
    ]);
  });

  it("property removed from a closed schema", () => {
    const closedBase = BASE.replace("type: object", "type: object\nadditionalProperties: false");
    const closedHead = closedBase.replace("  note:\n    type: string", "");
    const b = schemaFromText("b.yaml", closedBase)!;
    const h = schemaFromText("h.yaml", closedHead)!;
    expect(diffJsonSchemas(b, h, "backward").map((x) => [x.change, x.side, x.line])).toEqual([
      ["PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "base", 14],
    ]);
  });

  it("tightened string length and new pattern", () => {
    const head = BASE.replace("  orderId:\n    type: string", "  orderId:\n    type: string\n    maxLength: 36\n    pattern: '^ord_'");
    expect(diff(head).map((x) => [x.change, x.line])).toEqual([
      ["MAX_LENGTH_ADDED", 8],
      ["PATTERN_ADDED", 9],
    ]);
  });

  it("follows internal $refs and reports at the referenced definition", () => {
    const withRef = (t: string) =>
      lines(
        "type: object",
        "properties:",
        "  total:",
        "    $ref: '#/$defs/Money'",
        "$defs:",
        "  Money:",
        "    type: object",
        "    properties:",
        "      units:",
        `        type: ${t}`,
      );
    const b = schemaFromText("b.yaml", withRef("integer"))!;
    const h = schemaFromText("h.yaml", withRef("string"))!;
    expect(diffJsonSchemas(b, h, "backward").map((x) => [x.change, x.path, x.line])).toEqual([
      ["TYPE_CHANGED", "#/properties/total/properties/units", 10],
    ]);
  });

  it("survives recursive schemas", () => {
    const tree = lines(
      "$defs:",
      "  Node:",
      "    type: object",
      "    properties:",
      "      child:",
      "        $ref: '#/$defs/Node'",
      "$ref: '#/$defs/Node'",
    );
    const b = schemaFromText("b.yaml", tree)!;
    const h = schemaFromText("h.yaml", tree)!;
    expect(diffJsonSchemas(b, h, "full")).toEqual([]);
  });

  it("oneOf losing an alternative", () => {
    const b = schemaFromText("b.json", '{"oneOf": [{"type": "string"}, {"type": "number"}]}')!;
    const h = schemaFromText("h.json", '{"oneOf": [{"type": "string"}]}')!;
    expect(diffJsonSchemas(b, h, "backward").map((x) => x.change)).toEqual(["SUM_TYPE_NARROWED"]);
  });
});

describe("diffJsonSchemas: pathological schemas", () => {
  const nest = (depth: number, leaf: string): unknown =>
    depth === 0 ? { type: leaf, minLength: 1 } : { oneOf: [0, 1, 2, 3].map(() => nest(depth - 1, leaf)) };
  it("gives up with SchemaTooComplexError instead of running for hours", () => {
    expect(() => diffJsonSchemas(schemaFromValue("b", nest(7, "string")), schemaFromValue("h", nest(7, "integer")), "backward")).toThrow(
      SchemaTooComplexError,
    );
  });
});

describe("diffJsonSchemas: schemas without a type", () => {
  const d = (base: string, head: string) =>
    diffJsonSchemas(schemaFromText("b.json", base)!, schemaFromText("h.json", head)!, "backward").map((x) => x.change);
  it.each([
    ['{"properties": {"a": {"type": "string"}}}', '{"type": "object", "properties": {"a": {"type": "string"}}}', []],
    ['{"minLength": 1}', '{"type": "string", "minLength": 1}', []],
    ['{"maximum": 10}', '{"type": "integer", "maximum": 10}', ["TYPE_NARROWED"]],
    ['{"properties": {"a": {}}}', '{"type": "array"}', ["TYPE_CHANGED"]],
    ['{"description": "anything"}', '{"type": "object"}', ["TYPE_NARROWED"]],
    ['{"x-kafka-topic": "t", "format": "uuid"}', '{"description": "still anything"}', []],
  ])("%s -> %s", (base, head, expected) => {
    expect(d(base, head)).toEqual(expected);
  });
});

describe("nullable: one rule for OpenAPI and event schemas", () => {
  // An AsyncAPI-style payload written with OpenAPI schema objects: `nullable: true` on a typed property.
  const payload = (note: string) =>
    lines(
      "type: object", //            1
      "properties:", //             2
      "  note:", //                 3
      `    ${note}`, //             4
    );
  const run = (base: string, head: string, mode: Compatibility) =>
    diffJsonSchemas(schemaFromText("base.yaml", base)!, schemaFromText("head.yaml", head)!, mode).map(({ change, side, line, path, direction }) => ({
      change,
      side,
      line,
      path,
      direction,
    }));

  it("dropping nullable narrows what readers on the new schema accept (backward)", () => {
    expect(run(payload("{type: string, nullable: true}"), payload("{type: string}"), "backward")).toEqual([
      { change: "TYPE_NARROWED", side: "head", line: 4, path: "#/properties/note", direction: "backward" },
    ]);
  });

  it("adding nullable (or Swagger's x-nullable) lets producers send null that old readers reject (forward)", () => {
    for (const head of ["{type: string, nullable: true}", "{type: string, x-nullable: true}"]) {
      expect(run(payload("{type: string}"), payload(head), "forward")).toEqual([
        { change: "TYPE_NARROWED", side: "head", line: 4, path: "#/properties/note", direction: "forward" },
      ]);
      expect(run(payload("{type: string}"), payload(head), "backward")).toEqual([]);
    }
  });

  it("nullable without a type has no effect (OpenAPI 3.0.3), and nullable: false is not nullable", () => {
    expect(run(payload("{nullable: true}"), payload("{description: a note}"), "full")).toEqual([]);
    expect(run(payload("{type: string, nullable: false}"), payload("{type: string}"), "full")).toEqual([]);
  });
});
