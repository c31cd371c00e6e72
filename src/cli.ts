#!/usr/bin/env node
/**
 * The `archgate` command: the same engine as the GitHub App, run on two revisions of a git repository.
 *
 *   archgate check --repo DIR --base REV --head REV [--config FILE] [--format markdown|json|sarif]
 *
 * Exit codes: 0 success, 1 a hard constraint failed, 2 the review could not run.
 */
import { readFileSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CONFIG_PATH } from "./config/path.js";
import type { ProbotOctokit } from "probot";
import type { ArchgateConfig } from "./config/schema.js";
import type { ModuleEvent, ParseEvent } from "./engine/change.js";
import type { EngineModules, Report } from "./engine/types.js";
import { noteText } from "./engine/types.js";
import { applyCliV8Settings } from "./bin/v8-flags.js";
import { archgateVersion } from "./project.js";
import { GitError, GitRepository, openGitChange } from "./sources/git.js";

// The composition root pulls in every rule; it is imported only when a review runs, so that --help,
// --version and usage errors answer at once (and the renderer only for markdown output).
const loadEngine = () => import("./builtins.js");

export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
export const EXIT_ERROR = 2;

export const USAGE = `Usage: archgate check [--repo DIR] [--base REV] [--head REV] [--config FILE] [--description FILE]
                      [--format markdown|json|sarif]

Reviews the change from BASE to HEAD of a git repository (a work tree or a bare repository) like a
pull request: the files are the diff from merge-base(BASE, HEAD) to HEAD.

Options:
  --repo DIR        the repository (default: the current directory)
  --head REV        the revision under review (default: HEAD)
  --base REV        the revision it is compared with, e.g. origin/main (default: the first parent of --head)
  --config FILE     the config file to use (default: .github/archgate.yml at the --base revision, else built-in defaults);
                    an \`_extends: ./base.yml\` in it is followed (a local path; another repository is an error)
  --description FILE  the pull request description (e.g. with its migration plan; - for stdin)
                    (default: the body of the head commit's message)
  --format FORMAT   markdown, json, or sarif (SARIF 2.1.0, for code scanning) (default: markdown)
  --repo-url URL    the repository's web address (e.g. https://github.com/owner/repo): the markdown links
                    each finding's file:line to the file at --head
  -h, --help        show this help
  -v, --version     show the version

Exit codes: 0 no hard constraint failed, 1 a hard constraint failed, 2 the review could not run
(usage, config or analysis error).

Other commands (each with --help):
  archgate pr <owner/repo#N | URL>   review a live pull request through the GitHub API
  archgate backtest                  what the gate would have done to past changes of a repository
  archgate init                      write a starter .github/archgate.yml and workflow
`;

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** The triggers and rules to run instead of the built-in ones (tests only). */
  engine?: Partial<EngineModules>;
  /** Environment for `archgate pr` (GITHUB_TOKEN, GITHUB_API_URL); default process.env. */
  env?: Record<string, string | undefined>;
  /** The Octokit class `archgate pr` uses (tests: one without retries). */
  Octokit?: typeof ProbotOctokit;
  /** A progress bar on stderr (`archgate backtest`), when stderr is a terminal. */
  progress?: boolean;
}

const defaultIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  progress: process.stderr.isTTY === true,
  // `npm run archgate -- check --repo .` runs in the package directory; npm keeps the caller's in INIT_CWD.
  cwd: (process.env.npm_lifecycle_event === "archgate" && process.env.INIT_CWD) || process.cwd(),
};

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
const CHECK_OPTIONS = {
  repo: { type: "string" },
  base: { type: "string" },
  head: { type: "string" },
  config: { type: "string" },
  description: { type: "string" },
  format: { type: "string" },
  "repo-url": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

export async function run(argv: string[], io: CliIO = defaultIO): Promise<number> {
  const command = argv[0];
  if (command === "pr") {
    const { runPr } = await import("./commands/pr.js");
    return runPr(argv.slice(1), {
      stdout: io.stdout,
      stderr: io.stderr,
      env: io.env ?? process.env,
      ...(io.Octokit ? { Octokit: io.Octokit } : {}),
      ...(io.engine ? { engine: io.engine } : {}),
      render: (report, format, repoUrl) => renderReport(report, format, io.engine, repoUrl),
    });
  }
  if (command === "backtest") {
    const { runBacktest } = await import("./commands/backtest.js");
    return runBacktest(argv.slice(1), {
      stdout: io.stdout,
      stderr: io.stderr,
      cwd: io.cwd,
      progress: io.progress ?? false,
      check: (options) => check({ ...options, ...(io.engine ? { engine: io.engine } : {}) }),
    });
  }
  if (command === "init") {
    const [{ runInit }, { parseConfig }] = await Promise.all([import("./commands/init.js"), loadEngine()]);
    return runInit(argv.slice(1), { stdout: io.stdout, stderr: io.stderr, cwd: io.cwd, parseConfig });
  }
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: typeof CHECK_OPTIONS }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: CHECK_OPTIONS });
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_SUCCESS;
  }
  if (values.version) {
    io.stdout(`${version()}\n`);
    return EXIT_SUCCESS;
  }
  if (positionals.length === 0) return usageError(io, "missing command (check, pr, backtest or init)");
  if (positionals[0] !== "check") return usageError(io, `unknown command "${positionals[0]}"`);
  if (positionals.length > 1) return usageError(io, `unexpected argument "${positionals[1]}"`);
  const format = values.format ?? "markdown";
  if (format !== "json" && format !== "markdown" && format !== "sarif") {
    return usageError(io, `--format must be markdown, json or sarif, not "${format}"`);
  }
  for (const name of ["repo", "base", "head", "config", "repo-url"] as const) {
    if (values[name] === "") return usageError(io, `--${name} needs a value`);
  }

  try {
    const report = await check({
      repo: resolve(io.cwd, values.repo ?? "."),
      base: values.base,
      head: values.head ?? "HEAD",
      configFile: values.config,
      descriptionFile: values.description,
      cwd: io.cwd,
      engine: io.engine,
    });
    const repoUrl = values["repo-url"];
    io.stdout(await renderReport(report, format, io.engine, repoUrl));
    return report.conclusion === "success" ? EXIT_SUCCESS : report.conclusion === "failure" ? EXIT_FAILURE : EXIT_ERROR;
  } catch (error) {
    if (error instanceof Error && error.name === "ConfigError") {
      io.stderr(`${error.message}\n`);
    } else if (error instanceof GitError || error instanceof CliError) {
      io.stderr(`archgate: ${error.message}\n`);
    } else {
      io.stderr(`archgate: the review could not run: ${(error as Error).stack ?? String(error)}\n`);
    }
    return EXIT_ERROR;
  }
}

class CliError extends Error {}

/** The report as the CLI prints it. */
export async function renderReport(
  report: Report,
  format: "markdown" | "json" | "sarif",
  engine?: Partial<EngineModules>,
  repoUrl?: string,
): Promise<string> {
  // A token committed as part of a path must not be printed with it.
  const { redactTokens } = await import("./formats/source/secrets.js");
  if (format === "markdown") {
    const { renderComment } = await import("./render/markdown.js");
    return redactTokens(renderComment(report, { maxLength: Infinity, ...(repoUrl ? { repoUrl } : {}) }));
  }
  if (format === "json") return redactTokens(`${JSON.stringify(reportJson(report), null, 2)}\n`);
  return redactTokens(`${JSON.stringify(await sarifLog(report, engine), null, 2)}\n`);
}

/** SARIF 2.1.0 for a report (see src/report-sarif.ts). */
export async function sarifLog(report: Report, engine?: Partial<EngineModules>): Promise<Record<string, unknown>> {
  return (await import("./report-sarif.js")).sarifLog(report, engine);
}

export interface CheckOptions {
  repo: string;
  /** Default: the first parent of head. */
  base?: string;
  head: string;
  /** A config file on disk; default: CONFIG_PATH at the base revision. */
  configFile?: string | undefined;
  /** A file holding the pull request's description (default: the head commit message's body). */
  descriptionFile?: string | undefined;
  cwd: string;
  engine?: Partial<EngineModules>;
}

/** Reads config and change from git, runs the engine. Throws ConfigError, GitError or CliError. */
export async function check(options: CheckOptions): Promise<Report> {
  const { repo } = options;
  try {
    realpathSync(repo);
  } catch {
    throw new CliError(`--repo ${repo}: no such directory`);
  }
  // Loading the engine's modules takes a few hundred milliseconds of this thread: git works meanwhile.
  const engine = loadEngine();
  engine.catch(() => undefined); // awaited below unless git fails first
  // One `git cat-file` process answers the revisions, the config, the commit and the blobs.
  const repository = new GitRepository(repo);
  try {
    return await checkIn(repository, options, engine);
  } finally {
    repository.close();
  }
}

async function checkIn(repository: GitRepository, options: CheckOptions, engine: ReturnType<typeof loadEngine>): Promise<Report> {
  const repo = repository.dir;
  const revisions = await repository.resolveRevisions(options.head, options.base);
  const head = revisions.head;
  if (revisions.base === undefined) throw new CliError(`${options.head} has no parent commit: give --base`);
  const base = revisions.base;

  const configRun = loadConfig(engine, repository, base, options.configFile, options.cwd);
  // The revisions as given (they resolve to the same commits), so git messages name what the user typed.
  // The listing and the patches start now; only the size limit waits for the config.
  const changeRun = openGitChange({
    repo,
    repository,
    base: options.base ?? base,
    head: options.head,
    commits: { base, head },
    maxBytes: configRun.then((c) => c.limits.maxFileBytes),
  });
  changeRun.catch(() => undefined); // awaited once the config is known to be valid (its errors come first)
  const config = await configRun;
  const change = await changeRun;
  if (options.descriptionFile !== undefined) {
    // The PR body, e.g. with a migration plan section, as the App would read it.
    (change as { description?: string | undefined }).description = readDescription(options.descriptionFile, options.cwd);
  }
  const trace = process.env.ARCHGATE_TRACE_PARSES ? traceParses(change) : undefined;
  const timing = process.env.ARCHGATE_TIMING ? timeModules(change) : undefined;
  const { reviewChange } = await engine;
  const report = await reviewChange(change, config, options.engine);
  trace?.();
  timing?.();
  if (change.mergeBase !== base) {
    report.notes.push({
      kind: "info",
      message: `the change is compared with ${change.mergeBase.slice(0, 12)}, the merge base of ${base.slice(0, 12)} and ${head.slice(0, 12)}`,
    });
  }
  return report;
}

/**
 * ARCHGATE_TRACE_PARSES=1: which module asked first for each file the review read and for each YAML or JSON file
 * it parsed, printed to stderr when the review ends (files and characters per module, then the largest parses).
 * Diagnostics only.
 */
function traceParses(change: { traceParse?: (event: ParseEvent) => void }): () => void {
  const events: ParseEvent[] = [];
  change.traceParse = (event) => events.push(event);
  return () => {
    const lines: string[] = [];
    for (const kind of ["read", "parse"] as const) {
      const ofKind = events.filter((e) => e.kind === kind);
      const byAsker = new Map<string, { files: number; bytes: number }>();
      for (const e of ofKind) {
        const entry = byAsker.get(e.asker) ?? { files: 0, bytes: 0 };
        entry.files++;
        entry.bytes += e.bytes;
        byAsker.set(e.asker, entry);
      }
      const what = kind === "read" ? "file reads" : "YAML/JSON parses";
      lines.push(`archgate: ${ofKind.length} ${what}, ${ofKind.reduce((n, e) => n + e.bytes, 0)} characters; by the module that asked first:`);
      for (const [asker, { files, bytes }] of [...byAsker].sort((a, b) => b[1].bytes - a[1].bytes || a[0].localeCompare(b[0])))
        lines.push(`  ${asker}: ${files} files, ${bytes} characters`);
    }
    lines.push("largest parses:");
    for (const e of events
      .filter((x) => x.kind === "parse")
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 15))
      lines.push(`  ${e.bytes} ${e.side}:${e.path} (${e.asker})`);
    // ARCHGATE_TRACE_PARSES=all: every event, one a line.
    if (process.env.ARCHGATE_TRACE_PARSES === "all") for (const e of events) lines.push(`  ${e.kind} ${e.side}:${e.path} ${e.bytes} (${e.asker})`);
    process.stderr.write(`${lines.join("\n")}\n`);
  };
}

/**
 * ARCHGATE_TIMING=1: the time each trigger and rule took, printed to stderr when the review ends, longest first (as
 * ESLint's TIMING). Diagnostics only.
 */
function timeModules(change: { traceModule?: (event: ModuleEvent) => void }): () => void {
  const events: ModuleEvent[] = [];
  change.traceModule = (event) => events.push(event);
  return () => process.stderr.write(moduleTimingTable(events));
}

/** The table ARCHGATE_TIMING prints: one line a trigger or rule, longest first, with its share of their sum. */
export function moduleTimingTable(events: readonly ModuleEvent[]): string {
  const total = events.reduce((sum, e) => sum + e.ms, 0);
  const rows = [...events].sort((a, b) => b.ms - a.ms || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
  const width = Math.max(0, ...rows.map((e) => `${e.kind} ${e.id}`.length));
  const lines = [`archgate: time per trigger and rule (wall clock, the reads each was first to ask for included): ${Math.round(total)} ms in all`];
  for (const e of rows) {
    const share = total > 0 ? ((100 * e.ms) / total).toFixed(1) : "0.0";
    lines.push(`  ${`${e.kind} ${e.id}`.padEnd(width)}  ${String(Math.round(e.ms)).padStart(6)} ms  ${share.padStart(5)} %`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `--config FILE`, else CONFIG_PATH at the base revision (never the head: a change cannot relax its own gate).
 * `_extends` is followed when it names a local file: on disk next to FILE, or in the base revision next to
 * CONFIG_PATH; one that names another repository is a config error at its line.
 */
async function loadConfig(
  engine: ReturnType<typeof loadEngine>,
  repository: GitRepository,
  base: string,
  configFile: string | undefined,
  cwd: string,
): Promise<ArchgateConfig> {
  let text: string;
  let reader: import("./config/extends.js").ExtendsReader;
  const file = configFile ?? CONFIG_PATH;
  if (configFile !== undefined) {
    text = readConfigFile(configFile, cwd);
    reader = {
      read: async (target, from) => {
        const path = isAbsolute(target) ? target : resolve(cwd, dirname(from), target);
        try {
          return { text: readFileSync(path, "utf8"), file: relative(cwd, path) || path };
        } catch {
          return undefined;
        }
      },
    };
  } else {
    const bytes = await repository.readFile(base, CONFIG_PATH);
    if (bytes === undefined) return (await engine).defaultConfig();
    text = bytes.toString("utf8");
    reader = {
      read: async (target, from) => {
        const path = posix.normalize(target.startsWith("/") ? target.slice(1) : posix.join(posix.dirname(from), target));
        if (path.startsWith("../")) return undefined;
        const found = await repository.readFile(base, path);
        return found === undefined ? undefined : { text: found.toString("utf8"), file: path };
      },
    };
  }
  const { parseConfig, validateConfig } = await engine;
  if (!/^_extends\s*:/m.test(text)) return parseConfig(text, file);
  const { resolveExtends } = await import("./config/extends.js");
  return validateConfig(await resolveExtends(text, file, reader, parseConfig), file);
}

function readDescription(file: string, cwd: string): string {
  try {
    return readFileSync(file === "-" ? 0 : isAbsolute(file) ? file : resolve(cwd, file), "utf8");
  } catch (error) {
    throw new CliError(`--description ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
}

function readConfigFile(configFile: string, cwd: string): string {
  try {
    return readFileSync(isAbsolute(configFile) ? configFile : resolve(cwd, configFile), "utf8");
  } catch (error) {
    throw new CliError(`--config ${configFile}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
}

/** The JSON output (schemaVersion 1, documented in README "The archgate command"; internal fields such as trigger hits and finding keys left out). */
export function reportJson(report: Report) {
  return {
    schemaVersion: report.schemaVersion,
    base: report.base,
    head: report.head,
    triggers: report.triggers.map((t) => ({ id: t.id, title: t.title, files: t.files, reason: t.reason })),
    reviewTypes: report.reviewTypes,
    checklist: report.checklist,
    findings: report.findings.map((f) => ({
      id: f.id,
      rule: f.rule,
      title: f.title,
      severity: f.severity,
      category: f.category,
      file: f.file,
      line: f.line ?? null,
      ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
      ...(f.baseLine !== undefined ? { baseLine: f.baseLine } : {}),
      message: f.message,
      ...(f.remediation !== undefined ? { remediation: f.remediation } : {}),
      waived: f.waived,
      ...(f.waiver ? { waiver: { by: f.waiver.by, at: f.waiver.at, reason: f.waiver.reason, until: f.waiver.until ?? null } } : {}),
    })),
    conclusion: report.conclusion,
    notes: report.notes.map(noteText),
    problems: report.problems,
  };
}

function usageError(io: CliIO, message: string): number {
  io.stderr(`archgate: ${message}\n\n${USAGE}`);
  return EXIT_ERROR;
}

function version(): string {
  return archgateVersion();
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * Runs the command with `argv` and sets the process's exit code: what the `archgate` bin calls (src/bin/launch.ts
 * runs the CLI's bundle and calls this), and what this module does when run itself (`tsx src/cli.ts`).
 */
export function main(argv: readonly string[]): Promise<void> {
  applyCliV8Settings();
  return run([...argv])
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`archgate: ${(error as Error).stack ?? String(error)}\n`);
        process.exitCode = EXIT_ERROR;
      },
    )
    .finally(exitIfLeftOpen);
}

/** How long a finished command waits for what it opened to close before it exits anyway. */
export const EXIT_GRACE_MS = 10_000;

/**
 * Every command is done once `run` returns: its report is written and its exit code set. Something it left open (a
 * git process, a socket) would keep the process, and a CI job or the Action waiting on it, alive forever: after a
 * grace period it exits, saying so. The timer holds nothing open itself, and output still being written waits.
 */
function exitIfLeftOpen(): void {
  const check = () => {
    if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) {
      setTimeout(check, 200).unref();
      return;
    }
    process.stderr.write("archgate: the command had finished but something it opened was still open; exiting\n");
    process.exit();
  };
  setTimeout(check, EXIT_GRACE_MS).unref();
}

if (invokedDirectly()) void main(process.argv.slice(2));
