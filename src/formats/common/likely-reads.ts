import type { ChangedFile, ContentRequest } from "../../engine/change.js";
import { isDocumentation, isLockfile } from "./noise.js";
import { extension } from "./paths.js";

/** More than this many announced reads and a big PR would fetch content no detector wants. */
export const PREFETCH_LIMIT = 600;

/** Never text a detector reads: media, archives, compiled output, fonts. */
const OPAQUE_EXTENSIONS = new Set([
  "png",
  "jpg",
  "jpeg",
  "gif",
  "webp",
  "ico",
  "bmp",
  "tiff",
  "psd",
  "mp3",
  "mp4",
  "mov",
  "wav",
  "ogg",
  "webm",
  "pdf",
  "zip",
  "gz",
  "tgz",
  "bz2",
  "xz",
  "7z",
  "tar",
  "jar",
  "war",
  "whl",
  "so",
  "dll",
  "dylib",
  "exe",
  "bin",
  "class",
  "pyc",
  "woff",
  "woff2",
  "ttf",
  "otf",
  "eot",
  "map",
  "snap",
]);

/** Source code: the code rules read it at head only (base versions are read only when a patch is missing). */
const CODE_EXTENSIONS = new Set([
  "ts",
  "tsx",
  "mts",
  "cts",
  "js",
  "jsx",
  "mjs",
  "cjs",
  "py",
  "go",
  "java",
  "kt",
  "kts",
  "scala",
  "groovy",
  "rb",
  "cs",
  "fs",
  "php",
  "rs",
  "swift",
  "c",
  "cc",
  "cpp",
  "h",
  "hpp",
  "m",
  "ex",
  "exs",
  "erl",
  "dart",
  "lua",
  "clj",
  "vue",
  "svelte",
]);

/**
 * The content reads a review will most likely make, announced before detection so a source can fetch
 * them together (the GitHub source asks for a hundred blobs per GraphQL request instead of one REST
 * request per file). Only a guess: a read outside it still works, just on its own. Head versions of every
 * file a detector may look at; base versions of everything but source code (triggers and rules compare
 * specs, manifests and infra files with their previous version).
 */
export function likelyReads(files: readonly ChangedFile[], limit = PREFETCH_LIMIT): ContentRequest[] {
  const reads: ContentRequest[] = [];
  for (const file of files) {
    if (file.binary || isDocumentation(file.path) || isLockfile(file.path) || OPAQUE_EXTENSIONS.has(extension(file.path))) continue;
    if (file.status !== "removed") reads.push({ side: "head", path: file.path });
    if (file.status !== "added" && !CODE_EXTENSIONS.has(extension(file.path))) reads.push({ side: "base", path: file.previousPath ?? file.path });
    if (reads.length >= limit) break;
  }
  return reads.slice(0, limit);
}
