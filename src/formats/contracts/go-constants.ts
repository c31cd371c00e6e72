/**
 * Exported string constants of the Go packages a file imports from its own module (`kafka.Topic` from
 * `github.com/acme/shop/src/checkout/kafka`), read from the tree at one side of the change. Bounded: only
 * the packages a file names an unread topic through, only the package's own directory (its non-test .go
 * files, at most a dozen), each package read once per review and side.
 */
import type { Side } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { dirname, pathIndex } from "../common/paths.js";
import { codeSource, type CodeSource } from "../source/code-model.js";
import { goExportedStrings, goImports, goModulePath, goPackageDir } from "../source/go-packages.js";

/** Files of one package read for its constants. */
const FILES_PER_PACKAGE = 12;

/**
 * Values of `qualified` names (`kafka.Topic`) that packages of the file's own module declare at `side`; names of
 * packages outside the module, or not declared as a string there, are left out.
 */
export async function importedGoConstants(ctx: ReviewView, side: Side, src: CodeSource, qualified: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (qualified.length === 0) return out;
  const index = pathIndex(await ctx.paths(side));
  const moduleDir = index.nearestWith(dirname(src.path), ["go.mod"]);
  if (moduleDir === undefined) return out;
  const goMod = await ctx.text(side, moduleDir === "" ? "go.mod" : `${moduleDir}/go.mod`);
  const modulePath = goMod === undefined ? undefined : goModulePath(goMod);
  if (!modulePath) return out;
  const imports = goImports(src);
  const packages = ctx.memo("contracts:go-package-constants", () => new Map<string, Promise<Map<string, string>>>());
  for (const name of qualified) {
    const [alias, constant] = name.split(".");
    const imported = imports.find((i) => i.name === alias);
    const dir = imported && goPackageDir(imported.path, modulePath, moduleDir);
    if (dir === undefined || constant === undefined) continue;
    const key = `${side}\0${dir}`;
    let declared = packages.get(key);
    if (!declared) {
      declared = packageStrings(ctx, side, index.filesIn(dir));
      packages.set(key, declared);
    }
    const value = (await declared).get(constant);
    if (value !== undefined) out.set(name, value);
  }
  return out;
}

async function packageStrings(ctx: ReviewView, side: Side, files: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of files.filter((p) => p.endsWith(".go") && !p.endsWith("_test.go")).slice(0, FILES_PER_PACKAGE)) {
    const text = await ctx.text(side, path);
    const src = text === undefined ? undefined : codeSource(path, text);
    if (!src) continue;
    for (const [name, value] of goExportedStrings(src)) if (!out.has(name)) out.set(name, value);
  }
  return out;
}
