import { z } from "zod";
import { DEFAULT_CHECKLIST } from "./checklist.js";
import { PROFILES } from "./profile.js";
import type { EngineConfig, RuleSetting } from "../engine/config.js";
import type { RuleModule } from "../engine/types.js";
import { DIMENSION_IDS, REVIEW_TYPE_IDS, SEVERITIES, type DimensionId, type Severity } from "../engine/vocabulary.js";

// zod compiles a fast path (`new Function`) for every object schema the first time it parses one: a config is
// parsed once per review (the App keeps each one's result), so compiling cost more than it saved (~20 ms of a
// CLI review's CPU, a tenth of a small one). Same results either way.
z.config({ jitless: true });

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

const regexString = z
  .string()
  .min(1)
  .refine(
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
    id: kebabId.describe("The item's stable kebab-case id; a ticked box stays ticked across re-renders of the comment while its id stays the same."),
    text: z.string().min(1).describe("The question shown next to the checkbox, one a reviewer can answer yes or no."),
    reviewTypes: z.array(reviewType).optional().describe("The review types the item is shown for; when absent it is shown for every review type."),
  })
  .strict();

export const customTriggerSchema = z
  .object({
    id: kebabId.describe("The trigger's kebab-case id, e.g. `critical-workflow`."),
    title: z.string().min(1).describe("The trigger's title as the comment shows it, e.g. `Payments workflow`."),
    reviewType: reviewType.default("adr").describe("The review type the trigger requires when it fires."),
    dimensions: z
      .array(dimension)
      .min(1)
      .default(["boundary"])
      .describe("The checklist dimensions whose questions the comment shows when the trigger fires."),
    paths: z.array(glob).min(1).describe("Globs (minimatch, dotfiles included) of the changed files that fire the trigger."),
    excludePaths: z.array(glob).default([]).describe("Globs of changed files that never fire the trigger, even when they match `paths`."),
    content: z
      .array(regexString)
      .default([])
      .describe(
        "Regular expressions; when given, a file that matches `paths` fires the trigger only if a line the PR adds or removes matches one of them.",
      ),
    reason: z.string().optional().describe("The reason the comment gives when the trigger fires."),
  })
  .strict();

function checklistSchema() {
  const shape = {} as Record<DimensionId, ReturnType<typeof listSetting<typeof checklistItemSchema>>>;
  for (const id of DIMENSION_IDS) {
    shape[id] = listSetting(checklistItemSchema, DEFAULT_CHECKLIST[id]).describe(
      `The items of the \`${id}\` dimension: a list replaces the built-in items, \`{ append: [...] }\` adds to them.`,
    );
  }
  return z.object(shape).strict().prefault({});
}

function rulesSchema(rules: readonly RuleModule[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const { meta: rule } of rules) {
    const options = rule.options ?? z.object({});
    const object = options
      .extend({
        severity: severity
          .optional()
          .describe(
            `Severity of the rule's findings: \`error\` fails the check unless waived, \`warning\` only reports, \`off\` turns the rule off; \`${rule.defaultSeverity}\` by default.`,
          ),
      })
      .strict();
    shape[rule.id] = z
      .union([severity, object])
      .optional()
      .transform((value): RuleSetting => {
        if (value === undefined || typeof value === "string") {
          return { severity: value ?? rule.defaultSeverity, options: options.parse({}) as Record<string, unknown> };
        }
        const { severity: sev, ...rest } = value as Record<string, unknown> & { severity?: Severity };
        return { severity: sev ?? rule.defaultSeverity, options: rest };
      })
      .describe(
        `${rule.description} Set a severity (\`error\`, \`warning\` or \`off\`; \`${rule.defaultSeverity}\` by default)${rule.options ? ", or an object with `severity` and the options below" : ", or `{ severity }`"}.`,
      );
  }
  return z.object(shape).strict().prefault({});
}

export const serviceSchema = z
  .object({
    paths: z.array(glob).min(1).describe("Globs of the files that belong to the service: its code and its migrations."),
    tables: z
      .array(z.string().min(1))
      .default([])
      .describe("The tables this service owns; a migration or query of another service that touches them is a finding."),
    owner: z.string().optional().describe("The team that owns the service, e.g. `@acme/orders`."),
  })
  .strict();

const PERMISSIONS = ["read", "triage", "write", "maintain", "admin"] as const;
const team = z
  .string()
  .transform((t) => t.replace(/^@/, ""))
  .pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/, "write a team as `org/team-slug`"));
const login = z
  .string()
  .transform((u) => u.replace(/^@/, ""))
  .pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$/, "write a user as their GitHub login"));

function authoritySchema(what: string) {
  return z
    .object({
      permission: z
        .enum(PERMISSIONS)
        .default("maintain")
        .describe(`Users with at least this repository permission may ${what} (\`admin\` counts for \`maintain\`); \`maintain\` by default.`),
      teams: z.array(team).default([]).describe(`Members of these teams (\`org/team-slug\`) may ${what}, whatever their permission.`),
      users: z.array(login).default([]).describe(`These users may ${what}, whatever their permission.`),
    })
    .strict()
    .prefault({});
}

export const reviewersSchema = z
  .object({
    teams: z.array(team).default([]).describe("Teams (`org/team-slug`) whose members' approvals count; the app requests their review once per PR."),
    users: z.array(login).default([]).describe("Users whose approvals count; the app requests their review once per PR."),
    count: z.number().int().min(1).default(1).describe("Approving reviews on the current head the review type needs before the check passes."),
  })
  .strict();

/** The config schema, with `rules.<id>` for each of `rules` (severity and the rule's options). */
export function buildConfigSchema(rules: readonly RuleModule[]) {
  return z
    .object({
      profile: z
        .enum(PROFILES)
        .default("default")
        .describe(
          "`strict` makes the seed's seven hard constraints errors (the rules in src/config/profile.ts, unless `rules` sets their severity) and needs `services` with owned tables and `rules.cost-allocation-tags.labels`; `default` keeps each rule's own severity.",
        ),
      ignorePaths: listSetting(glob, []).describe(
        "Globs of changed files the review ignores entirely, e.g. generated code and vendored specs: no trigger or rule sees them.",
      ),
      limits: z
        .object({
          maxFileBytes: z
            .number()
            .int()
            .positive()
            .default(2_000_000)
            .describe(
              "Files larger than this many bytes are never read. A changed file a rule must judge (a migration, a manifest, a contract) that is over it fails the review closed; others are named in a note.",
            ),
          paths: z
            .array(
              z
                .object({
                  paths: z.array(glob).min(1).describe("Globs of the files this limit applies to."),
                  maxFileBytes: z.number().int().positive().describe("The size limit in bytes for these files."),
                })
                .strict(),
            )
            .default([])
            .describe("Size limits for some paths, overriding `maxFileBytes` (the first entry whose globs match a file applies)."),
        })
        .strict()
        .prefault({})
        .describe("Limits on how much of the change the review reads."),
      triggers: z
        .object({
          disabled: z.array(kebabId).default([]).describe("Ids of built-in triggers to switch off."),
          custom: z
            .array(customTriggerSchema)
            .default([])
            .describe("This repository's own triggers: path globs, optionally narrowed by content patterns."),
          reviewTypes: z
            .record(kebabId, reviewType)
            .default({})
            .describe("The review type a trigger requires, by trigger id, overriding the built-in mapping."),
          dimensions: z
            .record(kebabId, z.array(dimension).min(1))
            .default({})
            .describe("The checklist dimensions a trigger needs, by trigger id, overriding the built-in mapping."),
        })
        .strict()
        .prefault({})
        .describe("Switches built-in triggers off, remaps their review types and dimensions, and adds this repository's own triggers."),
      checklist: checklistSchema().describe(
        "The checklist items of each dimension: a list replaces the built-in items, `{ append: [...] }` adds to them.",
      ),
      rules: rulesSchema(rules).describe(
        "The severity (`error`, `warning`, `off`) and options of each rule: `rule-id: warning` or `rule-id: { severity, ...options }`.",
      ),
      migrationPlan: z
        .object({
          heading: z
            .string()
            .min(1)
            .default("Migration plan")
            .describe("A PR description section with this heading declares a migration plan for a breaking contract change."),
          acceptedBy: z
            .enum(["approval", "waiver", "author"])
            .default("approval")
            .describe(
              "Who accepts a declared plan: `approval` (a user with waive authority, or an approving review on the current head by a writer who is not the author), `waiver` (only a waiver by a user with waive authority) or `author` (declaring a plan is enough, for the CLI without a review loop).",
            ),
        })
        .strict()
        .prefault({})
        .describe("How a PR declares a migration plan that accepts a breaking contract change."),
      authority: z
        .object({
          waive: authoritySchema("waive findings and accept migration plans").describe(
            "Who may waive findings (`/archgate waive`) and accept migration plans: a permission, teams or users.",
          ),
          outcome: authoritySchema("record a review outcome").describe(
            "Who may record a review outcome (`/archgate outcome`): a permission, teams or users.",
          ),
          allowAuthor: z
            .boolean()
            .default(false)
            .describe("Whether the PR's author may waive their own findings and record their own PR's outcome; `false` by default."),
        })
        .strict()
        .prefault({})
        .describe("Who may decide in the PR: waive findings and record review outcomes (see docs/review-loop.md)."),
      reviewers: z
        .partialRecord(reviewType, reviewersSchema)
        .default({})
        .describe(
          "Approvals a required review type needs before the check passes, by review type id: teams, users and a count (see docs/review-loop.md).",
        ),
      services: z
        .record(kebabId, serviceSchema)
        .default({})
        .describe("The services of a monorepo by name: their paths, the tables they own and their owning team."),
      labels: z
        .object({
          enabled: z
            .boolean()
            .default(true)
            .describe("Whether the GitHub App adds and removes review-type labels; `false` leaves the PR's labels alone."),
          prefix: z
            .string()
            .min(1)
            .max(40)
            .default("arch-review: ")
            .describe("A label's name is this prefix followed by the review type id, e.g. `arch-review: contract`."),
          names: z
            .partialRecord(reviewType, z.string().min(1).max(50))
            .default({})
            .describe("Exact label names by review type id, overriding prefix + id, e.g. `contract: needs contract review`."),
        })
        .strict()
        .prefault({})
        .describe("PR labels, one per required review type: the GitHub App adds and removes them as triggers change."),
    })
    .strict();
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;
export type ArchgateConfigInput = z.input<ConfigSchema>;
export type ArchgateConfig = z.output<ConfigSchema> & { rules: Record<string, RuleSetting> };

/** The engine reads the resolved config: checked here at compile time so the two cannot drift apart. */
const _resolvedConfigFitsTheEngine = (config: ArchgateConfig): EngineConfig => config;
void _resolvedConfigFitsTheEngine;
