import type { Change, ChangedFile, FileContent, Side } from "./change.js";
import type { EngineConfig } from "./config.js";
import { matchesAny } from "./globs.js";
import { hasPatch, indexPatch, parsePatch, type PatchIndex, type PatchLine, patchLines } from "./patch.js";
import { parseStructured, type StructuredFile } from "./structured.js";
import type { Note, NoteKind, Problem, ReviewView, TriggerHit } from "./types.js";

/**
 * Parses of recent texts, across changes: a long-running process (the App) reviews the same merge base
 * push after push, and a pull request's unchanged files read the same on every push, so the same spec or
 * manifest text comes back event after event. Bounded by the characters of the texts held (what a parse
 * costs in memory grows with them); a text over a quarter of the budget is never kept. Like the
 * per-change cache, what it hands out is shared: callers must not modify it.
 */
class RecentParses {
  private readonly entries = new Map<string, StructuredFile>();
  private chars = 0;

  constructor(private readonly budgetChars: number) {}

  get(text: string): StructuredFile | undefined {
    const parsed = this.entries.get(text);
    if (parsed) {
      // Most recently used last: Map iteration order is insertion order.
      this.entries.delete(text);
      this.entries.set(text, parsed);
    }
    return parsed;
  }

  set(text: string, parsed: StructuredFile): void {
    if (text.length > this.budgetChars / 4 || this.entries.has(text)) return;
    this.entries.set(text, parsed);
    this.chars += text.length;
    for (const oldest of this.entries.keys()) {
      if (this.chars <= this.budgetChars) break;
      this.entries.delete(oldest);
      this.chars -= oldest.length;
    }
  }
}

const recentParses = new RecentParses(1 << 19);

/**
 * Reads of one Change, cached: a file is fetched and parsed once however many modules, and however many
 * evaluations of the same change (a config preview evaluates it twice), look at it.
 */
export class ChangeReads {
  private readonly contents = new Map<string, Promise<FileContent>>();
  private readonly structuredCache = new Map<string, Promise<StructuredFile | undefined>>();
  private readonly parsedByText = new Map<string, StructuredFile>();
  private readonly pathLists = new Map<Side, Promise<string[]>>();
  private readonly patches = new Map<string, PatchIndex>();

  constructor(readonly change: Change) {}

  read(side: Side, path: string, maxBytes: number, asker = "?"): Promise<FileContent> {
    const key = `${maxBytes}\0${side}\0${path}`;
    let pending = this.contents.get(key);
    if (!pending) {
      pending = this.change
        .read(side, path, { maxBytes })
        .catch((error: unknown) => ({ kind: "error", message: (error as Error).message }) as FileContent);
      const { traceParse } = this.change;
      if (traceParse)
        pending = pending.then((content) => {
          traceParse({ kind: "read", asker, side, path, bytes: content.kind === "text" ? content.text.length : 0 });
          return content;
        });
      this.contents.set(key, pending);
    }
    return pending;
  }

  structured(side: Side, path: string, maxBytes: number, asker = "?"): Promise<StructuredFile | undefined> {
    const key = `${maxBytes}\0${side}\0${path}`;
    let pending = this.structuredCache.get(key);
    if (!pending) {
      pending = this.read(side, path, maxBytes).then((content) => {
        if (content.kind !== "text") return undefined;
        // Parsed when first looked at: a spec split over thousands of files reads them all but parses only
        // the ones a comparison reaches.
        let parsed: StructuredFile | undefined;
        const parse = (): StructuredFile => {
          if (!parsed) {
            this.change.traceParse?.({ kind: "parse", asker, side, path, bytes: content.text.length });
            parsed = this.parse(content.text);
          }
          return parsed;
        };
        return {
          get docs() {
            return parse().docs;
          },
          get errors() {
            return parse().errors;
          },
        };
      });
      this.structuredCache.set(key, pending);
    }
    return pending;
  }

  /**
   * One parse per distinct text: a file the PR does not change reads the same on both sides, and a spec
   * split over thousands of files is then parsed (and held in memory) once, not once per side. Callers
   * must not modify what they get.
   */
  private parse(text: string): StructuredFile {
    let parsed = this.parsedByText.get(text);
    if (!parsed) {
      parsed = recentParses.get(text);
      if (!parsed) {
        parsed = parseStructured(text);
        recentParses.set(text, parsed);
      }
      this.parsedByText.set(text, parsed);
    }
    return parsed;
  }

  paths(side: Side): Promise<string[]> {
    let pending = this.pathLists.get(side);
    if (!pending) {
      pending = this.change.listPaths(side);
      this.pathLists.set(side, pending);
    }
    return pending;
  }

  /**
   * A file's added or removed lines from its patch. The patch is indexed once (triggers and most rules ask for
   * its lines) and the lines are made per call: kept as objects for every file of a big change, they were the
   * largest part of the review's memory.
   */
  patchLines(file: ChangedFile, side: "added" | "removed"): PatchLine[] {
    let index = this.patches.get(file.path);
    if (!index) {
      index = indexPatch(file.patchBytes ?? file.patch);
      this.patches.set(file.path, index);
    }
    return patchLines(index, side);
  }
}

/**
 * One evaluation's state: the changed files the config lets through, memoised values, notes and problems,
 * over the change's cached reads. Pure: all I/O goes through the Change. Modules see it through their own
 * view (see `moduleView`).
 */
export class ReviewContext implements ReviewView {
  readonly files: ChangedFile[];
  readonly headFiles: ChangedFile[];
  readonly notes: Note[] = [];
  readonly problems: Problem[] = [];
  readonly change: Change;
  private readonly reads: ChangeReads;
  private readonly noteTexts = new Set<string>();
  private readonly byPath = new Map<string, ChangedFile>();
  /** Files not read for their size: path → size in bytes (undefined when the source only knows it is over). */
  private readonly skippedLarge = new Map<string, number | undefined>();
  /** Files read for their text that turned out binary. */
  private readonly skippedBinary = new Set<string>();
  private readonly hits = new Map<string, TriggerHit[]>();
  private readonly memos = new Map<string, unknown>();

  constructor(
    change: Change | ChangeReads,
    readonly config: EngineConfig,
  ) {
    this.reads = change instanceof ChangeReads ? change : new ChangeReads(change);
    this.change = this.reads.change;
    this.files = this.change.files.filter((f) => !matchesAny(f.path, config.ignorePaths));
    this.headFiles = this.files.filter((f) => f.status !== "removed");
    for (const f of this.files) this.byPath.set(f.path, f);
    // Changed files the source already knows it will not read for their size.
    // A per-path limit may allow more than the one the source listed them with: those are read and judged then.
    for (const path of this.change.oversized ?? []) {
      if (this.byPath.has(path) && this.maxBytes(path) <= config.limits.maxFileBytes) this.skippedLarge.set(path, undefined);
    }
  }

  get title(): string | undefined {
    return this.change.title;
  }

  get description(): string | undefined {
    return this.change.description;
  }

  file(path: string): ChangedFile | undefined {
    return this.byPath.get(path);
  }

  /** The size limit for `path`: the first `limits.paths` entry that matches it, else `limits.maxFileBytes`. */
  maxBytes(path: string): number {
    for (const entry of this.config.limits.paths ?? []) if (matchesAny(path, entry.paths)) return entry.maxFileBytes;
    return this.config.limits.maxFileBytes;
  }

  /** `asker`: the module asking, for `Change.traceParse` only. */
  async read(side: Side, path: string, asker?: string): Promise<FileContent> {
    const content = await this.reads.read(side, path, this.maxBytes(path), asker);
    if (content.kind === "too-large") {
      this.skippedLarge.set(path, content.bytes);
    } else if (content.kind === "binary") {
      this.skippedBinary.add(path);
    } else if (content.kind === "error" && !this.problems.some((p) => p.file === path)) {
      this.problem({ file: path, message: `could not read ${path} at ${side}: ${content.message}` });
    }
    return content;
  }

  async text(side: Side, path: string, asker?: string): Promise<string | undefined> {
    const content = await this.read(side, path, asker);
    return content.kind === "text" ? content.text : undefined;
  }

  /** `asker`: the module asking, for `Change.traceParse` only. */
  async structured(side: Side, path: string, asker?: string): Promise<StructuredFile | undefined> {
    // Read through this evaluation first, so a skipped or unreadable file is noted here too.
    if ((await this.read(side, path, asker)).kind !== "text") return undefined;
    return this.reads.structured(side, path, this.maxBytes(path), asker);
  }

  /**
   * Falls back to the whole head text for an added file whose patch the source omitted (GitHub drops
   * patches of very large diffs).
   */
  async addedLines(path: string): Promise<PatchLine[]> {
    const file = this.byPath.get(path);
    if (!file || file.status === "removed") return [];
    if (hasPatch(file)) return this.reads.patchLines(file, "added");
    if (file.binary) return [];
    const after = await this.text("head", path);
    if (after === undefined) return [];
    const before = file.status === "added" ? undefined : await this.text("base", file.previousPath ?? path);
    // No patch for a modified file: diff the texts ourselves, so a huge diff is still judged, not passed by silence.
    if (before === undefined) return after.split("\n").map((t, i) => ({ line: i + 1, text: t.replace(/\r$/, "") }));
    // The diff library is loaded only by reviews that have such a file.
    const { unifiedHunks } = await import("./memory-change.js");
    return parsePatch(unifiedHunks(before, after).text).added.map((l) => ({ line: l.line, text: l.text.replace(/\r$/, "") }));
  }

  removedLines(path: string): PatchLine[] {
    const file = this.byPath.get(path);
    return file && hasPatch(file) ? this.reads.patchLines(file, "removed") : [];
  }

  paths(side: Side): Promise<string[]> {
    return this.reads.paths(side);
  }

  memo<T>(key: string, compute: (review: ReviewView) => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    // When parses are traced, the ones the shared value makes are put down to it.
    const asker = `memo ${key.split("\0")[0]}`;
    const view: ReviewView = this.change.traceParse
      ? Object.assign(Object.create(this) as ReviewContext, {
          read: (side: Side, path: string) => this.read(side, path, asker),
          text: (side: Side, path: string) => this.text(side, path, asker),
          structured: (side: Side, path: string) => this.structured(side, path, asker),
        })
      : this;
    const value = compute(view);
    this.memos.set(key, value);
    return value;
  }

  note(message: string, kind: NoteKind = "info"): void {
    this.addNote({ kind, message });
  }

  /** Adds a note once (the same text from two modules or two passes is one note). */
  addNote(note: Note): void {
    const text = note.source ? `${note.source}: ${note.message}` : note.message;
    if (this.noteTexts.has(text)) return;
    this.noteTexts.add(text);
    this.notes.push(note);
  }

  /** Records a problem once: modules that read the same broken file report the same problem. */
  problem(problem: Problem): void {
    const same = (p: Problem) => p.file === problem.file && p.line === problem.line && p.message === problem.message;
    if (!this.problems.some(same)) this.problems.push(problem);
  }

  triggerHits(id: string): readonly TriggerHit[] {
    return this.hits.get(id) ?? [];
  }

  recordTriggerHits(id: string, hits: TriggerHit[]): void {
    this.hits.set(id, hits);
  }

  /**
   * Files that were not analysed. One a rule must judge (`judgedAs` names what as) is a problem naming the
   * file and the limit: the gate never passes on what it could not read. The others are one note per reason.
   */
  skippedNotes(judgedAs: (path: string) => string | undefined = () => undefined): Note[] {
    const notes: Note[] = [];
    const binary = [...this.skippedBinary].sort().filter((path) => {
      const what = judgedAs(path);
      if (what === undefined) return true;
      this.problem({ file: path, message: `${path} is binary, so it could not be judged as ${what}` });
      return false;
    });
    if (binary.length > 0) notes.push({ kind: "skipped-file", message: `binary files were not analysed: ${binary.join(", ")}` });
    const byLimit = new Map<number, string[]>();
    for (const [path, bytes] of [...this.skippedLarge].sort(([a], [b]) => a.localeCompare(b))) {
      const limit = this.maxBytes(path);
      const what = judgedAs(path);
      if (what === undefined) {
        byLimit.set(limit, [...(byLimit.get(limit) ?? []), path]);
        continue;
      }
      const size = bytes === undefined ? "over" : `${bytes.toLocaleString("en-US")} bytes, over`;
      this.problem({
        file: path,
        message: `${path} is ${size} the size limit of ${limit.toLocaleString("en-US")} bytes, so it could not be judged as ${what}; raise the limit for it with limits.paths (or limits.maxFileBytes)`,
      });
    }
    for (const [limit, paths] of byLimit) {
      notes.push({ kind: "skipped-file", message: `files over the size limit (${limit} bytes) were not analysed: ${paths.join(", ")}` });
    }
    return notes;
  }
}

/**
 * The view a module gets: the review's reads and memo, with its own id for notes. `overrides` adds what a
 * rule context has on top (options, report).
 */
export function moduleView<Extra extends object>(review: ReviewContext, source: string, extra: Extra): ReviewView & { readonly id: string } & Extra {
  const view: ReviewView & { readonly id: string } = {
    id: source,
    files: review.files,
    headFiles: review.headFiles,
    config: review.config,
    title: review.title,
    description: review.description,
    file: (path) => review.file(path),
    read: (side, path) => review.read(side, path, source),
    text: (side, path) => review.text(side, path, source),
    structured: (side, path) => review.structured(side, path, source),
    addedLines: (path) => review.addedLines(path),
    removedLines: (path) => review.removedLines(path),
    paths: (side) => review.paths(side),
    triggerHits: (id) => review.triggerHits(id),
    memo: (key, compute) => review.memo(key, compute),
    note: (message, kind = "info") => review.addNote({ kind, source, message }),
    problem: (problem) => review.problem(problem),
  };
  return Object.assign(view, extra);
}
