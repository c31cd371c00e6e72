/**
 * The prefixes of Go routes declared on a registration function's router group (`func ArticlesRegister(router
 * *gin.RouterGroup)`), from the files that call it with a group (`articles.ArticlesRegister(v1.Group("/articles"))`
 * beside `v1 := r.Group("/api")`). Callers are looked for where Go services keep their wiring: the package's own
 * directory, each directory above it up to the module root (or the repository root without a go.mod), and the
 * module's `cmd/*` directories; a bounded number of files each, read once per review and side.
 */
import type { Side } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { dirname, pathIndex } from "../common/paths.js";
import { codeSource, isIgnoredForCodeContracts, joinPath } from "../source/code-model.js";
import { goImports, goModulePath } from "../source/go-packages.js";
import { goRegistrarCalls } from "../source/routes.js";

/** Files read per directory. */
const FILES_PER_DIR = 25;
/** Directories walked up from the route file. */
const MAX_DEPTH = 6;
/** Registration chains followed (main -> api.Register -> articles.Register). */
const MAX_CHAIN = 3;

export interface GoRouteMounts {
  /** Prefixes of the routes `registrar` in `path` declares: [""] when no caller is found, undefined when one is not static. */
  prefixes(side: Side, path: string, registrar: string): Promise<string[] | undefined>;
}

export function goRouteMounts(ctx: ReviewView): GoRouteMounts {
  return ctx.memo("contracts:go-route-mounts", createIndex);
}

function createIndex(ctx: ReviewView): GoRouteMounts {
  const cache = new Map<string, Promise<string[] | undefined>>();

  const prefixes = (side: Side, path: string, registrar: string, chain = 0): Promise<string[] | undefined> => {
    const key = `${side}\0${path}\0${registrar}`;
    let found = cache.get(key);
    if (!found) {
      found = compute(side, path, registrar, chain);
      cache.set(key, found);
    }
    return found;
  };

  const compute = async (side: Side, path: string, registrar: string, chain: number): Promise<string[] | undefined> => {
    if (chain > MAX_CHAIN) return [""];
    const index = pathIndex(await ctx.paths(side));
    const dir = dirname(path);
    const moduleDir = index.nearestWith(dir, ["go.mod"]);
    const goMod = moduleDir === undefined ? undefined : await ctx.text(side, moduleDir === "" ? "go.mod" : `${moduleDir}/go.mod`);
    const modulePath = goMod === undefined ? undefined : goModulePath(goMod);
    const root = moduleDir ?? "";
    // The package's import path; without a go.mod (a GOPATH project), an import ending in the directory's path.
    const relative = root === "" ? dir : dir.slice(root.length + 1);
    const importsPackage = (importPath: string) =>
      modulePath
        ? importPath === (relative === "" ? modulePath : `${modulePath}/${relative}`)
        : dir !== "" && (importPath === dir || importPath.endsWith(`/${dir}`));
    const dirs: string[] = [];
    for (let d = dir, depth = 0; depth <= MAX_DEPTH; d = dirname(d), depth++) {
      dirs.push(d);
      if (d === root || d === "") break;
    }
    const cmd = root === "" ? "cmd" : `${root}/cmd`;
    for (const file of index.filesUnder(cmd, 200)) if (!dirs.includes(dirname(file))) dirs.push(dirname(file));
    const out = new Set<string>();
    for (const d of dirs) {
      const files = index
        .filesIn(d)
        .filter((p) => p.endsWith(".go") && p !== path && !isIgnoredForCodeContracts(p))
        .slice(0, FILES_PER_DIR);
      for (const file of files) {
        const text = await ctx.text(side, file);
        if (text === undefined || !text.includes(registrar)) continue;
        const src = codeSource(file, text);
        if (!src) continue;
        const qualifier = d === dir ? undefined : goImports(src).find((i) => importsPackage(i.path))?.name;
        if (d !== dir && qualifier === undefined) continue;
        for (const call of goRegistrarCalls(src, qualifier, registrar)) {
          if (call.prefix === undefined) return undefined;
          const outer = call.via ? await prefixes(side, file, call.via, chain + 1) : [""];
          if (outer === undefined) return undefined;
          for (const p of outer) out.add(joinPath(p, call.prefix));
        }
      }
    }
    return out.size === 0 ? [""] : [...out];
  };

  return { prefixes: (side, path, registrar) => prefixes(side, path, registrar) };
}
