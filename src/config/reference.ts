import { configJsonSchema } from "./json-schema.js";
import type { ConfigSchema } from "./schema.js";

type JsonSchema = Record<string, any>;

/**
 * The configuration reference (docs/configuration.md), generated from the JSON Schema so the zod schema stays the
 * single source of truth: one row per key with its type, default and description.
 */
export function configReference(configSchema: ConfigSchema): string {
  const rows: string[] = [];
  walk(configJsonSchema(configSchema) as JsonSchema, "", rows);
  return [
    "# Configuration reference",
    "",
    "Generated from the zod schema in `src/config/schema.ts` by `npm run schema`; do not edit by hand.",
    "archgate reads `.github/archgate.yml` from the default branch. Every key is optional. Unknown keys are errors.",
    "A list replaces the built-in default; `{ append: [...] }` adds to it.",
    "",
    "| key | type | default | description |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

/** Text for a table cell: GitHub splits cells at every unescaped `|`, inside code spans too. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v: unknown) => `\`${cell(String(v))}\``).join(" \\| ");
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" \\| ");
  if (schema.type === "array") return `list of ${typeOf(schema.items ?? {})}`;
  if (schema.type === "object" && schema.properties?.append) return "{ append: list }";
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") return "map";
  return schema.type ?? "any";
}

function walk(schema: JsonSchema, path: string, rows: string[]): void {
  const properties: Record<string, JsonSchema> | undefined = schema.properties;
  if (!properties) return;
  for (const [key, child] of Object.entries(properties)) {
    const full = path ? `${path}.${key}` : key;
    const def = child.default !== undefined ? `\`${cell(JSON.stringify(child.default))}\`` : "";
    const description = cell(child.description ?? "");
    rows.push(`| \`${full}\` | ${typeOf(child)} | ${def.length > 60 ? "(see schema)" : def} | ${description} |`);
    if (child.type === "object" && child.properties && !child.properties.append) walk(child, full, rows);
    const item = child.type === "array" ? child.items : undefined;
    if (item?.type === "object" && item.properties) walk(item, `${full}[]`, rows);
    const value = child.additionalProperties;
    if (value && typeof value === "object" && value.properties) walk(value, `${full}.<name>`, rows);
    if (child.anyOf) {
      for (const option of child.anyOf) if (option.type === "object" && option.properties && !option.properties.append) walk(option, full, rows);
    }
  }
}
