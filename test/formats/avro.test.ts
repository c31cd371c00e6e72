import { describe, expect, it } from "vitest";
import { diffAvro, parseAvro } from "../../src/formats/avro/avro.js";
import type { Compatibility } from "../../src/formats/json-schema/diff.js";

function schema(text: string) {
  const parsed = parseAvro(text);
  if (!parsed.ok) throw new Error(`${parsed.line}: ${parsed.message}`);
  return parsed.schema;
}

const diff = (base: string, head: string, mode: Compatibility = "backward") =>
  diffAvro(schema(base), schema(head), mode).map(({ direction, side, line }) => ({ direction, side, line }));

// One field per line so that expected lines are easy to read off.
const record = (...fields: string[]) => `{"type": "record", "name": "Reading", "namespace": "com.acme.iot",\n "fields": [\n${fields.join(",\n")}\n]}`;
const ID = '  {"name": "sensorId", "type": "string"}'; // line 3
const VALUE = '  {"name": "value", "type": "float"}'; // line 4

describe("diffAvro", () => {
  it.each<[string, string, Compatibility, { direction: string; side: string; line: number }[]]>([
    ["float -> double (promotion)", record(ID, '  {"name": "value", "type": "double"}'), "backward", []],
    [
      "float -> double, old readers",
      record(ID, '  {"name": "value", "type": "double"}'),
      "forward",
      [{ direction: "forward", side: "head", line: 4 }],
    ],
    [
      "float -> string",
      record(ID, '  {"name": "value", "type": "string"}'),
      "full",
      [
        { direction: "backward", side: "head", line: 4 },
        { direction: "forward", side: "head", line: 4 },
      ],
    ],
    ["field removed (no default), backward", record(ID), "backward", []],
    ["field removed (no default), forward", record(ID), "forward", [{ direction: "forward", side: "base", line: 4 }]],
    ["field added with default, full", record(ID, VALUE, '  {"name": "unit", "type": "string", "default": "C"}'), "full", []],
    ["field renamed with alias, backward", record(ID, '  {"name": "reading", "type": "float", "aliases": ["value"]}'), "backward", []],
    [
      "field renamed without alias, backward",
      record(ID, '  {"name": "reading", "type": "float"}'),
      "backward",
      [{ direction: "backward", side: "head", line: 4 }],
    ],
  ])("%s", (_name, head, mode, expected) => {
    expect(diff(record(ID, VALUE), head, mode)).toEqual(expected);
  });

  it("recursive records terminate and compare", () => {
    const list = (valueType: string) =>
      `{"type": "record", "name": "Node", "fields": [\n {"name": "value", "type": "${valueType}"},\n {"name": "next", "type": ["null", "Node"], "default": null}\n]}`;
    expect(diff(list("int"), list("long"))).toEqual([]);
    expect(diff(list("long"), list("int"))).toEqual([{ direction: "backward", side: "head", line: 2 }]);
  });

  it("enum with a default accepts removed symbols", () => {
    const e = (symbols: string, extra = "") => `{"type": "enum", "name": "Level", "symbols": [${symbols}]${extra}}`;
    expect(diff(e('"LOW", "HIGH", "CRITICAL"'), e('"LOW", "HIGH"'))).toEqual([{ direction: "backward", side: "head", line: 1 }]);
    expect(diff(e('"LOW", "HIGH", "CRITICAL"', ', "default": "LOW"'), e('"LOW", "HIGH"', ', "default": "LOW"'))).toEqual([]);
  });

  it("arrays and maps are compared item by item", () => {
    const withItems = (t: string) => record(ID, `  {"name": "samples", "type": {"type": "array", "items": "${t}"}}`);
    expect(diff(withItems("int"), withItems("long"))).toEqual([]);
    expect(diff(withItems("long"), withItems("int"))).toEqual([{ direction: "backward", side: "head", line: 4 }]);
  });

  it("reports invalid schemas with a line instead of throwing", () => {
    const parsed = parseAvro('{"type": "record", "name": "R",\n "fields": [{"name": "a", "type": "strin"}]}');
    expect(parsed).toMatchObject({ ok: false, line: 2 });
    expect(parseAvro("{ not json")).toMatchObject({ ok: false, line: 1 });
  });
});

describe("diffAvro: unions", () => {
  const withNote = (type: string) => record(ID, `  {"name": "note", "type": ${type}, "default": null}`);
  it("a branch removed from a union is reported once, at the field", () => {
    expect(diff(withNote('["null", "string", "int"]'), withNote('["null", "string"]'))).toEqual([{ direction: "backward", side: "head", line: 4 }]);
  });
  it("a branch added to a union breaks only old readers", () => {
    expect(diff(withNote('["null", "string"]'), withNote('["null", "string", "int"]'))).toEqual([]);
    expect(diff(withNote('["null", "string"]'), withNote('["null", "string", "int"]'), "forward")).toEqual([
      { direction: "forward", side: "head", line: 4 },
    ]);
  });
  it("a promotable branch change is compatible", () => {
    expect(diff(withNote('["null", "int"]'), withNote('["null", "long"]'))).toEqual([]);
  });
});
