import { LineCounter, parseDocument } from "yaml";
import { defaultConfig, parseConfig, validateConfig } from "../builtins.js";
import { mergeConfig } from "../config/extends.js";
import { CONFIG_PATH, ConfigError, type ConfigIssue } from "../config/load.js";
import type { ArchgateConfig } from "../config/schema.js";
import { statusOf, type Octokit, type RepoRef } from "./octokit.js";

export type LoadedConfig =
  | {
      ok: true;
      config: ArchgateConfig;
      /** Where it came from, e.g. ["acme/api:.github/archgate.yml", "acme/.github:.github/archgate.yml"]; empty for defaults. */
      sources: string[];
    }
  | {
      ok: false;
      error: ConfigError;
      /** The file the issues point into, and whether it lives in the PR's repository (annotations need that). */
      file: { owner: string; repo: string; path: string };
      inRepository: boolean;
    };

/**
 * The config maintainers set: `.github/archgate.yml` (or `path`) on the default branch, else the org's `.github`
 * repository, following `_extends` (Probot's @probot/octokit-plugin-config, the same lookup as
 * `context.config`). Nested mappings merge; lists replace rather than concatenate, so a repo's list
 * overrides the org's. Validation errors point at the file and line.
 */
export async function loadRepoConfig(octokit: Octokit, { owner, repo }: RepoRef, branch?: string, path = CONFIG_PATH): Promise<LoadedConfig> {
  let result: Awaited<ReturnType<Octokit["config"]["get"]>>;
  try {
    result = await octokit.config.get({
      owner,
      repo,
      path,
      ...(branch ? { branch } : {}),
      defaults: (configs: Record<string, unknown>[]) => configs.reduce<Record<string, unknown>>((acc, c) => mergeConfig(acc, c), {}),
    });
  } catch (error) {
    // The plugin says only "invalid YAML": re-read the text to say where.
    const located = /Configuration could not be parsed from (\S+)/.exec((error as Error).message ?? "");
    if (!located) throw error;
    const file = fileFromUrl(located[1]!) ?? { owner, repo, path };
    const text = await readRaw(octokit, file, file.owner === owner && file.repo === repo ? branch : undefined);
    try {
      parseConfig(text ?? "", displayName(file, owner, repo));
    } catch (parseError) {
      if (parseError instanceof ConfigError) return { ok: false, error: parseError, file, inRepository: file.owner === owner && file.repo === repo };
    }
    throw error;
  }

  const found = result.files.filter((f) => f.config !== null);
  const sources = found.map((f) => `${f.owner}/${f.repo}:${f.path}`);
  if (found.length === 0) return { ok: true, config: defaultConfig(), sources };
  try {
    return { ok: true, config: validateConfig(result.config), sources };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Positions: each issue in the first file (own, org, then what they extend) that sets its key; the
    // merged config no longer says where a key came from.
    const own = found[0]!;
    const inRepository = own.owner === owner && own.repo === repo;
    const located = await locateIssues(octokit, error, found, { owner, repo }, branch);
    return { ok: false, error: located ?? relabel(error, displayName(own, owner, repo)), file: own, inRepository };
  }
}

async function locateIssues(
  octokit: Octokit,
  error: ConfigError,
  files: ReadonlyArray<{ owner: string; repo: string; path: string }>,
  { owner, repo }: RepoRef,
  branch: string | undefined,
): Promise<ConfigError | undefined> {
  const parsed = await Promise.all(
    files.map(async (file) => {
      const inRepository = file.owner === owner && file.repo === repo;
      const text = await readRaw(octokit, file, inRepository ? branch : undefined);
      if (text === undefined) return undefined;
      const lineCounter = new LineCounter();
      const doc = parseDocument(text, { lineCounter, prettyErrors: false });
      try {
        // Each file validated on its own: an issue of the merged config shows up in the file that set the key.
        validateConfig(doc.toJS() ?? {}, displayName(file, owner, repo), doc, lineCounter);
      } catch (located) {
        if (located instanceof ConfigError) return { doc, issues: located.issues };
      }
      return { doc, issues: [] as ConfigIssue[] };
    }),
  );
  if (parsed.every((p) => p === undefined)) return undefined;
  const issues = error.issues.map((issue) => {
    const path = issue.key ? issue.key.split(".") : [];
    for (const entry of parsed) {
      if (!entry?.doc.hasIn(path)) continue;
      const match = entry.issues.find((i) => i.key === issue.key && i.message === issue.message);
      if (match) return match;
    }
    const fallback = parsed.find((p) => p !== undefined)!;
    return fallback.issues.find((i) => i.key === issue.key && i.message === issue.message) ?? { ...issue, file: displayName(files[0]!, owner, repo) };
  });
  return new ConfigError(issues);
}

export { mergeConfig };

function relabel(error: ConfigError, file: string): ConfigError {
  return new ConfigError(error.issues.map((i): ConfigIssue => ({ ...i, file })));
}

function displayName(file: { owner: string; repo: string; path: string }, owner: string, repo: string): string {
  return file.owner === owner && file.repo === repo ? file.path : `${file.owner}/${file.repo}:${file.path}`;
}

function fileFromUrl(url: string): { owner: string; repo: string; path: string } | undefined {
  const match = /\/repos\/([^/]+)\/([^/]+)\/contents\/([^?]+)/.exec(url);
  if (!match) return undefined;
  return { owner: decodeURIComponent(match[1]!), repo: decodeURIComponent(match[2]!), path: decodeURIComponent(match[3]!) };
}

/** Raw text of a file (default branch unless `ref`), undefined when it does not exist. */
export async function readRaw(octokit: Octokit, file: { owner: string; repo: string; path: string }, ref?: string): Promise<string | undefined> {
  try {
    const response = await octokit.rest.repos.getContent({
      owner: file.owner,
      repo: file.repo,
      path: file.path,
      ...(ref ? { ref } : {}),
      mediaType: { format: "raw" },
    });
    const data: unknown = response.data;
    if (typeof data === "string") return data;
    if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
    return undefined;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}
