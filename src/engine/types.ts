/**
 * The engine's API: what a trigger or rule module is, what it may ask of a review (its context), and
 * the Report that comes out. Modules import these types and nothing else from the engine's internals.
 */
import type { z } from "zod";
import type { ChangedFile, ContentRequest, FileContent, Side } from "./change.js";
import type { EngineConfig } from "./config.js";
import type { PatchLine } from "./patch.js";
import type { StructuredFile } from "./structured.js";
import type { ReportDecisions, Waiver } from "./decision-types.js";
import type { Category, DimensionId, ReviewTypeId, Severity } from "./vocabulary.js";

export type { ChecklistItem, EngineConfig } from "./config.js";

/** Why a trigger fired, for one file. */
export interface TriggerHit {
  file: string;
  reason: string;
  line?: number;
  /**
   * The hit only scales or tunes what already exists (replicas, resources, autoscaling bounds): when every hit
   * of a trigger is light and the trigger declares `meta.light`, the lightweight review applies instead.
   */
  light?: boolean;
}

/** Something that stopped the review from seeing the change whole. Any problem fails the gate closed. */
export interface Problem {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/**
 * What a note is about, so callers can act on notes without matching their text:
 * - `skipped-file`: files not analysed at all (over the size limit, binary);
 * - `not-judged`: a part of a file a rule could not judge (a template helper, unbalanced brackets, a base version that does not parse);
 * - `unresolved-ref`: a reference that could not be followed, so that part of a spec was not compared;
 * - `accepted`: findings the engine accepted (a declared migration plan);
 * - `info`: anything else the reader should know.
 */
export type NoteKind = "skipped-file" | "not-judged" | "unresolved-ref" | "accepted" | "info";

export interface Note {
  kind: NoteKind;
  /** The rule or trigger that wrote it; the engine prefixes its text with this id. */
  source?: string;
  message: string;
}

/** A note as one line of text: `<source>: <message>`. */
export function noteText(note: Note): string {
  return note.source ? `${note.source}: ${note.message}` : note.message;
}

/**
 * Everything a trigger, a rule or a format pass may ask about the change under review. Reads are lazy and
 * cached per review, so a file is fetched and parsed once however many modules look at it.
 */
export interface ReviewView {
  /** The changed files the review looks at (config `ignorePaths` removed). */
  readonly files: readonly ChangedFile[];
  /** Files that exist at head (added, modified, renamed, copied). */
  readonly headFiles: readonly ChangedFile[];
  readonly config: EngineConfig;
  /** Pull request title and description (the commit message for the CLI), when there is one. */
  readonly title: string | undefined;
  readonly description: string | undefined;
  file(path: string): ChangedFile | undefined;
  /** Raw content at `side`; files skipped for their size or for being binary are noted once. */
  read(side: Side, path: string): Promise<FileContent>;
  /** Text at `side`, or undefined when missing, binary, too large or unreadable. */
  text(side: Side, path: string): Promise<string | undefined>;
  /** Parsed YAML/JSON at `side`. Undefined when the file cannot be read as text. */
  structured(side: Side, path: string): Promise<StructuredFile | undefined>;
  /** Lines the change adds to `path`, with head line numbers. */
  addedLines(path: string): Promise<PatchLine[]>;
  /** Lines the change removes from `path`, with base line numbers. */
  removedLines(path: string): PatchLine[];
  /** Every file path in the tree at `side`. */
  paths(side: Side): Promise<string[]>;
  /** Hits of a trigger, available to rules once triggers have run (e.g. service-ownership reads new-service). */
  triggerHits(id: string): readonly TriggerHit[];
  /**
   * A value computed once per review and shared by every module that asks with the same key (a parsed
   * spec set, an index of workloads). Keys are namespaced by their owner, e.g. "openapi:specs". `compute`
   * gets the review itself, so what a shared pass notes belongs to no single module.
   */
  memo<T>(key: string, compute: (review: ReviewView) => T): T;
  /** A note that belongs to no single rule (written by a shared format pass). */
  note(message: string, kind?: NoteKind): void;
  /** Something could not be read or judged: the review fails closed. */
  problem(problem: Problem): void;
}

/** What a trigger module sees: the review, plus notes under its own id. */
export interface TriggerContext extends ReviewView {
  readonly id: string;
}

export interface TriggerMeta {
  id: string;
  title: string;
  /** One sentence for docs and the comment: what kind of change this is. */
  description: string;
  reviewType: ReviewTypeId;
  /** The dimensions the trigger concerns: checklist items a repository adds there are shown when it fires. */
  dimensions: DimensionId[];
  /**
   * The built-in checklist items the review needs, item by item (ids of the config's checklist). Absent: every
   * item of `dimensions` whose review types apply (as for custom triggers).
   */
  checklist?: string[];
  /** The lightweight review when every hit is `light`: its review type and items, and why that depth is enough. */
  light?: { reviewType: ReviewTypeId; checklist: string[]; why: string };
}

/** A trigger detector: one module each under src/triggers/. */
export interface TriggerModule {
  meta: TriggerMeta;
  detect(context: TriggerContext): Promise<TriggerHit[]>;
}

/** What a rule reports through `context.report`. */
export interface ReportDescriptor<MessageId extends string = string> {
  /** A key of the rule's `meta.messages`; `data` fills its `{{placeholders}}`. */
  messageId: MessageId;
  data?: Record<string, string | number>;
  file: string;
  /** 1-based line at head (for something removed: the nearest enclosing element still there at head, else 1). */
  line?: number | undefined;
  endLine?: number | undefined;
  /** For something removed: its line in the base version (the message must name it, as every output shows the message; the comment also links it). */
  baseLine?: number | undefined;
  /** Overrides the rule's `meta.remediation` for this finding. */
  remediation?: string | undefined;
  /**
   * What makes this finding distinct within its file (e.g. "DELETE /pets/{id}", "users.email").
   * Feeds the stable finding id, so it must not depend on line numbers. Default: the message.
   */
  key?: string | undefined;
  /**
   * Advisory findings of a rule that is otherwise a hard constraint (e.g. a non-concurrent index next to
   * dropped columns): reported as a warning even when the rule's severity is `error`; never raises it.
   */
  advisory?: boolean | undefined;
}

/** What a rule module sees: the review, its options, and `report` / `note` under its own id. */
export interface RuleContext<Options = Record<string, unknown>, MessageId extends string = string> extends ReviewView {
  readonly id: string;
  readonly options: Options;
  readonly severity: Exclude<Severity, "off">;
  report(descriptor: ReportDescriptor<MessageId>): void;
  /** A note under this rule's id (`<rule-id>: <message>`). */
  note(message: string, kind?: NoteKind): void;
}

export interface RuleMeta<MessageId extends string = string> {
  id: string;
  title: string;
  category: Category;
  defaultSeverity: Severity;
  /** One sentence: what the rule catches. The docs page is docs/rules/<id>.md. */
  description: string;
  /** Finding messages by id, with `{{name}}` placeholders filled from the report's `data`. */
  messages: Record<MessageId, string>;
  /** How to fix a finding, unless a report gives its own. */
  remediation?: string;
  /** Rule options (zod object with defaults); becomes `rules.<id>` in the config next to `severity`. */
  options?: z.ZodObject;
  /**
   * Breaking changes this rule reports are accepted when the PR description declares a migration plan
   * (config `migrationPlan`): the engine turns them into one `accepted` note.
   */
  acceptsMigrationPlan?: boolean;
}

/** A hard-constraint rule: one module each under src/rules/. */
export interface RuleModule<Options = any, MessageId extends string = string> {
  meta: RuleMeta<MessageId>;
  evaluate(context: RuleContext<Options, MessageId>): Promise<void>;
}

type OptionsOf<S> = S extends z.ZodObject ? z.output<S> : Record<string, never>;

/**
 * Declares a rule with its option and message types inferred from `meta`:
 * `defineRule({ meta: { ..., messages: { removed: "{{what}} removed" }, options }, async evaluate(context) { ... } })`.
 */
export function defineRule<const MessageId extends string, S extends z.ZodObject | undefined = undefined>(rule: {
  meta: RuleMeta<MessageId> & { options?: S };
  evaluate(context: RuleContext<OptionsOf<S>, MessageId>): Promise<void>;
}): RuleModule<OptionsOf<S>, MessageId> {
  return rule as RuleModule<OptionsOf<S>, MessageId>;
}

export interface Finding {
  /**
   * The finding's one id, shown in the comment, the JSON, annotations and SARIF, and used by waivers:
   * `<category prefix>-<6 hex>` (e.g. `DATA-f841a5`), a hash of rule, file and key (never the line), so it is
   * stable across pushes.
   */
  id: string;
  rule: string;
  /** The key of the rule's `meta.messages` this finding's message came from. */
  messageId: string;
  title: string;
  severity: Exclude<Severity, "off">;
  category: Category;
  file: string;
  line?: number;
  endLine?: number;
  /** For something removed: its line in the base version (`line` is then where it is annotated at head; the message names the base line, the comment links it). */
  baseLine?: number;
  message: string;
  remediation?: string;
  key?: string;
  /** Waived (by a waiver command, or an accepted migration plan): listed, but it no longer fails the gate. */
  waived: boolean;
  /** Who waived it, when, why and until when (see src/engine/decisions.ts). */
  waiver?: Waiver;
  /**
   * For rules that accept a migration plan: `awaiting-acceptance` when the PR declares one that nobody
   * with the authority to has accepted yet, `placeholder` when the declared plan is a placeholder.
   */
  migrationPlan?: "awaiting-acceptance" | "placeholder";
  /**
   * What a waiver is bound to: a hash of rule, file, key and the text the finding points at (its lines at
   * head, or the whole file when it has no line). A later push that changes it lapses the waiver.
   */
  fingerprint?: string;
}

export type { Waiver } from "./decision-types.js";

export interface ReportTrigger {
  id: string;
  title: string;
  files: string[];
  reason: string;
  hits: TriggerHit[];
}

export interface ChecklistSection {
  dimension: DimensionId;
  title: string;
  items: { id: string; text: string }[];
}

export type Conclusion = "success" | "failure" | "error";

export interface Report {
  schemaVersion: 1;
  base: string;
  head: string;
  triggers: ReportTrigger[];
  reviewTypes: { id: ReviewTypeId; title: string }[];
  checklist: ChecklistSection[];
  findings: Finding[];
  conclusion: Conclusion;
  /** Things the reader should know: files skipped, what could not be judged. */
  notes: Note[];
  /** Why the review could not run or could not see everything (conclusion `error`). */
  problems: Problem[];
  /** The review loop's decisions (waivers, outcome, required reviews), once applied (src/engine/decisions.ts). */
  decisions?: ReportDecisions;
}

/** Built-in or not, what the engine runs: the composition root (src/builtins.ts) provides it. */
export interface EngineModules {
  triggers: readonly TriggerModule[];
  rules: readonly RuleModule[];
  /** The triggers a repository defines in its config (src/triggers/custom.ts). */
  customTriggers?: (config: EngineConfig) => readonly TriggerModule[];
  /** The reads a review will most likely make, announced to the source up front (see Change.prefetch). */
  likelyReads?: (files: readonly ChangedFile[]) => ContentRequest[];
  /**
   * What a rule judges a file as (e.g. "a Django migration (destructive-migration)"), by its path; undefined
   * when no rule must judge it. A changed file that is judged but cannot be read (over the size limit,
   * binary) fails the review closed; other unreadable files are only named in a note.
   */
  judgedAs?: (path: string) => string | undefined;
}
