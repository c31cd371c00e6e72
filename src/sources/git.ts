/**
 * A Change read from a git repository through git objects only, so it works the same on a work tree and
 * on a bare repository (the work tree and the index are never looked at).
 *
 * Pull-request semantics: the files are the diff `merge-base(base, head)..head` (what GitHub shows on a PR,
 * `git diff base...head`), so commits that landed on the base branch after the branch point are not
 * counted as part of the change.
 *
 * Every git call uses `-z` (or sends only object ids) so any path character works: spaces, quotes,
 * unicode and newlines. No shell is involved.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { Change, ChangedFile, FileContent, FileStatus, ReadOptions, Side } from "../engine/change.js";

const ZERO_OID = /^0+$/;
const GITLINK_MODE = "160000";
/** Git's own heuristic: a NUL byte in the first 8000 bytes means binary. */
const BINARY_SNIFF_BYTES = 8000;

export class GitError extends Error {
  constructor(
    message: string,
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(message);
    this.name = "GitError";
  }
}

/** Runs git in `repo` and returns its stdout as bytes. Throws GitError with git's own message. */
export function git(repo: string, args: string[], input?: string | Buffer, maxBuffer = 1024 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile("git", ["-C", repo, ...args], { encoding: "buffer", maxBuffer, env: gitEnv() }, (error, stdout, stderr) => {
      if (error) {
        const message = stderr.toString("utf8").trim() || error.message;
        reject(new GitError(message, args, stderr.toString("utf8")));
      } else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** No pager, no prompts, no locale-dependent messages; the user's global config still applies. */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_PAGER: "cat", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", GIT_OPTIONAL_LOCKS: "0" };
}

/** The full SHA of a commit, or a GitError naming the revision. */
export async function resolveCommit(repo: string, rev: string): Promise<string> {
  if (rev.startsWith("-")) throw new GitError(`invalid revision "${rev}"`, [], "");
  try {
    return (await git(repo, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])).toString("utf8").trim();
  } catch {
    throw new GitError(`unknown revision "${rev}" in ${repo}`, [], "");
  }
}

/** The first parent of a commit, or undefined for a root commit. */
export async function firstParent(repo: string, commit: string): Promise<string | undefined> {
  const out = (await git(repo, ["rev-list", "--parents", "-n", "1", commit])).toString("utf8").trim().split(" ");
  return out[1];
}

/** `names` are the revisions as the user gave them, for the message. */
export async function mergeBase(repo: string, base: string, head: string, names = { base, head }): Promise<string> {
  try {
    return (await git(repo, ["merge-base", base, head])).toString("utf8").trim();
  } catch (error) {
    const shallow = (await git(repo, ["rev-parse", "--is-shallow-repository"]).catch(() => Buffer.from(""))).toString().trim() === "true";
    const hint = shallow ? " (the repository is a shallow clone: fetch more history, e.g. actions/checkout with fetch-depth: 0)" : "";
    throw new GitError(`${names.base} and ${names.head} have no common ancestor${hint}`, ["merge-base"], (error as GitError).stderr ?? "");
  }
}

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Checks that `repo` is a repository and resolves `head` and `base` (default: the first parent of
 * `head`, undefined for a root commit) to full SHAs in one git call. When anything is off, the separate
 * calls run instead, so every error reads as it does on its own.
 */
export async function resolveRevisions(repo: string, head: string, base?: string): Promise<{ head: string; base: string | undefined }> {
  if (!head.startsWith("-") && !base?.startsWith("-")) {
    const out = await git(repo, ["rev-parse", "--git-dir", `${head}^{commit}`, base === undefined ? `${head}^{commit}^1` : `${base}^{commit}`]).catch(
      () => undefined,
    );
    const lines = out?.toString("utf8").trim().split("\n") ?? [];
    if (lines.length === 3 && OBJECT_ID.test(lines[1]!) && OBJECT_ID.test(lines[2]!)) return { head: lines[1]!, base: lines[2]! };
  }
  await assertRepository(repo);
  const headSha = await resolveCommit(repo, head);
  return { head: headSha, base: base !== undefined ? await resolveCommit(repo, base) : await firstParent(repo, headSha) };
}

/** Throws a GitError when `repo` is not a git repository (work tree or bare). */
export async function assertRepository(repo: string): Promise<void> {
  try {
    await git(repo, ["rev-parse", "--git-dir"]);
  } catch {
    throw new GitError(`${repo} is not a git repository`, ["rev-parse"], "");
  }
}

/** A file's bytes at a commit (by path), or undefined when the path is not a file there. */
export async function readFileAt(repo: string, commit: string, path: string): Promise<Buffer | undefined> {
  if (!/[\n\r]/.test(path) && !/^\.{1,2}\//.test(path) && !path.startsWith(":")) {
    // One call: `cat-file --batch` takes `<commit>:<path>` (a path from the tree's root).
    const out = await git(repo, ["cat-file", "--batch"], `${commit}:${path}\n`);
    const nl = out.indexOf(10);
    // `<oid> <type> <size>` for an object, else `<name> missing` (or `ambiguous`).
    const header = out.subarray(0, nl).toString("utf8").split(" ");
    if (header.length !== 3 || !OBJECT_ID.test(header[0]!) || header[1] !== "blob") return undefined; // missing, a directory or a submodule
    return out.subarray(nl + 1, nl + 1 + Number(header[2]));
  }
  const entry = parseLsTree(await git(repo, ["ls-tree", "-z", "--full-tree", commit, "--", path])).get(path);
  if (entry?.type !== "blob") return undefined;
  return git(repo, ["cat-file", "blob", entry.oid]);
}

interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
}

/** `git ls-tree -z` output: `<mode> SP <type> SP <oid> TAB <path> NUL`. */
function parseLsTree(out: Buffer): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  for (const record of out.toString("utf8").split("\0")) {
    if (!record) continue;
    const tab = record.indexOf("\t");
    const [mode, type, oid] = record.slice(0, tab).split(" ");
    entries.set(record.slice(tab + 1), { mode: mode!, type: type!, oid: oid! });
  }
  return entries;
}

export interface GitChangeOptions {
  /** A work tree or a bare repository. */
  repo: string;
  /** Revisions (any form git accepts); diffed as merge-base(base, head)..head. */
  base: string;
  head: string;
  /**
   * Files larger than this are never read (`too-large`), and a patch larger than this is dropped (GitHub
   * omits huge patches too). Changed files over it are listed in `oversized`. Default 2,000,000.
   * A promise (the CLI's config, still loading) is awaited only where the limit is needed, so git runs
   * meanwhile; if it rejects, so does openGitChange.
   */
  maxBytes?: number | Promise<number>;
  /** `base` and `head` as full SHAs, when the caller resolved them already (two git calls fewer). */
  commits?: { base: string; head: string };
}

export interface GitChange extends Change {
  /** The merge base the files were diffed from (equal to `base` when base is an ancestor of head). */
  mergeBase: string;
  /** Changed files whose base or head blob is over `maxBytes`: their contents are never loaded. */
  oversized: string[];
  /** Ends the long-lived `git cat-file` process. Safe to call more than once. */
  close(): void;
}

interface RawEntry {
  srcMode: string;
  dstMode: string;
  srcOid: string;
  dstOid: string;
  status: string;
  srcPath: string;
  dstPath: string;
}

/** Opens a Change between two revisions. Throws GitError when a revision is unknown or git fails. */
export async function openGitChange(options: GitChangeOptions): Promise<GitChange> {
  const { repo } = options;
  const limit = Promise.resolve(options.maxBytes ?? 2_000_000);
  limit.catch(() => undefined); // a rejected limit is reported where it is awaited, if it ever is
  const [base, head] = options.commits
    ? [options.commits.base, options.commits.head]
    : await Promise.all([resolveCommit(repo, options.base), resolveCommit(repo, options.head)]);
  const from = await mergeBase(repo, base, head, { base: options.base, head: options.head });

  const diffArgs = ["diff-tree", "-r", "-M", "--no-abbrev", "--no-textconv", "--no-ext-diff"];
  // The listing, the message and the patches do not depend on each other: three git processes at once.
  // The line counts come from the patches: --numstat would make git diff every file a second time.
  const listingRun = git(repo, [...diffArgs, "-z", "--raw", from, head]);
  const messageRun = git(repo, ["log", "-1", "--format=%s%x00%b", head]);
  const patchRun = readPatches(repo, [...diffArgs, "-p", "--no-color", from, head], limit);
  patchRun.patches.catch(() => undefined); // awaited below; an earlier failure must not leave it unhandled
  // Most reviews ask for the head's file list (markers near changed files): listed now, while the engine
  // loads, unless the listing is large. If this early run fails for any reason, the list is read later as before.
  const headListing = git(repo, ["ls-tree", "-r", "-z", "--full-tree", head], undefined, EARLY_TREE_BYTES);
  headListing.catch(() => undefined);

  const batch = new CatFileBatch(repo);
  try {
    const [listing, message] = await Promise.all([listingRun, messageRun]);
    const raw = parseRawListing(listing);
    // Sizes first (one batched request), so that the changed files over the limit can be named.
    const oids = [...new Set(raw.flatMap((e) => [e.srcOid, e.dstOid]).filter((oid) => !ZERO_OID.test(oid)))];
    const objects = await batch.info(oids);
    const maxBytes = await limit;
    const oversized = new Set<number>();
    raw.forEach((entry, index) => {
      if ((objects.get(entry.srcOid)?.size ?? 0) > maxBytes || (objects.get(entry.dstOid)?.size ?? 0) > maxBytes) oversized.add(index);
    });
    const patches = await patchRun.patches;
    if (patches.length !== raw.length) {
      throw new GitError(`git patch output has ${patches.length} files, the listing ${raw.length}`, patchRun.args, "");
    }

    const files: ChangedFile[] = raw.map((entry, index) => {
      const patch = patches[index]!;
      const file: ChangedFile = {
        path: entry.dstPath,
        status: toStatus(entry.status),
        additions: patch.additions,
        deletions: patch.deletions,
      };
      if (file.status === "renamed" || file.status === "copied") file.previousPath = entry.srcPath;
      if (patch.binary) file.binary = true;
      else if (patch.text !== undefined) file.patch = patch.text;
      return file;
    });

    // What each side's changed paths point to; other paths are looked up in the full tree when asked.
    const known: Record<Side, Map<string, { oid: string; mode: string } | null>> = { base: new Map(), head: new Map() };
    for (const entry of raw) {
      setKnown(known.base, entry.srcPath, entry.srcOid, entry.srcMode);
      setKnown(known.head, entry.dstPath, entry.dstOid, entry.dstMode);
    }
    const trees: Partial<Record<Side, Promise<Map<string, TreeEntry>>>> = {};
    const listTree = (side: Side) => git(repo, ["ls-tree", "-r", "-z", "--full-tree", side === "base" ? from : head]);
    const tree = (side: Side) => (trees[side] ??= (side === "head" ? headListing.catch(() => listTree(side)) : listTree(side)).then(parseLsTree));

    const [title, ...body] = message.toString("utf8").split("\0");
    return {
      base,
      head,
      mergeBase: from,
      files,
      complete: true,
      title: title?.trim() || undefined,
      description: body.join("").trim() || undefined,
      oversized: [...oversized].map((i) => raw[i]!.dstPath).sort(),
      async read(side: Side, path: string, { maxBytes: limit }: ReadOptions): Promise<FileContent> {
        let target = known[side].get(path);
        if (target === undefined) {
          const entry = (await tree(side)).get(path);
          target = entry && entry.type === "blob" ? { oid: entry.oid, mode: entry.mode } : null;
        }
        if (target === null || target.mode === GITLINK_MODE) return { kind: "missing" };
        // The changed files' sizes are known from the listing: their contents are asked for at once.
        return batch.read(target.oid, limit, objects.get(target.oid));
      },
      prefetch(requests, { maxBytes: limit }) {
        const blobs = new Map<string, number>();
        for (const { side, path } of requests) {
          const target = known[side].get(path);
          const info = target && target.mode !== GITLINK_MODE ? objects.get(target.oid) : undefined;
          if (info?.type === "blob" && info.size <= limit) blobs.set(target!.oid, info.size);
        }
        batch.prefetch([...blobs].map(([oid, size]) => ({ oid, size })));
      },
      async listPaths(side: Side): Promise<string[]> {
        const entries = await tree(side);
        return [...entries]
          .filter(([, e]) => e.type === "blob")
          .map(([p]) => p)
          .sort();
      },
      close: () => batch.close(),
    };
  } catch (error) {
    patchRun.kill();
    batch.close();
    throw error;
  }
}

function setKnown(map: Map<string, { oid: string; mode: string } | null>, path: string, oid: string, mode: string): void {
  if (!ZERO_OID.test(oid)) map.set(path, { oid, mode });
  else if (!map.has(path)) map.set(path, null);
}

function toStatus(letter: string): FileStatus {
  switch (letter[0]) {
    case "A":
      return "added";
    case "D":
      return "removed";
    case "R":
      return "renamed";
    case "C":
      return "copied";
    default:
      // M, T (type change), U, X: the path exists on both sides.
      return "modified";
  }
}

/**
 * `diff-tree -z --raw` output: `:<srcMode> <dstMode> <srcOid> <dstOid> <status>\0<path>\0[<dstPath>\0]` per file.
 * (Line counts come from the patches: `--numstat` would make git diff every file a second time.)
 */
export function parseRawListing(out: Buffer): RawEntry[] {
  const fields = out.toString("utf8").split("\0");
  const raw: RawEntry[] = [];
  let i = 0;
  while (i < fields.length) {
    const field = fields[i]!;
    if (!field.startsWith(":")) {
      if (field !== "") throw new GitError(`git diff listing is not in the raw format: ${JSON.stringify(field.slice(0, 80))}`, [], "");
      i++;
      continue;
    }
    const [srcMode, dstMode, srcOid, dstOid, status] = field.slice(1).split(" ");
    const twoPaths = status!.startsWith("R") || status!.startsWith("C");
    const srcPath = fields[i + 1]!;
    const dstPath = twoPaths ? fields[i + 2]! : srcPath;
    raw.push({ srcMode: srcMode!, dstMode: dstMode!, srcOid: srcOid!, dstOid: dstOid!, status: status!, srcPath, dstPath });
    i += twoPaths ? 3 : 2;
  }
  return raw;
}

interface ObjectInfo {
  type: string;
  size: number;
}

interface FilePatch {
  /** Hunks without the file header, as GitHub's `patch` (undefined when dropped for size). */
  text?: string;
  binary: boolean;
  /** Added and removed lines (counted even when the patch is dropped), as `--numstat` counts them. */
  additions: number;
  deletions: number;
}

const DIFF_HEADER = Buffer.from("diff --git ", "latin1");
const BINARY_FILES = Buffer.from("Binary files ", "latin1");

/** A head file list read before anyone asks for it is kept up to this size (8 MB is ~100,000 paths). */
const EARLY_TREE_BYTES = 8 * 1024 * 1024;

/** While the limit is not known yet, a file's patch is kept up to this size before the stream pauses. */
const PATCH_BYTES_BEFORE_LIMIT = 1_000_000;
/** Bytes kept of a line too long for any patch: enough to tell what kind of line it is. */
const LINE_HEAD = 64;

/**
 * Streams `diff-tree -p` and cuts it into one patch per file. The files come in the same order as the
 * raw listing (same diff options), each starting with a `diff --git ` line; hunk lines always start
 * with ' ', '+', '-', '\\' or '@', so that header cannot occur inside a hunk. A patch over the limit is
 * dropped as it streams, never held whole in memory (a big file with a small diff keeps its patch, as on
 * GitHub). Until `limit` resolves, the stream pauses whenever a file's patch passes 1 MB.
 */
function readPatches(repo: string, args: string[], limit: Promise<number>): { patches: Promise<FilePatch[]>; kill(): void; args: string[] } {
  const child = spawn("git", ["-C", repo, ...args], { env: gitEnv(), stdio: ["ignore", "pipe", "pipe"] });
  const patches = new Promise<FilePatch[]>((resolve, reject) => {
    const files: (FilePatch & { bytes: number })[] = [];
    let maxBytes: number | undefined;
    let paused = false;
    let index = -1;
    let lines: Buffer[] = [];
    let bytes = 0;
    let inHunks = false;
    let binary = false;
    let dropped = false;
    let additions = 0;
    let deletions = 0;
    // The line still being read when a chunk ended: its pieces as they came, joined once when it ends
    // (joining at every chunk made a long line quadratic: a one-line 50 MB file never finished). A line
    // longer than the limit drops its file's patch anyway: only its first bytes are kept (`partialCut`).
    let partial: Buffer[] = [];
    let partialBytes = 0;
    let partialCut = false;
    let stderr = "";

    // Consecutive kept lines of one buffer are kept as one slice (a 2 MB patch is ~60,000 lines).
    let run: { data: Buffer; start: number; end: number } | undefined;
    const flush = () => {
      if (run) lines.push(run.data.subarray(run.start, run.end));
      run = undefined;
    };
    const finishFile = () => {
      if (index < 0) return;
      flush();
      const text = dropped ? undefined : Buffer.concat(lines).toString("utf8").replace(/\n$/, "");
      files[index] = { text, binary, bytes, additions, deletions };
    };
    const startsWith = (data: Buffer, start: number, end: number, prefix: Buffer) =>
      end - start >= prefix.length && data.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0;
    /** One line: `data[start..end)`, its newline included; `length`: its real length when only its start is given. */
    const onLine = (data: Buffer, start: number, end: number, length = end - start) => {
      const first = data[start];
      if (first === 0x64 /* d */ && startsWith(data, start, end, DIFF_HEADER)) {
        finishFile();
        index++;
        lines = [];
        bytes = 0;
        inHunks = false;
        binary = false;
        dropped = false;
        additions = 0;
        deletions = 0;
        return;
      }
      if (!inHunks) {
        if (first === 0x40 /* @ */) inHunks = true;
        else {
          if (first === 0x42 /* B */ && startsWith(data, start, end, BINARY_FILES)) binary = true;
          return;
        }
      }
      if (first === 0x2b /* + */) additions++;
      else if (first === 0x2d /* - */) deletions++;
      if (dropped) return;
      bytes += length;
      if (maxBytes !== undefined && bytes > maxBytes) {
        dropped = true;
        run = undefined;
        lines = [];
        return;
      }
      if (run && run.data === data && run.end === start) run.end = end;
      else {
        flush();
        run = { data, start, end };
      }
    };

    const keepPartial = (piece: Buffer) => {
      partialBytes += piece.length;
      if (partialCut) return;
      partial.push(piece);
      cutPartial();
    };
    const cutPartial = () => {
      if (partialCut || maxBytes === undefined || partialBytes <= maxBytes + LINE_HEAD) return;
      partial = [Buffer.from(Buffer.concat(partial).subarray(0, LINE_HEAD))];
      partialCut = true;
    };
    /** Ends the partial line with `piece` (its newline included). */
    const endPartial = (piece: Buffer) => {
      const length = partialBytes + piece.length;
      const line = partialCut ? Buffer.concat([...partial, piece.subarray(0, LINE_HEAD)]) : Buffer.concat([...partial, piece]);
      partial = [];
      partialBytes = 0;
      partialCut = false;
      onLine(line, 0, line.length, length);
      flush();
    };

    /** Until the limit is known, at most PATCH_BYTES_BEFORE_LIMIT bytes are read ahead. */
    const pauseUntilLimit = () => {
      if (maxBytes === undefined && bytes + partialBytes > PATCH_BYTES_BEFORE_LIMIT && !paused) {
        paused = true;
        child.stdout.pause();
      }
    };

    limit.then(
      (value) => {
        maxBytes = value;
        if (bytes > maxBytes) {
          dropped = true;
          run = undefined;
          lines = [];
        }
        cutPartial();
        if (paused) {
          paused = false;
          child.stdout.resume();
        }
      },
      (error: unknown) => {
        child.kill();
        reject(error);
      },
    );
    child.stdout.on("data", (chunk: Buffer) => {
      let start = 0;
      let nl = chunk.indexOf(10);
      if (partialBytes > 0) {
        if (nl === -1) {
          keepPartial(chunk);
          pauseUntilLimit();
          return;
        }
        endPartial(chunk.subarray(0, nl + 1));
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
      for (; nl !== -1; nl = chunk.indexOf(10, start)) {
        onLine(chunk, start, nl + 1);
        start = nl + 1;
      }
      flush();
      if (start < chunk.length) keepPartial(chunk.subarray(start));
      pauseUntilLimit();
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      if (partialBytes > 0) endPartial(Buffer.from("\n"));
      finishFile();
      if (code !== 0) {
        reject(new GitError(stderr.trim() || `git diff-tree exited with ${code}`, args, stderr));
        return;
      }
      // Patches that ended before the limit was known are judged by it now.
      limit.then(
        (max) =>
          resolve(files.map((f) => ({ text: f.bytes > max ? undefined : f.text, binary: f.binary, additions: f.additions, deletions: f.deletions }))),
        reject,
      );
    });
  });
  return {
    patches,
    args,
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

interface PendingRead {
  oid: string;
  maxBytes: number;
  known?: { type: string; size: number };
  resolve(content: FileContent): void;
  reject(error: unknown): void;
}

/**
 * One long-lived `git cat-file --batch-command` process: `info <oid>` answers the size, and the
 * contents are requested only when the blob is within the limit, so big files are never loaded.
 * Requests are answered in order; a queue serialises them.
 */
class CatFileBatch {
  private child?: ChildProcessWithoutNullStreams;
  /** Output not read yet, as it arrived (joined only when a read needs bytes of several chunks). */
  private chunks: Buffer[] = [];
  private available = 0;
  private waiting?: () => void;
  private failure?: Error;
  private queue: Promise<unknown> = Promise.resolve();
  private stderr = "";

  constructor(private readonly repo: string) {}

  /** Reads waiting for the next batch (see `flush`). */
  private pending: PendingRead[] = [];
  /** Every read made, by limit and object id. */
  private readonly results = new Map<string, Promise<FileContent>>();

  /** Blobs asked for ahead (see `prefetch`), by object id: undefined when the prefetch failed. */
  private readonly prefetched = new Map<string, { size: number; content: Promise<FileContent | undefined> }>();

  /**
   * `known`: the object's type and size when the caller has them already (one round trip instead of two).
   * Reads asked for in the same turn of the event loop go to git together (see `flush`), and a blob read
   * once is not read again: an unchanged file has the same object id on both sides.
   */
  read(oid: string, maxBytes: number, known?: { type: string; size: number }): Promise<FileContent> {
    const key = `${maxBytes}\0${oid}`;
    let pending = this.results.get(key);
    if (!pending) {
      pending = this.readOnce(oid, maxBytes, known);
      this.results.set(key, pending);
      // A failed read is asked again next time (as before), not remembered.
      pending.catch(() => this.results.delete(key));
    }
    return pending;
  }

  private async readOnce(oid: string, maxBytes: number, known?: { type: string; size: number }): Promise<FileContent> {
    const ahead = this.prefetched.get(oid);
    if (ahead && ahead.size <= maxBytes) {
      this.prefetched.delete(oid); // the caller keeps what it read
      const content = await ahead.content;
      if (content) return content;
    }
    return new Promise<FileContent>((resolve, reject) => {
      this.pending.push({ oid, maxBytes, known, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /**
   * Sends the reads gathered since the last flush as one batch: every `info` command at once, then every
   * `contents` command for the blobs within their limit, so a spec of thousands of files costs a few round
   * trips to git instead of two per file.
   */
  private flush(): void {
    const reads = this.pending;
    this.pending = [];
    if (reads.length === 0) return;
    const task = this.queue.then(() => this.readBatch(reads));
    this.queue = task.catch(() => undefined);
  }

  private async readBatch(reads: PendingRead[]): Promise<void> {
    try {
      const child = this.start();
      const unknown = reads.filter((r) => !r.known);
      if (unknown.length > 0) {
        child.stdin.write(unknown.map((r) => `info ${r.oid}\n`).join(""));
        for (const r of unknown) {
          const [, type, size] = (await this.readLine()).split(" ");
          r.known = type === undefined || type === "missing" || size === undefined ? { type: "missing", size: 0 } : { type, size: Number(size) };
        }
      }
      const wanted: PendingRead[] = [];
      for (const r of reads) {
        const { type, size } = r.known!;
        if (type !== "blob") r.resolve({ kind: "missing" });
        else if (size > r.maxBytes) r.resolve({ kind: "too-large", bytes: size });
        else wanted.push(r);
      }
      if (wanted.length > 0) {
        child.stdin.write(wanted.map((r) => `contents ${r.oid}\n`).join(""));
        for (const r of wanted) r.resolve(await this.readContents());
      }
    } catch (error) {
      // Whatever was not answered fails as a single read did (resolving twice is a no-op).
      for (const r of reads) r.reject(error);
    }
  }

  /** Types and sizes of these objects (one `info` command each, written at once); missing ones are left out. */
  info(oids: readonly string[]): Promise<Map<string, ObjectInfo>> {
    const task = this.queue.then(async () => {
      const objects = new Map<string, ObjectInfo>();
      if (oids.length === 0) return objects;
      this.start().stdin.write(oids.map((oid) => `info ${oid}\n`).join(""));
      for (let i = 0; i < oids.length; i++) {
        const [oid, type, size] = (await this.readLine()).split(" ");
        if (oid && type && type !== "missing" && size !== undefined) objects.set(oid, { type, size: Number(size) });
      }
      return objects;
    });
    this.queue = task.catch(() => undefined);
    return task;
  }

  /**
   * Asks for these blobs (of known sizes) in one go: git streams them while the review runs, instead of
   * one request and answer per file. Each is handed to the first `read` of it.
   */
  prefetch(blobs: readonly { oid: string; size: number }[]): void {
    const wanted = blobs.filter((b) => !this.prefetched.has(b.oid));
    if (wanted.length === 0) return;
    const settle: ((content: FileContent | undefined) => void)[] = [];
    for (const blob of wanted) {
      const content = new Promise<FileContent | undefined>((resolve) => settle.push(resolve));
      this.prefetched.set(blob.oid, { size: blob.size, content });
    }
    let done = 0;
    const task = this.queue.then(async () => {
      this.start().stdin.write(wanted.map((b) => `contents ${b.oid}\n`).join(""));
      for (; done < wanted.length; done++) settle[done]!(await this.readContents());
    });
    // On failure the rest are read one by one again, which reports the error where it always did.
    this.queue = task.catch(() => {
      for (; done < wanted.length; done++) settle[done]!(undefined);
    });
  }

  close(): void {
    if (this.child && this.child.exitCode === null) {
      this.child.stdin.end();
      this.child.kill();
    }
    this.child = undefined;
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn("git", ["-C", this.repo, "cat-file", "--batch-command"], { env: gitEnv() });
    child.stdout.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.available += chunk.length;
      this.waiting?.();
    });
    child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    const fail = (error: Error) => {
      if (this.child !== child) return; // a process we already closed
      this.failure = error;
      this.waiting?.();
    };
    child.on("error", fail);
    child.on("close", (code) => fail(new GitError(`git cat-file exited (${code}): ${this.stderr.trim()}`, [], this.stderr)));
    this.failure = undefined;
    this.child = child;
    return child;
  }

  /** The answer to one `contents` command. */
  private async readContents(): Promise<FileContent> {
    const header = (await this.readLine()).split(" ");
    if (header[1] === "missing") return { kind: "missing" };
    const size = Number(header[2]);
    const body = await this.readBytes(size + 1); // the contents, then a newline
    const content = body.subarray(0, size);
    if (content.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { kind: "binary" };
    return { kind: "text", text: content.toString("utf8") };
  }

  private async readLine(): Promise<string> {
    for (;;) {
      const first = this.chunks[0];
      const nl = first ? first.indexOf(10) : -1;
      if (nl !== -1) {
        const line = first!.subarray(0, nl).toString("utf8");
        this.take(nl + 1);
        return line;
      }
      // A line split across chunks: join the first two (rare: lines are short).
      if (this.chunks.length > 1) this.chunks.splice(0, 2, Buffer.concat([this.chunks[0]!, this.chunks[1]!]));
      else await this.more();
    }
  }

  private async readBytes(count: number): Promise<Buffer> {
    while (this.available < count) await this.more();
    const first = this.chunks[0]!;
    if (first.length >= count) {
      const out = first.subarray(0, count);
      this.take(count);
      return out;
    }
    const parts: Buffer[] = [];
    let length = 0;
    while (length < count) {
      const chunk = this.chunks[0]!;
      const part = chunk.length <= count - length ? chunk : chunk.subarray(0, count - length);
      parts.push(part);
      length += part.length;
      this.take(part.length);
    }
    return Buffer.concat(parts, count);
  }

  /** Drops `count` bytes from the front of the first chunk (which holds at least that many). */
  private take(count: number): void {
    const first = this.chunks[0]!;
    if (count >= first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(count);
    this.available -= count;
  }

  private more(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = () => {
        this.waiting = undefined;
        if (this.failure) reject(this.failure);
        else resolve();
      };
    });
  }
}
