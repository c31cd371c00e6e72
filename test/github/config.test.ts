import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { blobSha, configFiles, loadRepoConfig } from "../../src/github/config.js";
import { FakeGitHub } from "./fake-github.js";
import { startTestApp, type TestApp } from "./harness.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(new FakeGitHub());
});
afterAll(() => t.close());

let commits = 0;
/** Sets the default branch of `repo` (under acme/) to a commit with `files`. */
function defaultBranch(repo: string, files: Record<string, string>): void {
  const commit = t.fake.addCommit((++commits).toString(16).padStart(40, "e"), files);
  t.fake.setDefaultBranch(`acme/${repo}`, commit);
}

/** What Probot's own lookup (@probot/octokit-plugin-config, still installed on the client) answers. */
async function probotLookup(repo: string, path = ".github/archgate.yml") {
  try {
    const { files } = await t.octokit.config.get({ owner: "acme", repo, path });
    return { files: files.map(({ owner, repo, path, url, config }) => ({ owner, repo, path, url, config })) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function ownLookup(repo: string, path = ".github/archgate.yml") {
  try {
    const files = await configFiles(t.octokit, { owner: "acme", repo, path });
    return { files: files.map(({ owner, repo, path, url, config }) => ({ owner, repo, path, url, config })) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe("the config lookup: Probot's, with each file parsed once per blob", () => {
  test.each([
    ["no config anywhere", {}, {}, {}],
    ["the repository's own file", { ".github/archgate.yml": "labels:\n  prefix: own/\n" }, {}, {}],
    ["the org's .github file when the repository has none", {}, { ".github/archgate.yml": "labels:\n  prefix: org/\n" }, {}],
    [
      "an _extends chain across repositories",
      { ".github/archgate.yml": "_extends: policies:base/a.yml\nignorePaths: [x/**]\n" },
      {},
      { "base/a.yml": "_extends: policies:base/b.yml\nlabels:\n  prefix: a/\n", "base/b.yml": "labels:\n  enabled: true\n" },
    ],
    [
      "an _extends loop",
      { ".github/archgate.yml": "_extends: policies:base/a.yml\n" },
      {},
      { "base/a.yml": "_extends: policies:base/b.yml\n", "base/b.yml": "_extends: policies:base/a.yml\n" },
    ],
    ["an _extends that is not a repository", { ".github/archgate.yml": "_extends: 'not a repo!'\n" }, {}, {}],
    ["an _extends that is not a string", { ".github/archgate.yml": "_extends: [1]\n" }, {}, {}],
    ["an empty _extends is kept, not followed", { ".github/archgate.yml": "_extends: ''\nlabels: { prefix: e/ }\n" }, {}, {}],
    ["YAML that does not parse", { ".github/archgate.yml": "labels: [\n" }, {}, {}],
    ["YAML that is a string", { ".github/archgate.yml": "just text\n" }, {}, {}],
    ["an empty file", { ".github/archgate.yml": "" }, {}, {}],
  ])("%s: the same files and errors as Probot's lookup", async (_name, own, org, policies) => {
    const repo = `r${++commits}`;
    defaultBranch(repo, own);
    defaultBranch(".github", org);
    defaultBranch("policies", policies);
    const expected = await probotLookup(repo);
    expect(await ownLookup(repo)).toEqual(expected);
    // Again, from the cache.
    expect(await ownLookup(repo)).toEqual(expected);
  });

  test("the .github repository itself does not look further; a path that is not YAML or JSON is refused as Probot does", async () => {
    defaultBranch(".github", {});
    expect(await ownLookup(".github")).toEqual(await probotLookup(".github"));
    defaultBranch("t1", {});
    expect(await ownLookup("t1", ".github/archgate.toml")).toEqual(await probotLookup("t1", ".github/archgate.toml"));
  });

  test("an unchanged config blob is parsed and validated once: the next event gets the same frozen config", async () => {
    defaultBranch(".github", {});
    defaultBranch("cached", { ".github/archgate.yml": "labels:\n  prefix: cached/\n" });
    const first = await loadRepoConfig(t.octokit, { owner: "acme", repo: "cached" });
    const second = await loadRepoConfig(t.octokit, { owner: "acme", repo: "cached" });
    if (!first.ok || !second.ok) throw new Error("config invalid");
    expect(second.config).toBe(first.config);
    expect(first.config.labels.prefix).toBe("cached/");
    expect(Object.isFrozen(first.config.labels)).toBe(true);
    expect(() => {
      (first.config.labels as { prefix: string }).prefix = "changed/";
    }).toThrow(TypeError);
    // A changed file is a new blob: parsed again.
    defaultBranch("cached", { ".github/archgate.yml": "labels:\n  prefix: changed/\n" });
    const third = await loadRepoConfig(t.octokit, { owner: "acme", repo: "cached" });
    if (!third.ok) throw new Error("config invalid");
    expect(third.config.labels.prefix).toBe("changed/");
    expect(third.config).not.toBe(first.config);
  });

  test("a repository without a config gets the same frozen defaults each time", async () => {
    defaultBranch(".github", {});
    defaultBranch("bare", {});
    const [a, b] = await Promise.all([
      loadRepoConfig(t.octokit, { owner: "acme", repo: "bare" }),
      loadRepoConfig(t.octokit, { owner: "acme", repo: "bare" }),
    ]);
    if (!a.ok || !b.ok) throw new Error("config invalid");
    expect(a.config).toBe(b.config);
    expect(Object.isFrozen(a.config)).toBe(true);
  });

  test("blobSha is git's blob id (`git hash-object`), over the UTF-8 bytes", () => {
    expect(blobSha("labels: {}\n")).toBe("28fd12ee2246dc196ca1d09905b9163c81a27843");
    expect(blobSha("hé\n")).toBe("45a61541bfc14a021aae8b0cf7081d7c6108d569");
  });
});
