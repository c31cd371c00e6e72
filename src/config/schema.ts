import { z } from "zod";
import { DEFAULT_CHECKLIST } from "./checklist.js";
import type { EngineConfig, RuleSetting } from "../engine/config.js";
import type { RuleModule } from "../engine/types.js";
import { DIMENSION_IDS, REVIEW_TYPE_IDS, SEVERITIES, type DimensionId, type Severity } from "../engine/vocabulary.js";

/**
 * The `.github/archgate.yml` schema: the single source of truth for validation, defaults, the JSON
 * Schema (`npm run schema`) and the configuration reference (docs/configuration.md). It knows no rule:
 * `buildConfigSchema` extends it with each rule's options, and the composition root (src/builtins.ts)
 * builds it with the built-in rules.
 *
 * Lists replace the built-in default when given as a plain list, and extend it when given as
 * `{ append: [...] }`.
 */
export function listSetting<T extends z.ZodType>(item: T, defaults: z.output<T>[]) {
  return z
    .union([z.array(item), z.object({ append: z.array(item) }).strict()])
    .optional()
    .transform((value): z.output<T>[] => {
      if (value === undefined) return [...defaults];
      if (Array.isArray(value)) return value as z.output<T>[];
      return [...defaults, ...(value.append as z.output<T>[])];
    });
}

const kebabId = z.string().regex(/^[a-z][a-z0-9-]*$/, "use lower-case letters, digits and dashes (kebab-case)");
const glob = z.string().min(1);
const severity = z.enum(SEVERITIES);
const reviewType = z.enum(REVIEW_TYPE_IDS);
const dimension = z.enum(DIMENSION_IDS);

const regexString = z.string().min(1).refine(
  (source) => {
    try {
      new RegExp(source, "m");
      return true;
    } catch {
      return false;
    }
  },
  { message: "not a valid regular expression" },
);

export const checklistItemSchema = z
  .object({
    id: kebabId.describe("Stable id: a ticked box stays ticked across re-renders of the comment."),
    text: z.string().min(1).describe("A question a reviewer can answer yes or no."),
    reviewTypes: z.array(reviewType).optional().describe("Show the item only for these review types (all when absent)."),
  })
  .strict();

export const customTriggerSchema = z
  .object({
    id: kebabId.describe("Trigger id, e.g. critical-workflow."),
    title: z.string().min(1).describe("Shown in the comment, e.g. Payments workflow."),
    reviewType: reviewType.default("adr").describe("Review type the trigger requires."),
    dimensions: z.array(dimension).min(1).default(["boundary"]).describe("Checklist dimensions the trigger needs."),
    paths: z.array(glob).min(1).describe("Globs of changed files that hit the trigger (minimatch, dotfiles included)."),
    excludePaths: z.array(glob).default([]).describe("Globs excluded from paths."),
    content: z
      .array(regexString)
      .default([])
      .describe("Regular expressions: when given, a file hits only if a line the PR adds or removes matches one."),
    reason: z.string().optional().describe("Why the trigger fired, as shown in the comment."),
  })
  .strict();

function checklistSchema() {
  const shape = {} as Record<DimensionId, ReturnType<typeof listSetting<typeof checklistItemSchema>>>;
  for (const id of DIMENSION_IDS) shape[id] = listSetting(checklistItemSchema, DEFAULT_CHECKLIST[id]);
  return z.object(shape).strict().prefault({});
}

function rulesSchema(rules: readonly RuleModule[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const { meta: rule } of rules) {
    const options = rule.options ?? z.object({});
    const object = options.extend({ severity: severity.optional() }).strict();
    shape[rule.id] = z
      .union([severity, object])
      .optional()
      .transform((value): RuleSetting => {
        if (value === undefined || typeof value === "string") {
          return { severity: value ?? rule.defaultSeverity, options: options.parse({}) as Record<string, unknown> };
        }
        const { severity: sev, ...rest } = value as Record<string, unknown> & { severity?: Severity };
        return { severity: sev ?? rule.defaultSeverity, options: rest };
      });
  }
  return z.object(shape).strict().prefault({});
}

export const serviceSchema = z
  .object({
    paths: z.array(glob).min(1).describe("Globs of the service's code and migrations."),
    tables: z.array(z.string().min(1)).default([]).describe("Tables this service owns; other services may not migrate them."),
    owner: z.string().optional().describe("Owning team, e.g. @acme/orders."),
  })
  .strict();

/** The config schema, with `rules.<id>` for each of `rules` (severity and the rule's options). */
export function buildConfigSchema(rules: readonly RuleModule[]) {
  return z
    .object({
      ignorePaths: listSetting(glob, []).describe("Globs of files the review ignores entirely (generated code, vendored specs)."),
      limits: z
        .object({
          maxFileBytes: z.number().int().positive().default(1_000_000).describe("Files larger than this many bytes are skipped with a note."),
        })
        .strict()
        .prefault({}),
      triggers: z
        .object({
          disabled: z.array(kebabId).default([]).describe("Built-in triggers to switch off, by id."),
          custom: z
            .array(customTriggerSchema)
            .default([])
            .describe("Triggers of this repository: path globs, optionally narrowed by content patterns."),
          reviewTypes: z.record(kebabId, reviewType).default({}).describe("Review type a trigger requires, overriding the built-in mapping."),
          dimensions: z
            .record(kebabId, z.array(dimension).min(1))
            .default({})
            .describe("Checklist dimensions a trigger needs, overriding the built-in mapping."),
        })
        .strict()
        .prefault({}),
      checklist: checklistSchema().describe("Checklist items per dimension: a list replaces the built-in items, { append: [...] } adds to them."),
      rules: rulesSchema(rules).describe("Severity (error, warning, off) and options of each rule: `rule-id: warning` or `rule-id: { severity, ...options }`."),
      migrationPlan: z
        .object({
          heading: z
            .string()
            .min(1)
            .default("Migration plan")
            .describe("A PR description section with this heading declares a migration plan for a breaking contract change."),
        })
        .strict()
        .prefault({}),
      services: z.record(kebabId, serviceSchema).default({}).describe("Services of a monorepo: their paths and the tables they own."),
      /** PR labels, one per required review type (the GitHub App adds and removes them as triggers change). */
      labels: z
        .object({
          enabled: z.boolean().default(true),
          /** Label name = prefix + review type id, e.g. "arch-review: contract". */
          prefix: z.string().min(1).max(40).default("arch-review: "),
          /** Exact label names per review type, overriding prefix + id. */
          names: z.partialRecord(reviewType, z.string().min(1).max(50)).default({}),
        })
        .strict()
        .prefault({}),
    })
    .strict();
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;
export type ArchgateConfigInput = z.input<ConfigSchema>;
export type ArchgateConfig = z.output<ConfigSchema> & { rules: Record<string, RuleSetting> };

/** The engine reads the resolved config: checked here at compile time so the two cannot drift apart. */
const _resolvedConfigFitsTheEngine = (config: ArchgateConfig): EngineConfig => config;
void _resolvedConfigFitsTheEngine;
