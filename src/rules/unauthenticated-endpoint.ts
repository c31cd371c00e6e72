import { z } from "zod";
import { isRecord } from "../engine/structured.js";
import { defineRule } from "../engine/types.js";
import { OPERATIONAL_PATHS, isIgnoredPath, operationsAddedByChange } from "../formats/openapi/operations.js";
import { usable } from "../formats/openapi/spec.js";
import { addedCodeRoutes, frameworkName, routeLabel } from "../formats/contracts/code-contracts.js";

const options = z.object({
  /** Path globs that are public by design (health, readiness, metrics, discovery). */
  publicPaths: z
    .array(z.string().min(1))
    .default(OPERATIONAL_PATHS)
    .describe("API path globs that are public by design (health, metrics, discovery)."),
  /**
   * Judge specs that declare no security scheme at all. Off by default: such APIs are usually
   * authenticated by a gateway the spec does not describe, and flagging every operation would be noise.
   */
  requireSecuritySchemes: z
    .boolean()
    .default(false)
    .describe("Judge specs that declare no security scheme at all (usually authenticated by a gateway)."),
  /** Judge routes declared in code where the framework states authentication (Spring Security, Nest guards, ASP.NET [Authorize], FastAPI dependencies, Express middleware, Flask decorators, DRF permission classes). */
  codeRoutes: z
    .boolean()
    .default(true)
    .describe(
      "Judge API routes declared in code: a new route with no authentication in a file whose every other route states one (Spring Security annotations and filter-chain matchers, Nest guards, ASP.NET [Authorize]/RequireAuthorization, FastAPI auth dependencies, Express auth middleware, Flask login decorators, DRF permission classes).",
    ),
});
/** A requirement list that lets a caller in without credentials: `[]` or one that contains `{}`. */
function allowsAnonymous(security: unknown[]): boolean {
  return security.length === 0 || security.some((r) => isRecord(r) && Object.keys(r).length === 0);
}

function declaresSchemes(root: Record<string, unknown>): boolean {
  const components = isRecord(root.components) ? root.components : {};
  const schemes = components.securitySchemes ?? root.securityDefinitions;
  return isRecord(schemes) && Object.keys(schemes).length > 0;
}

export const unauthenticatedEndpoint = defineRule({
  meta: {
    id: "unauthenticated-endpoint",
    title: "Unauthenticated endpoint",
    category: "security",
    defaultSeverity: "error",
    description:
      "A new API operation with no security requirement, in a spec that declares how callers authenticate, or a new route in code without the authentication every other route of its file states.",
    options,
    messages: {
      noSecurity: "{{operation}} is a new operation with no security requirement: anyone who can reach the API can call it.",
      noCodeAuth:
        "{{operation}} is a new {{framework}} route with no authentication, while the {{count}} other route(s) of this file require it: anyone who can reach the service can call it.",
    },
    remediation:
      "Add a `security` requirement to the operation (or a global one), or declare it public on purpose with `security: []` so the decision is visible in review.",
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const unjudged = new Map<string, number>();
    for (const added of await operationsAddedByChange(ctx)) {
      const { op } = added;
      if (isIgnoredPath(op.path, opts.publicPaths)) continue;
      // `security: []` on the operation itself is an explicit, reviewable decision to make it public.
      if (op.ownSecurity && op.security && allowsAnonymous(op.security)) continue;
      // A non-empty requirement authenticates (or, with a `{}` alternative, makes auth optional on purpose).
      if (op.security && op.security.length > 0) continue;
      const root = usable(added.pair.head)?.rootValue ?? {};
      if (!declaresSchemes(root) && !opts.requireSecuritySchemes) {
        unjudged.set(added.pair.file, (unjudged.get(added.pair.file) ?? 0) + 1);
        continue;
      }
      ctx.report({
        messageId: "noSecurity",
        data: { operation: op.label },
        file: added.file,
        line: added.line,
        key: op.label,
      });
    }
    if (opts.codeRoutes) {
      for (const { file, route, siblings } of await addedCodeRoutes(ctx)) {
        if (route.auth !== undefined || isIgnoredPath(route.path, opts.publicPaths)) continue;
        // Judged only where the code states authentication: every other route of the file requires it.
        if (siblings.length === 0 || !siblings.every((r) => r.auth === "required")) continue;
        ctx.report({
          messageId: "noCodeAuth",
          data: { operation: routeLabel(route), framework: frameworkName(route.framework), count: siblings.length },
          file,
          line: route.line,
          key: routeLabel(route),
          remediation:
            "Protect the route like its siblings (the same security annotation, filter-chain matcher, guard, [Authorize], auth dependency, middleware or permission_classes), or mark it public on purpose (@PermitAll, a permitAll() matcher, [AllowAnonymous], a @Public() decorator, permission_classes = [AllowAny]) so the decision is visible in review.",
        });
      }
    }
    for (const [file, count] of unjudged) {
      ctx.note(
        `${file} declares no security schemes, so ${count} new operation(s) were not judged (set rules.unauthenticated-endpoint.requireSecuritySchemes to check them)`,
        "not-judged",
      );
    }
  },
});
