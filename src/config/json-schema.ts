import { z } from "zod";
import type { ConfigSchema } from "./schema.js";

/** JSON Schema of `.github/archgate.yml` (what users write: the input side of the zod schema). */
export function configJsonSchema(configSchema: ConfigSchema): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return {
    ...schema,
    $id: "https://archgate.dev/schema/archgate.schema.json",
    title: "archgate configuration (.github/archgate.yml)",
  };
}
