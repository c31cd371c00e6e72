import { z } from "zod";
import { DEFAULT_CHECKLIST } from "./checklist.js";
import { RULES } from "../rules/registry.js";
import { DIMENSION_IDS, REVIEW_TYPE_IDS, SEVERITIES, type DimensionId, type Severity } from "../engine/vocabulary.js";

/**
 * The `.github/archgate.yml` schema: the single source of truth for validation, defaults, the JSON
 * Schema (`npm run schema`) and the configuration reference in README.md.
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
    /** Stable id: kept ticked across re-renders of the comment. */
    id: kebabId,
    /** A question a reviewer can answer yes or no. */
    text: z.string().min(1),
    /** Show only for these review types (all when absent). */
    reviewTypes: z.array(reviewType).optional(),
  })
  .strict();

export const customTriggerSchema = z
  .object({
    id: kebabId.describe("Trigger id, e.g. critical-workflow"),
    title: z.string().min(1),
    reviewType: reviewType.default("adr"),
    dimensions: z.array(dimension).min(1).default(["boundary"]),
    /** Globs of changed files that hit the trigger (minimatch, dotfiles included). */
    paths: z.array(glob).min(1),
    /** Globs excluded from `paths`. */
    excludePaths: z.array(glob).default([]),
    /**
     * Regular expressions; when given, a matching file hits only if one of the lines the PR adds or
     * removes matches one of them.
     */
    content: z.array(regexString).default([]),
    reason: z.string().optional(),
  })
  .strict();

function checklistSchema() {
  const shape = {} as Record<DimensionId, ReturnType<typeof listSetting<typeof checklistItemSchema>>>;
  for (const id of DIMENSION_IDS) shape[id] = listSetting(checklistItemSchema, DEFAULT_CHECKLIST[id]);
  return z.object(shape).strict().prefault({});
}

export interface ResolvedRuleConfig {
  severity: Severity;
  options: Record<string, unknown>;
}

function rulesSchema() {
  const shape: Record<string, z.ZodType> = {};
  for (const rule of RULES) {
    const options = rule.options ?? z.object({});
    const object = options.extend({ severity: severity.optional() }).strict();
    shape[rule.id] = z
      .union([severity, object])
      .optional()
      .transform((value): ResolvedRuleConfig => {
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
    /** Globs of the service's code and migrations. */
    paths: z.array(glob).min(1),
    /** Tables this service owns; other services may not migrate them. */
    tables: z.array(z.string().min(1)).default([]),
    owner: z.string().optional(),
  })
  .strict();

export function buildConfigSchema() {
  return z
    .object({
      /** Files the review ignores entirely (generated code, vendored specs, ...). */
      ignorePaths: listSetting(glob, []),
      limits: z
        .object({
          /** Files larger than this many bytes are skipped with a note. */
          maxFileBytes: z.number().int().positive().default(1_000_000),
        })
        .strict()
        .prefault({}),
      triggers: z
        .object({
          /** Built-in triggers to switch off, by id. */
          disabled: z.array(kebabId).default([]),
          /** Triggers of this repository: path globs, optionally narrowed by content patterns. */
          custom: z.array(customTriggerSchema).default([]),
          /** Review type required by a trigger, overriding the built-in mapping. */
          reviewTypes: z.record(kebabId, reviewType).default({}),
          /** Checklist dimensions a trigger needs, overriding the built-in mapping. */
          dimensions: z.record(kebabId, z.array(dimension).min(1)).default({}),
        })
        .strict()
        .prefault({}),
      /** Checklist items per dimension: a list replaces the built-in items, `{ append: [...] }` adds to them. */
      checklist: checklistSchema(),
      /** Severity (`error`, `warning`, `off`) and options of each rule. */
      rules: rulesSchema(),
      migrationPlan: z
        .object({
          /** A PR description section with this heading declares a migration plan for breaking changes. */
          heading: z.string().min(1).default("Migration plan"),
        })
        .strict()
        .prefault({}),
      /** Services of a monorepo: their paths and the tables they own. */
      services: z.record(kebabId, serviceSchema).default({}),
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

export const configSchema = buildConfigSchema();
export type ArchgateConfigInput = z.input<typeof configSchema>;
export type ArchgateConfig = z.output<typeof configSchema> & { rules: Record<string, ResolvedRuleConfig> };

export function defaultConfig(): ArchgateConfig {
  return configSchema.parse({}) as ArchgateConfig;
}
