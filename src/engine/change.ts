/**
 * The Change: what every source (GitHub API, git) provides to the engine. The engine never knows
 * where the data came from; contents are read lazily, only for files some detector needs.
 */

export type Side = "base" | "head";

export type FileStatus = "added" | "modified" | "removed" | "renamed" | "copied";

export interface ChangedFile {
  /** Path at head (for removed files: the path that was removed). POSIX separators, no leading slash. */
  path: string;
  status: FileStatus;
  /** Path at base, for renamed and copied files. */
  previousPath?: string;
  additions: number;
  deletions: number;
  /** Unified diff hunks without the file header (as GitHub's `patch` field). Absent for binary or huge diffs. */
  patch?: string;
  /**
   * The same hunks as UTF-8 bytes, from a source that reads them as bytes (git), instead of `patch`: bytes are
   * neither held as text nor moved by the garbage collector, and a big change's patches are most of what a
   * review keeps. Read them through `patchText`/`hasPatch` (engine/patch.ts), never one field alone.
   */
  patchBytes?: Uint8Array;
  /** True when the source knows the file is binary. */
  binary?: boolean;
}

export type FileContent =
  | { kind: "text"; text: string }
  | { kind: "missing" }
  | { kind: "binary" }
  | { kind: "too-large"; bytes: number }
  | { kind: "error"; message: string };

/** One file at one side of the change. */
export interface ContentRequest {
  side: Side;
  path: string;
}

export interface ReadOptions {
  /** Files larger than this are not read: the source answers `too-large`. */
  maxBytes: number;
}

export interface Change {
  base: string;
  head: string;
  files: ChangedFile[];
  /**
   * False when the source could not list every changed file (API limits, errors). The engine then
   * fails closed: a partial view can never pass the gate.
   */
  complete: boolean;
  incompleteReason?: string;
  /** Changed files the source knows are over the size limit (never read); the review names them in one note. */
  oversized?: readonly string[];
  /** Pull request title and description, when there is one (commit message for the CLI). */
  title?: string;
  description?: string;
  read(side: Side, path: string, options: ReadOptions): Promise<FileContent>;
  /**
   * Reads the engine expects to make, announced up front. Optional: a source that can fetch many files
   * in one request (the GitHub API through GraphQL) starts fetching; later `read` calls take the result.
   */
  prefetch?(requests: readonly ContentRequest[], options: ReadOptions): void;
  /** Every path in the tree at `side` (files only). */
  listPaths(side: Side): Promise<string[]>;
  /**
   * Told of each file the engine reads (`read`) or parses as YAML or JSON (`parse`), once per file and side, with
   * the module that asked first (`memo <key>` for a value shared through `memo`). For diagnostics (the CLI's
   * ARCHGATE_TRACE_PARSES); it changes nothing in the review.
   */
  traceParse?(event: ParseEvent): void;
  /**
   * Told when each trigger and rule of an evaluation is done, with the time it took. For diagnostics (the CLI's
   * ARCHGATE_TIMING); it changes nothing in the review.
   */
  traceModule?(event: ModuleEvent): void;
}

/** One trigger or rule run (see `Change.traceModule`). */
export interface ModuleEvent {
  kind: "trigger" | "rule";
  id: string;
  /**
   * Milliseconds from its start to its end, the reads it waited for included: a file is read and parsed once, by
   * the first module that asks, so shared work is put down to that module.
   */
  ms: number;
}

/** One read or structured parse (see `Change.traceParse`). */
export interface ParseEvent {
  /** `read`: the file's content was fetched (whatever its kind); `parse`: its text was parsed as YAML/JSON. */
  kind: "read" | "parse";
  asker: string;
  side: Side;
  path: string;
  /** Characters parsed; for a read, the text's length (0 when it was not text). */
  bytes: number;
}

/** An in-memory Change, for tests, the demo and the benchmarks. */
export interface MemoryChangeInput {
  base?: string;
  head?: string;
  files: ChangedFile[];
  baseTree?: Record<string, string | Uint8Array>;
  headTree?: Record<string, string | Uint8Array>;
  complete?: boolean;
  incompleteReason?: string;
  title?: string;
  description?: string;
}
