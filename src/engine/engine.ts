import type { Change } from "./change.js";
import { fnv1a } from "./hash.js";
import { matchesAny, ReviewContext } from "./context.js";
import { parsePatch } from "./patch.js";
import { likelyReads } from "../formats/common/likely-reads.js";
import type { ChecklistSection, Finding, FindingDraft, Report, ReportTrigger, RuleModule, TriggerHit, TriggerModule } from "./types.js";
import { DIMENSION_IDS, dimensionTitle, reviewTypeRank, reviewTypeTitle, type DimensionId, type ReviewTypeId } from "./vocabulary.js";
import type { ArchgateConfig } from "../config/schema.js";
import { RULES } from "../rules/registry.js";
import { TRIGGERS } from "../triggers/registry.js";

export interface EngineOptions {
  /** Override the registries (tests). */
  triggers?: readonly TriggerModule[];
  rules?: readonly RuleModule<any>[];
}

interface FiredTrigger {
  id: string;
  title: string;
  reviewType: ReviewTypeId;
  dimensions: DimensionId[];
  hits: TriggerHit[];
}

/** Change + Config -> Report. Pure: every read goes through the Change. */
export async function review(change: Change, config: ArchgateConfig, options: EngineOptions = {}): Promise<Report> {
  const ctx = new ReviewContext(change, config);
  change.prefetch?.(likelyReads(ctx.files), { maxBytes: config.limits.maxFileBytes });
  if (!change.complete) {
    ctx.problem({
      message: `could not review all files${change.incompleteReason ? ` (${change.incompleteReason})` : ""}: manual architecture review needed`,
    });
  }

  const fired = await detectTriggers(ctx, options.triggers ?? TRIGGERS);
  const reviewTypes = [...new Set(fired.map((t) => t.reviewType))].sort((a, b) => reviewTypeRank(a) - reviewTypeRank(b));
  const checklist = buildChecklist(config, fired, reviewTypes);
  const findings = await evaluateRules(ctx, options.rules ?? RULES);

  const conclusion =
    ctx.problems.length > 0 ? "error" : findings.some((f) => f.severity === "error" && !f.waived) ? "failure" : "success";
  return {
    schemaVersion: 1,
    base: change.base,
    head: change.head,
    triggers: fired
      .sort((a, b) => reviewTypeRank(a.reviewType) - reviewTypeRank(b.reviewType) || a.id.localeCompare(b.id))
      .map(toReportTrigger),
    reviewTypes: reviewTypes.map((id) => ({ id, title: reviewTypeTitle(id) })),
    checklist,
    findings,
    conclusion,
    notes: [...ctx.notes, ...ctx.skippedNotes()],
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
  const record = (id: string, title: string, reviewType: ReviewTypeId, dimensions: DimensionId[], hits: TriggerHit[]) => {
    const unique = dedupeHits(hits);
    ctx.recordTriggerHits(id, unique);
    if (unique.length === 0) return;
    fired.push({
      id,
      title,
      reviewType: config.triggers.reviewTypes[id] ?? reviewType,
      dimensions: config.triggers.dimensions[id] ?? dimensions,
      hits: unique,
    });
  };
  for (const module of modules) {
    if (config.triggers.disabled.includes(module.id)) continue;
    let hits: TriggerHit[] = [];
    try {
      hits = await module.detect(ctx);
    } catch (error) {
      ctx.problem({ message: `trigger ${module.id} could not run: ${(error as Error).message}` });
    }
    record(module.id, module.title, module.reviewType, module.dimensions, hits);
  }
  for (const custom of config.triggers.custom) {
    const hits: TriggerHit[] = [];
    const patterns = custom.content.map((source) => new RegExp(source, "m"));
    for (const file of ctx.files) {
      const paths = [file.path, ...(file.previousPath ? [file.previousPath] : [])];
      if (!paths.some((p) => matchesAny(p, custom.paths)) || paths.every((p) => matchesAny(p, custom.excludePaths))) continue;
      if (patterns.length > 0) {
        const { added, removed } = parsePatch(file.patch);
        const lines = file.patch === undefined ? await ctx.addedLines(file.path) : [...added, ...removed];
        const match = lines.find((l) => patterns.some((p) => p.test(l.text)));
        if (!match) continue;
        hits.push({ file: file.path, line: match.line, reason: custom.reason ?? `changes ${file.path} (matches a content pattern)` });
      } else {
        hits.push({ file: file.path, reason: custom.reason ?? `changes ${file.path}` });
      }
    }
    record(custom.id, custom.title, custom.reviewType, custom.dimensions, hits);
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

function buildChecklist(config: ArchgateConfig, fired: FiredTrigger[], reviewTypes: ReviewTypeId[]): ChecklistSection[] {
  const needed = new Set(fired.flatMap((t) => t.dimensions));
  const seenItems = new Set<string>();
  const sections: ChecklistSection[] = [];
  for (const dimension of DIMENSION_IDS) {
    if (!needed.has(dimension)) continue;
    const items = config.checklist[dimension]
      .filter((item) => !item.reviewTypes || item.reviewTypes.some((t) => reviewTypes.includes(t)))
      .filter((item) => !seenItems.has(item.id) && seenItems.add(item.id))
      .map((item) => ({ id: item.id, text: item.text }));
    if (items.length > 0) sections.push({ dimension, title: dimensionTitle(dimension), items });
  }
  return sections;
}

async function evaluateRules(ctx: ReviewContext, rules: readonly RuleModule<any>[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const rule of rules) {
    const setting = ctx.config.rules[rule.id] ?? { severity: rule.defaultSeverity, options: rule.options?.parse({}) ?? {} };
    if (setting.severity === "off") continue;
    let drafts: FindingDraft[] = [];
    try {
      drafts = await rule.evaluate(ctx, setting.options);
    } catch (error) {
      ctx.problem({ message: `rule ${rule.id} could not run: ${(error as Error).message}` });
      continue;
    }
    const seen = new Set<string>();
    for (const draft of drafts) {
      const id = findingId(rule.id, draft);
      if (seen.has(id)) continue;
      seen.add(id);
      findings.push({
        ...draft,
        id,
        rule: rule.id,
        title: rule.title,
        severity: draft.advisory ? "warning" : setting.severity,
        category: rule.category,
        waived: false,
      });
    }
  }
  return findings.sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.rule.localeCompare(b.rule) || a.id.localeCompare(b.id),
  );
}

/** Stable finding id: rule + 8 hex digits of FNV-1a over file and key (not line numbers). */
export function findingId(rule: string, draft: Pick<FindingDraft, "file" | "key" | "message">): string {
  return `${rule}:${fnv1a(`${draft.file}\0${draft.key ?? draft.message}`)}`;
}
