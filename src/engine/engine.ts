import type { Change } from "./change.js";
import type { EngineConfig } from "./config.js";
import { ChangeReads, moduleView, ReviewContext } from "./context.js";
import { fnv1a } from "./hash.js";
import { migrationPlanStatus } from "./migration-plan.js";
import type {
  ChecklistSection,
  EngineModules,
  Finding,
  ReportDescriptor,
  Report,
  ReportTrigger,
  RuleContext,
  RuleModule,
  TriggerHit,
  TriggerModule,
} from "./types.js";
import {
  CATEGORY_PREFIX,
  DIMENSION_IDS,
  dimensionTitle,
  reviewTypeRank,
  reviewTypeTitle,
  type DimensionId,
  type ReviewTypeId,
} from "./vocabulary.js";

interface FiredTrigger {
  id: string;
  title: string;
  reviewType: ReviewTypeId;
  dimensions: DimensionId[];
  /** The items this trigger needs, item by item; undefined: every item of its dimensions (custom triggers, overridden dimensions). */
  items: string[] | undefined;
  hits: TriggerHit[];
}

/**
 * Change + Config -> Report. Pure: every read goes through the Change. The engine knows no trigger or
 * rule: `modules` (the composition root, src/builtins.ts, in production) says what runs.
 */
export function review(change: Change, config: EngineConfig, modules: EngineModules): Promise<Report> {
  return openReview(change, modules)(config);
}

/**
 * A change evaluated under one or more configs (the gate's, and the one a PR proposes) with one set of
 * reads: every file is fetched and parsed once, whichever config asks first.
 */
export function openReview(change: Change, modules: EngineModules): (config: EngineConfig) => Promise<Report> {
  const reads = new ChangeReads(change);
  let evaluations = 0;
  return (config) => evaluate(reads, config, modules, evaluations++ === 0);
}

async function evaluate(reads: ChangeReads, config: EngineConfig, modules: EngineModules, first: boolean): Promise<Report> {
  const { change } = reads;
  const ctx = new ReviewContext(reads, config);
  // Announced once: a second evaluation of the same change reads what the first one fetched.
  if (first && modules.likelyReads) change.prefetch?.(modules.likelyReads(ctx.files), { maxBytes: config.limits.maxFileBytes });
  if (!change.complete) {
    ctx.problem({
      message: `could not review all files${change.incompleteReason ? ` (${change.incompleteReason})` : ""}: manual architecture review needed`,
    });
  }

  const triggers = [...modules.triggers, ...(modules.customTriggers?.(config) ?? [])];
  const fired = await detectTriggers(ctx, triggers);
  const planned = withoutCovered(fired);
  const reviewTypes = [...new Set(planned.map((t) => t.reviewType))].sort((a, b) => reviewTypeRank(a) - reviewTypeRank(b));
  const checklist = buildChecklist(config, planned, reviewTypes, namedItems(triggers));
  const findings = await evaluateRules(ctx, modules.rules);
  // Before the conclusion: an unreadable file a rule must judge is a problem.
  const skipped = ctx.skippedNotes(modules.judgedAs);

  const conclusion = ctx.problems.length > 0 ? "error" : findings.some((f) => f.severity === "error" && !f.waived) ? "failure" : "success";
  return {
    schemaVersion: 1,
    base: change.base,
    head: change.head,
    triggers: fired.sort((a, b) => reviewTypeRank(a.reviewType) - reviewTypeRank(b.reviewType) || a.id.localeCompare(b.id)).map(toReportTrigger),
    reviewTypes: reviewTypes.map((id) => ({ id, title: reviewTypeTitle(id) })),
    checklist,
    findings,
    conclusion,
    notes: [...ctx.notes, ...skipped],
    problems: ctx.problems,
  };
}

function toReportTrigger(t: FiredTrigger): ReportTrigger {
  const files = [...new Set(t.hits.map((h) => h.file))];
  const first = t.hits[0]!;
  const more = t.hits.length - 1;
  return {
    id: t.id,
    title: t.title,
    files,
    reason: more > 0 ? `${first.reason} (and ${more} more)` : first.reason,
    hits: t.hits,
  };
}

async function detectTriggers(ctx: ReviewContext, modules: readonly TriggerModule[]): Promise<FiredTrigger[]> {
  const { config } = ctx;
  const fired: FiredTrigger[] = [];
  for (const { meta, detect } of modules) {
    if (config.triggers.disabled.includes(meta.id)) continue;
    let hits: TriggerHit[] = [];
    const started = performance.now();
    try {
      hits = await detect(moduleView(ctx, meta.id, {}));
    } catch (error) {
      ctx.problem({ message: `trigger ${meta.id} could not run: ${(error as Error).message}` });
    }
    ctx.change.traceModule?.({ kind: "trigger", id: meta.id, ms: performance.now() - started });
    const unique = dedupeHits(hits);
    ctx.recordTriggerHits(meta.id, unique);
    if (unique.length === 0) continue;
    // Only scaling or tuning what exists: the trigger's lightweight review, unless the config says otherwise.
    const light = meta.light && unique.every((h) => h.light) ? meta.light : undefined;
    const dimensions = config.triggers.dimensions[meta.id];
    fired.push({
      id: meta.id,
      title: meta.title,
      reviewType: config.triggers.reviewTypes[meta.id] ?? light?.reviewType ?? meta.reviewType,
      dimensions: dimensions ?? meta.dimensions,
      items: dimensions ? undefined : (light?.checklist ?? meta.checklist),
      hits: unique,
    });
  }
  return fired;
}

function dedupeHits(hits: TriggerHit[]): TriggerHit[] {
  const seen = new Set<string>();
  const out: TriggerHit[] = [];
  for (const hit of [...hits].sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0))) {
    const key = `${hit.file}\0${hit.reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(hit);
  }
  return out;
}

/**
 * The fired triggers whose review is not already covered: a built-in trigger whose every file is also a file of
 * a trigger requiring a stronger review (the Deployment and Dockerfile of a new service, the manifests of a
 * retired one) adds neither its review type nor its items, since the stronger review of the same files asks
 * what matters for them. It still appears among the triggers. Triggers that do not name their items
 * (custom ones, dimensions overridden in the config) are never covered.
 */
function withoutCovered(fired: FiredTrigger[]): FiredTrigger[] {
  const filesOf = (t: FiredTrigger) => new Set(t.hits.map((h) => h.file));
  return fired.filter((t) => {
    if (t.items === undefined) return true;
    const files = filesOf(t);
    return !fired.some(
      (u) =>
        u !== t && u.items !== undefined && reviewTypeRank(u.reviewType) < reviewTypeRank(t.reviewType) && [...files].every((f) => filesOf(u).has(f)),
    );
  });
}

/** The checklist item ids some trigger module asks for by name. */
function namedItems(triggers: readonly TriggerModule[]): Set<string> {
  return new Set(triggers.flatMap((t) => [...(t.meta.checklist ?? []), ...(t.meta.light?.checklist ?? [])]));
}

/**
 * The union of what the fired triggers need, each item once, in checklist order. A trigger that names its
 * items gets exactly those; one that does not (custom triggers, dimensions overridden in the config) gets every
 * item of its dimensions whose review types apply. Items no trigger names (a repository's own) are shown in
 * the dimensions of the triggers that fired, as before.
 */
function buildChecklist(config: EngineConfig, fired: FiredTrigger[], reviewTypes: ReviewTypeId[], named: ReadonlySet<string>): ChecklistSection[] {
  const byName = new Set(fired.flatMap((t) => t.items ?? []));
  const whole = new Set(fired.filter((t) => t.items === undefined).flatMap((t) => t.dimensions));
  const touched = new Set(fired.flatMap((t) => t.dimensions));
  const applies = (item: { reviewTypes?: ReviewTypeId[] | undefined }) => !item.reviewTypes || item.reviewTypes.some((t) => reviewTypes.includes(t));
  const seenItems = new Set<string>();
  const sections: ChecklistSection[] = [];
  for (const dimension of DIMENSION_IDS) {
    const items = config.checklist[dimension]
      .filter(
        (item) => byName.has(item.id) || (whole.has(dimension) && applies(item)) || (!named.has(item.id) && touched.has(dimension) && applies(item)),
      )
      .filter((item) => !seenItems.has(item.id) && seenItems.add(item.id))
      .map((item) => ({ id: item.id, text: item.text }));
    if (items.length > 0) sections.push({ dimension, title: dimensionTitle(dimension), items });
  }
  return sections;
}

async function evaluateRules(ctx: ReviewContext, rules: readonly RuleModule[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const rule of rules) {
    const { meta } = rule;
    const setting = ctx.config.rules[meta.id] ?? { severity: meta.defaultSeverity, options: meta.options?.parse({}) ?? {} };
    if (setting.severity === "off") continue;
    const severity = setting.severity;
    const reported: Finding[] = [];
    const context: RuleContext = moduleView(ctx, meta.id, {
      options: setting.options,
      severity,
      report: (descriptor: ReportDescriptor) => reported.push(toFinding(rule, severity, descriptor)),
    });
    const started = performance.now();
    try {
      await rule.evaluate(context);
    } catch (error) {
      ctx.problem({ message: `rule ${meta.id} could not run: ${(error as Error).message}` });
      continue;
    } finally {
      ctx.change.traceModule?.({ kind: "rule", id: meta.id, ms: performance.now() - started });
    }
    if (reported.length > 0 && meta.acceptsMigrationPlan) {
      const { heading, acceptedBy } = ctx.config.migrationPlan;
      const plan = migrationPlanStatus(ctx.description, heading);
      if (plan === "declared" && acceptedBy === "author") {
        context.note(`${reported.length} breaking change(s) accepted: the PR description has a "${heading}" section`, "accepted");
        continue;
      }
      if (plan === "declared") {
        for (const finding of reported) if (finding.severity === "error") finding.migrationPlan = "awaiting-acceptance";
        context.note(`${reported.length} breaking change(s) with a "${heading}" section: awaiting acceptance`, "info");
      } else if (plan === "placeholder") {
        for (const finding of reported) if (finding.severity === "error") finding.migrationPlan = "placeholder";
        context.note(`the "${heading}" section is a placeholder (TBD, TODO, n/a or under ten words) and accepts nothing`, "info");
      }
    }
    const seen = new Set<string>();
    for (const finding of reported) {
      if (seen.has(finding.id)) continue;
      seen.add(finding.id);
      findings.push(finding);
    }
  }
  // Sorted while `id` still holds each finding's key, so the order does not depend on how ids are shortened.
  findings.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.rule.localeCompare(b.rule) || a.id.localeCompare(b.id));
  assignDisplayIds(findings);
  const lines = new Map<string, Promise<string[]>>();
  for (const finding of findings) finding.fingerprint = await fingerprint(ctx, finding, lines);
  return findings;
}

function toFinding(rule: RuleModule, severity: Finding["severity"], d: ReportDescriptor): Finding {
  const template = rule.meta.messages[d.messageId];
  if (template === undefined) throw new Error(`rule ${rule.meta.id} reported an unknown message id "${d.messageId}"`);
  const message = fillMessage(template, d.data ?? {}, rule.meta.id, d.messageId);
  const remediation = d.remediation ?? rule.meta.remediation;
  return {
    // The key until every finding is known (assignDisplayIds then gives each its id).
    id: findingKey(rule.meta.id, d.file, d.key ?? message),
    rule: rule.meta.id,
    messageId: d.messageId,
    title: rule.meta.title,
    severity: d.advisory ? "warning" : severity,
    category: rule.meta.category,
    file: d.file,
    ...(d.line !== undefined ? { line: d.line } : {}),
    ...(d.endLine !== undefined ? { endLine: d.endLine } : {}),
    ...(d.baseLine !== undefined ? { baseLine: d.baseLine } : {}),
    message,
    ...(remediation !== undefined ? { remediation } : {}),
    ...(d.key !== undefined ? { key: d.key } : {}),
    waived: false,
  };
}

/**
 * What a waiver binds to: rule, file, key and the text the finding points at (its lines at head; the
 * whole file when it has no line; the base side when the file is gone). Line numbers themselves are not
 * part of it, so lines moving above the finding keep it.
 */
async function fingerprint(ctx: ReviewContext, finding: Finding, linesOf: Map<string, Promise<string[]>>): Promise<string> {
  const side = ctx.file(finding.file)?.status === "removed" ? "base" : "head";
  let content: string;
  if (finding.line !== undefined) {
    // A file's lines are split once for all its findings (a big schema file can have hundreds).
    const key = `${side}\0${finding.file}`;
    let lines = linesOf.get(key);
    if (!lines) {
      lines = ctx.text(side, finding.file, "finding fingerprints").then((text) => (text ?? "").split("\n"));
      linesOf.set(key, lines);
    }
    content = (await lines).slice(finding.line - 1, finding.endLine ?? finding.line).join("\n");
  } else content = (await ctx.text(side, finding.file, "finding fingerprints")) ?? "";
  return fnv1a(`${finding.rule}\0${finding.file}\0${finding.key ?? finding.message}\0${content}`);
}

/** `{{name}}` placeholders filled from `data`; a placeholder without data is a bug in the rule, not a message. */
export function fillMessage(template: string, data: Record<string, string | number>, rule = "", messageId = ""): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    const value = data[name];
    if (value === undefined) throw new Error(`rule ${rule} message "${messageId}" has no value for {{${name}}}`);
    return String(value);
  });
}

/** What makes a finding the same finding across pushes: rule + 8 hex digits of FNV-1a over file and key (not line numbers). */
export function findingKey(rule: string, file: string, key: string): string {
  return `${rule}:${fnv1a(`${file}\0${key}`)}`;
}

/**
 * Each finding's id (`DATA-f841a5`): its category's prefix and 6 hex digits of a hash of its key. Two different
 * findings of one review whose 6 digits collide keep 6 for the first (in key order) and take more for the next,
 * so an id always names one finding.
 */
function assignDisplayIds(findings: Finding[]): void {
  const taken = new Set<string>();
  for (const finding of [...findings].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const hash = fnv1a(finding.id) + fnv1a(`${finding.id}\0`);
    let digits = 6;
    let id = `${CATEGORY_PREFIX[finding.category]}-${hash.slice(0, digits)}`;
    while (taken.has(id) && digits < hash.length) id = `${CATEGORY_PREFIX[finding.category]}-${hash.slice(0, ++digits)}`;
    taken.add(id);
    finding.id = id;
  }
}
