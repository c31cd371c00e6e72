import { describe, expect, test } from "vitest";
import { ChangeReads } from "../../src/engine/context.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";

const SPEC = "openapi: 3.0.3\ninfo:\n  title: Shop\n  version: 1.0.0\npaths: {}\n";

describe("parses shared across changes (the App reviews the same merge base push after push)", () => {
  test("the same text in another change is not parsed again: the same parsed documents come back", async () => {
    const first = new ChangeReads(changeFromTrees({ "api/openapi.yaml": SPEC }, { "api/openapi.yaml": `${SPEC}# v2\n` }));
    const second = new ChangeReads(changeFromTrees({ "api/openapi.yaml": SPEC }, { "api/openapi.yaml": `${SPEC}# v3\n` }));
    const a = await first.structured("base", "api/openapi.yaml", 1 << 20);
    const b = await second.structured("base", "api/openapi.yaml", 1 << 20);
    expect(a?.docs[0]?.value).toEqual({ openapi: "3.0.3", info: { title: "Shop", version: "1.0.0" }, paths: {} });
    expect(b?.docs).toBe(a?.docs);
    const heads = [await first.structured("head", "api/openapi.yaml", 1 << 20), await second.structured("head", "api/openapi.yaml", 1 << 20)];
    expect(heads[0]?.docs).not.toBe(heads[1]?.docs);
  });

  test("a text over the cache's limit is parsed per change, with the same result", async () => {
    const big = `${SPEC}x-padding: "${"a".repeat(400_000)}"\n`;
    const first = await new ChangeReads(changeFromTrees({}, { "api/openapi.yaml": big })).structured("head", "api/openapi.yaml", 1 << 20);
    const second = await new ChangeReads(changeFromTrees({}, { "api/openapi.yaml": big })).structured("head", "api/openapi.yaml", 1 << 20);
    expect(second?.docs).not.toBe(first?.docs);
    expect(second?.docs[0]?.value).toEqual(first?.docs[0]?.value);
    expect(second?.docs[0]?.lineOf(["paths"])).toBe(5);
  });
});
