/**
 * `npm run schema`: writes config/archgate.schema.json (editor validation) and docs/configuration.md (the reference),
 * both generated from the zod config schema.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchema } from "../src/config/json-schema.js";
import { configReference } from "../src/config/reference.js";
import { configSchema } from "../src/builtins.js";

const root = join(import.meta.dirname, "..");
writeFileSync(join(root, "config", "archgate.schema.json"), JSON.stringify(configJsonSchema(configSchema), null, 2) + "\n");
writeFileSync(join(root, "docs", "configuration.md"), configReference(configSchema));
console.log("wrote config/archgate.schema.json and docs/configuration.md");
