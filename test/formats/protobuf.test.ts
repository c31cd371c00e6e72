import { describe, expect, it } from "vitest";
import {
  diffGeneratedNameOptions,
  diffProtoMessages,
  diffProtoServices,
  locateDeclarations,
  parseProto,
  reachableFromServices,
} from "../../src/formats/protobuf/protobuf.js";

/** `proto` joins lines so that line numbers in the expectations are easy to read off. */
const proto = (...lines: string[]) => lines.join("\n");

const ORDER_V1 = proto(
  'syntax = "proto3";', //                       1
  "package acme.orders.v1;", //                  2
  "", //                                         3
  "message Order {", //                          4
  "  string id = 1;", //                         5
  "  int32 quantity = 2;", //                    6
  "  Status status = 3;", //                     7
  "  repeated int32 codes = 4;", //              8
  "  repeated string labels = 5;", //            9
  "  Item item = 6;", //                         10
  "  message Item { string sku = 1; }", //       11
  "}", //                                        12
  "", //                                         13
  "enum Status {", //                            14
  "  STATUS_UNSPECIFIED = 0;", //                15
  "  STATUS_OPEN = 1;", //                       16
  "  STATUS_CLOSED = 2;", //                     17
  "}", //                                        18
);

interface Expected {
  rule: string;
  side: "base" | "head";
  line: number;
}

const simplify = (breaks: { rule: string; side: string; line: number }[]) => breaks.map(({ rule, side, line }) => ({ rule, side, line }));

describe("diffProtoMessages: breaking (wire level)", () => {
  const cases: { name: string; head: string; expect: Expected[] }[] = [
    {
      name: "field deleted without reserving its number",
      head: ORDER_V1.replace("  int32 quantity = 2;", "  // quantity removed"),
      expect: [{ rule: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", side: "base", line: 6 }],
    },
    {
      name: "field renumbered",
      head: ORDER_V1.replace("int32 quantity = 2;", "int32 quantity = 12;"),
      expect: [{ rule: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", side: "head", line: 6 }],
    },
    {
      name: "int32 to string",
      head: ORDER_V1.replace("int32 quantity = 2;", "string quantity = 2;"),
      expect: [{ rule: "FIELD_WIRE_COMPATIBLE_TYPE", side: "head", line: 6 }],
    },
    {
      name: "int32 to sint32 (zigzag encoding differs)",
      head: ORDER_V1.replace("int32 quantity = 2;", "sint32 quantity = 2;"),
      expect: [{ rule: "FIELD_WIRE_COMPATIBLE_TYPE", side: "head", line: 6 }],
    },
    {
      name: "message field to scalar",
      head: ORDER_V1.replace("Item item = 6;", "string item = 6;"),
      expect: [{ rule: "FIELD_WIRE_COMPATIBLE_TYPE", side: "head", line: 10 }],
    },
    {
      name: "repeated int32 to singular (packed encoding)",
      head: ORDER_V1.replace("repeated int32 codes = 4;", "int32 codes = 4;"),
      expect: [{ rule: "FIELD_WIRE_COMPATIBLE_CARDINALITY", side: "head", line: 8 }],
    },
    {
      name: "enum value deleted",
      head: ORDER_V1.replace("  STATUS_CLOSED = 2;", ""),
      expect: [{ rule: "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", side: "base", line: 17 }],
    },
    {
      name: "nested message removed (reported once, with the field that used it)",
      head: ORDER_V1.replace("  message Item { string sku = 1; }", "").replace("Item item = 6;", "bytes item = 6;"),
      expect: [
        { rule: "FIELD_WIRE_COMPATIBLE_TYPE", side: "head", line: 10 },
        { rule: "MESSAGE_NO_DELETE", side: "base", line: 11 },
      ],
    },
    {
      name: "package changed",
      head: ORDER_V1.replace("package acme.orders.v1;", "package acme.orders.v2;"),
      expect: [{ rule: "FILE_SAME_PACKAGE", side: "head", line: 2 }],
    },
    {
      name: "two fields moved into a new oneof",
      head: ORDER_V1.replace("  string id = 1;\n  int32 quantity = 2;", "  oneof key {\n    string id = 1;\n    int32 quantity = 2;\n  }"),
      expect: [{ rule: "FIELD_SAME_ONEOF", side: "head", line: 7 }],
    },
    {
      name: "field type changed to a message with different fields",
      head: ORDER_V1.replace("Item item = 6;", "Other item = 6;") + "\nmessage Other { int64 sku = 1; }",
      expect: [{ rule: "FIELD_WIRE_COMPATIBLE_TYPE", side: "head", line: 10 }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(simplify(diffProtoMessages(ORDER_V1, c.head))).toEqual(c.expect);
    });
  }
});

describe("diffProtoMessages: compatible (wire level)", () => {
  const cases: { name: string; head: string }[] = [
    { name: "identical", head: ORDER_V1 },
    { name: "field added", head: ORDER_V1.replace("  Item item = 6;", "  Item item = 6;\n  string note = 7;") },
    { name: "field deleted with its number reserved", head: ORDER_V1.replace("  int32 quantity = 2;", "  reserved 2;") },
    { name: "field renamed (binary encoding unchanged)", head: ORDER_V1.replace("int32 quantity = 2;", "int32 qty = 2;") },
    { name: "int32 to int64", head: ORDER_V1.replace("int32 quantity = 2;", "int64 quantity = 2;") },
    { name: "string to bytes", head: ORDER_V1.replace("string id = 1;", "bytes id = 1;") },
    { name: "enum field to int32", head: ORDER_V1.replace("Status status = 3;", "int32 status = 3;") },
    { name: "repeated string to singular (not packable)", head: ORDER_V1.replace("repeated string labels = 5;", "string labels = 5;") },
    { name: "enum value added", head: ORDER_V1.replace("  STATUS_CLOSED = 2;", "  STATUS_CLOSED = 2;\n  STATUS_VOID = 3;") },
    { name: "enum value deleted with number reserved", head: ORDER_V1.replace("  STATUS_CLOSED = 2;", "  reserved 2;") },
    { name: "enum value renamed", head: ORDER_V1.replace("STATUS_CLOSED = 2;", "STATUS_DONE = 2;") },
    { name: "fully-qualified type name", head: ORDER_V1.replace("Status status = 3;", ".acme.orders.v1.Status status = 3;") },
    { name: "proto3 optional added", head: ORDER_V1.replace("string id = 1;", "optional string id = 1;") },
    { name: "one field moved into a new oneof", head: ORDER_V1.replace("  string id = 1;", "  oneof key { string id = 1; }") },
    { name: "comments and options only", head: ORDER_V1.replace("string id = 1;", 'string id = 1 [deprecated = true, json_name = "ID"]; // doc') },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(diffProtoMessages(ORDER_V1, c.head)).toEqual([]);
    });
  }
});

describe("diffProtoMessages: wire-json level", () => {
  it("reports renamed fields and enum values and removed enums", () => {
    const head = ORDER_V1.replace("int32 quantity = 2;", "int32 qty = 2;").replace("STATUS_CLOSED = 2;", "STATUS_DONE = 2;");
    expect(simplify(diffProtoMessages(ORDER_V1, head, { level: "wire-json" }))).toEqual([
      { rule: "FIELD_SAME_JSON_NAME", side: "head", line: 6 },
      { rule: "ENUM_VALUE_SAME_NAME", side: "head", line: 17 },
    ]);
    const noEnum = ORDER_V1.replace(/enum Status \{[^}]*\}/, "").replace("Status status = 3;", "int32 status = 3;");
    expect(simplify(diffProtoMessages(ORDER_V1, noEnum, { level: "wire-json" }))).toEqual([{ rule: "ENUM_NO_DELETE", side: "base", line: 14 }]);
    expect(diffProtoMessages(ORDER_V1, noEnum)).toEqual([]);
  });
});

describe("diffProtoMessages: proto2 and keys", () => {
  const v1 = proto('syntax = "proto2";', "message Event {", "  required string id = 1;", "  optional string note = 2;", "}");
  it("required field added and removed", () => {
    const head = proto('syntax = "proto2";', "message Event {", "  optional string note = 2;", "  required int64 at = 3;", "}");
    expect(simplify(diffProtoMessages(v1, head))).toEqual([
      { rule: "FIELD_SAME_CARDINALITY", side: "base", line: 3 },
      { rule: "FIELD_SAME_CARDINALITY", side: "head", line: 4 },
    ]);
  });
  it("optional to required", () => {
    const head = v1.replace("optional string note", "required string note");
    expect(simplify(diffProtoMessages(v1, head))).toEqual([{ rule: "FIELD_SAME_CARDINALITY", side: "head", line: 4 }]);
  });
  it("keys do not depend on line numbers", () => {
    const head = v1.replace("  optional string note = 2;", "");
    const moved = "\n\n" + head;
    expect(diffProtoMessages(v1, head).map((b) => b.key)).toEqual(diffProtoMessages(v1, moved).map((b) => b.key));
    expect(diffProtoMessages(v1, head)[0]!.key).toBe("Event#2 deleted");
  });
});

describe("diffProtoServices", () => {
  const v1 = proto(
    'syntax = "proto3";', //                                                    1
    "package acme.orders.v1;", //                                               2
    "service OrderService {", //                                                3
    "  rpc GetOrder(GetOrderRequest) returns (Order);", //                      4
    "  rpc ListOrders(ListOrdersRequest) returns (stream Order);", //           5
    "  rpc CancelOrder(CancelOrderRequest) returns (Order) {", //               6
    "    option deprecated = true;", //                                         7
    "  }", //                                                                   8
    "}", //                                                                     9
    "service Admin { rpc Purge(Order) returns (Order); }", //                   10
    "message Order { string id = 1; }", //                                      11
    "message GetOrderRequest { string id = 1; }", //                            12
    "message ListOrdersRequest { int32 page_size = 1; }", //                    13
    "message CancelOrderRequest { string id = 1; }", //                         14
  );
  it("removed rpc and service, changed types and streaming", () => {
    const head = v1
      .replace("  rpc GetOrder(GetOrderRequest) returns (Order);", "  rpc GetOrder(GetOrderRequest) returns (stream Order);")
      .replace("rpc ListOrders(ListOrdersRequest)", "rpc ListOrders(CancelOrderRequest)")
      .replace("  rpc CancelOrder(CancelOrderRequest) returns (Order) {\n    option deprecated = true;\n  }", "")
      .replace("service Admin { rpc Purge(Order) returns (Order); }", "");
    expect(simplify(diffProtoServices(v1, head))).toEqual([
      { rule: "RPC_SAME_SERVER_STREAMING", side: "head", line: 4 },
      { rule: "RPC_SAME_REQUEST_TYPE", side: "head", line: 5 },
      { rule: "RPC_NO_DELETE", side: "base", line: 6 },
      { rule: "SERVICE_NO_DELETE", side: "base", line: 10 },
    ]);
  });
  it("added rpc and fully-qualified names are compatible", () => {
    const head = v1
      .replace("returns (Order);", "returns (.acme.orders.v1.Order);")
      .replace("service Admin {", "service Admin { rpc Stats(Order) returns (Order);");
    expect(diffProtoServices(v1, head)).toEqual([]);
  });
});

describe("parseProto and locateDeclarations", () => {
  it("reports syntax errors with their line", () => {
    const result = parseProto(proto('syntax = "proto3";', "message A {", "  int32 x = ;", "}"));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.line).toBe(3);
      expect(result.message).toContain("illegal");
    }
  });
  it("does not read strings, options and reserved statements as declarations", () => {
    const lines = locateDeclarations(
      proto(
        'syntax = "proto3";',
        "message A {",
        '  option (x) = "message B { int32 y = 9; }";',
        "  reserved 7, 8 to 9;",
        "  int32 x = 1 [default = 5];",
        "  oneof o {",
        "    string s = 2;",
        "  }",
        "}",
      ),
    );
    expect(Object.fromEntries(lines)).toEqual({ "T:A": 2, "F:A#1": 5, "O:A.o": 6, "F:A#2": 7 });
  });
  it("resolves imported types without diffing them", () => {
    const dep = { name: "money.proto", text: proto('syntax = "proto3";', "package acme.common;", "message Money { int64 units = 1; }") };
    const base = parseProto(proto('syntax = "proto3";', 'import "money.proto";', "message Price { acme.common.Money amount = 1; }"), [dep]);
    const head = parseProto(proto('syntax = "proto3";', 'import "money.proto";', "message Price { .acme.common.Money amount = 1; }"), [dep]);
    expect(base.ok && head.ok).toBe(true);
    if (base.ok && head.ok) {
      expect([...base.schema.owned]).toEqual(["Price"]);
      expect(diffProtoMessages(base.schema, head.schema)).toEqual([]);
    }
  });
});

describe("protobuf: what gRPC services carry", () => {
  const text = `syntax = "proto3";
package shop.v1;
import "common.proto";
service Checkout { rpc Place(PlaceRequest) returns (PlaceResponse); }
message PlaceRequest { Address address = 1; map<string, Item> items = 2; common.Money total = 3; }
message PlaceResponse { Status status = 1; message Receipt { string id = 1; } Receipt receipt = 2; }
message Address { string zip = 1; }
message Item { Kind kind = 1; enum Kind { KIND_UNSPECIFIED = 0; } }
enum Status { STATUS_UNSPECIFIED = 0; }
message Unused { int32 n = 1; }
`;
  it("follows request and response types through fields, maps, nested and imported types", () => {
    const parsed = parseProto(text, [{ name: "common.proto", text: 'syntax = "proto3";\npackage common;\nmessage Money { int64 units = 1; }\n' }]);
    if (!parsed.ok) throw new Error(parsed.message);
    expect([...reachableFromServices(parsed.schema)].sort()).toEqual([
      "Address",
      "Item",
      "Item.Kind",
      "PlaceRequest",
      "PlaceResponse",
      "PlaceResponse.Receipt",
      "Status",
      "common.Money",
    ]);
  });

  it("file options that name generated code, with their lines; comments and nested options ignored", () => {
    const base =
      'syntax = "proto3";\n// option go_package = "x";\noption go_package = "example.com/a/v1;a";\noption java_package = "com.a";\nmessage M { option deprecated = true; }\n';
    const head =
      'syntax = "proto3";\noption go_package = "example.com/b/v1;b";\n\noption java_package = "com.a";\noption csharp_namespace = "B.V1";\nmessage M { option deprecated = false; }\n';
    expect(diffGeneratedNameOptions(base, head).map((b) => [b.rule, b.side, b.line])).toEqual([
      ["FILE_SAME_GO_PACKAGE", "head", 2],
      ["FILE_SAME_CSHARP_NAMESPACE", "head", 5],
    ]);
  });
});

describe("protobuf: buf's readings at wire-json level (the gRPC check)", () => {
  const base = `syntax = "proto2";
package p;
message M {
  oneof choice { int32 a = 1; }
  optional int32 b = 2;
  optional Item c = 3;
  optional bytes d = 4;
  required int32 e = 5;
  map<string, int32> f = 6;
  enum Color { COLOR_UNSPECIFIED = 0; COLOR_ONE = 1; COLOR_UNO = 1; option allow_alias = true; }
  optional Color g = 7;
}
message Item { optional int32 n = 1; }
`;
  const head = `syntax = "proto2";
package p;
message M {
  optional int32 a = 1;
  oneof choice { int32 b = 2; }
  repeated Item c = 3;
  optional string d = 4;
  optional int32 e = 5;
  repeated FEntry f = 6;
  message FEntry { optional string key = 1; optional int32 value = 2; }
  enum Color { COLOR_UNSPECIFIED = 0; COLOR_ONE = 1; COLOR_EINS = 1; option allow_alias = true; }
  optional Color g = 7;
}
message Item { optional int32 n = 1; }
`;
  it("reports every oneof move, repeatedness change, bytes → string and required → optional, as buf does", () => {
    expect(diffProtoMessages(base, head, { level: "wire-json" }).map((b) => [b.rule, b.line])).toEqual([
      ["FIELD_SAME_ONEOF", 4],
      ["FIELD_SAME_ONEOF", 5],
      ["FIELD_WIRE_COMPATIBLE_CARDINALITY", 6],
      ["FIELD_WIRE_COMPATIBLE_TYPE", 7],
      ["FIELD_WIRE_COMPATIBLE_CARDINALITY", 8],
      ["ENUM_VALUE_SAME_NAME", 11],
      ["ENUM_VALUE_SAME_NAME", 11],
    ]);
  });
  it("at wire level (events) only what breaks the binary encoding", () => {
    // A oneof of one field, a message made repeated, bytes read as string and a map written as entries keep their bytes.
    expect(diffProtoMessages(base, head).map((b) => [b.rule, b.line])).toEqual([["FIELD_SAME_CARDINALITY", 8]]);
  });
});

describe("protobuf: FIELD_WIRE_COMPATIBLE_TYPE as buf reads it (enum swaps, delimited encoding, extensions)", () => {
  it("an enum moved with the same short name and its previous values kept (values added) is compatible; another name or changed values is not", () => {
    const base = `syntax = "proto3";
package p;
enum Tier { TIER_UNSPECIFIED = 0; TIER_GOLD = 1; }
enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }
message Account {
  enum Plan { PLAN_UNSPECIFIED = 0; PLAN_FREE = 1; }
  Tier tier = 1;
  Kind kind = 2;
  Plan plan = 3;
}
`;
    const head = `syntax = "proto3";
package p;
enum Plan { PLAN_UNSPECIFIED = 0; PLAN_PAID = 1; }
message Account {
  enum Tier { TIER_UNSPECIFIED = 0; TIER_GOLD = 1; TIER_SILVER = 2; }
  enum Sort { SORT_UNSPECIFIED = 0; SORT_A = 1; }
  Tier tier = 1;
  Sort kind = 2;
  Plan plan = 3;
}
`;
    const typeBreaks = diffProtoMessages(base, head, { level: "wire-json" })
      .filter((b) => b.rule === "FIELD_WIRE_COMPATIBLE_TYPE")
      .map((b) => [b.line, b.message]);
    expect(typeBreaks).toEqual([
      [8, "field Account.kind (2): enum type changed from p.Kind to p.Account.Sort"],
      [9, "field Account.plan (3): enum type changed from p.Account.Plan to p.Plan, whose values differ"],
    ]);
  });

  it("editions: a message field switched between length-prefixed and DELIMITED encoding breaks the wire", () => {
    const base = `edition = "2023";
package p;
message Node {
  Node left = 1;
  Node right = 2 [features.message_encoding = DELIMITED];
}
`;
    const head = `edition = "2023";
package p;
message Node {
  Node left = 1 [features.message_encoding = DELIMITED];
  Node right = 2;
}
`;
    for (const level of ["wire", "wire-json"] as const) {
      expect(diffProtoMessages(base, head, { level }).map((b) => [b.rule, b.line, b.message])).toEqual([
        ["FIELD_WIRE_COMPATIBLE_TYPE", 4, "field Node.left (1): message encoding changed from length-prefixed to delimited"],
        ["FIELD_WIRE_COMPATIBLE_TYPE", 5, "field Node.right (2): message encoding changed from delimited to length-prefixed"],
      ]);
    }
  });

  it("extensions are matched by extended message and number: a wire-incompatible type is reported at the head line; a compatible one is not", () => {
    const base = `syntax = "proto2";
package p;
message Event { extensions 100 to 200; }
extend Event {
  optional uint32 retries = 100;
  optional string source = 101;
}
`;
    const head = `syntax = "proto2";
package p;
message Event { extensions 100 to 200; }
extend Event {
  optional sint32 attempts = 100;
  optional bytes source = 101;
}
`;
    expect(diffProtoMessages(base, head, { level: "wire-json" }).map((b) => [b.rule, b.line, b.message])).toEqual([
      ["FIELD_WIRE_COMPATIBLE_TYPE", 5, "extension attempts (100): type changed from uint32 to sint32"],
    ]);
  });
});

describe("protobuf: FIELD_WIRE_COMPATIBLE_CARDINALITY as buf reads it (extensions, editions)", () => {
  it("an extension that becomes repeated or singular is a cardinality change at its head line (a nested extend too)", () => {
    const base = `syntax = "proto2";
package p;
message Event {
  extensions 10 to 100;
  message Retry {
    extend Event { optional string reason = 10; }
  }
}
extend Event { repeated uint64 tags = 20; }
`;
    const head = `edition = "2023";
package p;
message Event {
  extensions 10 to 100;
  message Retry {
    extend Event { repeated string reason = 10; }
  }
}
extend Event { uint64 tags = 20; }
`;
    expect(diffProtoMessages(base, head, { level: "wire-json" }).map((b) => [b.rule, b.line, b.message])).toEqual([
      ["FIELD_WIRE_COMPATIBLE_CARDINALITY", 6, "extension reason (10) changed from singular to repeated"],
      ["FIELD_WIRE_COMPATIBLE_CARDINALITY", 9, "extension tags (20) changed from repeated to singular"],
    ]);
    // At wire level only the packable one: packed and unpacked uint64 differ, strings are never packed.
    expect(diffProtoMessages(base, head, { level: "wire" }).map((b) => [b.rule, b.line])).toEqual([["FIELD_WIRE_COMPATIBLE_CARDINALITY", 9]]);
  });

  it("editions' features.field_presence = LEGACY_REQUIRED is proto2's required: the same is no change, dropping it is", () => {
    const base = `syntax = "proto2";
package p;
message Order {
  required int64 id = 1;
  required string sku = 2;
}
`;
    const head = `edition = "2023";
package p;
message Order {
  int64 id = 1 [features.field_presence = LEGACY_REQUIRED];
  string sku = 2;
}
`;
    expect(diffProtoMessages(base, head, { level: "wire-json" }).map((b) => [b.rule, b.line, b.message])).toEqual([
      ["FIELD_WIRE_COMPATIBLE_CARDINALITY", 5, "field Order.sku (2) is no longer required"],
    ]);
  });
});
