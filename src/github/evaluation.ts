import type { ArchgateConfig } from "../config/schema.js";
import { openChangeReview } from "../builtins.js";
import type { EngineModules, Report } from "../engine/types.js";
import type { ExistingComment } from "./comment.js";
import { githubChange, type PullRequestSnapshot } from "./change-source.js";
import type { CommitReads } from "./commit-reads.js";
import { loadRepoConfig, type LoadedConfig } from "./config.js";
import { previewConfigChange } from "./config-preview.js";
import { describeApiError, type Octokit } from "./octokit.js";

/** A pull request head evaluated: its report under the default branch's config, or that config's errors. */
export type Evaluation =
  | { ok: true; config: ArchgateConfig; report: Report; configPreview?: string; existingComment?: ExistingComment | null }
  | { ok: false; invalidConfig: Extract<LoadedConfig, { ok: false }> };

export interface EvaluationOptions {
  /** Content reads in flight at once. */
  concurrency?: number;
  /** Triggers and rules to run instead of the built-in ones (tests). */
  engine?: Partial<EngineModules>;
  /** The config file's path in the repository (default `.github/archgate.yml`; the Action's `config` input). */
  configPath?: string;
  /** What earlier reviews in this process read at the same commits (the App's, commit-reads.ts). */
  commitReads?: CommitReads;
}

/**
 * Evaluates one pull request head from the GitHub API: loads the config maintainers set (the default
 * branch's, see config.ts), reads the Change, runs the engine and, when the PR edits the config, previews
 * what the PR's own config would change. Reads only; nothing is written.
 */
export async function evaluatePullRequest(octokit: Octokit, pr: PullRequestSnapshot, options: EvaluationOptions = {}): Promise<Evaluation> {
  const repoRef = { owner: pr.owner, repo: pr.repo };
  const loaded = await loadRepoConfig(octokit, repoRef, undefined, options.configPath);
  if (!loaded.ok) return { ok: false, invalidConfig: loaded };
  const config = loaded.config;
  const change = await githubChange(octokit, pr, {
    concurrency: options.concurrency ?? 8,
    ...(options.commitReads ? { commitReads: options.commitReads } : {}),
  });
  // The gate's config and the one the PR proposes evaluate the same change: its files are read and parsed once.
  const evaluate = openChangeReview(change, options.engine);
  const report = await evaluate(config);

  let configPreview: string | undefined;
  try {
    // The config as it would be once merged: the PR's own file at its head, following `_extends`.
    configPreview = await previewConfigChange(change, report, () => loadRepoConfig(octokit, repoRef, pr.headSha, options.configPath), evaluate);
  } catch (error) {
    configPreview = `The config this pull request proposes could not be previewed: ${describeApiError(error)}.`;
  }
  return { ok: true, config, report, ...(configPreview ? { configPreview } : {}) };
}
