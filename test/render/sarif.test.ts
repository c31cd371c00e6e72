import { afterEach, describe, expect, it } from "vitest";
import { RULES } from "../../src/builtins.js";
import { run, sarifLog, type CliIO } from "../../src/cli.js";
import { check } from "../../src/cli.js";
import { FINGERPRINT_KEY, relativeUri } from "../../src/render/sarif.js";
import { TestRepo } from "../cli/git-repo.js";
import { sarifSchemaErrors } from "../helpers/sarif-schema.js";

/**
 * A Spring service's Flyway migration that drops a table and a column, and a datasource password committed in
 * application.yml (the layout of a Spring Boot monolith split into services/<name>/).
 */
function ordersService(): { repo: TestRepo; base: string; head: string } {
  const repo = new TestRepo();
  repo.write(
    "services/orders/src/main/resources/db/migration/V1__init.sql",
    "CREATE TABLE legacy_orders (id bigint primary key, total numeric);\nCREATE TABLE orders (id bigint primary key, customer_email text);\n",
  );
  const base = repo.commit("orders: initial schema");
  repo.write(
    "services/orders/src/main/resources/db/migration/V2__drop legacy.sql",
    "-- legacy_orders was migrated in 2024\nDROP TABLE legacy_orders;\nALTER TABLE orders DROP COLUMN customer_email;\n",
  );
  repo.write(
    "services/orders/src/main/resources/application.yml",
    'spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/orders\n    password: "Sup3rS3cretPassw0rd!x"\n',
  );
  const head = repo.commit("orders: drop the legacy table");
  return { repo, base, head };
}

async function sarifOf(argv: string[]): Promise<{ code: number; log: any; stderr: string; stdout: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: "/" };
  const code = await run(argv, io);
  return { code, log: stdout ? JSON.parse(stdout) : undefined, stderr, stdout };
}

describe("SARIF 2.1.0 output", () => {
  const repos: TestRepo[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it("archgate check --format sarif: one run, a rule per built-in rule, results with the finding ids, valid against the schema", async () => {
    const { repo, base, head } = ordersService();
    repos.push(repo);
    const { code, log, stderr } = await sarifOf(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "sarif"]);
    expect(stderr).toBe("");
    expect(code).toBe(1);
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    const run0 = log.runs[0];
    const driver = run0.tool.driver;
    expect(driver.name).toBe("archgate");
    expect(driver.rules.map((r: any) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    const destructive = driver.rules.find((r: any) => r.id === "destructive-migration");
    expect(destructive).toMatchObject({
      name: "DestructiveMigration",
      shortDescription: { text: RULES.find((r) => r.meta.id === "destructive-migration")!.meta.title },
      helpUri: "https://github.com/archgate/archgate/blob/main/docs/rules/destructive-migration.md",
      defaultConfiguration: { level: "error" },
    });
    for (const rule of driver.rules) {
      expect(new URL(rule.helpUri).protocol).toBe("https:");
      expect(rule.fullDescription.text.length).toBeGreaterThan(10);
    }

    // The same ids as the JSON output.
    let jsonOut = "";
    await run(["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"], {
      stdout: (t) => (jsonOut += t),
      stderr: () => undefined,
      cwd: "/",
    });
    const findings = JSON.parse(jsonOut).findings as { id: string; rule: string; file: string; line: number }[];
    expect(findings).toHaveLength(3);
    const results = run0.results.map((r: any) => ({
      ruleId: r.ruleId,
      rule: driver.rules[r.ruleIndex].id,
      level: r.level,
      id: r.partialFingerprints[FINGERPRINT_KEY],
      uri: r.locations[0].physicalLocation.artifactLocation.uri,
      line: r.locations[0].physicalLocation.region.startLine,
      suppressed: r.suppressions !== undefined,
    }));
    expect(results).toEqual(
      findings.map((f) => ({ ruleId: f.rule, rule: f.rule, level: "error", id: f.id, uri: relativeUri(f.file), line: f.line, suppressed: false })),
    );
    expect(results.map((r: any) => `${r.ruleId} ${decodeURIComponent(r.uri)}:${r.line}`)).toEqual([
      "plaintext-secret services/orders/src/main/resources/application.yml:4",
      "destructive-migration services/orders/src/main/resources/db/migration/V2__drop legacy.sql:2",
      "destructive-migration services/orders/src/main/resources/db/migration/V2__drop legacy.sql:3",
    ]);
    // A path with a space is a valid relative URI reference.
    expect(results[1].uri).toBe("services/orders/src/main/resources/db/migration/V2__drop%20legacy.sql");
    // The secret itself never appears.
    expect(JSON.stringify(log)).not.toContain("Sup3rS3cretPassw0rd");
    expect(run0.invocations).toEqual([{ executionSuccessful: true }]);
  });

  it("a waived finding is a suppressed result with its level kept; a warning rule gives level warning", async () => {
    const { repo, base, head } = ordersService();
    repos.push(repo);
    repo.write(".github/archgate.yml", "rules:\n  plaintext-secret: warning\n");
    const config = `${repo.dir}/.github/archgate.yml`;
    const report = await check({ repo: repo.dir, base, head, configFile: config, cwd: "/" });
    // The review loop marks findings waived from the PR's comments; here the DROP TABLE one is.
    const waived = report.findings.find((f) => f.rule === "destructive-migration" && f.line === 2)!;
    waived.waived = true;
    const log: any = await sarifLog(report);
    expect(sarifSchemaErrors(log)).toEqual([]);
    const results = log.runs[0].results;
    expect(results.map((r: any) => [r.ruleId, r.level, r.suppressions?.[0]?.kind ?? null])).toEqual([
      ["plaintext-secret", "warning", null],
      ["destructive-migration", "error", "external"],
      ["destructive-migration", "error", null],
    ]);
    expect(results[1].suppressions[0].justification).toBe(`${waived.id} waived on the pull request`);
  });

  it("problems that stopped the review: a failed invocation with the problem's file and line, still valid", async () => {
    const { repo, base, head } = ordersService();
    repos.push(repo);
    const report = await check({ repo: repo.dir, base, head, cwd: "/" });
    report.problems.push({ message: "deploy/orders/values.yaml could not be parsed", file: "deploy/orders/values.yaml", line: 7, column: 3 });
    report.conclusion = "error";
    const log: any = await sarifLog(report);
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.runs[0].invocations).toEqual([
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          {
            level: "error",
            message: { text: "deploy/orders/values.yaml could not be parsed" },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: "deploy/orders/values.yaml", uriBaseId: "%SRCROOT%" },
                  region: { startLine: 7, startColumn: 3 },
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(log.runs[0].properties.conclusion).toBe("error");
  });

  it("a config error: no SARIF on stdout, the config's file and line on stderr, exit 2", async () => {
    const repo = new TestRepo();
    repos.push(repo);
    repo.write("deploy/orders/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\n");
    const base = repo.commit("orders deployment");
    repo.write(".github/archgate.yml", "rules:\n  nope-not-a-rule: error\n");
    repo.commit("a config with a typo");
    const { code, stderr, stdout } = await sarifOf([
      "check",
      "--repo",
      repo.dir,
      "--base",
      base,
      "--head",
      "HEAD",
      "--config",
      `${repo.dir}/.github/archgate.yml`,
      "--format",
      "sarif",
    ]);
    // A config error stops the CLI before any report: no SARIF on stdout, the file and line on stderr.
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/\.github\/archgate\.yml:2/);
  });

  it("--format must be markdown, json or sarif", async () => {
    const { code, stderr } = await sarifOf(["check", "--format", "xml"]);
    expect(code).toBe(2);
    expect(stderr).toContain('--format must be markdown, json or sarif, not "xml"');
  });
});
