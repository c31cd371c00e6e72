/**
 * Validates SARIF against the OASIS SARIF 2.1.0 JSON schema as shipped in the @microsoft/jest-sarif package
 * (a draft-04 schema, hence ajv-draft-04). Nothing is downloaded when the tests run.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import AjvDraft04 from "ajv-draft-04";

const require = createRequire(import.meta.url);
const schemaPath = join(dirname(require.resolve("@microsoft/jest-sarif/package.json")), "lib/schemas/sarif-2.1.0-rtm.5.json");
const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>;

// The schema's `language` pattern is not a valid Unicode-mode regular expression; ajv must compile it without the `u` flag.
// A CommonJS module: its class is also its `default` export.
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
const validate = ajv.compile(schema);

/** The schema's errors for `log` (empty when it validates), as `instancePath message` lines. */
export function sarifSchemaErrors(log: unknown): string[] {
  if (validate(log)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}
