import { z } from "zod";
import { defineRule, type ReviewView, type RuleContext } from "../engine/types.js";
import { isRecord } from "../engine/structured.js";
import { diffSpecs, pathMajorVersion } from "../formats/openapi/diff.js";
import { lifecycleBreaks } from "../formats/openapi/lifecycle.js";
import { openapiDiffBreaks } from "../formats/openapi/openapi-diff-adapter.js";
import { changedSpecs, majorOf, normalizePath, operationsOf, reportSpecIssues, usable, type SpecPair } from "../formats/openapi/spec.js";
import type { ContractBreak } from "../formats/contracts/contract-break.js";
import { codeRouteBreaks } from "../formats/contracts/code-contracts.js";
import { graphqlBreaks } from "../formats/graphql/graphql.js";
import { grpcBreaks } from "../formats/protobuf/grpc.js";
import { apiRemediation } from "../formats/contracts/advice.js";
import { nearestLineAtHead } from "../formats/common/removed.js";

const options = z.object({
  /** Also run Atlassian's openapi-diff on OpenAPI 2.0/3.0.0-3.0.4 specs (request/response body set comparison). */
  openapiDiff: z.boolean().default(true).describe("Also run openapi-diff on OpenAPI 2.0/3.0.x specs (inlined first, never reading outside the PR)."),
  /** openapi-diff runs in a worker thread; past this it is stopped and the review fails closed naming the spec. */
  openapiDiffTimeoutSeconds: z
    .number()
    .positive()
    .default(20)
    .describe("Longest openapi-diff may take on one spec, in seconds; past it the review fails closed naming the spec."),
  /** Heap limit of that worker. */
  openapiDiffMemoryMb: z
    .number()
    .int()
    .min(64)
    .default(512)
    .describe("Most heap openapi-diff may use on one spec, in MB; past it the review fails closed naming the spec."),
  /** Check GraphQL SDL files (`*.graphql`, `*.graphqls`, `*.gql`). */
  graphql: z.boolean().default(true).describe("Check GraphQL SDL files (*.graphql, *.graphqls, *.gql)."),
  /** Check gRPC services in `*.proto` files. */
  grpc: z.boolean().default(true).describe("Check gRPC services in .proto files."),
  /** Check API routes declared in code (Spring, JAX-RS, Express, Fastify, NestJS, FastAPI, Flask): a removed route breaks its clients. */
  codeRoutes: z
    .boolean()
    .default(true)
    .describe(
      "Check API routes declared in code (Spring, JAX-RS, Express, Fastify, NestJS, FastAPI, Flask, Django, Rails, Go, ASP.NET Core, code-first GraphQL): a route whose method and path no file declares at head any more is a breaking change. Page routes are never judged.",
    ),
  /**
   * How strict the gRPC check is, after buf's breaking categories: `wire` (binary encoding), `wire-json`
   * (also JSON names, as buf's WIRE_JSON), `file` (also file options that name generated code).
   */
  grpcLevel: z
    .enum(["wire", "wire-json", "file"])
    .default("wire-json")
    .describe(
      "How strict the gRPC check is, after buf's categories: wire (the binary encoding), wire-json (also JSON field and enum value names, buf's WIRE_JSON), file (also go_package, java_package and other options that name generated code).",
    ),
  /**
   * Also enforce a deprecation policy (oasdiff's lifecycle rules): deprecations carry a valid `x-sunset`
   * date that is not removed or moved earlier; `x-stability-level` is valid and never lowered.
   */
  deprecationPolicy: z
    .boolean()
    .default(false)
    .describe(
      "Enforce oasdiff's whole lifecycle policy: every deprecation needs an x-sunset date, and invalid values already in the base count. Broken commitments (stability lowered, sunset removed or moved earlier) always count.",
    ),
});
type Options = z.output<typeof options>;

const REMEDIATION =
  "Keep the old contract working (add new fields, parameters or paths instead of changing existing ones), " +
  "or publish the change as a new major version (new /vN paths or a major info.version bump), " +
  "or describe how clients migrate in a PR description section with the configured migration-plan heading.";

/**
 * Why the breaks of one spec are accepted, if they are: a major `info.version` bump, or (per break) new
 * paths under a higher version segment than the broken operation's (`/v2/...` next to `/v1/...`).
 */
function versionExemption(pair: SpecPair): { all?: string; newPathVersions: number[] } {
  const base = usable(pair.base);
  const head = usable(pair.head);
  if (!base || !head) return { newPathVersions: [] };
  const info = (doc: Record<string, unknown>) => (isRecord(doc.info) ? doc.info.version : undefined);
  const before = majorOf(info(base.rootValue));
  const after = majorOf(info(head.rootValue));
  const all =
    before !== undefined && after !== undefined && after > before
      ? `info.version major bump ${String(info(base.rootValue))} → ${String(info(head.rootValue))}`
      : undefined;
  const baseVersions = new Set([...operationsOf(base).values()].map((op) => pathMajorVersion(op.path)));
  const newPathVersions = [
    ...new Set(
      [...operationsOf(head).values()].map((op) => pathMajorVersion(op.path)).filter((v): v is number => v !== undefined && !baseVersions.has(v)),
    ),
  ];
  return { all, newPathVersions };
}

function exemptByNewPaths(b: ContractBreak, newPathVersions: number[]): boolean {
  const current = b.pathVersion ?? 1;
  return newPathVersions.some((v) => v > current);
}

async function openapiBreaks(ctx: ReviewView, opts: Options): Promise<{ breaks: ContractBreak[]; exemptions: string[] }> {
  const breaks: ContractBreak[] = [];
  const exemptions: string[] = [];
  const pairs = await changedSpecs(ctx);
  // Operations can move between the specs a PR touches (a spec split in two): that is no removal.
  const headOperations = new Map(pairs.map((p) => [p.file, new Set(usable(p.head) ? operationsOf(usable(p.head)!).keys() : [])]));
  const movedElsewhere = (file: string, matchKey: string) => [...headOperations].some(([f, keys]) => f !== file && keys.has(matchKey));
  for (const pair of pairs) {
    if (!reportSpecIssues(ctx, pair)) continue;
    const base = usable(pair.base);
    const head = usable(pair.head);
    if (!base) continue;
    let found: ContractBreak[];
    if (!head) {
      // The whole spec was deleted (or stopped being a spec): one finding, not one per operation.
      const total = operationsOf(base).size;
      const count = [...operationsOf(base).keys()].filter((key) => !movedElsewhere(pair.file, key)).length;
      if (count === 0) continue;
      const what =
        count === total
          ? `spec removed with ${count} operation${count === 1 ? "" : "s"}`
          : `spec removed; ${count} of its ${total} operations are in no other spec`;
      found = [{ side: "base", file: base.root, line: 1, operation: base.root, what }];
    } else {
      found = diffSpecs(base, head).filter((b) => {
        if (!/^removed\b/.test(b.what)) return true;
        const [method, ...path] = b.operation.split(" ");
        return !movedElsewhere(pair.file, `${method} ${normalizePath(path.join(" "))}`);
      });
      found.push(...lifecycleBreaks(base, head, { full: opts.deprecationPolicy }));
      if (opts.openapiDiff) {
        const extra = await openapiDiffBreaks(ctx, base, head, found, {
          timeoutMs: opts.openapiDiffTimeoutSeconds * 1000,
          heapMb: opts.openapiDiffMemoryMb,
        });
        found.push(...extra);
      }
    }
    const exemption = versionExemption(pair);
    if (exemption.all) {
      if (found.length > 0) exemptions.push(`${pair.file}: ${found.length} breaking change(s) accepted (${exemption.all})`);
      continue;
    }
    const kept = found.filter((b) => !exemptByNewPaths(b, exemption.newPathVersions));
    if (kept.length < found.length) {
      exemptions.push(
        `${pair.file}: ${found.length - kept.length} breaking change(s) accepted (new major path version /v${Math.max(...exemption.newPathVersions)})`,
      );
    }
    breaks.push(...kept);
  }
  return { breaks, exemptions };
}

/** One finding per place in a file: a shared schema used by many operations is reported once. */
async function reportBreaks(ctx: RuleContext<Options, keyof typeof messages>, breaks: ContractBreak[]): Promise<void> {
  const groups = new Map<string, { first: ContractBreak; operations: string[] }>();
  for (const b of breaks) {
    const key = `${b.file}\0${b.line}\0${b.what}`;
    const group = groups.get(key);
    if (group) {
      if (!group.operations.includes(b.operation)) group.operations.push(b.operation);
    } else groups.set(key, { first: b, operations: [b.operation] });
  }
  for (const { first, operations } of groups.values()) {
    const others = operations.slice(1);
    const subject =
      others.length === 0
        ? operations[0]!
        : others.length <= 3
          ? `${operations[0]} (and ${others.join(", ")})`
          : `${operations[0]} (and ${others.length} more operations)`;
    // Something removed is annotated on the nearest element that still exists at head (its base line is named).
    const headLine = first.side === "base" ? await nearestLineAtHead(ctx, first.file, first.file, first.line) : undefined;
    const removed = headLine !== undefined;
    ctx.report({
      messageId:
        first.side === "base"
          ? first.advisory
            ? "possiblyBreakingChangeAtBase"
            : "breakingChangeAtBase"
          : first.advisory
            ? "possiblyBreakingChange"
            : "breakingChange",
      advisory: first.advisory || undefined,
      data: { subject, change: first.what, source: first.source ? ` [${first.source}]` : "", baseLine: first.line },
      file: first.file,
      line: headLine ?? first.line,
      baseLine: removed ? first.line : undefined,
      remediation: apiRemediation(first.file),
      key: `${operations[0]}: ${first.what}`,
    });
  }
}

const messages = {
  breakingChange:
    "Breaking API change: {{subject}}: {{change}}{{source}}. Existing clients break unless the API's major version is bumped or a migration plan is declared.",
  possiblyBreakingChange:
    "Possibly breaking API change: {{subject}}: {{change}}{{source}}. Clients that do not tolerate it break (oasdiff rates this a warning).",
  breakingChangeAtBase:
    "Breaking API change: {{subject}}: {{change}} (line {{baseLine}} in the base version){{source}}. Existing clients break unless the API's major version is bumped or a migration plan is declared.",
  possiblyBreakingChangeAtBase:
    "Possibly breaking API change: {{subject}}: {{change}} (line {{baseLine}} in the base version){{source}}. Clients that do not tolerate it break (oasdiff rates this a warning).",
};

export const breakingApiChange = defineRule({
  meta: {
    id: "breaking-api-change",
    title: "Breaking API change",
    category: "maintainability",
    defaultSeverity: "error",
    description:
      "An OpenAPI/Swagger, GraphQL or gRPC contract change, or an API route declared in code removed, that breaks existing clients, without a major version bump or a declared migration plan.",
    options,
    messages,
    remediation: REMEDIATION,
    acceptsMigrationPlan: true,
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const { breaks, exemptions } = await openapiBreaks(ctx, opts);
    if (opts.graphql) breaks.push(...(await graphqlBreaks(ctx)));
    if (opts.grpc) breaks.push(...(await grpcBreaks(ctx, opts.grpcLevel)));
    if (opts.codeRoutes) {
      const code = await codeRouteBreaks(ctx);
      breaks.push(...code.breaks);
      for (const note of code.notes) ctx.note(note, note.includes("accepted") ? "accepted" : "not-judged");
    }
    for (const e of exemptions) ctx.note(e, "accepted");
    await reportBreaks(ctx, breaks);
  },
});
