import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../src/config/json-schema.js";
import { configReference } from "../../src/config/reference.js";
import { configSchema } from "../../src/builtins.js";

const root = join(import.meta.dirname, "..", "..");

describe("generated config documents (run `npm run schema` after changing the schema)", () => {
  it("config/archgate.schema.json matches the zod schema", () => {
    const committed = JSON.parse(readFileSync(join(root, "config", "archgate.schema.json"), "utf8"));
    expect(committed).toEqual(configJsonSchema(configSchema));
  });

  it("docs/configuration.md matches the zod schema", () => {
    expect(readFileSync(join(root, "docs", "configuration.md"), "utf8")).toBe(configReference(configSchema));
  });
});
