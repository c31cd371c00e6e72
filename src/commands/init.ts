/**
 * `archgate init`: looks at a repository (service directories and their deploy definitions, API and event
 * specs, migrations, CODEOWNERS, catalog files) and writes a commented starter `.github/archgate.yml` with
 * what it found, and `.github/workflows/archgate.yml` running the Action. Never overwrites without --force;
 * the config it writes is validated before anything is written.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { isCatalogPath, isServiceMarker } from "../formats/services/markers.js";
import { migrationFramework } from "../formats/migrations/frameworks.js";

const run = promisify(execFile);

export const INIT_USAGE = `Usage: archgate init [--repo DIR] [--force] [--dry-run]

Inspects the repository's files at HEAD and writes a commented starter .github/archgate.yml (services with
their paths and the tables their migrations create, the API and event specs and migrations it found) and
.github/workflows/archgate.yml running the archgate Action on pull requests.

Options:
  --repo DIR   the repository's work tree (default: the current directory)
  --force      overwrite files that exist
  --dry-run    print what would be written, write nothing
  -h, --help   show this help
`;

export interface InitIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** The config validator of the composition root (src/builtins.ts), passed by src/cli.ts. */
  parseConfig: (text: string, file: string) => unknown;
  /** SQL texts of tracked files, for the tables a service's migrations create. */
  readFile?: (path: string) => Promise<string | undefined>;
}

export interface Inspection {
  services: { name: string; dir: string; markers: string[]; tables: string[]; migrations: string[] }[];
  specs: { path: string; kind: string }[];
  migrations: { framework: string; dirs: string[]; files: number }[];
  codeowners?: string;
  catalogs: string[];
}

const IGNORED = /(^|\/)(node_modules|vendor|third_party|\.[^/]+|test|tests|__tests__|testdata|fixtures|examples?|docs?|e2e|hack)(\/|$)/i;
const SERVICE_ROOTS = /^(services|apps|cmd|svc|microservices|backend)\/[^/]+$/;
const SPEC_NAME = /(^|\/)(openapi|swagger|asyncapi)[^/]*\.(ya?ml|json)$/i;

function specKind(path: string): string | undefined {
  if (/\.proto$/.test(path)) return "Protobuf";
  if (/\.(graphql|graphqls|gql)$/.test(path)) return "GraphQL";
  if (/\.avsc$/.test(path)) return "Avro";
  const m = SPEC_NAME.exec(path);
  if (m) return m[2]!.toLowerCase() === "asyncapi" ? "AsyncAPI" : "OpenAPI";
  return undefined;
}

export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** Tables created by a SQL migration (CREATE TABLE [IF NOT EXISTS] [schema.]name). */
export function createdTables(sql: string): string[] {
  const out: string[] = [];
  for (const m of sql.matchAll(/create\s+table\s+(?:if\s+not\s+exists\s+)?((?:["`\w]+\.)?["`\w]+)/gi)) {
    const name = m[1]!.replace(/["`]/g, "").split(".").at(-1)!.toLowerCase();
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export async function inspect(paths: readonly string[], read: (path: string) => Promise<string | undefined>): Promise<Inspection> {
  const relevant = paths.filter((p) => !IGNORED.test(p));
  // A service: a directory under a services root with a Dockerfile or package manifest, or any directory with a Dockerfile.
  const serviceDirs = new Map<string, string[]>();
  for (const p of relevant) {
    // Go's convention: one main package per command under cmd/<name>/.
    const goCommand = /^cmd\/[^/]+\/main\.go$/.test(p);
    if (!isServiceMarker(p) && !goCommand) continue;
    const dir = dirname(p);
    if (dir === ".") continue;
    const root = dir.split("/").slice(0, 2).join("/");
    const owner = SERVICE_ROOTS.test(root) ? root : /(^|\/)Dockerfile[^/]*$/.test(p) ? dir : undefined;
    if (!owner) continue;
    serviceDirs.set(owner, [...(serviceDirs.get(owner) ?? []), p.slice(owner.length + 1)]);
  }
  const migrationFiles = relevant.filter((p) => migrationFramework(p) !== undefined);
  const services: Inspection["services"] = [];
  const names = new Set<string>();
  const sorted = [...serviceDirs].sort((a, b) => a[0].localeCompare(b[0]));
  for (const [dir, markers] of sorted) {
    // A Dockerfile inside a service's folder is that service's, not another service.
    if (sorted.some(([other]) => other !== dir && dir.startsWith(`${other}/`))) continue;
    let name = kebab(dir.split("/").at(-1)!);
    if (!name || names.has(name)) name = kebab(dir);
    if (!name || names.has(name)) continue;
    names.add(name);
    const migrations = migrationFiles.filter((m) => m.startsWith(`${dir}/`));
    const tables: string[] = [];
    for (const m of migrations.filter((f) => f.endsWith(".sql")).slice(0, 200)) {
      for (const t of createdTables((await read(m)) ?? "")) if (!tables.includes(t)) tables.push(t);
    }
    services.push({ name, dir, markers: markers.slice(0, 3), tables: tables.sort(), migrations });
  }
  const specs = relevant.flatMap((p) => {
    const kind = specKind(p);
    return kind ? [{ path: p, kind }] : [];
  });
  const byFramework = new Map<string, Set<string>>();
  const counts = new Map<string, number>();
  for (const m of migrationFiles) {
    const framework = migrationFramework(m)!;
    byFramework.set(framework, (byFramework.get(framework) ?? new Set()).add(migrationRoot(m)));
    counts.set(framework, (counts.get(framework) ?? 0) + 1);
  }
  const codeowners = ["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"].find((p) => paths.includes(p));
  return {
    services,
    specs,
    migrations: [...byFramework].map(([framework, dirs]) => ({ framework, dirs: [...dirs].sort(), files: counts.get(framework)! })),
    ...(codeowners ? { codeowners } : {}),
    catalogs: paths.filter((p) => isCatalogPath(p)),
  };
}

function list<T>(items: readonly T[], max: number, show: (t: T) => string, more = (n: number) => `…and ${n} more`): string[] {
  return [...items.slice(0, max).map(show), ...(items.length > max ? [more(items.length - max)] : [])];
}

/** Where a migration lives, up to its migrations folder (Prisma and Alembic keep one folder per migration). */
function migrationRoot(path: string): string {
  const parts = path.split("/");
  const i = parts.findIndex((p) => /^(migrations?|migrate|versions|changelog|db)$/i.test(p));
  return i >= 0 ? parts.slice(0, i + 1).join("/") : dirname(path);
}

export function starterConfig(found: Inspection, date: string): string {
  const y = (s: string) => JSON.stringify(s);
  const lines = [
    `# archgate configuration, started by \`archgate init\` on ${date} from what it found in this repository.`,
    "# Every key is optional; the reference is docs/configuration.md (https://github.com/archgate/archgate/blob/main/docs/configuration.md).",
    "# The config is read from the default branch: a pull request cannot relax its own gate.",
    "#",
    "# What archgate found:",
    `#   services: ${found.services.length === 0 ? "none (no Dockerfile or package manifest under services/, apps/, cmd/ …)" : found.services.length}`,
    ...list(
      found.specs,
      12,
      (s) => `#   ${s.kind} spec: ${s.path}`,
      (n) => `#   …and ${n} more specs`,
    ),
    ...(found.specs.length === 0 ? ["#   API and event specs: none found by name (openapi*.yaml, asyncapi*.yaml, *.proto, *.graphql, *.avsc)"] : []),
    ...found.migrations.map((m) => `#   ${m.framework} migrations: ${m.files} file(s) in ${list(m.dirs, 3, (d) => d).join(", ")}`),
    ...(found.migrations.length === 0 ? ["#   migrations: none found"] : []),
    `#   CODEOWNERS: ${found.codeowners ?? "none (service-ownership then asks every new service for an owner)"}`,
    ...(found.catalogs.length > 0 ? [`#   catalog files: ${list(found.catalogs, 5, (c) => c).join(", ")}`] : []),
    "",
  ];
  if (found.services.length > 0) {
    lines.push(
      "# The services of this repository: the paths that are each one's (its code and migrations) and the tables it owns.",
      "# cross-service-data-access flags a migration or query of one service touching another's tables.",
      "# Tables were read from CREATE TABLE statements in each service's SQL migrations; add the ones ORMs create.",
      "services:",
    );
    for (const s of found.services) {
      lines.push(`  ${s.name}:`, `    paths: [${y(`${s.dir}/**`)}]`);
      if (s.tables.length > 0) lines.push(`    tables: [${s.tables.map(y).join(", ")}]`);
      else lines.push(`    # tables: []   # none found in SQL migrations under ${s.dir}/`);
      lines.push(`    # owner: "@org/team"   # found from: ${s.markers.join(", ")}`);
    }
    lines.push("");
  } else {
    lines.push(
      "# services:            # the services of a monorepo, e.g.",
      "#   orders:",
      '#     paths: ["services/orders/**"]',
      '#     tables: ["orders"]',
      "",
    );
  }
  lines.push(
    "# Hard constraints: `error` fails the check, `warning` only reports, `off` turns a rule off.",
    "# Start with warnings while the team gets used to the review, then make them errors.",
    "rules:",
    "  breaking-api-change: error",
    "  destructive-migration: error",
    "  plaintext-secret: error",
    "  # k8s-resource-limits: warning",
    "",
    "# A section with this heading in the PR description declares a migration plan for a breaking change.",
    "migrationPlan:",
    '  heading: "Migration plan"',
    "",
    "# Paths no trigger or rule looks at (generated code, vendored specs).",
    "ignorePaths:",
    "  append: []",
    "",
  );
  // A path may hold any character: no comment line may end early.
  return lines.map((l) => (l.trimStart().startsWith("#") ? l.replace(/[\r\n]+/g, " ") : l)).join("\n");
}

export const WORKFLOW = `# Architecture review of every pull request (archgate, https://github.com/archgate/archgate).
name: archgate
on:
  pull_request:
    types: [opened, synchronize, reopened, edited, ready_for_review]
permissions:
  contents: read
  pull-requests: write
  issues: write
  checks: write
  security-events: write
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - id: archgate
        uses: archgate/archgate@v0
        with:
          fail-on: error
          sarif: archgate.sarif
      - if: always() && hashFiles('archgate.sarif') != ''
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: archgate.sarif
          category: archgate
`;

export async function runInit(argv: string[], io: InitIO): Promise<number> {
  let values: { repo?: string; force?: boolean; "dry-run"?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { repo: { type: "string" }, force: { type: "boolean" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    io.stderr(`archgate: ${(error as Error).message}\n\n${INIT_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(INIT_USAGE);
    return 0;
  }
  const repo = resolve(io.cwd, values.repo ?? ".");
  let paths: string[];
  try {
    // The tracked files at HEAD (a bare repository works too, with --dry-run).
    const { stdout } = await run("git", ["-C", repo, "ls-tree", "-r", "-z", "--name-only", "HEAD"], { maxBuffer: 512 * 1024 * 1024 });
    paths = stdout.split("\0").filter(Boolean);
  } catch (error) {
    io.stderr(`archgate: --repo ${repo}: not a git repository with a commit (${((error as { stderr?: string }).stderr ?? "").trim()})\n`);
    return 2;
  }
  const bare = (await run("git", ["-C", repo, "rev-parse", "--is-bare-repository"])).stdout.trim() === "true";
  if (bare && !values["dry-run"]) {
    io.stderr(`archgate: --repo ${repo} is a bare repository: nothing to write to (use --dry-run to see the files)\n`);
    return 2;
  }
  const read =
    io.readFile ??
    (async (path: string) => {
      try {
        const { stdout } = await run("git", ["-C", repo, "show", `HEAD:${path}`], { maxBuffer: 16 * 1024 * 1024 });
        return stdout;
      } catch {
        return undefined;
      }
    });
  const found = await inspect(paths, read);
  const config = starterConfig(found, new Date().toISOString().slice(0, 10));
  // What init writes must be a valid config: a failure here is archgate's bug, and nothing is written.
  io.parseConfig(config, ".github/archgate.yml");
  const files = [
    { path: ".github/archgate.yml", text: config },
    { path: ".github/workflows/archgate.yml", text: WORKFLOW },
  ];
  const existing = files.filter((f) => existsSync(join(repo, f.path)));
  if (existing.length > 0 && !values.force && !values["dry-run"]) {
    io.stderr(
      `archgate: ${existing.map((f) => f.path).join(" and ")} already exist${existing.length === 1 ? "s" : ""}: nothing written (--force overwrites)\n`,
    );
    return 1;
  }
  for (const f of files) {
    if (values["dry-run"]) {
      io.stdout(`--- ${f.path}\n${f.text}`);
      continue;
    }
    mkdirSync(dirname(join(repo, f.path)), { recursive: true });
    writeFileSync(join(repo, f.path), f.text);
    io.stderr(`archgate: wrote ${f.path}\n`);
  }
  io.stderr(
    `archgate: found ${found.services.length} service(s), ${found.specs.length} spec(s), ${found.migrations.reduce((n, m) => n + m.files, 0)} migration file(s)${found.codeowners ? `, ${found.codeowners}` : ""}\n`,
  );
  return 0;
}
