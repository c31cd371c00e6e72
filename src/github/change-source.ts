import type { Change, ChangedFile, ContentRequest, FileContent, FileStatus, Side } from "../engine/change.js";
import type { CommitReads } from "./commit-reads.js";
import { asGraphqlRead, limiter, statusOf, type Octokit, type RepoRef } from "./octokit.js";
import { classify, DEFAULT_RETRY_POLICY } from "./retry.js";

/** GitHub's list-files endpoint stops here, whatever the PR's real size. */
export const LIST_FILES_LIMIT = 3_000;
/** A git tree walk (after a truncated recursive tree) gives up past this many requests. */
const MAX_TREE_REQUESTS = 300;
/** Bytes inspected for a NUL when deciding a file is binary (git's heuristic). */
const BINARY_SNIFF_BYTES = 8_000;
/**
 * Blobs asked for in one GraphQL request. GitHub sets no limit on aliases (`object` is not a connection,
 * so the node limit does not apply and a request costs one point), only on time (10 s) and on what an
 * answer may hold: 250 source files of ordinary size are a few megabytes. With 100, a 3,000-file PR took
 * 30 content requests on top of its 30 pages of files; with 250 it takes 13. A batch that fails as a whole
 * for its size is asked again in halves (`readContentBatchOrHalves`).
 */
export const GRAPHQL_BATCH = 250;
/** A failed batch larger than this is asked again in two halves before each file is read through REST. */
const SPLIT_ABOVE = 100;

export interface PullRequestSnapshot extends RepoRef {
  number: number;
  baseSha: string;
  headSha: string;
  /** `pull_request.changed_files`: what the file list must add up to. */
  changedFiles?: number;
  title?: string;
  body?: string | null;
  /** Label names the event reported (re-read before any label is written). */
  labels?: string[];
}

export interface GitHubChangeOptions {
  /** Content reads in flight at once. */
  concurrency?: number;
  /** Merge bases, trees and contents read by earlier reviews in this process (commit-reads.ts). */
  commitReads?: CommitReads;
}

/**
 * A Change read from the GitHub API: the file list is fetched now (paginated), contents only when a
 * detector asks for them. Past the 3,000-file limit of the files API the complete path list comes from
 * the git trees of the merge base and the head; if even that is cut short, `complete` is false so the
 * engine fails closed.
 */
export async function githubChange(octokit: Octokit, pr: PullRequestSnapshot, options: GitHubChangeOptions = {}): Promise<Change> {
  const { owner, repo } = pr;
  const listed = await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: pr.number, per_page: 100 });
  let files = listed.map(toChangedFile);
  let complete = true;
  let incompleteReason: string | undefined;
  // Set by the tree walk past 3,000 files (it needs the merge base too), else asked on the first base read.
  let mergeBase: Promise<string> | undefined;
  /** The merge base is the API's answer (not the base tip standing in for it after a failed compare). */
  let mergeBaseExact = false;
  const trees = new Map<Side, Promise<string[]>>();
  const expected = pr.changedFiles;
  if (expected !== undefined && files.length < expected) {
    const fromTrees = await changedPathsFromTrees(octokit, pr, files);
    files = fromTrees.files;
    mergeBase = Promise.resolve(fromTrees.mergeBase);
    mergeBaseExact = true;
    // Both trees were listed to find the files: rules that list paths are not asked to list them again.
    if (fromTrees.paths) {
      trees.set("base", Promise.resolve(fromTrees.paths.base));
      trees.set("head", Promise.resolve(fromTrees.paths.head));
    }
    if (!fromTrees.complete) {
      complete = false;
      incompleteReason = `the pull request changes ${expected} files and GitHub listed only ${listed.length}; ${fromTrees.reason}`;
    }
  }

  const run = limiter(options.concurrency ?? 8);
  const byPath = new Map(files.map((f) => [f.path, f]));
  // The files API diffs the head against the merge base, not against the base branch's tip (which may
  // have moved on since the branch point): base contents must come from the merge base too, or a file
  // changed on the base branch meanwhile would look reverted by the PR.
  const cache = options.commitReads;
  const repoKey = `${owner}/${repo}`.toLowerCase();
  const askMergeBase = () =>
    octokit.rest.repos
      .compareCommitsWithBasehead({ owner, repo, basehead: `${pr.baseSha}...${pr.headSha}`, per_page: 1 })
      .then((r) => r.data.merge_base_commit?.sha || pr.baseSha);
  const baseCommit = () =>
    (mergeBase ??= (cache ? cache.mergeBase(repoKey, pr.baseSha, pr.headSha, askMergeBase) : askMergeBase()).then(
      (commit) => {
        mergeBaseExact = true;
        return commit;
      },
      // No merge base from the API (a timeout on a huge compare): the base tip is the closest known answer (not kept).
      () => pr.baseSha,
    ));
  const sha = (side: Side): Promise<string> => (side === "base" ? baseCommit() : Promise.resolve(pr.headSha));
  const knownMissing = (side: Side, path: string) => {
    const known = byPath.get(path);
    return known !== undefined && ((side === "head" && known.status === "removed") || (side === "base" && known.status === "added"));
  };
  const keyOf = (side: Side, path: string) => `${side}\0${path}`;
  /** Changed files in list order, by the path they have at each side (what a read-ahead batch is made of). */
  const changedAt: Record<Side, string[]> = {
    head: files.filter((f) => f.status !== "removed").map((f) => f.path),
    base: files.filter((f) => f.status !== "added").map((f) => f.previousPath ?? f.path),
  };
  const positionAt: Record<Side, Map<string, number>> = {
    head: new Map(changedAt.head.map((p, i) => [p, i])),
    base: new Map(changedAt.base.map((p, i) => [p, i])),
  };
  /** Removed files, by path: at base they are read by other modules than the base versions of modified files. */
  const removed = new Set(files.filter((f) => f.status === "removed").map((f) => f.path));

  /**
   * Contents asked for in GraphQL batches, by side + path: the result, or `undefined` when GraphQL could
   * not answer for the file (the batch failed, the blob is truncated): such a file is read through REST.
   */
  const fetched = new Map<string, { maxBytes: number; content: Promise<FileContent | undefined> }>();
  const fetchBatch = (requests: readonly ContentRequest[], maxBytes: number) => {
    const batch = Promise.all(requests.map(async (r) => ({ ref: await sha(r.side), path: r.path })))
      .then(async (refs) => {
        // What an earlier review read at the same commit is not asked again.
        const results = refs.map((r) => cache?.content(repoKey, r.ref, r.path, maxBytes));
        const asked = refs.filter((_, i) => results[i] === undefined);
        if (asked.length === 0) return results;
        // A batch that fails (GraphQL error, timeout) is not a verdict: each file is then read on its own.
        const answers = await readContentBatchOrHalves(octokit, { owner, repo }, asked, maxBytes, run);
        let next = 0;
        return results.map((known, i) => {
          if (known !== undefined) return known;
          const answer = answers[next++];
          if (answer) cache?.rememberContent(repoKey, refs[i]!.ref, refs[i]!.path, maxBytes, answer);
          return answer;
        });
      })
      .catch(() => [] as Array<FileContent | undefined>);
    requests.forEach((r, j) => fetched.set(keyOf(r.side, r.path), { maxBytes, content: batch.then((results) => results[j]) }));
  };

  /** Announced reads (see Change.prefetch), fetched in batches when the first read of any file comes. */
  let announced: { requests: ContentRequest[]; maxBytes: number } | undefined;
  const fetchAnnounced = () => {
    if (!announced) return;
    const { requests, maxBytes } = announced;
    announced = undefined;
    for (let i = 0; i < requests.length; i += GRAPHQL_BATCH) fetchBatch(requests.slice(i, i + GRAPHQL_BATCH), maxBytes);
  };

  /**
   * A changed file nobody announced (past the engine's prefetch limit, a base version read to diff a
   * file without a patch): read with the next changed files of the same kind (file name extension) at
   * the same side that are not fetched yet, up to a batch, as modules read the changed files they judge
   * in list order. Only the same kind: modules are format-specific, so the base version of one YAML file
   * announces reads of other YAML files, not of the TypeScript sources around it (with the built-in
   * rules a 3,000-file codemod read hundreds of base files nobody looked at). At base, removed files go
   * with removed files and the others with the others: the module that reads what a PR deletes (removed
   * exports, dropped tables) is not the one that diffs a modified file, and with the built-in rules a
   * 1,000-file codemod that deletes 20 sources read the base versions of 640 modified ones along with them.
   * Returns false when the batch would hold this file alone (a single file is cheaper through REST,
   * which also serves big files).
   */
  const readAhead = (side: Side, path: string, maxBytes: number): boolean => {
    const from = positionAt[side].get(path);
    if (from === undefined) return false;
    const batch: ContentRequest[] = [{ side, path }];
    const list = changedAt[side];
    const kind = kindOf(path);
    const wasRemoved = side === "base" && removed.has(path);
    for (let i = from + 1; i < list.length && batch.length < GRAPHQL_BATCH; i++) {
      const next = list[i]!;
      if (kindOf(next) !== kind || fetched.has(keyOf(side, next)) || knownMissing(side, next)) continue;
      if (side === "base" && removed.has(next) !== wasRemoved) continue;
      batch.push({ side, path: next });
    }
    if (batch.length === 1) return false;
    fetchBatch(batch, maxBytes);
    return true;
  };

  /** Other files (a schema next to a migration, a sibling, a referenced spec): those asked for in one tick go in one batch. */
  let pending: Array<{ side: Side; path: string; maxBytes: number; done: (content: Promise<FileContent>) => void }> = [];
  const flushPending = () => {
    const queued = pending;
    pending = [];
    const groups = new Map<number, typeof queued>();
    for (const q of queued) groups.set(q.maxBytes, [...(groups.get(q.maxBytes) ?? []), q]);
    for (const [maxBytes, group] of groups) {
      const unique = [...new Map(group.map((q) => [keyOf(q.side, q.path), q])).values()];
      if (unique.length > 1) {
        for (let i = 0; i < unique.length; i += GRAPHQL_BATCH) fetchBatch(unique.slice(i, i + GRAPHQL_BATCH), maxBytes);
      }
      for (const q of group) q.done(fromBatchOrRest(q.side, q.path, maxBytes));
    }
  };
  const queueRead = (side: Side, path: string, maxBytes: number): Promise<FileContent> =>
    new Promise<Promise<FileContent>>((done) => {
      if (pending.length === 0) setImmediate(flushPending);
      pending.push({ side, path, maxBytes, done });
    }).then((content) => content);

  const readRest = async (side: Side, path: string, maxBytes: number): Promise<FileContent> => {
    const ref = await sha(side);
    const known = cache?.content(repoKey, ref, path, maxBytes);
    if (known) return known;
    const content = await run(() => readContent(octokit, { owner, repo }, ref, path, maxBytes));
    cache?.rememberContent(repoKey, ref, path, maxBytes, content);
    return content;
  };
  const fromBatchOrRest = async (side: Side, path: string, maxBytes: number): Promise<FileContent> => {
    const batched = fetched.get(keyOf(side, path));
    const content = batched && batched.maxBytes === maxBytes ? await batched.content : undefined;
    return content ?? readRest(side, path, maxBytes);
  };

  const listPaths = (side: Side): Promise<string[]> => {
    let pending = trees.get(side);
    if (!pending) {
      pending = (async () => {
        // The files API lists what the head changed against the merge base: once the merge base is known
        // (asked for by a base read), the head's paths follow from its tree and the file list, so one tree
        // serves both sides (rules that list the head's paths mostly read base files too). Without a
        // merge base the head's tree is listed: asking for the merge base would cost a request more.
        if (side === "head" && complete && mergeBase !== undefined && !cache?.hasTree(repoKey, pr.headSha)) {
          await mergeBase;
          if (mergeBaseExact) return headPathsFrom(await listPaths("base"), files);
        }
        const commit = await sha(side);
        const list = () => listTreePaths(octokit, { owner, repo }, commit, run);
        return cache ? cache.treePaths(repoKey, commit, list) : list();
      })();
      trees.set(side, pending);
    }
    return pending;
  };

  return {
    base: pr.baseSha,
    head: pr.headSha,
    files,
    complete,
    ...(incompleteReason ? { incompleteReason } : {}),
    ...(pr.title !== undefined ? { title: pr.title } : {}),
    ...(pr.body ? { description: pr.body } : {}),
    async read(side, path, { maxBytes }) {
      // What the file list already tells us costs no request.
      if (knownMissing(side, path)) return { kind: "missing" };
      fetchAnnounced();
      const key = keyOf(side, path);
      if (fetched.has(key) || readAhead(side, path, maxBytes)) return fromBatchOrRest(side, path, maxBytes);
      return queueRead(side, path, maxBytes);
    },
    prefetch(requests, { maxBytes }) {
      const wanted = requests.filter((r) => !knownMissing(r.side, r.path) && !fetched.has(keyOf(r.side, r.path)));
      const already = new Set(announced?.requests.map((r) => keyOf(r.side, r.path)));
      announced = { requests: [...(announced?.requests ?? []), ...wanted.filter((r) => !already.has(keyOf(r.side, r.path)))], maxBytes };
    },
    listPaths,
  };
}

/** The head's paths: the merge base's, less what the PR removed or renamed away, plus what it added or renamed to. */
export function headPathsFrom(basePaths: readonly string[], files: readonly ChangedFile[]): string[] {
  const paths = new Set(basePaths);
  for (const file of files) {
    if (file.previousPath && file.status === "renamed") paths.delete(file.previousPath);
    if (file.status === "removed") paths.delete(file.path);
    else paths.add(file.path);
  }
  return [...paths].sort();
}

type ListedFile = Awaited<ReturnType<Octokit["rest"]["pulls"]["listFiles"]>>["data"][number];

function toChangedFile(file: ListedFile): ChangedFile {
  const status: FileStatus =
    file.status === "added" || file.status === "removed" || file.status === "renamed" || file.status === "copied" ? file.status : "modified";
  const out: ChangedFile = { path: file.filename, status, additions: file.additions, deletions: file.deletions };
  if (file.previous_filename) out.previousPath = file.previous_filename;
  if (file.patch !== undefined) out.patch = file.patch;
  return out;
}

/** File content at a commit: 404 is `missing`, size checked before decoding, NUL bytes mean binary. */
export async function readContent(octokit: Octokit, { owner, repo }: RepoRef, ref: string, path: string, maxBytes: number): Promise<FileContent> {
  let data: Awaited<ReturnType<Octokit["rest"]["repos"]["getContent"]>>["data"];
  try {
    ({ data } = await octokit.rest.repos.getContent({ owner, repo, path, ref }));
  } catch (error) {
    if (statusOf(error) === 404) return { kind: "missing" };
    throw error;
  }
  if (Array.isArray(data) || data.type !== "file") return { kind: "missing" };
  if (data.size > maxBytes) return { kind: "too-large", bytes: data.size };
  let bytes: Buffer;
  if ("content" in data && data.encoding === "base64" && (data.content || data.size === 0)) {
    bytes = Buffer.from(data.content, "base64");
  } else {
    // Files over 1 MB come without content from the contents API; the blob API serves them up to 100 MB.
    const blob = await octokit.rest.git.getBlob({ owner, repo, file_sha: data.sha });
    bytes = Buffer.from(blob.data.content, blob.data.encoding === "base64" ? "base64" : "utf8");
  }
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { kind: "binary" };
  return { kind: "text", text: bytes.toString("utf8") };
}

/**
 * `readContentBatch` through `run`, never throwing: a file without an answer is `undefined` (the caller
 * reads it through REST). A batch over SPLIT_ABOVE files that fails as a whole with a server error or a
 * timeout (what GitHub answers to a query too slow or too big to serve) is asked again as two halves, so
 * one oversized answer costs two requests more, not a REST request per file. Other failures (an error
 * GitHub reported for the query, a 4xx) are not about size: no halves.
 */
export async function readContentBatchOrHalves(
  octokit: Octokit,
  repoRef: RepoRef,
  files: ReadonlyArray<{ ref: string; path: string }>,
  maxBytes: number,
  run: <T>(task: () => Promise<T>) => Promise<T> = (task) => task(),
): Promise<Array<FileContent | undefined>> {
  const none = (n: number) => new Array<FileContent | undefined>(n).fill(undefined);
  try {
    return await run(() => readContentBatch(octokit, repoRef, files, maxBytes));
  } catch (error) {
    if (files.length <= SPLIT_ABOVE || !tooBigOrSlow(error)) return none(files.length);
    const half = Math.ceil(files.length / 2);
    const halves = await Promise.all(
      [files.slice(0, half), files.slice(half)].map((part) =>
        run(() => readContentBatch(octokit, repoRef, part, maxBytes)).catch(() => none(part.length)),
      ),
    );
    return halves.flat();
  }
}

/**
 * A server error, a timed-out attempt, or a GraphQL answer saying the query went over GitHub's limits
 * (`RESOURCE_LIMITS_EXCEEDED`, or "this may be the result of a timeout").
 */
function tooBigOrSlow(error: unknown): boolean {
  if (classify(error, DEFAULT_RETRY_POLICY).kind === "transient") return true;
  const errors = (error as { errors?: Array<{ type?: unknown; message?: unknown }> })?.errors;
  return Array.isArray(errors) && errors.some((e) => e?.type === "RESOURCE_LIMITS_EXCEEDED" || /timeout|timed out/i.test(String(e?.message ?? "")));
}

interface BlobFields {
  __typename: string;
  byteSize?: number;
  isBinary?: boolean | null;
  isTruncated?: boolean;
  text?: string | null;
}

/**
 * Many files in one GraphQL request (`object(expression: "<sha>:<path>")` per file). Each result is the
 * file's content, or `undefined` when GraphQL cannot answer for it (a truncated or undecodable blob):
 * the caller reads those through the REST contents API, which has the full rules for big files.
 */
export async function readContentBatch(
  octokit: Octokit,
  { owner, repo }: RepoRef,
  files: ReadonlyArray<{ ref: string; path: string }>,
  maxBytes: number,
): Promise<Array<FileContent | undefined>> {
  if (files.length === 0) return [];
  // Paths travel as variables, never spliced into the query text.
  const variables: Record<string, string> = { owner, name: repo };
  const declarations = ["$owner: String!", "$name: String!"];
  const fields: string[] = [];
  files.forEach((file, i) => {
    variables[`e${i}`] = `${file.ref}:${file.path}`;
    declarations.push(`$e${i}: String!`);
    fields.push(`f${i}: object(expression: $e${i}) { __typename ... on Blob { byteSize isBinary isTruncated text } }`);
  });
  const query = `query archgateContents(${declarations.join(", ")}) { repository(owner: $owner, name: $name) { ${fields.join(" ")} } }`;
  type Data = { repository: Record<string, BlobFields | null> | null };
  let data: Data;
  // Aliases GitHub reported an error for: null there means "not answered", not "no such file".
  const failed = new Set<string>();
  try {
    data = await asGraphqlRead(() => octokit.graphql<Data>(query, variables));
  } catch (error) {
    // A partial answer (some aliases failed, e.g. a timeout on one big blob) keeps what did come back.
    const partial = error as { data?: Data; errors?: Array<{ path?: Array<string | number> }> };
    if (!partial.data?.repository || !Array.isArray(partial.errors)) throw error;
    for (const e of partial.errors) {
      const alias = e.path?.[0] === "repository" ? e.path[1] : undefined;
      if (typeof alias !== "string") throw error;
      failed.add(alias);
    }
    data = partial.data;
  }
  if (!data.repository) throw new Error(`repository ${owner}/${repo} not visible to GraphQL`);
  return files.map((_, i) => (failed.has(`f${i}`) ? undefined : blobContent(data.repository![`f${i}`], maxBytes)));
}

function blobContent(blob: BlobFields | null | undefined, maxBytes: number): FileContent | undefined {
  if (blob === null) return { kind: "missing" };
  if (blob === undefined) return undefined;
  // A directory where a file was expected: the REST contents API answers with a listing, read as missing too.
  if (blob.__typename !== "Blob") return { kind: "missing" };
  if (typeof blob.byteSize === "number" && blob.byteSize > maxBytes) return { kind: "too-large", bytes: blob.byteSize };
  if (blob.isBinary) return { kind: "binary" };
  if (blob.isTruncated || typeof blob.text !== "string") return undefined;
  if (blob.text.slice(0, BINARY_SNIFF_BYTES).includes("\0")) return { kind: "binary" };
  return { kind: "text", text: blob.text };
}

interface TreeEntry {
  path: string;
  sha: string;
}

/**
 * Every file path of a commit's tree. A recursive tree GitHub truncated is walked level by level
 * instead; past MAX_TREE_REQUESTS the listing fails (the engine turns that into a problem).
 */
export async function listTreePaths(
  octokit: Octokit,
  repoRef: RepoRef,
  commitSha: string,
  run: <T>(task: () => Promise<T>) => Promise<T> = limiter(8),
): Promise<string[]> {
  const entries = await treeEntries(octokit, repoRef, commitSha, run);
  if (!entries) throw new Error(`the git tree of ${commitSha.slice(0, 12)} is too large to list`);
  return entries.map((e) => e.path).sort();
}

async function treeEntries(
  octokit: Octokit,
  { owner, repo }: RepoRef,
  commitSha: string,
  run: <T>(task: () => Promise<T>) => Promise<T>,
): Promise<TreeEntry[] | undefined> {
  const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: commitSha, recursive: "1" });
  if (!data.truncated) return data.tree.filter((e) => e.type === "blob" && e.path && e.sha).map((e) => ({ path: e.path!, sha: e.sha! }));

  let requests = 1;
  const files: TreeEntry[] = [];
  const walk = async (treeSha: string, prefix: string): Promise<void> => {
    if (++requests > MAX_TREE_REQUESTS) throw new TreeTooLarge();
    const level = await run(() => octokit.rest.git.getTree({ owner, repo, tree_sha: treeSha }));
    const subtrees: Promise<void>[] = [];
    for (const entry of level.data.tree) {
      if (!entry.path || !entry.sha) continue;
      const path = prefix + entry.path;
      if (entry.type === "blob") files.push({ path, sha: entry.sha });
      else if (entry.type === "tree") subtrees.push(walk(entry.sha, `${path}/`));
    }
    await Promise.all(subtrees);
  };
  try {
    const root = await octokit.rest.git.getCommit({ owner, repo, commit_sha: commitSha });
    await walk(root.data.tree.sha, "");
  } catch (error) {
    if (error instanceof TreeTooLarge) return undefined;
    throw error;
  }
  return files;
}

class TreeTooLarge extends Error {}

/**
 * The complete changed-path list from the trees of the merge base and the head, for PRs past the
 * files API limit. Files GitHub listed keep their patches; the rest come without one (rules read
 * their contents instead). Renames are not detected here: an unlisted rename shows as removed + added.
 */
export async function changedPathsFromTrees(
  octokit: Octokit,
  pr: PullRequestSnapshot,
  listed: ChangedFile[],
): Promise<{ files: ChangedFile[]; complete: boolean; reason: string; mergeBase: string; paths?: Record<Side, string[]> }> {
  const { owner, repo } = pr;
  const compare = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${pr.baseSha}...${pr.headSha}`, per_page: 1 });
  const mergeBase = compare.data.merge_base_commit.sha;
  const run = limiter(8);
  const [baseEntries, headEntries] = await Promise.all([
    treeEntries(octokit, { owner, repo }, mergeBase, run),
    treeEntries(octokit, { owner, repo }, pr.headSha, run),
  ]);
  if (!baseEntries || !headEntries) {
    return { files: listed, complete: false, reason: "the repository tree is too large to list through the API", mergeBase };
  }
  const files = [...listed];
  const seen = new Set(listed.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path])));
  const baseByPath = new Map(baseEntries.map((e) => [e.path, e.sha]));
  const headByPath = new Map(headEntries.map((e) => [e.path, e.sha]));
  for (const [path, sha] of headByPath) {
    if (seen.has(path)) continue;
    const before = baseByPath.get(path);
    if (before === sha) continue;
    files.push({ path, status: before === undefined ? "added" : "modified", additions: 0, deletions: 0 });
  }
  for (const path of baseByPath.keys()) {
    if (seen.has(path) || headByPath.has(path)) continue;
    files.push({ path, status: "removed", additions: 0, deletions: 0 });
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  const paths = { base: [...baseByPath.keys()].sort(), head: [...headByPath.keys()].sort() };
  return { files, complete: true, reason: "", mergeBase, paths };
}

/** A file's kind for read-ahead: its name's last extension, lower case ("" without one; Dockerfile, Makefile by name). */
export function kindOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1) : name;
}
