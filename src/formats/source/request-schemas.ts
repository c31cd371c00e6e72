/**
 * Request schemas declared apart from the routes that use them: a module of Joi / celebrate / zod / yup /
 * TypeBox schemas (`const getUsers = { query: Joi.object().keys({ sortBy: Joi.string() }) }`, node-express-boilerplate's
 * `src/validations/*.validation.js`) that route files pass to a validation middleware
 * (`validate(userValidation.getUsers)`). Renaming a query parameter there changes the route's contract although the
 * route file is untouched. Lexical, like the route model: top-level declarations compared by their text.
 */
import { lineAt, type CodeSource } from "./code-model.js";
import { statementEnd } from "./masking.js";

/** A schema builder call of the usual validation libraries. */
const SCHEMA_BUILDER =
  /\b(?:Joi|joi|yup|Yup|z|celebrate|Type|vine)\s*\.\s*(?:object|string|number|array|boolean|any|date|alternatives|strictObject)\s*\(/;

/** Cheap check on raw text: could this file declare request schemas? */
export function mayDeclareRequestSchemas(text: string): boolean {
  return SCHEMA_BUILDER.test(text);
}

export interface SchemaDeclaration {
  name: string;
  /** The declaration's shape (what is compared across versions, see `schemaShape`). */
  text: string;
  line: number;
}

/** Top-level `const name = …` / `export const name = …` declarations whose value builds a validation schema. */
export function requestSchemaDeclarations(src: CodeSource): Map<string, SchemaDeclaration> {
  const out = new Map<string, SchemaDeclaration>();
  if (src.language !== "js") return out;
  // Where the text calls a schema builder, in order. A declaration holds one when the first call after its `=` ends
  // within it: a call cannot hold `=` nor start inside another, so the calls in the declaration's text are these.
  // Most declarations are components and handlers with no builder anywhere after them, and finding each one's end
  // was most of the cost.
  const builders = [...src.text.matchAll(SCHEMA_BUILDERS)].map((b) => [b.index!, b.index! + b[0].length] as const);
  let next = 0;
  for (const m of src.masked.matchAll(/^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=\n]+)?=\s*/gm)) {
    const start = m.index! + m[0].length;
    while (next < builders.length && builders[next]![0] < start) next++;
    const builder = builders[next];
    if (!builder || builder[1] > start + DECLARATION_LIMIT) continue;
    const end = statementEnd(src.masked, start, DECLARATION_LIMIT);
    if (builder[1] > end) continue;
    const text = src.text.slice(start, end);
    out.set(m[1]!, { name: m[1]!, text: schemaShape(text), line: lineAt(src, m.index!) });
  }
  return out;
}

/** The longest declaration read (characters after its `=`). */
const DECLARATION_LIMIT = 20000;
const SCHEMA_BUILDERS = new RegExp(SCHEMA_BUILDER.source, "g");

/**
 * What a schema's text says about the request: keys, builder calls and literal arguments. Layout (line breaks,
 * trailing commas) and which function a custom validator names (`.custom(validationUtils.validatePassword)` →
 * `.custom(password)`) are not compared.
 */
export function schemaShape(text: string): string {
  return text
    .replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, "")
    .replace(/\s+/g, "")
    .replace(/,(?=[)}\]])/g, "")
    .replace(/\((?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*\)/g, "(ƒ)");
}

/** Schemas declared at both sides whose text changed, or removed at head, with their line at head (or base). */
export function changedRequestSchemas(base: Map<string, SchemaDeclaration>, head: Map<string, SchemaDeclaration>): SchemaDeclaration[] {
  const out: SchemaDeclaration[] = [];
  for (const [name, before] of base) {
    const after = head.get(name);
    if (!after) out.push(before);
    else if (after.text !== before.text) out.push(after);
  }
  return out;
}

/** True when a route signature passes `schema` by name: `binding.schema` for a module binding, or the bare name. */
export function signatureUses(signature: string, schema: string, binding?: string): boolean {
  const name = schema.replace(/[$]/g, "\\$");
  if (binding === undefined) return new RegExp(`(?<![\\w$.])${name}(?![\\w$])`).test(signature);
  const alias = binding.replace(/[$]/g, "\\$");
  return new RegExp(`(?<![\\w$.])${alias}\\s*\\.\\s*${name}(?![\\w$])`).test(signature);
}
