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
import { execFile, spawn } from "node:child_process";
import type { Change, ChangedFile, FileContent, FileStatus, ReadOptions, Side } from "../engine/change.js";
import { matchesAny } from "../engine/globs.js";
import { DEFAULT_TEST_PATHS } from "../formats/source/added-sources.js";
import { CatFile, type KnownBlob, type ObjectInfo, ReadAhead } from "./cat-file.js";

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
  const repository = new GitRepository(repo);
  try {
    return await repository.readFile(commit, path);
  } finally {
    repository.close();
  }
}

/** `<commit>:<path>` names the blob in one request, unless the path has a newline or reads as relative or as another syntax. */
const plainPath = (path: string) => !/[\n\r]/.test(path) && !/^\.{1,2}\//.test(path) && !path.startsWith(":");

/** What a review needs of a commit object: its parents and its message as `git log --format=%s%x00%b` gives it. */
interface CommitInfo {
  parents: string[];
  /** undefined when the message is in another encoding than UTF-8 (then `git log` converts it). */
  message?: { subject: string; body: string };
}

/**
 * One repository, read through one long-lived `git cat-file` process: the revisions, the config file, the
 * commit message and the blobs of a change all go through it, so a small review starts few git processes.
 * `close()` ends the process (safe to call more than once).
 */
export class GitRepository {
  readonly cat: CatFile;

  constructor(readonly dir: string) {
    this.cat = new CatFile(dir, gitEnv());
  }

  /**
   * `head` and `base` (default: the first parent of `head`, undefined for a root commit) as full SHAs, in one
   * request. When anything is off, the separate git calls run instead, so every error reads as it does on its own.
   */
  async resolveRevisions(head: string, base?: string): Promise<{ head: string; base: string | undefined }> {
    const plain = (rev: string) => !rev.startsWith("-") && !/[\n\r]/.test(rev);
    if (plain(head) && (base === undefined || plain(base))) {
      const answers = await Promise.all([
        this.cat.info(`${head}^{commit}`),
        this.cat.info(base === undefined ? `${head}^{commit}^1` : `${base}^{commit}`),
      ]).catch(() => undefined);
      if (answers?.every((a) => a?.type === "commit")) return { head: answers[0]!.oid, base: answers[1]!.oid };
    }
    return resolveRevisions(this.dir, head, base);
  }

  /** A file's bytes at a commit (by path), or undefined when the path is not a file there. */
  async readFile(commit: string, path: string): Promise<Buffer | undefined> {
    if (plainPath(path)) {
      const object = await this.cat.contents(`${commit}:${path}`).then(
        (answer) => answer ?? null,
        () => undefined, // the process failed: asked again below, where git says why
      );
      if (object !== undefined) return object?.type === "blob" ? object.bytes : undefined; // missing, a directory or a submodule
    }
    const entry = parseLsTree(await git(this.dir, ["ls-tree", "-z", "--full-tree", commit, "--", path])).get(path);
    if (entry?.type !== "blob") return undefined;
    return git(this.dir, ["cat-file", "blob", entry.oid]);
  }

  /** A commit's parents and message; undefined when git cannot read it here. */
  async commit(oid: string): Promise<CommitInfo | undefined> {
    const object = await this.cat.contents(oid).catch(() => undefined);
    return object?.type === "commit" ? parseCommit(object.bytes) : undefined;
  }

  close(): void {
    this.cat.close();
  }
}

const isGitSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * A raw commit object: headers up to the first empty line, then the message. The subject and body are cut
 * as git's pretty.c does for `%s` and `%b`: blank lines skipped, the subject's lines (up to a blank line)
 * joined with spaces with their trailing whitespace removed, blank lines skipped again, the rest is the body.
 */
export function parseCommit(bytes: Buffer): CommitInfo {
  const end = bytes.indexOf("\n\n");
  const headers = bytes
    .subarray(0, end === -1 ? bytes.length : end)
    .toString("utf8")
    .split("\n");
  const parents: string[] = [];
  let encoded = false;
  for (const header of headers) {
    if (header.startsWith("parent ")) parents.push(header.slice(7));
    else if (header.startsWith("encoding ") && !/^utf-?8$/i.test(header.slice(9).trim())) encoded = true;
  }
  if (encoded || end === -1) return { parents, ...(end === -1 ? { message: { subject: "", body: "" } } : {}) };
  const message = bytes.subarray(end + 2);
  let at = 0;
  /** The end of the line starting at `from`, its newline included. */
  const lineEnd = (from: number) => {
    const nl = message.indexOf(10, from);
    return nl === -1 ? message.length : nl + 1;
  };
  /** Where the line [from, to) ends without its trailing whitespace. */
  const contentEnd = (from: number, to: number) => {
    while (to > from && isGitSpace(message[to - 1]!)) to--;
    return to;
  };
  const skipBlankLines = () => {
    while (at < message.length) {
      const to = lineEnd(at);
      if (contentEnd(at, to) > at) return;
      at = to;
    }
  };
  skipBlankLines();
  const subject: string[] = [];
  while (at < message.length) {
    const to = lineEnd(at);
    const text = contentEnd(at, to);
    const from = at;
    at = to;
    if (text === from) break;
    subject.push(message.subarray(from, text).toString("utf8"));
  }
  skipBlankLines();
  return { parents, message: { subject: subject.join(" "), body: message.subarray(at).toString("utf8") } };
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
  /** The repository's `cat-file` process to read through (the caller closes it); default: one of the change's own. */
  repository?: GitRepository;
}

export interface GitChange extends Change {
  /** The merge base the files were diffed from (equal to `base` when base is an ancestor of head). */
  mergeBase: string;
  /** Changed files whose base or head blob is over `maxBytes`: their contents are never loaded. */
  oversized: string[];
  /** Ends the long-lived `git cat-file` process (unless the caller gave its own). Safe to call more than once. */
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
  const repository = options.repository ?? new GitRepository(repo);
  const close = options.repository ? () => undefined : () => repository.close();
  let diff: DiffRun | undefined;
  try {
    const resolve = async (rev: string) => {
      if (!rev.startsWith("-") && !/[\n\r]/.test(rev)) {
        const info = await repository.cat.info(`${rev}^{commit}`).catch(() => undefined);
        if (info?.type === "commit") return info.oid;
      }
      return resolveCommit(repo, rev);
    };
    const [base, head] = options.commits
      ? [options.commits.base, options.commits.head]
      : await Promise.all([resolve(options.base), resolve(options.head)]);
    const commit = await repository.commit(head);
    // A base that is a parent of head is its own merge base (the CLI's default): no git call.
    const from = commit?.parents.includes(base) ? base : await mergeBase(repo, base, head, { base: options.base, head: options.head });

    // The listing and the patches in one git process (`--raw -p`: the listing comes first); the line counts come
    // from the patches (--numstat would make git diff every file a second time). `-U0`: no context lines, which
    // nothing reads (a patch is read for its added and removed lines, numbered from the hunk headers); they were 13 %
    // of the patch bytes of saleor's 3,188-file range, held for the whole review.
    diff = readDiff(
      repo,
      ["diff-tree", "-r", "-M", "-U0", "--no-abbrev", "--no-textconv", "--no-ext-diff", "-z", "--raw", "-p", "--no-color", from, head],
      limit,
    );
    diff.patches.catch(() => undefined); // awaited below; an earlier failure must not leave it unhandled
    const messageRun = commit?.message
      ? Promise.resolve(commit.message)
      : git(repo, ["log", "-1", "--format=%s%x00%b", head]).then((out) => {
          const [subject, ...body] = out.toString("utf8").split("\0");
          return { subject: subject ?? "", body: body.join("") };
        });
    const [raw, message] = await Promise.all([diff.listing.then(parseRawListing), messageRun]);
    // Most reviews of more than a few files ask for the head's file list (markers near changed files): listed
    // now, while the engine loads, unless the listing is large; a smaller review lists it if it asks. If this
    // early run fails for any reason, the list is read later as before.
    const headListing =
      raw.length >= EARLY_TREE_FILES ? git(repo, ["ls-tree", "-r", "-z", "--full-tree", head], undefined, EARLY_TREE_BYTES) : undefined;
    headListing?.catch(() => undefined);

    // Sizes first (requested together), so that the changed files over the limit can be named.
    const oids = [...new Set(raw.flatMap((e) => [e.srcOid, e.dstOid]).filter((oid) => !ZERO_OID.test(oid)))];
    const infos = await Promise.all(oids.map((oid) => repository.cat.info(oid)));
    const objects = new Map<string, ObjectInfo>();
    for (const info of infos) if (info) objects.set(info.oid, info);
    const maxBytes = await limit;
    const oversized = new Set<number>();
    raw.forEach((entry, index) => {
      if ((objects.get(entry.srcOid)?.size ?? 0) > maxBytes || (objects.get(entry.dstOid)?.size ?? 0) > maxBytes) oversized.add(index);
    });
    const patches = await diff.patches;
    if (patches.length !== raw.length) {
      throw new GitError(`git patch output has ${patches.length} files, the listing ${raw.length}`, diff.args, "");
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
      else if (patch.bytes !== undefined) file.patchBytes = patch.bytes;
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
    const tree = (side: Side) =>
      (trees[side] ??= (side === "head" && headListing !== undefined ? headListing.catch(() => listTree(side)) : listTree(side)).then(parseLsTree));

    // The changed blobs a review reads, in the order it reads them (the listing's, head before base), read ahead.
    const sequence: KnownBlob[] = [];
    const add = (oid: string, mode: string, kind: string) => {
      const info = mode === GITLINK_MODE ? undefined : objects.get(oid);
      if (info?.type === "blob" && info.size <= maxBytes) sequence.push({ oid, size: info.size, kind });
    };
    for (const entry of raw) {
      add(entry.dstOid, entry.dstMode, readAheadKind("head", entry.dstPath));
      add(entry.srcOid, entry.srcMode, readAheadKind("base", entry.srcPath));
    }
    const blobs = new ReadAhead(repository.cat, sequence);
    /** Every read made, by limit and object id: an unchanged file has the same object id on both sides. */
    const results = new Map<string, Promise<FileContent>>();
    const readBlob = (oid: string, limit: number): Promise<FileContent> => {
      const key = `${limit}\0${oid}`;
      let pending = results.get(key);
      if (!pending) {
        pending = readBlobOnce(repository.cat, blobs, oid, limit, objects.get(oid));
        results.set(key, pending);
        // A failed read is asked again next time, not remembered.
        pending.catch(() => results.delete(key));
      }
      return pending;
    };

    return {
      base,
      head,
      mergeBase: from,
      files,
      complete: true,
      title: message.subject.trim() || undefined,
      description: message.body.trim() || undefined,
      oversized: [...oversized].map((i) => raw[i]!.dstPath).sort(),
      async read(side: Side, path: string, { maxBytes: limit }: ReadOptions): Promise<FileContent> {
        let target = known[side].get(path);
        if (target === undefined) {
          const entry = (await tree(side)).get(path);
          target = entry && entry.type === "blob" ? { oid: entry.oid, mode: entry.mode } : null;
        }
        if (target === null || target.mode === GITLINK_MODE) return { kind: "missing" };
        return readBlob(target.oid, limit);
      },
      async listPaths(side: Side): Promise<string[]> {
        const entries = await tree(side);
        return [...entries]
          .filter(([, e]) => e.type === "blob")
          .map(([p]) => p)
          .sort();
      },
      close,
    };
  } catch (error) {
    diff?.kill();
    close();
    throw error;
  }
}

/**
 * The kind of a changed blob for the read-ahead: its side and extension, and whether it is test code (the code
 * rules' default test paths, the ones they pass over; the answers are cached for when they ask). Reads that pass
 * over a kind (the base versions of source files, the tests the code rules skip) pass over all of it, so it is no
 * longer read ahead; test code as a kind of its own halved the bytes read ahead of saleor's 3,188-file range (49 to
 * 25 MB, of which the review reads 15), and with them the buffers waiting for the GC.
 */
export function readAheadKind(side: Side, path: string): string {
  return `${side}:${/\.([^./]*)$/.exec(path)?.[1] ?? path.slice(path.lastIndexOf("/") + 1)}${matchesAny(path, DEFAULT_TEST_PATHS) ? ":test" : ""}`;
}

/** One blob as the Change's reader sees it: its type and size decide before its bytes are asked for. */
async function readBlobOnce(cat: CatFile, blobs: ReadAhead, oid: string, limit: number, known: ObjectInfo | undefined): Promise<FileContent> {
  const info = known ?? (await cat.info(oid));
  if (info?.type !== "blob") return { kind: "missing" };
  if (info.size > limit) return { kind: "too-large", bytes: info.size };
  const object = await blobs.contents(oid);
  if (object?.type !== "blob") return { kind: "missing" };
  if (object.bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { kind: "binary" };
  return { kind: "text", text: object.bytes.toString("utf8") };
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

interface FilePatch {
  /** Hunks without the file header, as GitHub's `patch` (undefined when dropped for size), as UTF-8 bytes. */
  bytes?: Buffer;
  binary: boolean;
  /** Added and removed lines (counted even when the patch is dropped), as `--numstat` counts them. */
  additions: number;
  deletions: number;
}

const DIFF_HEADER = Buffer.from("diff --git ", "latin1");
const LISTING_END = Buffer.from([0, 0]);
const BINARY_FILES = Buffer.from("Binary files ", "latin1");

/** A head file list read before anyone asks for it is kept up to this size (8 MB is ~100,000 paths). */
const EARLY_TREE_BYTES = 8 * 1024 * 1024;
/** The head's file list is read before anyone asks for it when the change has this many files (a 1-file review seldom asks). */
const EARLY_TREE_FILES = 8;

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
interface DiffRun {
  /** The `-z --raw` listing, as soon as it has come (before the patches). */
  listing: Promise<Buffer>;
  patches: Promise<FilePatch[]>;
  kill(): void;
  args: string[];
}

function readDiff(repo: string, args: string[], limit: Promise<number>): DiffRun {
  const child = spawn("git", ["-C", repo, ...args], { env: gitEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let listed: { resolve(listing: Buffer): void; reject(error: unknown): void };
  const listing = new Promise<Buffer>((resolve, reject) => (listed = { resolve, reject }));
  listing.catch(() => undefined); // the same failure rejects `patches`
  const patches = new Promise<FilePatch[]>((resolve, reject) => {
    const files: (FilePatch & { size: number })[] = [];
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
      // Kept as bytes of its own, without its last newline: a slice would keep the whole stream buffer it is in.
      let kept: Buffer | undefined;
      if (!dropped) {
        let length = 0;
        for (const line of lines) length += line.length;
        kept = Buffer.concat(lines, length > 0 && lines.at(-1)!.at(-1) === 10 ? length - 1 : length);
      }
      files[index] = { bytes: kept, binary, size: bytes, additions, deletions };
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
        listed.reject(error);
        child.kill();
        reject(error);
      },
    );
    // The listing ends at its first empty field (no record has one): `\0\0`, then the patches start.
    let rawParts: Buffer[] | undefined = [];
    const endListing = (parts: Buffer[]) => {
      rawParts = undefined;
      listed.resolve(Buffer.concat(parts));
    };
    child.stdout.on("data", (chunk: Buffer) => {
      if (rawParts) {
        const last = rawParts.at(-1);
        if (last && last[last.length - 1] === 0 && chunk[0] === 0) {
          endListing(rawParts);
          chunk = chunk.subarray(1);
        } else {
          const end = chunk.indexOf(LISTING_END);
          if (end === -1) {
            rawParts.push(chunk);
            return;
          }
          endListing([...rawParts, chunk.subarray(0, end + 1)]);
          chunk = chunk.subarray(end + 2);
        }
        if (chunk.length === 0) return;
      }
      onPatchData(chunk);
    });
    const onPatchData = (chunk: Buffer) => {
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
    };
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", (error) => {
      listed.reject(error);
      reject(error);
    });
    child.on("close", (code) => {
      if (partialBytes > 0) endPartial(Buffer.from("\n"));
      finishFile();
      if (code !== 0) {
        const error = new GitError(stderr.trim() || `git diff-tree exited with ${code}`, args, stderr);
        listed.reject(error);
        reject(error);
        return;
      }
      if (rawParts) endListing(rawParts); // no patches: an empty diff
      // Patches that ended before the limit was known are judged by it now.
      limit.then(
        (max) =>
          resolve(
            files.map((f) => ({ bytes: f.size > max ? undefined : f.bytes, binary: f.binary, additions: f.additions, deletions: f.deletions })),
          ),
        reject,
      );
    });
  });
  return {
    listing,
    patches,
    args,
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}
