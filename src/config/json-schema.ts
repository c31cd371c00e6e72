import { z } from "zod";
import type { ConfigSchema } from "./schema.js";

/** JSON Schema of `.github/archgate.yml` (what users write: the input side of the zod schema). */
export function configJsonSchema(configSchema: ConfigSchema): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  // `_extends` is resolved before validation (Probot in the App and the Action, src/config/extends.ts in the CLI).
  const properties = {
    _extends: {
      type: "string",
      minLength: 1,
      description:
        "Another config this one builds on: `[owner/]repo[:path]` (the App and the Action; `.github` is the organisation's `.github` repository) or a local path such as `./base.yml` (the CLI). Mappings merge key by key; a list replaces the inherited list.",
    },
    ...(schema.properties as Record<string, unknown>),
  };
  return {
    ...schema,
    properties,
    $id: "https://archgate.dev/schema/archgate.schema.json",
    title: "archgate configuration (.github/archgate.yml)",
  };
}
