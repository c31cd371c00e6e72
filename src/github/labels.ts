import type { ArchgateConfig } from "../config/schema.js";
import type { Report } from "../engine/types.js";
import { REVIEW_TYPE_IDS, type ReviewTypeId } from "../engine/vocabulary.js";
import { statusOf, type Octokit, type RepoRef } from "./octokit.js";

const LABEL_COLOR = "5319e7";

export function labelName(config: ArchgateConfig, type: ReviewTypeId): string {
  return config.labels.names[type] ?? `${config.labels.prefix}${type}`;
}

export interface LabelPlan {
  add: string[];
  remove: string[];
}

/**
 * Labels to add and remove so the PR carries exactly one label per required review type. Only labels
 * archgate manages (one of the review-type names) are ever removed.
 */
export function planLabels(config: ArchgateConfig, report: Report, current: readonly string[]): LabelPlan {
  if (!config.labels.enabled) return { add: [], remove: [] };
  const managed = new Set(REVIEW_TYPE_IDS.map((t) => labelName(config, t)));
  const wanted = new Set(report.reviewTypes.map((t) => labelName(config, t.id)));
  return {
    add: [...wanted].filter((l) => !current.includes(l)),
    remove: current.filter((l) => managed.has(l) && !wanted.has(l)),
  };
}

/**
 * Labels this process has seen exist (created, or refused as existing), so a busy repository is not asked
 * to create the same labels on every pull request. Bounded: the oldest entries go first. If someone
 * deletes a label meanwhile, adding it to a PR recreates it (without our colour and description).
 */
export class KnownLabels {
  private readonly names = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  has(repoRef: RepoRef, name: string): boolean {
    return this.names.has(KnownLabels.key(repoRef, name));
  }

  add(repoRef: RepoRef, name: string): void {
    const key = KnownLabels.key(repoRef, name);
    this.names.delete(key);
    this.names.add(key);
    if (this.names.size > this.capacity) this.names.delete(this.names.values().next().value!);
  }

  // Label names, owners and repository names are all case-insensitive on GitHub.
  private static key({ owner, repo }: RepoRef, name: string): string {
    return `${owner}/${repo}\0${name}`.toLowerCase();
  }
}

/** Applies a plan; labels that do not exist yet are created first with a colour and a description. */
export async function applyLabels(
  octokit: Octokit,
  { owner, repo }: RepoRef,
  issueNumber: number,
  plan: LabelPlan,
  descriptions: Record<string, string> = {},
  known?: KnownLabels,
): Promise<void> {
  for (const name of plan.add) {
    if (known?.has({ owner, repo }, name)) continue;
    try {
      await octokit.rest.issues.createLabel({
        owner,
        repo,
        name,
        color: LABEL_COLOR,
        description: (descriptions[name] ?? "Architecture review required").slice(0, 100),
      });
    } catch (error) {
      if (statusOf(error) !== 422) throw error; // 422: it exists already
    }
    known?.add({ owner, repo }, name);
  }
  if (plan.add.length > 0) await octokit.rest.issues.addLabels({ owner, repo, issue_number: issueNumber, labels: plan.add });
  for (const name of plan.remove) {
    try {
      await octokit.rest.issues.removeLabel({ owner, repo, issue_number: issueNumber, name });
    } catch (error) {
      if (statusOf(error) !== 404) throw error; // someone removed it meanwhile
    }
  }
}
