import { createHash } from "node:crypto";
import { LineCounter, parse as parseYaml, parseDocument } from "yaml";
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
  let files: ConfigFile[];
  try {
    files = await configFiles(octokit, { owner, repo, path, ...(branch ? { branch } : {}) });
  } catch (error) {
    // The lookup says only "invalid YAML": re-read the text to say where.
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

  const found = files.filter((f) => f.config !== null);
  const sources = found.map((f) => `${f.owner}/${f.repo}:${f.path}`);
  if (found.length === 0) return { ok: true, config: defaults(), sources };
  // The same files (by their blob shas) make the same config: validated once per process. (A JSON config
  // file has no text to hash here, and is validated each time.)
  const key = found.every((f) => f.sha) ? found.map((f) => `${f.owner}/${f.repo}:${f.path}@${f.sha}`).join("\n") : undefined;
  const cached = key === undefined ? undefined : validatedConfigs.get(key);
  if (cached) return { ok: true, config: cached, sources };
  // Mappings merge key by key, lists replace: the repository's own file over the org's, over what they extend.
  const merged = found
    .map((f) => f.config!)
    .reverse()
    .reduce<Record<string, unknown>>((acc, c) => mergeConfig(acc, c), {});
  try {
    const config = deepFreeze(validateConfig(merged));
    if (key !== undefined) remember(validatedConfigs, key, config);
    return { ok: true, config, sources };
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

/** One config file of the lookup: `config` null when the file does not exist. */
interface ConfigFile {
  owner: string;
  repo: string;
  path: string;
  url: string;
  config: Readonly<Record<string, unknown>> | null;
  /** The git blob sha of the file's text (computed here: the raw contents API does not send it). */
  sha?: string;
}

/** Entries each cache keeps (the oldest is forgotten first): config files are small, repositories many. */
const CACHE_ENTRIES = 1_000;
/** Parsed config files by the git blob sha of their text: an unchanged file is parsed once per process. */
const parsedFiles = new Map<string, Readonly<Record<string, unknown>>>();
/** Validated configs by the files they were made of (path and blob sha of each, in lookup order). */
const validatedConfigs = new Map<string, ArchgateConfig>();
let defaultsOnce: ArchgateConfig | undefined;

/** The config of a repository without a config file, made and frozen once. */
function defaults(): ArchgateConfig {
  return (defaultsOnce ??= deepFreeze(defaultConfig()));
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
}

/** Shared between events, so nobody may change it: a write throws instead of leaking into the next review. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Git's blob id of a text: sha1 of "blob <bytes>\0" and the bytes. */
export function blobSha(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

const SUPPORTED_FILE_EXTENSIONS = ["json", "yml", "yaml"];
const EXTENDS = /^(?:([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})\/)?([-_.\w\d]+)(?::([-_./\w\d]+\.ya?ml))?$/i;

/**
 * The config files of a repository, as Probot's `context.config` finds them (@probot/octokit-plugin-config,
 * whose lookup and messages this follows): `path` in the repository at `branch` (default branch when
 * unset), else in the owner's `.github` repository, then the chain of `_extends` (`[owner/]repo[:path]`,
 * read from default branches). What differs: a file's parse is cached by its blob sha, and the parsed
 * mappings are shared, so they are frozen and `_extends` is left out of a copy instead of deleted.
 */
export async function configFiles(
  octokit: Octokit,
  { owner, repo, path, branch }: { owner: string; repo: string; path: string; branch?: string },
): Promise<ConfigFile[]> {
  const requested = await configFile(octokit, { owner, repo, path, ...(branch ? { ref: branch } : {}) });
  const files = [requested];
  if (!requested.config) {
    if (repo === ".github") return files;
    files.push(await configFile(octokit, { owner, repo: ".github", path }));
  }
  const last = files.at(-1)!;
  if (!last.config?._extends) return files;
  let target = extendsTarget(owner, path, last.url, last.config._extends);
  last.config = withoutExtends(last.config);
  for (;;) {
    const extended = await configFile(octokit, target);
    files.push(extended);
    if (!extended.config?._extends) return files;
    target = extendsTarget(owner, path, extended.url, extended.config._extends);
    extended.config = withoutExtends(extended.config);
    const alreadyLoaded = files.find((f) => f.owner === target.owner && f.repo === target.repo && f.path === target.path);
    if (alreadyLoaded) {
      // The plugin's message, word for word (it names `_extends` after deleting it, hence "undefined").
      throw new Error(
        `[@probot/octokit-plugin-config] Recursion detected. Ignoring  "_extends: undefined" from ${extended.url} because ${alreadyLoaded.url} was already loaded.`,
      );
    }
  }
}

function withoutExtends(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { _extends: _followed, ...own } = config;
  return own;
}

function extendsTarget(owner: string, path: string, url: string, extendsValue: unknown): { owner: string; repo: string; path: string } {
  if (typeof extendsValue !== "string") {
    throw new Error(`[@probot/octokit-plugin-config] Invalid value ${JSON.stringify(extendsValue)} for _extends in ${url}`);
  }
  const match = EXTENDS.exec(extendsValue);
  if (match === null) throw new Error(`[@probot/octokit-plugin-config] Invalid value "${extendsValue}" for _extends in ${url}`);
  return { owner: match[1] || owner, repo: match[2]!, path: match[3] || path };
}

async function configFile(
  octokit: Octokit,
  { owner, repo, path, ref }: { owner: string; repo: string; path: string; ref?: string },
): Promise<ConfigFile> {
  const extension = path.split(".").pop()!.toLowerCase();
  if (!SUPPORTED_FILE_EXTENSIONS.includes(extension)) {
    throw new Error(`[@probot/octokit-plugin-config] .${extension} extension is not support for configuration (path: "${path}")`);
  }
  const endpoint = {
    method: "GET",
    url: "/repos/{owner}/{repo}/contents/{path}",
    owner,
    repo,
    path,
    mediaType: { format: "raw" },
    ...(ref ? { ref } : {}),
  } as const;
  // The file's URL is for messages and `_extends`, which only a file that exists has: a missing one (most
  // repositories, twice an event) does not pay for expanding it.
  let expanded: string | undefined;
  const missing: ConfigFile = {
    owner,
    repo,
    path,
    get url() {
      return (expanded ??= octokit.request.endpoint(endpoint).url);
    },
    config: null,
  };
  let data: unknown;
  let headers: Record<string, string | number | undefined>;
  try {
    ({ data, headers } = await octokit.request(endpoint));
  } catch (error) {
    if (statusOf(error) === 404) return missing;
    throw error;
  }
  if (headers["content-type"] === "application/json; charset=utf-8") {
    throw new Error(`[@probot/octokit-plugin-config] ${missing.url} exists, but is either a directory or a submodule. Ignoring.`);
  }
  if (extension === "json") {
    if (typeof data === "string")
      throw new Error(`[@probot/octokit-plugin-config] Configuration could not be parsed from ${missing.url} (invalid JSON)`);
    return { ...missing, config: data as Record<string, unknown> };
  }
  const text = typeof data === "string" ? data : undefined;
  const sha = text === undefined ? undefined : blobSha(text);
  let config = sha === undefined ? undefined : parsedFiles.get(sha);
  if (config === undefined) {
    let parsed: unknown;
    try {
      parsed = parseYaml(data as string, { logLevel: "error" }) || {};
    } catch (error) {
      throw new Error(`[@probot/octokit-plugin-config] Configuration could not be parsed from ${missing.url} (invalid YAML)`, { cause: error });
    }
    if (typeof parsed === "string") {
      throw new Error(`[@probot/octokit-plugin-config] Configuration could not be parsed from ${missing.url} (YAML is not an object)`);
    }
    config = deepFreeze(parsed as Record<string, unknown>);
    if (sha !== undefined) remember(parsedFiles, sha, config);
  }
  return { ...missing, config, ...(sha ? { sha } : {}) };
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
