import type { FileContent } from "../engine/change.js";

/**
 * What a commit holds never changes: the merge base of two commits, a commit's tree and a file's content
 * at a commit are the same whenever they are asked for. The App keeps them across the reviews of one
 * process, so a push to a pull request (same merge base), a command in a comment or a redelivery (same
 * head) does not read again what the previous review read. Bounded: trees by the paths they list,
 * contents by their characters; the oldest entry is forgotten first. Failed reads are not kept.
 */
export class CommitReads {
  private readonly mergeBases = new Bounded<string>(4_096);
  private readonly trees: Bounded<Promise<string[]>>;
  private readonly contents: Bounded<FileContent>;

  /** Defaults: 200,000 tree paths, 2 Mi characters of file contents. */
  constructor(limits: { treePaths?: number; contentChars?: number } = {}) {
    this.trees = new Bounded(limits.treePaths ?? 200_000);
    this.contents = new Bounded(limits.contentChars ?? 2 << 20);
  }

  /** The merge base of `base...head` in `repo` ("owner/name"), asked through `ask` the first time. */
  async mergeBase(repo: string, base: string, head: string, ask: () => Promise<string>): Promise<string> {
    const key = `${repo}\0${base}...${head}`;
    const known = this.mergeBases.get(key);
    if (known !== undefined) return known;
    const sha = await ask();
    this.mergeBases.set(key, sha, 1);
    return sha;
  }

  /** Every file path of `commit`'s tree, listed through `list` the first time (shared while it is in flight). */
  treePaths(repo: string, commit: string, list: () => Promise<string[]>): Promise<string[]> {
    const key = `${repo}\0${commit}`;
    const known = this.trees.get(key);
    if (known !== undefined) return known;
    const pending = list();
    // Weighed once listed; a failed listing is forgotten so the next review asks again.
    this.trees.set(key, pending, 1);
    pending.then(
      (paths) => this.trees.reweigh(key, pending, paths.length),
      () => this.trees.delete(key, pending),
    );
    return pending;
  }

  /** Whether `commit`'s tree is kept (listed or being listed). */
  hasTree(repo: string, commit: string): boolean {
    return this.trees.has(`${repo}\0${commit}`);
  }

  /** A file's content at `commit` read before with the same size limit, if it is still kept. */
  content(repo: string, commit: string, path: string, maxBytes: number): FileContent | undefined {
    return this.contents.get(`${repo}\0${commit}\0${maxBytes}\0${path}`);
  }

  /** Keeps a read's answer (an error is not an answer: it is asked again next time). */
  rememberContent(repo: string, commit: string, path: string, maxBytes: number, content: FileContent): void {
    if (content.kind === "error") return;
    this.contents.set(`${repo}\0${commit}\0${maxBytes}\0${path}`, content, content.kind === "text" ? content.text.length + path.length : path.length);
  }
}

/** A map that forgets its least recently used entries past a total weight. */
class Bounded<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(private readonly budget: number) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, weight: number): void {
    // One entry past a quarter of the budget would push out everything else for a single use.
    if (weight > this.budget / 4) return;
    this.remove(key);
    this.entries.set(key, { value, weight });
    this.total += weight;
    this.trim();
  }

  /** Changes the weight of `key` if it still holds `value`. */
  reweigh(key: string, value: V, weight: number): void {
    const entry = this.entries.get(key);
    if (!entry || entry.value !== value) return;
    if (weight > this.budget / 4) {
      this.remove(key);
      return;
    }
    this.total += weight - entry.weight;
    entry.weight = weight;
    this.trim();
  }

  /** Forgets `key` if it still holds `value`. */
  delete(key: string, value: V): void {
    if (this.entries.get(key)?.value === value) this.remove(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.weight;
  }

  private trim(): void {
    for (const [key, entry] of this.entries) {
      if (this.total <= this.budget) break;
      this.entries.delete(key);
      this.total -= entry.weight;
    }
  }
}
