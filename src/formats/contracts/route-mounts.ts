/**
 * The full-path prefixes of a JavaScript/TypeScript router file on one side of the change: where the files that
 * import it mount it (`app.use("/v1", routes)`), joined up the chain of mounts. The files that can mount a
 * router are looked for where Express and Fastify projects keep them: the router's own directory and each
 * directory above it (app.js, server.js, routes/index.js), a bounded number of files each, read once per review.
 * A file under a directory that `@fastify/autoload` loads is mounted at its directory path below it.
 */
import type { Side } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { dirname, isUnder, pathIndex } from "../common/paths.js";
import { codeSource, isIgnoredForCodeContracts, joinPath } from "../source/code-model.js";
import { type AutoloadMount, autoloadMounts, autoPrefixOf, mayMountRouters, resolveRelativeModule, routerMounts } from "../source/router-mounts.js";

const JS_FILE = /\.(?:[cm]?[jt]sx?)$/;
/** Files read per directory when looking for what mounts a router (most routers are mounted by a file or two nearby). */
const FILES_PER_DIR = 25;
/** Directories walked up from a router file. */
const MAX_DEPTH = 6;
/** Mount chains followed (app.js -> routes/index.js -> routes/orders.js). */
const MAX_CHAIN = 5;

export interface ResolvedMount {
  /** The mounting file. */
  file: string;
  /** The router file it mounts. */
  target: string;
  prefix: string | undefined;
  line: number;
}

export interface MountIndex {
  /** Prefixes of `path` at `side`: [""] when nothing mounts it, undefined when a prefix on the way is not static. */
  prefixes(side: Side, path: string): Promise<string[] | undefined>;
  /** The routers a file mounts at `side`, resolved to repository paths. */
  mountsOf(side: Side, path: string): Promise<ResolvedMount[]>;
}

export function mountIndex(ctx: ReviewView): MountIndex {
  return ctx.memo("contracts:router-mounts", createIndex);
}

function createIndex(ctx: ReviewView): MountIndex {
  const mounts = new Map<string, Promise<ResolvedMount[]>>();
  const prefixCache = new Map<string, Promise<string[] | undefined>>();

  const mountsOf = (side: Side, path: string): Promise<ResolvedMount[]> => {
    const key = `${side}\0${path}`;
    let found = mounts.get(key);
    if (!found) {
      found = (async () => {
        const text = await ctx.text(side, path);
        if (text === undefined || !mayMountRouters(text)) return [];
        const src = codeSource(path, text);
        if (!src) return [];
        const index = pathIndex(await ctx.paths(side));
        const out: ResolvedMount[] = [];
        for (const m of routerMounts(src)) {
          const target = resolveRelativeModule(path, m.specifier, (p) => index.has(p));
          if (target) out.push({ file: path, target, prefix: m.prefix, line: m.line });
        }
        return out;
      })();
      mounts.set(key, found);
    }
    return found;
  };

  const autoloads = new Map<string, Promise<AutoloadMount[]>>();
  const autoloadsOf = (side: Side, path: string): Promise<AutoloadMount[]> => {
    const key = `${side}\0${path}`;
    let found = autoloads.get(key);
    if (!found) {
      found = (async () => {
        const text = await ctx.text(side, path);
        if (text === undefined || !text.includes("autoload")) return [];
        const src = codeSource(path, text);
        return src ? autoloadMounts(src) : [];
      })();
      autoloads.set(key, found);
    }
    return found;
  };

  /**
   * The prefix `@fastify/autoload` gives a plugin file under its directory: `options.prefix`, then the plugin's own
   * `autoPrefix` or else the directories between the autoloaded one and the file (`routes/api/tasks/index.ts` →
   * `/api/tasks`). Undefined when a part is not static.
   */
  const autoloadPrefix = async (side: Side, path: string, loaded: string, mount: AutoloadMount): Promise<string | undefined> => {
    if (mount.prefix === undefined) return undefined;
    const text = await ctx.text(side, path);
    const src = text === undefined ? undefined : codeSource(path, text);
    const own = src ? autoPrefixOf(src) : "";
    if (own === undefined) return undefined;
    if (own !== "") return joinPath(mount.prefix, own);
    if (mount.dirNamePrefix === undefined) return undefined;
    const dirs = mount.dirNamePrefix ? dirname(path).slice(loaded.length) : "";
    return joinPath(mount.prefix, dirs);
  };

  const prefixes = (side: Side, path: string, chain: string[] = []): Promise<string[] | undefined> => {
    const key = `${side}\0${path}`;
    const cached = chain.length === 0 ? prefixCache.get(key) : undefined;
    if (cached !== undefined) return cached;
    const computed = (async (): Promise<string[] | undefined> => {
      if (chain.includes(path) || chain.length > MAX_CHAIN) return [""];
      const index = pathIndex(await ctx.paths(side));
      const out = new Set<string>();
      let dir = dirname(path);
      for (let depth = 0; depth <= MAX_DEPTH; depth++) {
        const candidates = index
          .filesIn(dir)
          .filter((p) => p !== path && JS_FILE.test(p) && !isIgnoredForCodeContracts(p))
          .slice(0, FILES_PER_DIR);
        for (const candidate of candidates) {
          for (const mount of await mountsOf(side, candidate)) {
            if (mount.target !== path) continue;
            if (mount.prefix === undefined) return undefined;
            const parents = await prefixes(side, candidate, [...chain, path]);
            if (parents === undefined) return undefined;
            for (const parent of parents) out.add(joinPath(parent, mount.prefix));
          }
          for (const mount of await autoloadsOf(side, candidate)) {
            const loaded = mount.dir === "" ? dirname(candidate) : dirname(candidate) === "" ? mount.dir : `${dirname(candidate)}/${mount.dir}`;
            if (!isUnder(path, loaded)) continue;
            const prefix = await autoloadPrefix(side, path, loaded, mount);
            if (prefix === undefined) return undefined;
            const parents = await prefixes(side, candidate, [...chain, path]);
            if (parents === undefined) return undefined;
            for (const parent of parents) out.add(joinPath(parent, prefix));
          }
        }
        if (dir === "") break;
        dir = dirname(dir);
      }
      return out.size === 0 ? [""] : [...out];
    })();
    if (chain.length === 0) prefixCache.set(key, computed);
    return computed;
  };

  return { prefixes: (side, path) => prefixes(side, path), mountsOf };
}
