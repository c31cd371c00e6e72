import { posix } from "node:path";
import { z } from "zod";
import { matchesAny, matchesGlob } from "../engine/globs.js";
import { defineRule, type ReviewView } from "../engine/types.js";
import { addedSources } from "../formats/source/added-sources.js";
import { importsOf, type ImportContext } from "../formats/source/imports.js";
import type { SourceFile } from "../formats/source/masking.js";

const forbiddenEntry = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, "use kebab-case")
      .optional()
      .describe("Short kebab-case name shown in findings, e.g. `domain-not-to-adapters`."),
    from: z.array(z.string().min(1)).min(1).describe("Globs of importing files the constraint applies to."),
    fromNot: z.array(z.string().min(1)).default([]).describe("Globs of importing files exempt from it."),
    to: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        "What those files may not import: repository path globs (`src/github/**`), package names (`probot`, `@octokit/*`, `fs` — a name also covers its subpaths and its `node:` form), dotted module names for Python/Java (`app.adapters`, `com.acme.*.adapters.*`) or Go import paths.",
      ),
    reason: z.string().optional().describe("Why: shown in the finding."),
  })
  .strict();

const layer = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, "use kebab-case")
      .describe("Layer name shown in findings, e.g. `domain`."),
    paths: z.array(z.string().min(1)).min(1).describe("Globs of the layer's files."),
    modules: z
      .array(z.string().min(1))
      .default([])
      .describe("Module names or globs that also belong to this layer (e.g. `app.domain`, `com.acme.*.domain.*`)."),
  })
  .strict();

const options = z
  .object({
    forbidden: z
      .array(forbiddenEntry)
      .default([])
      .describe("Layering constraints (in the spirit of dependency-cruiser's `forbidden`). Nothing is checked without them."),
    layers: z
      .array(layer)
      .default([])
      .describe(
        "Layers from the innermost (e.g. domain) to the outermost (e.g. adapters): a layer may import itself and the layers listed before it, never one listed after it. Shorthand for the matching `forbidden` entries.",
      ),
  })
  .strict();

type Forbidden = z.output<typeof forbiddenEntry>;

/** Does `to` pattern match one of the import's targets? */
export function matchesTarget(pattern: string, targets: readonly string[]): boolean {
  const glob = /[*?[\]{}!]/.test(pattern);
  return targets.some(
    (target) =>
      target === pattern ||
      (glob && matchesGlob(target, pattern)) ||
      (!glob && (target.startsWith(`${pattern}/`) || (!pattern.includes("/") && target.startsWith(`${pattern}.`) && !target.startsWith(".")))),
  );
}

export const forbiddenDependency = defineRule({
  meta: {
    id: "forbidden-dependency",
    title: "Forbidden dependency",
    category: "maintainability",
    defaultSeverity: "error",
    description:
      "An added import (TS/JS, Python, Go, Java/Kotlin) that breaks a layering constraint configured under `rules.forbidden-dependency.forbidden`; never fires without configuration.",
    options,
    messages: {
      forbiddenImport: "`{{file}}` imports `{{specifier}}`, which `{{constraint}}` forbids",
      forbiddenImportWithReason: "`{{file}}` imports `{{specifier}}`, which `{{constraint}}` forbids: {{reason}}",
    },
    remediation:
      "Depend on an interface owned by this layer and inject the implementation from the outer layer (ports and adapters), or move the code to the layer that may use this dependency.",
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const all = [...opts.forbidden, ...layerConstraints(opts.layers ?? [])];
    if (all.length === 0) return;
    for (const source of await addedSources(ctx)) {
      const constraints = all.filter((c) => matchesAny(source.path, c.from) && !matchesAny(source.path, c.fromNot));
      if (constraints.length === 0) continue;
      const refs = importsOf(source, await importContext(ctx, source));
      for (const ref of refs) {
        if (!source.added.has(ref.line) && !source.added.has(ref.statementLine)) continue;
        const broken = constraints.find((c) => c.to.some((pattern) => matchesTarget(pattern, ref.targets)));
        if (!broken) continue;
        const label = broken.name ?? `forbidden[${all.indexOf(broken)}]`;
        ctx.report({
          messageId: broken.reason ? "forbiddenImportWithReason" : "forbiddenImport",
          data: { file: source.path, specifier: ref.specifier, constraint: label, ...(broken.reason ? { reason: broken.reason } : {}) },
          file: source.path,
          line: ref.line,
          key: `${label}:${ref.specifier}`,
        });
      }
    }
  },
});

/** `layers` as forbidden entries: each layer may not import any layer listed after it. */
export function layerConstraints(layers: readonly z.output<typeof layer>[]): Forbidden[] {
  return layers.slice(0, -1).map((inner, i) => {
    const outer = layers.slice(i + 1);
    return {
      name: `${inner.name}-layer`,
      from: inner.paths,
      fromNot: [],
      to: outer.flatMap((l) => [...l.paths, ...l.modules]),
      reason: `the ${inner.name} layer may not depend on ${outer.map((l) => l.name).join(", ")}`,
    };
  });
}

/** The Go module a file belongs to: the nearest go.mod above it at head. */
async function importContext(ctx: ReviewView, source: SourceFile): Promise<ImportContext> {
  if (source.language !== "go") return {};
  let dir = posix.dirname(source.path);
  for (;;) {
    const goMod = await ctx.text("head", dir === "." ? "go.mod" : `${dir}/go.mod`);
    const module = goMod && /^module\s+(\S+)/m.exec(goMod)?.[1];
    if (module) return { goModule: { path: module, dir: dir === "." ? "" : dir } };
    if (dir === "." || dir === "") return {};
    dir = posix.dirname(dir);
  }
}
