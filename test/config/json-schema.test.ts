import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../src/config/json-schema.js";

describe("config/archgate.schema.json", () => {
  it("is generated from the zod schema (run `npm run schema` after changing it)", () => {
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "config", "archgate.schema.json"), "utf8"));
    expect(committed).toEqual(configJsonSchema());
  });
});
