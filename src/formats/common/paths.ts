/** Small path helpers and a per-tree index shared by the file classifiers (POSIX paths, no leading slash). */

export function basename(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}

/** Directory of `path`, "" for a file at the root. */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** Lower-case extension without the dot ("yaml"), "" when there is none. */
export function extension(path: string): string {
  const name = basename(path);
  const i = name.lastIndexOf(".");
  return i <= 0 ? "" : name.slice(i + 1).toLowerCase();
}

export function segments(path: string): string[] {
  return path.split("/");
}

/** True when `path` is `dir` itself or inside it ("" is the root and contains everything). */
export function isUnder(path: string, dir: string): boolean {
  return dir === "" || path === dir || path.startsWith(`${dir}/`);
}

export function isYamlPath(path: string): boolean {
  const ext = extension(path);
  return ext === "yaml" || ext === "yml";
}

export function isYamlOrJsonPath(path: string): boolean {
  const ext = extension(path);
  return ext === "yaml" || ext === "yml" || ext === "json";
}

/**
 * Index of every path of one tree: which directories exist and which files each holds. Built once per
 * path list (cached by identity), so detectors can ask "did this directory exist at base?" in O(1).
 */
export class PathIndex {
  readonly files: ReadonlySet<string>;
  /** Directory -> file names directly inside it. */
  private readonly children = new Map<string, string[]>();
  /** Every directory that holds at least one file at any depth. */
  private readonly dirs = new Set<string>();

  constructor(paths: readonly string[]) {
    this.files = new Set(paths);
    for (const path of paths) {
      const dir = dirname(path);
      let names = this.children.get(dir);
      if (!names) this.children.set(dir, (names = []));
      names.push(basename(path));
      for (let d = dir; d !== ""; d = dirname(d)) {
        if (this.dirs.has(d)) break;
        this.dirs.add(d);
      }
    }
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  /** True when some file lives in `dir` or below it. */
  hasDir(dir: string): boolean {
    return dir === "" ? this.files.size > 0 : this.dirs.has(dir);
  }

  /** File names directly inside `dir`. */
  namesIn(dir: string): readonly string[] {
    return this.children.get(dir) ?? [];
  }

  /** Paths directly inside `dir`. */
  filesIn(dir: string): string[] {
    return this.namesIn(dir).map((name) => (dir === "" ? name : `${dir}/${name}`));
  }

  /** Every file in `dir` or below (walks the sub-directories that exist). */
  filesUnder(dir: string, limit = Number.POSITIVE_INFINITY): string[] {
    const out: string[] = [];
    const prefix = dir === "" ? "" : `${dir}/`;
    for (const path of this.files) {
      if (out.length >= limit) break;
      if (path.startsWith(prefix)) out.push(path);
    }
    return out;
  }

  /** The nearest directory at or above `dir` that directly holds a file named one of `names`. */
  nearestWith(dir: string, names: readonly string[]): string | undefined {
    for (let d = dir; ; d = dirname(d)) {
      const here = this.namesIn(d);
      if (names.some((n) => here.includes(n))) return d;
      if (d === "") return undefined;
    }
  }
}

const indexes = new WeakMap<readonly string[], PathIndex>();

/** The cached index of a path list (ctx.paths() returns the same array each time). */
export function pathIndex(paths: readonly string[]): PathIndex {
  let index = indexes.get(paths);
  if (!index) indexes.set(paths, (index = new PathIndex(paths)));
  return index;
}
