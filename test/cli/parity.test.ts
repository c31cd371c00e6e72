import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../../src/cli.js";
import { TestRepo } from "./git-repo.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The pets service of a Node monorepo: services/pets/openapi.yaml; the PR removes DELETE /pets/{id}. */
const SPEC_BASE = `openapi: 3.0.3
info:
  title: Pets
  version: 1.4.0
paths:
  /pets/{id}:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    get:
      responses:
        "200":
          description: the pet
    delete:
      responses:
        "204":
          description: deleted
`;
const SPEC_HEAD = SPEC_BASE.replace(/ {4}delete:\n {6}responses:\n {8}"204":\n {10}description: deleted\n/, "");

const PLAN = `Removes DELETE /pets/{id}: nobody calls it since the admin UI moved to archiving.

## Migration plan

The admin UI stopped calling DELETE /pets/{id} in release 2024.3; the access logs show no caller in ninety days.
Clients that still need it archive pets through PATCH /pets/{id} with status archived instead.
`;

async function cli(argv: string[], cwd: string) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { code, stdout, stderr, json: code !== 2 && stdout ? JSON.parse(stdout) : undefined };
}

describe("CLI parity with the App", () => {
  const repos: TestRepo[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });
  const petsRepo = (config: string, extra: Record<string, string> = {}) => {
    const repo = new TestRepo();
    repos.push(repo);
    repo.write(".github/archgate.yml", config).write("services/pets/openapi.yaml", SPEC_BASE);
    for (const [path, text] of Object.entries(extra)) repo.write(path, text);
    const base = repo.commit("pets API");
    repo.write("services/pets/openapi.yaml", SPEC_HEAD);
    const head = repo.commit("Remove DELETE /pets/{id}");
    return { repo, base, head };
  };

  it("--description FILE is the PR body: its migration plan accepts the breaking change; without it the check fails", async () => {
    const { repo, base, head } = petsRepo("migrationPlan:\n  acceptedBy: author\n");
    const args = ["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"];
    const without = await cli(args, repo.dir);
    expect(without.code).toBe(1);
    // The removed operation sits on its path item at head (line 6); its base line (17) is in baseLine.
    expect(without.json.findings.map((f: any) => `${f.rule} ${f.file}:${f.line} ${f.baseLine}`)).toEqual([
      "breaking-api-change services/pets/openapi.yaml:6 17",
    ]);

    writeFileSync(join(repo.dir, "pr-body.md"), PLAN);
    const withPlan = await cli([...args, "--description", "pr-body.md"], repo.dir);
    expect(withPlan.stderr).toBe("");
    expect(withPlan.code).toBe(0);
    expect(withPlan.json.conclusion).toBe("success");
    expect(withPlan.json.notes.some((n: string) => /migration plan/i.test(n))).toBe(true);

    const missing = await cli([...args, "--description", "nope.md"], repo.dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("archgate: --description nope.md: no such file\n");
  });

  it("_extends: ./base.yml at the base revision is followed (its settings apply, the file's own keys win)", async () => {
    const { repo, base, head } = petsRepo("_extends: ./archgate-base.yml\nlabels:\n  prefix: 'review/'\n", {
      ".github/archgate-base.yml": "rules:\n  breaking-api-change: warning\nlabels:\n  prefix: 'base/'\n",
    });
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"], repo.dir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.json.findings.map((f: any) => [f.rule, f.severity])).toEqual([["breaking-api-change", "warning"]]);
  });

  it("_extends with --config FILE: relative to the file on disk; an error in the extended file names that file and line", async () => {
    const { repo, base, head } = petsRepo("{}\n");
    writeFileSync(join(repo.dir, "local.yml"), "_extends: ./shared/base.yml\n");
    repo.write("shared/base.yml", "rules:\n  breaking-api-change: off\n");
    const ok = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--config", "local.yml", "--format", "json"], repo.dir);
    expect(ok.stderr).toBe("");
    expect(ok.json.findings).toEqual([]);

    repo.write("shared/base.yml", "rules:\n  breaking-api-change: sometimes\n");
    const bad = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--config", "local.yml"], repo.dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^shared\/base\.yml:2:\d+: rules\.breaking-api-change: /);
  });

  it("_extends naming another repository is a config error at its file and line, never silently dropped", async () => {
    const { repo, base, head } = petsRepo("# shop's review config\n_extends: acme/policies:archgate/base.yml\n");
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head], repo.dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      '.github/archgate.yml:2:1: _extends: "acme/policies:archgate/base.yml" names another repository, which archgate check cannot read',
    );

    const { repo: r2, base: b2, head: h2 } = petsRepo("_extends: ./missing.yml\n");
    const missing = await cli(["check", "--repo", r2.dir, "--base", b2, "--head", h2], r2.dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('.github/archgate.yml:1:1: _extends: "./missing.yml" does not exist');
  });

  it("config/archgate.schema.json accepts the README's _extends example and still rejects unknown keys", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "config", "archgate.schema.json"), "utf8"));
    const validate = new Ajv2020.default({ strict: false }).compile(schema);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const example = /```yaml\n(# acme\/shop: \.github\/archgate\.yml\n[\s\S]*?)```/.exec(readme)![1]!;
    expect(parse(example)._extends).toBe(".github");
    expect(validate(parse(example)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ _extends: ".github", labelz: {} })).toBe(false);
  });
});
