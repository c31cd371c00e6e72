import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { moduleTimingTable, run, type CliIO } from "../../src/cli.js";
import type { RuleModule } from "../../src/engine/types.js";
import { testRule } from "../helpers/modules.js";

import { TestRepo } from "./git-repo.js";
import { BUILTIN_TRIGGER_IDS, RULES, TRIGGERS } from "../../src/builtins.js";

const ROOT = join(import.meta.dirname, "..", "..");

/**
 * A config that switches off every built-in trigger and rule (they are developed elsewhere and would make
 * these tests depend on them) and adds one custom trigger on every path, so the output is exact.
 */
function quietConfig(extra: string[] = []): string {
  const triggers = [...new Set([...BUILTIN_TRIGGER_IDS, ...TRIGGERS.map((t) => t.meta.id)])];
  return (
    [
      "triggers:",
      `  disabled: [${triggers.join(", ")}]`,
      "  custom:",
      "    - id: touched",
      "      title: Touched files",
      "      reviewType: adr",
      "      dimensions: [boundary]",
      '      paths: ["**"]',
      '      excludePaths: [".github/**"]',
      "      reason: changes a file",
      "checklist:",
      "  boundary:",
      "    - id: decision-recorded",
      "      text: The decision is recorded.",
      ...(RULES.length > 0 ? ["rules:", ...RULES.map((r) => `  ${r.meta.id}: off`)] : []),
      ...extra,
    ].join("\n") + "\n"
  );
}

/** A rule that reads the head text of every changed file (so skipped files are noted). */
const readsEverything = testRule({ id: "test-reads-everything", title: "Reads every file" }, async (ctx) => {
  for (const file of ctx.headFiles) await ctx.text("head", file.path);
});

/** A rule that must judge YAML files, so one it cannot parse is a problem. */
const judgesYaml = testRule({ id: "test-judges-yaml", title: "Judges YAML", category: "reliability" }, async (ctx) => {
  for (const file of ctx.headFiles.filter((f) => f.path.endsWith(".yaml"))) {
    const parsed = await ctx.structured("head", file.path);
    for (const error of parsed?.errors ?? []) {
      ctx.problem({ file: file.path, line: error.line, message: `${file.path} is not valid YAML: ${error.message}` });
    }
  }
});

/** Flags every added `DROP TABLE`. */
const noDropTable = testRule({ id: "test-no-drop-table", title: "No DROP TABLE", category: "data" }, async (ctx) => {
  const drafts = [];
  for (const file of ctx.headFiles) {
    for (const line of await ctx.addedLines(file.path)) {
      if (/DROP TABLE/i.test(line.text)) drafts.push({ file: file.path, line: line.line, message: "drops a table", key: line.text });
    }
  }
  return drafts;
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

async function cli(argv: string[], rules: RuleModule[] = []): Promise<Result> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: ROOT,
    engine: { rules: [...RULES, ...rules] },
  };
  const code = await run(argv, io);
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

describe("archgate check", () => {
  const repos: TestRepo[] = [];
  const temps: string[] = [];
  const newRepo = (config = quietConfig()) => {
    const repo = new TestRepo();
    repos.push(repo);
    repo.write(".github/archgate.yml", config);
    return repo;
  };
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
    for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
  });

  it("prints the JSON report of a work tree change and exits 0", async () => {
    const repo = newRepo();
    repo.write("src/app.ts", "export const a = 1;\n").write("docs/old.md", "old\n");
    const base = repo.commit("base");
    repo.write("src/app.ts", "export const a = 2;\n").remove("docs/old.md").write("src/new.ts", "export {};\n");
    const head = repo.commit("head");

    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.json).toEqual({
      schemaVersion: 1,
      base,
      head,
      triggers: [
        {
          id: "touched",
          title: "Touched files",
          files: ["docs/old.md", "src/app.ts", "src/new.ts"],
          reason: "changes a file (and 2 more)",
        },
      ],
      reviewTypes: [{ id: "adr", title: "Architecture decision record" }],
      checklist: [{ dimension: "boundary", title: "Boundary", items: [{ id: "decision-recorded", text: "The decision is recorded." }] }],
      findings: [],
      conclusion: "success",
      notes: [],
      problems: [],
    });
    expect(base).toMatch(/^[0-9a-f]{40}$/);
  });

  it("reads a bare repository the same way", async () => {
    const repo = newRepo();
    repo.write("services/cart/main.go", "package main\n");
    const base = repo.commit();
    repo.write("services/cart/main.go", "package main\n\nfunc main() {}\n");
    const head = repo.commit();
    const bare = repo.bareClone();
    const result = await cli(["check", "--repo", bare, "--base", "main~1", "--head", "main", "--format", "json"]);
    expect(result.code).toBe(0);
    expect(result.json.base).toBe(base);
    expect(result.json.head).toBe(head);
    expect(result.json.triggers.map((t: { files: string[] }) => t.files)).toEqual([["services/cart/main.go"]]);
  });

  it("defaults --head to HEAD and --base to the first parent of --head", async () => {
    const repo = newRepo();
    repo.write("a.txt", "1\n");
    repo.commit();
    repo.write("b.txt", "2\n");
    const middle = repo.commit();
    repo.write("c.txt", "3\n");
    const head = repo.commit();
    const latest = await cli(["check", "--repo", repo.dir, "--format", "json"]);
    expect(latest.json.head).toBe(head);
    expect(latest.json.base).toBe(middle);
    expect(latest.json.triggers[0].files).toEqual(["c.txt"]);
    const earlier = await cli(["check", "--repo", repo.dir, "--head", "HEAD~1", "--format", "json"]);
    expect(earlier.json.head).toBe(middle);
    expect(earlier.json.triggers[0].files).toEqual(["b.txt"]);
  });

  it("uses the config of the base revision, not the one the change edits", async () => {
    const repo = newRepo();
    repo.write("src/a.ts", "1\n");
    const base = repo.commit();
    // The change tries to switch its own trigger off and to break the config: neither counts.
    repo.write(".github/archgate.yml", "triggers:\n  disabled: [touched]\nrules: {nonsense: 1}\n");
    repo.write("src/a.ts", "2\n");
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"]);
    expect(result.code).toBe(0);
    expect(result.json.triggers).toEqual([{ id: "touched", title: "Touched files", files: ["src/a.ts"], reason: "changes a file" }]);
  });

  it("uses built-in defaults when the base revision has no config", async () => {
    const repo = new TestRepo();
    repos.push(repo);
    repo.write("README.md", "# x\n");
    const base = repo.commit();
    repo.write("README.md", "# y\n");
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"]);
    expect(result.code).toBe(0);
    expect(result.json.triggers).toEqual([]);
    expect(result.json.conclusion).toBe("success");
  });

  it("exits 2 with file:line:column for an invalid config at the base revision", async () => {
    const repo = newRepo("triggers:\n  disabled: [new-service]\nlimits:\n  maxFileBytes: -5\n");
    repo.write("a.txt", "1\n");
    const base = repo.commit();
    repo.write("a.txt", "2\n");
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^\.github\/archgate\.yml:4:17: limits\.maxFileBytes: .+\n$/);
  });

  it("exits 2 naming the --config file, line and column of an unknown key", async () => {
    const repo = newRepo();
    repo.write("a.txt", "1\n");
    repo.commit();
    repo.write("a.txt", "2\n");
    repo.commit();
    const dir = mkdtempSync(join(tmpdir(), "archgate-config-"));
    temps.push(dir);
    const file = join(dir, "archgate.yml");
    writeFileSync(file, "triggers:\n  disabled: []\n  custmo: []\n");
    const result = await cli(["check", "--repo", repo.dir, "--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${file}:3:3: triggers.custmo: unknown key "custmo" (did you mean "custom"?)\n`);
  });

  it("a --config file replaces the base config", async () => {
    const repo = newRepo();
    repo.write("a.txt", "1\n");
    repo.commit();
    repo.write("a.txt", "2\n");
    repo.commit();
    const dir = mkdtempSync(join(tmpdir(), "archgate-config-"));
    temps.push(dir);
    writeFileSync(join(dir, "archgate.yml"), quietConfig().replace("id: touched", "id: from-file"));
    const result = await cli(["check", "--repo", repo.dir, "--config", join(dir, "archgate.yml"), "--format", "json"]);
    expect(result.json.triggers.map((t: { id: string }) => t.id)).toEqual(["from-file"]);
  });

  it("exits 1 on an unwaived error finding, with the finding's file and line", async () => {
    const repo = newRepo();
    repo.write("db/migrate/001_init.sql", "CREATE TABLE users (id int);\n");
    const base = repo.commit();
    repo.write("db/migrate/002_drop.sql", "-- cleanup\nDROP TABLE users;\n");
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"], [noDropTable]);
    expect(result.code).toBe(1);
    expect(result.json.conclusion).toBe("failure");
    expect(result.json.findings).toEqual([
      {
        id: expect.stringMatching(/^DATA-[0-9a-f]{6}$/),
        rule: "test-no-drop-table",
        title: "No DROP TABLE",
        severity: "error",
        category: "data",
        file: "db/migrate/002_drop.sql",
        line: 2,
        message: "drops a table",
        waived: false,
      },
    ]);
  });

  it("prints the markdown comment by default, with the same exit code", async () => {
    const repo = newRepo();
    repo.write("db/a.sql", "select 1;\n");
    repo.commit();
    repo.write("db/a.sql", "DROP TABLE users;\n");
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir], [noDropTable]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("## 🏛️ Architecture review");
    expect(result.stdout).toContain("db/a.sql");
    expect(result.stdout).toContain(head.slice(0, 12));
  });

  it("notes binary files instead of reading them", async () => {
    const repo = newRepo();
    repo.write("assets/icon.png", Buffer.from([0x89, 0x50, 0x00, 0x01]));
    const base = repo.commit();
    repo.write("assets/icon.png", Buffer.from([0x89, 0x50, 0x00, 0x02]));
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"], [readsEverything]);
    expect(result.code).toBe(0);
    expect(result.json.notes).toEqual(["binary files were not analysed: assets/icon.png"]);
  });

  it("skips a file over 2 MB with a note, even when no detector reads it", async () => {
    const repo = newRepo();
    repo.write("db/seed.sql", "-- empty\n");
    const base = repo.commit();
    repo.write("db/seed.sql", "INSERT INTO t VALUES (1);\n".repeat(80_000)); // 2,080,000 bytes
    repo.write("db/small.sql", "DROP TABLE t;\n");
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"], [noDropTable]);
    expect(result.code).toBe(1);
    expect(result.json.findings.map((f: { file: string; line: number }) => [f.file, f.line])).toEqual([["db/small.sql", 1]]);
    expect(result.json.notes).toEqual(["files over the size limit (2000000 bytes) were not analysed: db/seed.sql"]);
    // Read by a detector too: still named once.
    const again = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"], [readsEverything]);
    expect(again.json.notes).toEqual(["files over the size limit (2000000 bytes) were not analysed: db/seed.sql"]);
  });

  it("reports invalid YAML as a problem with file and line, and exits 2", async () => {
    const repo = newRepo();
    repo.write("api/openapi.yaml", "openapi: 3.0.3\ninfo:\n  title: x\n");
    const base = repo.commit();
    repo.write("api/openapi.yaml", "openapi: 3.0.3\ninfo:\n  title: x\n  version: [1\n");
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"], [judgesYaml]);
    expect(result.code).toBe(2);
    expect(result.json.conclusion).toBe("error");
    expect(result.json.problems).toHaveLength(1);
    expect(result.json.problems[0]).toMatchObject({ file: "api/openapi.yaml", line: 5 });
    expect(result.json.problems[0].message).toMatch(/^api\/openapi\.yaml is not valid YAML: /);
  });

  it("reports renames and deletions with their paths", async () => {
    const repo = newRepo();
    const body = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n") + "\n";
    repo.write("services/billing/api.yaml", body).write("services/legacy/main.go", "package main\n");
    const base = repo.commit();
    repo.move("services/billing/api.yaml", "services/payments/api.yaml");
    repo.remove("services/legacy/main.go");
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"]);
    expect(result.json.triggers[0].files).toEqual(["services/legacy/main.go", "services/payments/api.yaml"]);
  });

  it("handles spaces, unicode, quotes and newlines in file names", async () => {
    const repo = newRepo();
    const names = ["docs/read me.md", "schemas/événement.json", 'api/"v1".yaml', "db/odd\nname.sql"];
    for (const n of names) repo.write(n, "x\n");
    const base = repo.commit();
    for (const n of names) repo.write(n, "DROP TABLE y;\n");
    const head = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"], [noDropTable]);
    expect(result.code).toBe(1);
    expect(result.json.triggers[0].files).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    expect(result.json.findings.map((f: { file: string; line: number }) => [f.file, f.line])).toEqual(
      [...names].sort((a, b) => a.localeCompare(b)).map((n) => [n, 1]),
    );
  });

  it("compares against the merge base when the base branch moved on", async () => {
    const repo = newRepo();
    repo.write("a.txt", "a\n");
    repo.commit();
    repo.git("checkout", "-q", "-b", "feature");
    repo.write("feature.txt", "f\n");
    repo.commit();
    repo.git("checkout", "-q", "main");
    repo.write("main.txt", "m\n");
    const main = repo.commit();
    const result = await cli(["check", "--repo", repo.dir, "--base", "main", "--head", "feature", "--format", "json"]);
    expect(result.json.base).toBe(main);
    expect(result.json.triggers[0].files).toEqual(["feature.txt"]);
    const mergeBase = repo.git("merge-base", "main", "feature");
    expect(result.json.notes).toEqual([
      `the change is compared with ${mergeBase.slice(0, 12)}, the merge base of ${main.slice(0, 12)} and ${result.json.head.slice(0, 12)}`,
    ]);
  });

  it.each([
    [[], /missing command/],
    [["review"], /unknown command "review"/],
    [["check", "--format", "xml"], /--format must be markdown, json or sarif, not "xml"/],
    [["check", "--bogus"], /Unknown option '--bogus'/],
    [["check", "extra"], /unexpected argument "extra"/],
  ])("usage error %j exits 2", async (argv, message) => {
    const result = await cli(argv as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("Usage: archgate check");
  });

  it("exits 2 for an unknown revision, a missing repository and a root commit without --base", async () => {
    const repo = newRepo();
    repo.write("a", "a\n");
    repo.commit();
    const unknown = await cli(["check", "--repo", repo.dir, "--base", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`archgate: unknown revision "nope" in ${repo.dir}\n`);
    const missing = await cli(["check", "--repo", join(repo.dir, "does-not-exist")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`archgate: --repo ${join(repo.dir, "does-not-exist")}: no such directory\n`);
    const notRepo = mkdtempSync(join(tmpdir(), "archgate-not-a-repo-"));
    temps.push(notRepo);
    const plain = await cli(["check", "--repo", notRepo]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe(`archgate: ${notRepo} is not a git repository\n`);
    const root = await cli(["check", "--repo", repo.dir]);
    expect(root.code).toBe(2);
    expect(root.stderr).toBe("archgate: HEAD has no parent commit: give --base\n");
  });

  it("prints help and version", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: archgate check/);
    const version = await cli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}\n`);
  });

  it("ARCHGATE_TIMING=1 prints each trigger's and rule's time to stderr and leaves the report as it was", async () => {
    const repo = newRepo();
    repo.write("src/app.ts", "export const a = 1;\n");
    const base = repo.commit("base");
    repo.write("src/app.ts", "export const a = 2;\n");
    const head = repo.commit("head");
    const check = (env: Record<string, string>) =>
      new Promise<{ stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", join(ROOT, "src", "cli.ts"), "check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"],
          { cwd: ROOT, env: { ...process.env, ARCHGATE_TIMING: "", ...env } },
          (_e, stdout, stderr) => resolve({ stdout: String(stdout), stderr: String(stderr) }),
        );
      });
    const [plain, timed] = await Promise.all([check({}), check({ ARCHGATE_TIMING: "1" })]);
    expect(plain.stderr).toBe("");
    expect(timed.stdout).toBe(plain.stdout);
    // The quiet config runs one custom trigger and no rule.
    expect(timed.stderr).toMatch(
      /^archgate: time per trigger and rule \(wall clock, the reads each was first to ask for included\): \d+ ms in all\n {2}trigger touched {2} +\d+ ms {2}100\.0 %\n$/,
    );
  });

  it("lays out the timing table longest first, ties by kind and id, with each one's share", () => {
    expect(
      moduleTimingTable([
        { kind: "rule", id: "pii-in-logs", ms: 12.4 },
        { kind: "trigger", id: "api-contract", ms: 30.6 },
        { kind: "rule", id: "cost-allocation-tags", ms: 0 },
        { kind: "trigger", id: "infra-change", ms: 12.4 },
        { kind: "rule", id: "k8s-health-probes", ms: 12.4 },
      ]),
    ).toBe(
      [
        "archgate: time per trigger and rule (wall clock, the reads each was first to ask for included): 68 ms in all",
        "  trigger api-contract           31 ms   45.1 %",
        "  rule k8s-health-probes         12 ms   18.3 %",
        "  rule pii-in-logs               12 ms   18.3 %",
        "  trigger infra-change           12 ms   18.3 %",
        "  rule cost-allocation-tags       0 ms    0.0 %",
        "",
      ].join("\n"),
    );
    expect(moduleTimingTable([])).toBe(
      "archgate: time per trigger and rule (wall clock, the reads each was first to ask for included): 0 ms in all\n",
    );
  });

  it("runs as a process with the contract's exit code", async () => {
    const repo = newRepo("triggers:\n  disabled: [nonsense-is-fine]\nlimits:\n  maxFileBytes: nope\n");
    repo.write("a", "a\n");
    repo.commit();
    repo.write("a", "b\n");
    repo.commit();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ["--import", "tsx", join(ROOT, "src", "cli.ts"), "check", "--repo", repo.dir],
        { cwd: ROOT },
        (_e, _out, err) => resolve({ code: child.exitCode, stderr: String(err) }),
      );
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^\.github\/archgate\.yml:4:17: limits\.maxFileBytes: /);
  });
});
