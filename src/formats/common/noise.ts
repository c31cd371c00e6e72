/**
 * Files that on their own never make a change architecturally relevant: prose, tests, lockfiles,
 * vendored code and plain version bumps. Triggers skip them so a README edit or a Dependabot PR stays quiet.
 */
import type { PatchLine } from "../../engine/patch.js";
import { basename, extension } from "./paths.js";

const dirCache = new Map<string, readonly string[]>();

/** Lower-case directory names of `path` (cached: every trigger asks about the same few thousand paths). */
function lowerDirs(path: string): readonly string[] {
  let dirs = dirCache.get(path);
  if (!dirs) {
    if (dirCache.size > 50_000) dirCache.clear();
    const parts = path.toLowerCase().split("/");
    parts.pop();
    dirs = parts;
    dirCache.set(path, dirs);
  }
  return dirs;
}

const DOC_EXTENSIONS = new Set([
  "md",
  "mdx",
  "markdown",
  "rst",
  "adoc",
  "asciidoc",
  "txt",
  "png",
  "jpg",
  "jpeg",
  "gif",
  "svg",
  "webp",
  "drawio",
  "puml",
]);
const DOC_NAMES =
  /^(readme|changelog|changes|history|license|licence|notice|authors|contributors|contributing|code_of_conduct|security|codeowners|copying)(\.(md|markdown|txt|rst|adoc))?$/i;
const DOC_DIRS = new Set(["docs", "doc", "documentation", "website", "site-docs", "adr", "adrs", "rfcs", "rfc"]);

/**
 * Prose and pictures: README/CHANGELOG/LICENSE…, *.md/*.rst/*.adoc, images, and anything under a docs
 * directory. Plain *.txt only counts as prose under a docs directory or with a prose name
 * (requirements.txt and Helm's NOTES.txt are not documentation).
 */
export function isDocumentation(path: string): boolean {
  const name = basename(path);
  if (DOC_NAMES.test(name)) return true;
  if (lowerDirs(path).some((d) => DOC_DIRS.has(d))) return true;
  const ext = extension(path);
  if (ext === "txt") return false;
  return DOC_EXTENSIONS.has(ext);
}

const TEST_DIRS = new Set([
  "test",
  "tests",
  "__tests__",
  "__test__",
  "__mocks__",
  "testdata",
  "test-data",
  "test_data",
  "testfixtures",
  "fixtures",
  "__fixtures__",
  "__snapshots__",
  "e2e",
  "integration-tests",
  "integration_tests",
  "it",
  "cypress",
  "playwright",
  "testing",
  "spec-fixtures",
  "mocks",
]);
const TEST_FILE = [
  /\.(test|spec|e2e)\.[cm]?[jt]sx?$/i,
  /_test\.(go|py|rb|exs?|dart)$/,
  /^test_.*\.py$/,
  /^conftest\.py$/,
  /_spec\.rb$/,
  /(Test|Tests|IT|Spec)\.(java|kt|scala|groovy|cs|swift)$/,
];

/** Test code and test data (including manifests and specs kept only for tests). */
export function isTest(path: string): boolean {
  const name = basename(path);
  if (TEST_FILE.some((re) => re.test(name))) return true;
  const dirs = lowerDirs(path);
  if (dirs.some((d) => TEST_DIRS.has(d))) return true;
  // RSpec keeps tests in spec/, but spec/ also often holds API specifications: only Ruby files there are tests.
  return dirs.includes("spec") && extension(path) === "rb";
}

const EXAMPLE_DIRS = new Set(["example", "examples", "sample", "samples", "demo", "demos", "quickstart", "quickstarts", "playground", "sandbox"]);
const VENDOR_DIRS = new Set([
  "vendor",
  "vendored",
  "node_modules",
  "third_party",
  "third-party",
  "thirdparty",
  "bower_components",
  ".yarn",
  "site-packages",
  "dist",
  "generated",
  "__generated__",
]);

/** Sample and demo material: manifests and specs there show users how to do something, they are not the system. */
export function isExample(path: string): boolean {
  return lowerDirs(path).some((d) => EXAMPLE_DIRS.has(d));
}

/** Where GOPATH-style dependency trees live: godep's `Godeps/_workspace`, a checked-in `.gopath`/`_vendor`. */
const GOPATH_ROOTS = /^(godeps|_workspace|\.?_?gopath|_vendor)$/;
/** A Go import path's host (`github.com`, `golang.org`, `gopkg.in`, `k8s.io`). */
const IMPORT_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/;

/**
 * Vendored, generated or built output, including GOPATH-style trees of other repositories
 * (`Godeps/_workspace/src/github.com/<owner>/<repo>/…`, `.gopath/src/golang.org/x/…`). A `src/<host>/`
 * tree elsewhere is not assumed vendored: Kubernetes keeps its own modules in `staging/src/k8s.io/`.
 */
export function isVendored(path: string): boolean {
  const dirs = lowerDirs(path);
  if (dirs.some((d) => VENDOR_DIRS.has(d))) return true;
  if (dirs.includes("godeps")) return true;
  const src = dirs.indexOf("src");
  return src > 0 && GOPATH_ROOTS.test(dirs[src - 1]!) && IMPORT_HOST.test(dirs[src + 1] ?? "");
}

/** Recorded HTTP exchanges (VCR, vcrpy, Betamax cassettes), fixtures and test data, and snapshot folders. */
const RECORDED_DIRS = new Set([
  "cassettes",
  "vcr_cassettes",
  "__recordings__",
  "fixtures",
  "__fixtures__",
  "testdata",
  "test-data",
  "test_data",
  "testfixtures",
  "spec-fixtures",
  "__snapshots__",
]);

/**
 * Files no rule judges, whatever they contain: test recordings, fixtures and test data, snapshots, and vendored or
 * generated trees. The Kubernetes rules, the migration rules and the size check skip them before reading them
 * (a 2 MB cassette of YAML is no manifest), so one that cannot be read is a note, never a gap in the gate.
 */
export function isNeverJudged(path: string): boolean {
  if (isVendored(path)) return true;
  if (lowerDirs(path).some((d) => RECORDED_DIRS.has(d))) return true;
  return extension(path) === "snap";
}

/** Development-only environments (dev containers, editor and repo-tooling config). */
export function isDevTooling(path: string): boolean {
  const dirs = lowerDirs(path);
  return dirs.includes(".devcontainer") || dirs.includes(".vscode") || dirs.includes(".idea") || dirs.includes(".husky");
}

/** True for any file the built-in triggers never look at: docs, tests, examples, vendored code, lockfiles, dev tooling. */
export function isNoise(path: string): boolean {
  return isDocumentation(path) || isTest(path) || isExample(path) || isVendored(path) || isLockfile(path) || isDevTooling(path);
}

const LOCKFILES = new Set([
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lockb",
  "bun.lock",
  "gemfile.lock",
  "cargo.lock",
  "go.sum",
  "go.work.sum",
  "poetry.lock",
  "pipfile.lock",
  "composer.lock",
  "uv.lock",
  "pdm.lock",
  "mix.lock",
  "packages.lock.json",
  "gradle.lockfile",
  "flake.lock",
  ".terraform.lock.hcl",
  "podfile.lock",
  "pubspec.lock",
  "package.resolved",
  "conan.lock",
  "chart.lock",
  "requirements.lock",
  "deno.lock",
]);

export function isLockfile(path: string): boolean {
  return LOCKFILES.has(basename(path).toLowerCase());
}

const MANIFESTS = new Set([
  "package.json",
  "go.mod",
  "pom.xml",
  "build.gradle",
  "build.gradle.kts",
  "pyproject.toml",
  "setup.py",
  "setup.cfg",
  "pipfile",
  "cargo.toml",
  "gemfile",
  "composer.json",
  "mix.exs",
  "deno.json",
  "build.sbt",
  "pubspec.yaml",
  "project.clj",
]);

/** A package/build manifest that declares a unit of code (package.json, go.mod, pom.xml, Cargo.toml, *.csproj…). */
export function isPackageManifest(path: string): boolean {
  const name = basename(path).toLowerCase();
  return MANIFESTS.has(name) || /\.(csproj|fsproj|vbproj)$/.test(name) || /^requirements(-[\w.-]+)?\.txt$/.test(name);
}

/**
 * Versions, digests and commit hashes: what a dependency bump changes. A dotted version glued to a name
 * (`/usr/local/lib/python3.12/`) is one too: it follows the base image's version.
 */
const VERSION_TOKEN =
  /\b[0-9a-f]{40}\b|\b[0-9a-f]{64}\b|\bv?\d+(?:\.\d+)+(?:[-+.][0-9A-Za-z.-]+)?\b|\bv\d+\b|(?<=[@:~^])\d+\b|(?<=[A-Za-z])\d+(?:\.\d+)+\b/g;
/** `@sha256:<digest>` pins, added to or removed from an image reference. */
const DIGEST_PIN = /@sha256:[0-9a-f]{64}/g;
/** Lines whose whole value is a reference to something versioned elsewhere (image, chart, tag, ref). */
const REFERENCE_LINE = /^(\s*-?\s*["']?(image|repository|registry|tag|newTag|newName|digest|version|appVersion|ref|rev|sha)["']?\s*[:=])\s*(\S.*)$/;
/** Reference keys whose value names an image: a new value is a bump only if it names the same image. */
const IMAGE_KEYS = new Set(["image", "newName", "repository"]);
const IMAGE_NAME_LINE = /^(\s*-?\s*name\s*:)\s*["']?([\w.-]+(?::\d+)?\/[\w./-]+(?::[\w.-]+)?)["']?\s*$/;
const DOCKER_FROM = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(\s+AS\s+\S+)?\s*$/i;
/** An image reference: [registry[:port]/]path/name[:tag][@digest]. */
const IMAGE_REFERENCE = /^[\w.-]+(?::\d+)?(?:\/[\w.-]+)*(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$/i;

/**
 * The name an image reference runs, without registry, organisation, tag and digest: `postgres` for
 * `docker.io/library/postgres:18-alpine`, `adservice` for `us-central1-docker.pkg.dev/google-samples/
 * microservices-demo/adservice:v0.10.5`. Moving an image to another registry or organisation keeps its
 * name (a mirror); `pgautoupgrade/pgautoupgrade` -> `postgres` is another image. Undefined for values that are
 * not a literal image reference (templates, variables, URLs).
 */
export function imageName(reference: string): string | undefined {
  const value = reference
    .trim()
    .replace(/\s+#.*$/, "")
    .replace(/^["']|["']$/g, "");
  if (!IMAGE_REFERENCE.test(value)) return undefined;
  const path = value.replace(/@sha256:[0-9a-f]+$/i, "");
  const name = path.slice(path.lastIndexOf("/") + 1);
  return name.replace(/:[\w.-]+$/, "").toLowerCase();
}

/** True unless both values are image references naming different images. */
function sameImage(before: string, after: string): boolean {
  const a = imageName(before);
  const b = imageName(after);
  return a === undefined || b === undefined || versionless(a) === versionless(b);
}

/** IPv4 addresses and CIDR blocks look like four-part versions but are network configuration. */
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?\b/g;

function versionless(text: string): string {
  // Trailing comments carry the human-readable version of a pinned digest (`uses: x@<sha> # v4.1.0`).
  return text
    .replace(DIGEST_PIN, "")
    .replace(IPV4, (ip) => ip.replace(/\./g, "_"))
    .replace(VERSION_TOKEN, "#")
    .replace(/\s+/g, " ")
    .trim();
}

/** A line with any reference value masked (`image: <ref postgres>`), for comparing reordered documents. */
function referenceless(text: string): string {
  const ref = REFERENCE_LINE.exec(text);
  if (ref) return `${ref[1]!.trim()} <ref${IMAGE_KEYS.has(ref[2]!) ? ` ${imageName(ref[3]!) ?? ""}` : ""}>`;
  const named = IMAGE_NAME_LINE.exec(text);
  return named ? `${named[1]!.trim()} <ref ${imageName(named[2]!) ?? ""}>` : versionless(text);
}

/** Dockerfile lines that mean the same: instruction keywords are case-insensitive, `ENV k v` is `ENV k=v`. */
function dockerfileLine(text: string): string {
  return text
    .trim()
    .replace(/^(\w+)/, (k) => k.toUpperCase())
    .replace(/\s+as\s+(\S+)\s*$/i, " AS $1")
    .replace(/^(ENV|LABEL|ARG)\s+([\w.-]+)\s+(?!=)(.*)$/, "$1 $2=$3")
    .replace(/\s+/g, " ");
}

function sameButForReferences(before: string, after: string): boolean {
  const a = REFERENCE_LINE.exec(before);
  const b = REFERENCE_LINE.exec(after);
  // An image reference is bumped only when it still names the same image (tag, digest or registry moved).
  if (a && b && a[1] === b[1]) return !IMAGE_KEYS.has(a[2]!) || sameImage(a[3]!, b[3]!);
  if (versionless(before) === versionless(after)) return true;
  // Kustomize `images: - name: registry/path/image`: the image being replaced, a reference too.
  const na = IMAGE_NAME_LINE.exec(before);
  const nb = IMAGE_NAME_LINE.exec(after);
  if (na && nb && na[1] === nb[1]) return sameImage(na[2]!, nb[2]!);
  // FROM <image> AS <stage>: a new reference to the same base image for the same stage.
  const fa = DOCKER_FROM.exec(before);
  const fb = DOCKER_FROM.exec(after);
  return fa !== null && fb !== null && (fa[2] ?? "").toLowerCase() === (fb[2] ?? "").toLowerCase() && sameImage(fa[1]!, fb[1]!);
}

/**
 * True when a modification only changes version numbers, digests, image references or commit pins
 * (a Dependabot/Renovate or release bump), or rewrites Dockerfile lines in an equivalent spelling:
 * every removed line has an added line that is the same once those are masked.
 */
export function isVersionBumpOnly(removed: readonly PatchLine[], added: readonly PatchLine[]): boolean {
  const significant = (lines: readonly PatchLine[]) => lines.map((l) => l.text).filter((t) => t.trim() !== "");
  const before = significant(removed);
  const after = significant(added);
  if (before.length === 0 || before.length !== after.length) return false;
  const pairwise = before.every((text, i) => {
    const other = after[i]!;
    if (text === other) return false;
    return sameButForReferences(text, other) || dockerfileLine(text) === dockerfileLine(other);
  });
  if (pairwise) return true;
  // Documents reordered (a regenerated release manifest) with only references bumped: same lines, new order.
  const sortedBefore = before.map(referenceless).sort();
  const sortedAfter = after.map(referenceless).sort();
  return sortedBefore.every((text, i) => text === sortedAfter[i]);
}

/** Comments and human-readable descriptions: lines that document configuration without changing it. */
const DOC_LINE = /^\s*(#|\/\/|\/\*|\*|--|<!--)|^\s*-?\s*["']?description["']?\s*[:=]/;

/** True when every line a modification adds or removes is a comment or a description. */
export function isCommentOrDescriptionOnly(removed: readonly PatchLine[], added: readonly PatchLine[]): boolean {
  const lines = [...removed, ...added].filter((l) => l.text.trim() !== "");
  return lines.length > 0 && lines.every((l) => DOC_LINE.test(l.text));
}
