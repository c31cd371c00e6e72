import type { ArchgateConfig } from "../config/schema.js";
import type { Change } from "../engine/change.js";
import { review, type EngineOptions } from "../engine/engine.js";
import type { Report } from "../engine/types.js";
import { githubChange, type PullRequestSnapshot } from "./change-source.js";
import { loadRepoConfig, type LoadedConfig } from "./config.js";
import { previewConfigChange } from "./config-preview.js";
import { describeApiError, type Octokit } from "./octokit.js";

/** A pull request head evaluated: its report under the default branch's config, or that config's errors. */
export type Evaluation =
  | { ok: true; config: ArchgateConfig; report: Report; configPreview?: string }
  | { ok: false; invalidConfig: Extract<LoadedConfig, { ok: false }> };

export interface EvaluationOptions {
  /** Content reads in flight at once. */
  concurrency?: number;
  /** Registry overrides (tests). */
  engine?: EngineOptions;
}

/**
 * Evaluates one pull request head from the GitHub API: loads the config maintainers set (the default
 * branch's, see config.ts), reads the Change, runs the engine and, when the PR edits the config, previews
 * what the PR's own config would change. Reads only; nothing is written.
 */
export async function evaluatePullRequest(octokit: Octokit, pr: PullRequestSnapshot, options: EvaluationOptions = {}): Promise<Evaluation> {
  const repoRef = { owner: pr.owner, repo: pr.repo };
  const loaded = await loadRepoConfig(octokit, repoRef);
  if (!loaded.ok) return { ok: false, invalidConfig: loaded };
  const config = loaded.config;
  const change = await githubChange(octokit, pr, { concurrency: options.concurrency ?? 8 });
  const report = await runEngine(change, config, options.engine);

  let configPreview: string | undefined;
  try {
    // The config as it would be once merged: the PR's own file at its head, following `_extends`.
    configPreview = await previewConfigChange(
      change,
      report,
      () => loadRepoConfig(octokit, repoRef, pr.headSha),
      (proposed) => runEngine(change, proposed, options.engine),
    );
  } catch (error) {
    configPreview = `The config this pull request proposes could not be previewed: ${describeApiError(error)}.`;
  }
  return { ok: true, config, report, ...(configPreview ? { configPreview } : {}) };
}

/** The GitHub side's one call into the engine: the review and the config preview both go through it. */
function runEngine(change: Change, config: ArchgateConfig, engine: EngineOptions | undefined): Promise<Report> {
  return review(change, config, engine);
}
