/**
 * Shared by the benchmark scripts: finding a public repository's mirror on disk, running a command
 * with a bounded number in flight, and reading the hand-labelled commit sets.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export interface LabelledCommit {
  repository: string;
  commit: string;
  parent: string;
  expected: string[];
  why: string;
}

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const LABEL_SETS = ["labels.json", "labels-holdout.json", "labels-holdout-2.json", "labels-holdout-3.json", "labels-holdout-4.json"].map(
  (name) => join(ROOT, "bench", "accuracy", name),
);

export function readLabels(file: string): LabelledCommit[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { commits: LabelledCommit[] }).commits;
}

/**
 * Repositories are found in <mirrors-dir> as `owner+name/repo`, `owner+name`, `owner/name`, `name` or
 * `name.git` (bare or work tree), or through a JSON mapping file { "owner/name": "/path/to/repo" }.
 */
export function repositoryLocator(source: string): (repository: string) => string | undefined {
  const path = resolve(source);
  if (existsSync(path) && statSync(path).isFile()) {
    const mapping = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    return (repository) => (mapping[repository] ? resolve(mapping[repository]) : undefined);
  }
  return (repository) => {
    const [owner, name] = repository.split("/") as [string, string];
    const candidates = [
      join(path, `${owner}+${name}`, "repo"),
      join(path, `${owner}+${name}`),
      join(path, owner, name),
      join(path, name),
      join(path, `${name}.git`),
    ];
    return candidates.find((c) => existsSync(c));
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node <args>` and resolves with its exit code and output (never rejects). */
export function runNode(args: string[], options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      args,
      { maxBuffer: 512 * 1024 * 1024, timeout: options.timeoutMs ?? 300_000, cwd: options.cwd, env: options.env },
      (error, stdout, stderr) => {
        const code = typeof child.exitCode === "number" ? child.exitCode : error ? 2 : 0;
        done({ code, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, limit) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}
