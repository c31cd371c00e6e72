import { z } from "zod";
import { isRecord } from "../engine/structured.js";
import { defineRule } from "../engine/types.js";
import { isIgnoredPath, operationsAddedByChange, type AddedOperation } from "../formats/openapi/operations.js";
import { usable } from "../formats/openapi/spec.js";
import type { SpecDocument, SpecNode } from "../formats/refs/spec-document.js";
import { addedCodeRoutes, frameworkName, routeLabel } from "../formats/contracts/code-contracts.js";

const options = z.object({
  /**
   * Methods that create side effects a retry could repeat. PUT and DELETE are idempotent by HTTP
   * semantics (RFC 9110 §9.2.2), so they are not listed by default.
   */
  methods: z
    .array(z.enum(["post", "put", "patch", "delete"]))
    .default(["post", "patch"])
    .describe("Methods judged as commands; PUT and DELETE are idempotent by HTTP semantics."),
  /** Request header names that carry an idempotency key (case-insensitive). */
  headers: z
    .array(z.string().min(1))
    .default(["Idempotency-Key", "X-Idempotency-Key", "Idempotency-Token"])
    .describe("Request headers that carry an idempotency key (case-insensitive)."),
  /** Request body properties that carry an idempotency key (Stripe-, AWS-style client tokens). */
  bodyProperties: z
    .array(z.string().min(1))
    .default(["idempotency_key", "idempotencyKey", "client_token", "clientToken"])
    .describe("Request body properties that carry an idempotency key."),
  /** Extensions (on the operation, its path or the document) that declare an idempotency strategy. */
  extensions: z
    .array(z.string().regex(/^x-/))
    .default(["x-idempotency", "x-idempotent", "x-idempotency-key", "x-idempotency-strategy"])
    .describe("Extensions that declare an idempotency strategy (operation, path item or document)."),
  /** Path globs of command-shaped endpoints that only read (search, query, GraphQL). */
  ignorePaths: z
    .array(z.string().min(1))
    .default(["**/search", "**/_search", "**/query", "**/graphql"])
    .describe("API path globs of POST endpoints that only read (search, query)."),
  /** Judge command routes declared in code in files whose other commands read an idempotency key. */
  codeRoutes: z
    .boolean()
    .default(true)
    .describe(
      "Judge command routes declared in code: a new one without an idempotency key in a file whose other command routes read one (an Idempotency-Key header parameter).",
    ),
});
type Options = z.output<typeof options>;

function hasIdempotencyHeader(added: AddedOperation, headers: string[]): boolean {
  const wanted = new Set(headers.map((h) => h.toLowerCase()));
  return [...added.op.params.values()].some((p) => p.in === "header" && wanted.has(p.name.toLowerCase()));
}

function hasIdempotencyBodyProperty(added: AddedOperation, names: string[]): boolean {
  const spec = usable(added.pair.head);
  const body = added.op.requestBody;
  if (!spec || !body) return false;
  for (const media of body.content.values()) {
    if (media.schema && bodyCarries(spec, media.schema, names, 0)) return true;
  }
  return false;
}

/**
 * Whether every body the schema accepts has one of the properties: its own `properties`, any `allOf` part (a
 * shared base schema carrying `client_token`), or every `oneOf`/`anyOf` branch. Depth-bounded, so a `$ref`
 * cycle ends.
 */
function bodyCarries(spec: SpecDocument, node: SpecNode, names: string[], depth: number): boolean {
  const schema = spec.deref(node);
  if (!isRecord(schema.value) || depth > 16) return false;
  const properties = schema.value.properties;
  if (isRecord(properties) && names.some((n) => n in properties)) return true;
  if (spec.items(spec.child(schema, "allOf")).some((part) => bodyCarries(spec, part, names, depth + 1))) return true;
  for (const key of ["oneOf", "anyOf"]) {
    const branches = spec.items(spec.child(schema, key));
    if (branches.length > 0 && branches.every((b) => bodyCarries(spec, b, names, depth + 1))) return true;
  }
  return false;
}

function declaresStrategy(added: AddedOperation, extensions: string[]): boolean {
  const root = usable(added.pair.head)?.rootValue ?? {};
  return [added.op.value, added.op.pathNode.value, root].some((v) => isRecord(v) && extensions.some((x) => v[x] !== undefined));
}

export const commandIdempotency = defineRule({
  meta: {
    id: "command-idempotency",
    title: "Command without idempotency",
    category: "reliability",
    defaultSeverity: "warning",
    description: "A new command endpoint (POST/PATCH by default) with no idempotency key header, key property or declared idempotency strategy.",
    options,
    messages: {
      noIdempotency:
        "{{operation}} is a new command with no idempotency key or declared strategy: a client or proxy retry after a timeout can apply it twice.",
      noCodeIdempotency:
        "{{operation}} is a new {{framework}} command route without the idempotency key the other commands of this file read: a client or proxy retry after a timeout can apply it twice.",
    },
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    for (const added of await operationsAddedByChange(ctx)) {
      const { op } = added;
      if (!opts.methods.includes(op.method as Options["methods"][number])) continue;
      if (isIgnoredPath(op.path, opts.ignorePaths)) continue;
      if (hasIdempotencyHeader(added, opts.headers) || hasIdempotencyBodyProperty(added, opts.bodyProperties)) continue;
      if (declaresStrategy(added, opts.extensions)) continue;
      ctx.report({
        messageId: "noIdempotency",
        data: { operation: op.label },
        file: added.file,
        line: added.line,
        remediation: `Accept an \`${opts.headers[0] ?? "Idempotency-Key"}\` header parameter and de-duplicate on it, or declare how retries are made safe with \`${opts.extensions[0] ?? "x-idempotency"}\` on the operation.`,
        key: op.label,
      });
    }
    if (!opts.codeRoutes) return;
    for (const { file, route, siblings } of await addedCodeRoutes(ctx)) {
      if (!opts.methods.includes(route.method.toLowerCase() as Options["methods"][number])) continue;
      if (route.idempotencyKey || isIgnoredPath(route.path, opts.ignorePaths)) continue;
      // Judged only where the code states the convention: other commands of the file read an idempotency key.
      const commands = siblings.filter((r) => opts.methods.includes(r.method.toLowerCase() as Options["methods"][number]));
      if (commands.length === 0 || !commands.some((r) => r.idempotencyKey)) continue;
      ctx.report({
        messageId: "noCodeIdempotency",
        data: { operation: routeLabel(route), framework: frameworkName(route.framework) },
        file,
        line: route.line,
        key: routeLabel(route),
        remediation: `Read the \`${opts.headers[0] ?? "Idempotency-Key"}\` header like the other commands of this file and de-duplicate on it.`,
      });
    }
  },
});
