/** Edge cases of breaking-event-change beyond the fixture scenarios: bad input, $ref sandboxing, modes, keys. */
import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { breakingEventChange } from "../../src/rules/breaking-event-change.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

type Tree = Record<string, string>;

async function run(
  base: Tree,
  head: Tree,
  options: { config?: Record<string, unknown>; description?: string; renames?: Record<string, string> } = {},
) {
  const change = changeFromTrees(base, head, { description: options.description, renames: options.renames });
  const report = await reviewChange(change, validateConfig(options.config ?? {}, "test"), { rules: [breakingEventChange] });
  return {
    findings: report.findings.map((f) => ({ file: f.file, line: f.line, baseLine: f.baseLine, id: f.id, message: f.message })),
    problems: report.problems,
    notes: report.notes.map(noteText),
  };
}

const at = (r: { findings: { file: string; line?: number }[] }) => r.findings.map((f) => `${f.file}:${f.line}`);

const lines = (...l: string[]) => l.join("\n") + "\n";

const ASYNC = (payloadRef: string) =>
  lines(
    "asyncapi: 2.6.0", //                       1
    "info:", //                                 2
    "  title: Billing events", //               3
    "  version: 1.0.0", //                      4
    "channels:", //                             5
    "  billing.invoice-issued.v1:", //          6
    "    subscribe:", //                        7
    "      message:", //                        8
    "        name: InvoiceIssued", //           9
    "        payload:", //                      10
    `          $ref: '${payloadRef}'`, //       11
  );

const INVOICE = (amountType: string) =>
  lines(
    "type: object", //               1
    "required: [invoiceId, amount]", // 2
    "properties:", //                3
    "  invoiceId:", //               4
    "    type: string", //           5
    "  amount:", //                  6
    `    type: ${amountType}`, //    7
  );

describe("breaking-event-change: $refs stay inside the PR's tree", () => {
  it("follows a relative file $ref and reports in the referenced file", async () => {
    const base = { "billing/asyncapi.yaml": ASYNC("./schemas/invoice-issued.yaml"), "billing/schemas/invoice-issued.yaml": INVOICE("number") };
    const head = {
      "billing/asyncapi.yaml": ASYNC("./schemas/invoice-issued.yaml").replace("1.0.0", "1.1.0"),
      "billing/schemas/invoice-issued.yaml": INVOICE("string"),
    };
    const r = await run(base, head);
    expect(at(r)).toEqual(["billing/schemas/invoice-issued.yaml:7"]);
    expect(r.problems).toEqual([]);
  });

  it("judges an unchanged AsyncAPI document through the changed schema file it references", async () => {
    const base = { "billing/asyncapi.yaml": ASYNC("./schemas/invoice-issued.yaml"), "billing/schemas/invoice-issued.yaml": INVOICE("number") };
    const head = { "billing/asyncapi.yaml": ASYNC("./schemas/invoice-issued.yaml"), "billing/schemas/invoice-issued.yaml": INVOICE("string") };
    const r = await run(base, head);
    expect(at(r)).toEqual(["billing/schemas/invoice-issued.yaml:7"]);
    expect(r.findings[0]!.message).toContain("message billing.invoice-issued.v1 InvoiceIssued payload");
  });

  it("never reads URLs or paths outside the repository, and says so", async () => {
    for (const ref of ["https://schemas.example.com/invoice.yaml", "../../etc/passwd", "/etc/hostname"]) {
      const doc = ASYNC(ref);
      // A material (non-breaking) change, so the document counts as an event-contract change.
      const withChannel = doc + "  billing.invoice-voided.v1:\n    subscribe:\n      message:\n        payload:\n          type: object\n";
      const r = await run({ "billing/asyncapi.yaml": doc }, { "billing/asyncapi.yaml": withChannel });
      expect(r.findings).toEqual([]);
      expect(r.notes.some((n) => n.includes(`billing/asyncapi.yaml:11: $ref ${ref}`))).toBe(true);
    }
  });
});

describe("breaking-event-change: bad input", () => {
  it("a head AsyncAPI document that does not parse is a problem naming file and line", async () => {
    const doc = ASYNC("#/components/schemas/X");
    const r = await run({ "billing/asyncapi.yaml": doc }, { "billing/asyncapi.yaml": doc.replace("    subscribe:", "    subscribe: [") });
    expect(r.findings).toEqual([]);
    // The YAML parser places the error where the unclosed flow sequence is detected.
    expect(r.problems.map((p) => [p.file, p.line])).toEqual([["billing/asyncapi.yaml", 9]]);
    expect(r.problems[0]!.message).toMatch(/^breaking-event-change: billing\/asyncapi.yaml does not parse/);
  });

  it("an invalid head Avro schema is a problem; an invalid base is only noted", async () => {
    const good = '{"type": "record", "name": "A", "fields": [{"name": "x", "type": "int"}]}\n';
    const bad = '{"type": "record", "name": "A",\n "fields": [{"name": "x", "type": "integer"}]}\n';
    const broken = await run({ "schemas/a.avsc": good }, { "schemas/a.avsc": bad });
    expect(broken.problems.map((p) => [p.file, p.line])).toEqual([["schemas/a.avsc", 2]]);
    expect(broken.problems[0]!.message).toContain("integer");
    const fixed = await run({ "schemas/a.avsc": bad }, { "schemas/a.avsc": good });
    expect(fixed.problems).toEqual([]);
    expect(fixed.findings).toEqual([]);
    expect(fixed.notes.some((n) => n.includes("schemas/a.avsc:2"))).toBe(true);
  });

  it("a head .proto that does not parse is a problem with its line", async () => {
    const good = 'syntax = "proto3";\nmessage Ping {\n  int32 seq = 1;\n}\n';
    const r = await run({ "events/ping.proto": good }, { "events/ping.proto": good.replace("int32 seq = 1;", "int32 seq = ;") });
    expect(r.problems.map((p) => [p.file, p.line])).toEqual([["events/ping.proto", 3]]);
  });

  it("an oversized schema file is never judged: the review fails closed naming it and the limit", async () => {
    const big = '{"type": "record", "name": "A", "fields": []}' + " ".repeat(2000);
    const r = await run({ "schemas/a.avsc": big }, { "schemas/a.avsc": big + " " }, { config: { limits: { maxFileBytes: 1000 } } });
    expect(r.findings).toEqual([]);
    expect(r.problems).toEqual([
      expect.objectContaining({ file: "schemas/a.avsc", message: expect.stringContaining("over the size limit of 1,000 bytes") }),
    ]);
  });
});

describe("breaking-event-change: compatibility modes", () => {
  const schema = (symbols: string) =>
    `{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {\n"kind": {"enum": [${symbols}]}}}\n`;
  const path = "events/schemas/parcel-event.json";
  it.each([
    ["backward", '"a", "b", "c"', []],
    ["forward", '"a", "b", "c"', [`${path}:2`]],
    ["full", '"a", "b", "c"', [`${path}:2`]],
    ["backward", '"a"', [`${path}:2`]],
    ["forward", '"a"', []],
    ["full", '"a"', [`${path}:2`]],
  ])("%s mode, enum [a, b] -> [%s]", async (mode, symbols, expected) => {
    const r = await run(
      { [path]: schema('"a", "b"') },
      { [path]: schema(symbols) },
      { config: { rules: { "breaking-event-change": { compatibility: mode } } } },
    );
    expect(at(r)).toEqual(expected);
  });

  it("rejects an unknown mode in the config", () => {
    expect(() => validateConfig({ rules: { "breaking-event-change": { compatibility: "sideways" } } }, "archgate.yml")).toThrow();
  });
});

describe("breaking-event-change: Avro details", () => {
  const record = (fields: string, name = "Shipment", extra = "") =>
    `{"type": "record", "name": "${name}", "namespace": "com.acme"${extra},\n "fields": [\n${fields}\n]}\n`;
  const P = "schemas/shipment.avsc";
  it("a union that no longer accepts null breaks at the field", async () => {
    const r = await run(
      { [P]: record('{"name": "note", "type": ["null", "string"], "default": null}') },
      { [P]: record('{"name": "note", "type": "string", "default": ""}') },
    );
    expect(at(r)).toEqual([`${P}:3`]);
  });
  it("a record renamed without aliases breaks; with aliases it does not", async () => {
    const fields = '{"name": "id", "type": "string"}';
    expect(at(await run({ [P]: record(fields) }, { [P]: record(fields, "Parcel") }))).toEqual([`${P}:1`]);
    expect(at(await run({ [P]: record(fields) }, { [P]: record(fields, "Parcel", ', "aliases": ["com.acme.Shipment"]') }))).toEqual([]);
  });
  it("int promoted to long is backward compatible", async () => {
    expect(at(await run({ [P]: record('{"name": "n", "type": "int"}') }, { [P]: record('{"name": "n", "type": "long"}') }))).toEqual([]);
  });
  it("renamed file: base-side breaks name the base path", async () => {
    const r = await run(
      { "schemas/old.avsc": record('{"name": "id", "type": "string"},\n{"name": "n", "type": "int"}') },
      { "schemas/new.avsc": record('{"name": "id", "type": "string"}') },
      { renames: { "schemas/new.avsc": "schemas/old.avsc" }, config: { rules: { "breaking-event-change": { compatibility: "forward" } } } },
    );
    expect(at(r)).toEqual(["schemas/old.avsc:1"]);
  });
});

describe("breaking-event-change: finding keys and the migration plan", () => {
  const proto = (prefix: string, body: string) => `${prefix}syntax = "proto3";\nmessage Shipped {\n${body}}\n`;
  const P = "events/shipping.proto";
  it("finding ids do not change when unrelated lines move", async () => {
    const a = await run({ [P]: proto("", "  string id = 1;\n  int64 at = 2;\n") }, { [P]: proto("", "  string id = 1;\n") });
    const b = await run(
      { [P]: proto("// header\n\n", "  string id = 1;\n  int64 at = 2;\n") },
      { [P]: proto("// header\n\n", "  string id = 1;\n") },
    );
    // The removed field is annotated on its message, which is still there at head; the base line is kept.
    expect(at(a)).toEqual([`${P}:2`]);
    expect(at(b)).toEqual([`${P}:4`]);
    expect([a.findings[0]!.baseLine, b.findings[0]!.baseLine]).toEqual([4, 6]);
    expect(a.findings[0]!.message).toContain("(line 4 in the base version)");
    expect(a.findings[0]!.id).toBe(b.findings[0]!.id);
  });
  it("a custom migration-plan heading accepts the breaks and leaves a note (acceptedBy: author)", async () => {
    const base = { [P]: proto("", "  string id = 1;\n  int64 at = 2;\n") };
    const head = { [P]: proto("", "  string id = 1;\n") };
    const config = { migrationPlan: { heading: "Rollout", acceptedBy: "author" } };
    const accepted = await run(base, head, { config, description: "### Rollout\nevery consumer was upgraded to read without `at` in #812" });
    expect(accepted.findings).toEqual([]);
    expect(accepted.notes.some((n) => n.startsWith("breaking-event-change: 1 breaking change(s) accepted"))).toBe(true);
    const emptySection = await run(base, head, { config, description: "### Rollout\n\n## Testing\nunit tests" });
    expect(at(emptySection)).toEqual([`${P}:2`]);
  });
});

describe("breaking-event-change: AsyncAPI with Avro payloads", () => {
  const doc = (ref: string) =>
    lines(
      "asyncapi: 2.6.0",
      "info: { title: Fleet, version: 1.0.0 }",
      "channels:",
      "  fleet.vehicle-moved.v1:",
      "    publish:",
      "      message:",
      "        name: VehicleMoved",
      "        schemaFormat: application/vnd.apache.avro;version=1.9.0",
      "        payload:",
      `          $ref: '${ref}'`,
    );
  const avsc = (extra: string) =>
    `{"type": "record", "name": "VehicleMoved", "namespace": "com.acme.fleet",\n "fields": [\n  {"name": "vehicleId", "type": "string"}${extra}\n ]}\n`;
  it("compares an Avro payload kept in an .avsc file with avsc, at the line in that file", async () => {
    const base = { "fleet/asyncapi.yaml": doc("./avro/vehicle-moved.avsc"), "fleet/avro/vehicle-moved.avsc": avsc("") };
    const head = {
      "fleet/asyncapi.yaml": doc("./avro/vehicle-moved.avsc").replace("1.0.0", "1.1.0"),
      "fleet/avro/vehicle-moved.avsc": avsc(',\n  {"name": "speedKmh", "type": "double"}'),
    };
    const r = await run(base, head);
    expect(at(r)).toEqual(["fleet/avro/vehicle-moved.avsc:4"]);
  });
  it("notes payload formats it cannot compare", async () => {
    const text = doc("#/components/schemas/X").replace("application/vnd.apache.avro;version=1.9.0", "application/vnd.google.protobuf;version=3");
    const r = await run(
      { "fleet/asyncapi.yaml": text + "components: { schemas: { X: { type: string } } }\n" },
      { "fleet/asyncapi.yaml": text + "components: { schemas: { X: { type: integer } } }\n" },
    );
    expect(r.findings).toEqual([]);
    expect(r.notes.some((n) => n.includes("uses schemaFormat application/vnd.google.protobuf;version=3; its payload is not compared"))).toBe(true);
  });
});

describe("breaking-event-change: AsyncAPI 3 details", () => {
  const doc = (channelId: string, payload: string) =>
    lines(
      "asyncapi: 3.0.0", //                         1
      "info: { title: Fleet, version: 1.0.0 }", //  2
      "channels:", //                               3
      `  ${channelId}:`, //                         4
      "    address: fleet/vehicle/moved", //        5
      "    messages:", //                           6
      "      VehicleMoved:", //                     7
      "        payload:", //                        8
      payload,
    );
  const multiFormat = (type: string) =>
    lines(
      "          schemaFormat: application/vnd.aai.asyncapi+json;version=3.0.0",
      "          schema:",
      "            type: object",
      "            properties:",
      "              km:",
      `                type: ${type}`,
    ).trimEnd();
  it("a renamed channel id with the same address is not a removal", async () => {
    const payload = "          type: object";
    const r = await run({ "fleet/asyncapi.yaml": doc("vehicleMoved", payload) }, { "fleet/asyncapi.yaml": doc("vehicleMovedV1", payload) });
    expect(r.findings).toEqual([]);
  });
  it("compares Multi Format Schema Object payloads", async () => {
    const r = await run(
      { "fleet/asyncapi.yaml": doc("vehicleMoved", multiFormat("number")) },
      { "fleet/asyncapi.yaml": doc("vehicleMoved", multiFormat("string")) },
    );
    expect(at(r)).toEqual(["fleet/asyncapi.yaml:14"]);
  });
});

describe("breaking-event-change: Avro schemas that name types from other files", () => {
  const money =
    '{"type": "record", "name": "Money", "namespace": "com.acme.common",\n "fields": [{"name": "units", "type": "long"}, {"name": "currency", "type": "string"}]}\n';
  const order = (extra: string) =>
    `{"type": "record", "name": "OrderPlaced", "namespace": "com.acme.orders",\n "fields": [\n  {"name": "orderId", "type": "string"},\n  {"name": "total", "type": "com.acme.common.Money"}${extra}\n ]}\n`;
  it("resolves the named type from its own .avsc file and judges the change", async () => {
    const base = { "avro/common/Money.avsc": money, "avro/orders/OrderPlaced.avsc": order("") };
    const head = { "avro/common/Money.avsc": money, "avro/orders/OrderPlaced.avsc": order(',\n  {"name": "tax", "type": "com.acme.common.Money"}') };
    const r = await run(base, head);
    expect(r.problems).toEqual([]);
    expect(at(r)).toEqual(["avro/orders/OrderPlaced.avsc:5"]);
  });
  it("a compatible change next to an imported type passes", async () => {
    const base = { "avro/common/Money.avsc": money, "avro/orders/OrderPlaced.avsc": order("") };
    const head = {
      "avro/common/Money.avsc": money,
      "avro/orders/OrderPlaced.avsc": order(',\n  {"name": "note", "type": ["null", "string"], "default": null}'),
    };
    const r = await run(base, head);
    expect(r.problems).toEqual([]);
    expect(r.findings).toEqual([]);
  });
  it("a type defined nowhere in the tree is a problem naming the file", async () => {
    const r = await run(
      { "avro/orders/OrderPlaced.avsc": order("") },
      { "avro/orders/OrderPlaced.avsc": order(',\n  {"name": "x", "type": "int", "default": 0}') },
    );
    expect(r.problems.map((p) => p.file)).toEqual(["avro/orders/OrderPlaced.avsc"]);
    expect(r.problems[0]!.message).toContain("com.acme.common.Money");
  });
});

describe("breaking-event-change: several breaks on one line", () => {
  const schema = (code: string) =>
    `{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",\n "properties": {\n  "code": ${code}\n }}\n`;
  it("keeps each of them (distinct keys), and notes removed schema files", async () => {
    const path = "events/schemas/currency-event.json";
    const r = await run(
      { [path]: schema('{"type": "string", "maxLength": 5, "pattern": "^[A-Z]+$"}'), "events/schemas/old-event.json": schema("{}") },
      { [path]: schema('{"type": "string", "maxLength": 3, "pattern": "^[A-Z]{3}$"}') },
    );
    expect(at(r)).toEqual([`${path}:3`, `${path}:3`]);
    expect(new Set(r.findings.map((f) => f.id)).size).toBe(2);
    expect(r.notes).toContain("breaking-event-change: events/schemas/old-event.json was removed; make sure no producer or consumer still uses it");
  });
});

describe("breaking-event-change: Protobuf packages split across files", () => {
  const file = (body: string) => `syntax = "proto3";\npackage acme.stock.events.v1;\n${body}`;
  const reserved = "message StockReserved {\n  string sku = 1;\n  int32 quantity = 2;\n}\n";
  const released = "message StockReleased {\n  string sku = 1;\n}\n";
  it("a message moved to a sibling file of the same package is not removed", async () => {
    const r = await run(
      { "proto/stock/events.proto": file(reserved + released) },
      { "proto/stock/events.proto": file(reserved), "proto/stock/released.proto": file(released) },
    );
    expect(r.findings).toEqual([]);
  });
  it("a message that really disappears is reported at its base line, and a break in the moved copy at the new file", async () => {
    const r = await run(
      { "proto/stock/events.proto": file(reserved + released) },
      { "proto/stock/events.proto": file(released), "proto/stock/reserved.proto": file(reserved.replace("int32 quantity", "string quantity")) },
    );
    expect(at(r)).toEqual(["proto/stock/reserved.proto:5"]);
    const gone = await run({ "proto/stock/events.proto": file(reserved + released) }, { "proto/stock/events.proto": file(released) });
    expect(at(gone)).toEqual(["proto/stock/events.proto:1"]);
  });
});

describe("breaking-event-change: lessons from the asyncapi/spec history", () => {
  it("a publish/subscribe swap in 2.x is not a removed message", async () => {
    const doc = ASYNC("#/components/schemas/Invoice") + "components:\n  schemas:\n    Invoice:\n      type: object\n";
    const r = await run(
      { "billing/asyncapi.yaml": doc },
      { "billing/asyncapi.yaml": doc.replace("    subscribe:", "    publish:").replace("type: object", "type: object\n      required: []") },
    );
    expect(r.findings).toEqual([]);
  });
  it("a 2.x document rewritten as 3.0 is noted, not compared", async () => {
    const v2 = ASYNC("#/components/schemas/Invoice") + "components:\n  schemas:\n    Invoice:\n      type: object\n";
    const v3 = lines("asyncapi: 3.0.0", "info:", "  title: Billing events", "  version: 2.0.0", "channels: {}");
    const r = await run({ "billing/asyncapi.yaml": v2 }, { "billing/asyncapi.yaml": v3 });
    expect(r.findings).toEqual([]);
    expect(r.notes).toContain(
      "breaking-event-change: billing/asyncapi.yaml: AsyncAPI 2.6.0 -> 3.0.0; messages of different major versions are not compared",
    );
  });
  it("a payload $ref that resolved nowhere in the base is noted, not read as 'any value'", async () => {
    const schemas = "components:\n  schemas:\n    Invoice:\n      type: object\n      properties:\n        id:\n          type: string\n";
    const r = await run(
      { "billing/asyncapi.yaml": ASYNC("#/components/schemas/Missing") + schemas },
      { "billing/asyncapi.yaml": ASYNC("#/components/schemas/Invoice") + schemas },
    );
    expect(r.findings).toEqual([]);
    expect(r.notes).toContain(
      "breaking-event-change: billing/asyncapi.yaml:11 (base): $ref #/components/schemas/Missing does not resolve; that part of the schema is not compared",
    );
  });
});
