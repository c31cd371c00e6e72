import { describe, expect, it } from "vitest";
import { nearestBlockAtHead } from "../../src/formats/common/removed.js";
import { lines } from "../helpers/review.js";

describe("nearestBlockAtHead: where a removed Protobuf or GraphQL element is shown at head", () => {
  const base = lines(
    'syntax = "proto3";',
    "",
    "message Shipped {",
    "  string id = 1;",
    "  int64 at = 2;",
    "}",
    "",
    "message Cancelled {",
    "  string id = 1;",
    "}",
  );
  it("a removed field: its message, still there at head", () => {
    const head = lines('syntax = "proto3";', "// shipping events", "", "message Shipped {", "  string id = 1;", "}", "");
    expect(nearestBlockAtHead(base, head, 5)).toBe(4);
  });
  it("a removed message: the file's first line", () => {
    const head = lines('syntax = "proto3";', "", "message Shipped {", "  string id = 1;", "  int64 at = 2;", "}");
    expect(nearestBlockAtHead(base, head, 8)).toBe(1);
  });
});
