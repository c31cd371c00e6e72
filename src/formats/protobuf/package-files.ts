import { posix } from "node:path";
import type { Side } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { extension } from "../common/paths.js";
import type { ProtoImport } from "./protobuf.js";

/** Most sibling .proto files read to assemble one package. */
const MAX_PACKAGE_FILES = 50;
const PACKAGE = /^\s*package\s+([\w.]+)\s*;/m;

/**
 * The file and its siblings in the same directory that declare the same package: compared together, so a
 * message moved to another file of the package (a common split) is not a removal.
 */
export async function packageFiles(ctx: ReviewView, side: Side, path: string, text: string): Promise<ProtoImport[]> {
  const pkg = PACKAGE.exec(text)?.[1] ?? "";
  const dir = posix.dirname(path);
  const siblings = (await ctx.paths(side)).filter((p) => p !== path && extension(p) === "proto" && posix.dirname(p) === dir);
  const files: ProtoImport[] = [{ name: path, text }];
  for (const sibling of siblings.slice(0, MAX_PACKAGE_FILES)) {
    const other = await ctx.text(side, sibling);
    if (other !== undefined && (PACKAGE.exec(other)?.[1] ?? "") === pkg) files.push({ name: sibling, text: other });
  }
  return files;
}

const IMPORT = /^\s*import\s+(?:public\s+|weak\s+)?["']([^"']+)["']\s*;/gm;

/** Imports of a package's files found in the same tree (relative to the repository root or to the file); never outside it. */
export async function protoImports(ctx: ReviewView, side: Side, files: readonly ProtoImport[]): Promise<ProtoImport[]> {
  const paths = new Set(await ctx.paths(side));
  const own = new Set(files.map((f) => f.name));
  const out: ProtoImport[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    for (const match of file.text.matchAll(IMPORT)) {
      const name = match[1]!;
      if (name.startsWith("google/protobuf/")) continue;
      const candidates = [posix.normalize(name), posix.normalize(posix.join(posix.dirname(file.name), name))].filter(
        (p) => !p.startsWith("../") && !p.startsWith("/"),
      );
      const found = candidates.find((p) => paths.has(p));
      if (!found || own.has(found) || seen.has(found)) continue;
      seen.add(found);
      const imported = await ctx.text(side, found);
      if (imported !== undefined) out.push({ name, text: imported });
      if (out.length >= 50) return out;
    }
  }
  return out;
}
