import { Minimatch } from "minimatch";
import type { Change, ChangedFile, FileContent, Side } from "./change.js";
import { parsePatch, type ParsedPatch, type PatchLine } from "./patch.js";
import { parseStructured, type StructuredFile } from "./structured.js";
import type { Problem, TriggerHit } from "./types.js";
import type { ArchgateConfig } from "../config/schema.js";

/** Compiled globs: a review matches every changed path against the same few patterns. */
const compiledGlobs = new Map<string, Minimatch>();

/** Glob matching used everywhere (dotfiles included, so `.github/**` works). */
export function matchesGlob(path: string, pattern: string): boolean {
  let glob = compiledGlobs.get(pattern);
  if (!glob) {
    if (compiledGlobs.size >= 2_000) compiledGlobs.clear(); // configs are small; this only bounds abuse
    glob = new Minimatch(pattern, { dot: true, nocomment: true });
    compiledGlobs.set(pattern, glob);
  }
  return glob.match(path);
}

export function matchesAny(path: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchesGlob(path, p));
}

/**
 * Everything triggers and rules may ask about a change. Reads are lazy and cached, so a file is fetched
 * once however many detectors look at it. Pure: all I/O goes through the Change.
 */
export class ReviewContext {
  readonly files: ChangedFile[];
  readonly notes: string[] = [];
  readonly problems: Problem[] = [];
  private readonly byPath = new Map<string, ChangedFile>();
  private readonly contents = new Map<string, Promise<FileContent>>();
  private readonly structuredCache = new Map<string, Promise<StructuredFile | undefined>>();
  private readonly pathLists = new Map<Side, Promise<string[]>>();
  private readonly skippedLarge = new Set<string>();
  private readonly skippedBinary = new Set<string>();
  private readonly hits = new Map<string, TriggerHit[]>();
  private readonly patches = new Map<string, ParsedPatch>();

  constructor(
    readonly change: Change,
    readonly config: ArchgateConfig,
  ) {
    this.files = change.files.filter((f) => !matchesAny(f.path, config.ignorePaths));
    for (const f of this.files) this.byPath.set(f.path, f);
  }

  file(path: string): ChangedFile | undefined {
    return this.byPath.get(path);
  }

  /** Files that exist at head (added, modified, renamed, copied). */
  get headFiles(): ChangedFile[] {
    return this.files.filter((f) => f.status !== "removed");
  }

  /** Raw content at `side`; skipped files are noted once. */
  async read(side: Side, path: string): Promise<FileContent> {
    const key = `${side}\0${path}`;
    let pending = this.contents.get(key);
    if (!pending) {
      pending = this.change
        .read(side, path, { maxBytes: this.config.limits.maxFileBytes })
        .catch((error: unknown) => ({ kind: "error", message: (error as Error).message }) as FileContent);
      this.contents.set(key, pending);
    }
    const content = await pending;
    if (content.kind === "too-large" && !this.skippedLarge.has(path)) {
      this.skippedLarge.add(path);
    } else if (content.kind === "binary" && !this.skippedBinary.has(path)) {
      this.skippedBinary.add(path);
    } else if (content.kind === "error" && !this.problems.some((p) => p.file === path)) {
      this.problem({ file: path, message: `could not read ${path} at ${side}: ${content.message}` });
    }
    return content;
  }

  /** Text at `side`, or undefined when missing, binary, too large or unreadable. */
  async text(side: Side, path: string): Promise<string | undefined> {
    const content = await this.read(side, path);
    return content.kind === "text" ? content.text : undefined;
  }

  /** Parsed YAML/JSON at `side` (cached). Undefined when the file cannot be read as text. */
  async structured(side: Side, path: string): Promise<StructuredFile | undefined> {
    const key = `${side}\0${path}`;
    let pending = this.structuredCache.get(key);
    if (!pending) {
      pending = this.text(side, path).then((text) => (text === undefined ? undefined : parseStructured(text)));
      this.structuredCache.set(key, pending);
    }
    return pending;
  }

  /**
   * Lines the change adds to `path`, with head line numbers. Falls back to the whole head text for an
   * added file whose patch the source omitted (GitHub drops patches of very large diffs).
   */
  async addedLines(path: string): Promise<PatchLine[]> {
    const file = this.byPath.get(path);
    if (!file || file.status === "removed") return [];
    if (file.patch !== undefined) return this.parsedPatch(file).added;
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

  /** Lines the change removes from `path`, with base line numbers. */
  removedLines(path: string): PatchLine[] {
    const file = this.byPath.get(path);
    return file?.patch ? this.parsedPatch(file).removed : [];
  }

  /** A file's patch, parsed once per review (triggers and most rules ask for its lines). Callers must not modify it. */
  private parsedPatch(file: ChangedFile): ParsedPatch {
    let parsed = this.patches.get(file.path);
    if (!parsed) {
      parsed = parsePatch(file.patch);
      this.patches.set(file.path, parsed);
    }
    return parsed;
  }

  /** Every file path in the tree at `side` (cached). */
  async paths(side: Side): Promise<string[]> {
    let pending = this.pathLists.get(side);
    if (!pending) {
      pending = this.change.listPaths(side);
      this.pathLists.set(side, pending);
    }
    return pending;
  }

  note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }

  problem(problem: Problem): void {
    this.problems.push(problem);
  }

  /** Trigger hits, available to rules once triggers have run (e.g. service-ownership reads new-service). */
  triggerHits(id: string): TriggerHit[] {
    return this.hits.get(id) ?? [];
  }

  recordTriggerHits(id: string, hits: TriggerHit[]): void {
    this.hits.set(id, hits);
  }

  /** Notes for files that were not analysed, one line per reason. */
  skippedNotes(): string[] {
    const notes: string[] = [];
    if (this.skippedLarge.size > 0) {
      notes.push(
        `files over the size limit (${this.config.limits.maxFileBytes} bytes) were not analysed: ${[...this.skippedLarge].sort().join(", ")}`,
      );
    }
    if (this.skippedBinary.size > 0) {
      notes.push(`binary files were not analysed: ${[...this.skippedBinary].sort().join(", ")}`);
    }
    return notes;
  }
}
