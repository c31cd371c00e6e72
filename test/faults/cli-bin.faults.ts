import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { TestRepo } from "../cli/git-repo.js";

const ROOT = join(import.meta.dirname, "..", "..");

/**
 * The `archgate` bin of the production build (dist/cli.js, the launcher, running dist/cli.cjs through V8's code
 * cache): the same report as the CLI from source, from a cold and from a warm cache, with the packages the bundle
 * imports on use (sax for Liquibase XML, @cdktf/hcl2json for Terraform, @babel/parser for a knex migration) and the
 * vendor chunks it loads through the launcher (yaml for a Kubernetes manifest, graphql for a schema).
 */
describe("the archgate bin (production build)", () => {
  const repo = new TestRepo();
  const cache = mkdtempSync(join(tmpdir(), "archgate-code-cache-"));
  afterAll(() => {
    repo.cleanup();
    rmSync(cache, { recursive: true, force: true });
  });
  repo.write("infra/main.tf", 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n');
  repo.write(
    "db/changelog/001.xml",
    "<databaseChangeLog>\n  <changeSet id='1' author='a'>\n    <createTable tableName='legacy'/>\n  </changeSet>\n</databaseChangeLog>\n",
  );
  repo.write("api/schema.graphql", "type Query {\n  order(id: ID!): Order\n}\n\ntype Order {\n  id: ID!\n  total: Int\n}\n");
  const base = repo.commit("base");
  repo.write("api/schema.graphql", "type Query {\n  order(id: ID!): Order\n}\n\ntype Order {\n  id: ID!\n}\n");
  repo.write(
    "deploy/worker.yaml",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          image: worker:1.0\n",
  );
  repo.write("infra/main.tf", 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs-v2"\n}\nresource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n');
  repo.write(
    "db/changelog/002.xml",
    "<databaseChangeLog>\n  <changeSet id='2' author='a'>\n    <dropTable tableName='legacy'/>\n  </changeSet>\n</databaseChangeLog>\n",
  );
  repo.write("db/migrations/20260301120001_sessions.js", 'exports.up = (knex) => knex.schema.dropTable("sessions");\nexports.down = () => {};\n');
  const head = repo.commit("head");
  const args = ["check", "--repo", repo.dir, "--base", base, "--head", head, "--format", "json"];
  const env = { ...process.env, ARCHGATE_CODE_CACHE: cache, ARCHGATE_DEBUG_CODE_CACHE: "1" };
  const bin = () => spawnSync(process.execPath, [join(ROOT, "dist", "cli.js"), ...args], { encoding: "utf8", env });

  test("reviews like the CLI from source, from a cold cache and from the cache it wrote", () => {
    const fromSource = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli.ts"), ...args], { encoding: "utf8", cwd: ROOT });
    expect(fromSource.status).toBe(1);
    const report = JSON.parse(fromSource.stdout) as { conclusion: string; findings: { rule: string; file: string; line: number }[] };
    expect(report.conclusion).toBe("failure");
    expect(report.findings.map((f) => [f.rule, f.file, f.line])).toEqual(
      expect.arrayContaining([
        ["destructive-migration", "db/changelog/002.xml", 3],
        ["destructive-migration", "db/migrations/20260301120001_sessions.js", 1],
        ["breaking-api-change", "api/schema.graphql", 5],
        ["k8s-resource-limits", "deploy/worker.yaml", 9],
      ]),
    );

    const cold = bin();
    const outcomes = (outcome: string) =>
      ["", " (vendor/yaml.cjs)", " (vendor/graphql.cjs)"].map((file) => `archgate: code cache ${outcome}${file}\n`).join("");
    expect([cold.status, cold.stderr]).toEqual([1, outcomes("written")]);
    expect(cold.stdout).toBe(fromSource.stdout);
    expect(
      readdirSync(cache)
        .map((f) => f.replace(/-[0-9a-f]{32}\.v8cache$/, ""))
        .sort(),
    ).toEqual(["cli", "vendor-graphql", "vendor-yaml"]);
    const warm = bin();
    expect([warm.status, warm.stderr]).toEqual([1, outcomes("used")]);
    expect(warm.stdout).toBe(fromSource.stdout);
  });

  test("answers --version and usage errors with the cache off", () => {
    const version = spawnSync(process.execPath, [join(ROOT, "dist", "cli.js"), "--version"], {
      encoding: "utf8",
      env: { ...env, ARCHGATE_CODE_CACHE: "off" },
    });
    const { version: expected } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect([version.status, version.stdout.trim(), version.stderr]).toEqual([0, expected, "archgate: code cache off\n"]);
    const usage = spawnSync(process.execPath, [join(ROOT, "dist", "cli.js"), "frobnicate"], {
      encoding: "utf8",
      env: { ...env, ARCHGATE_CODE_CACHE: "off" },
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^archgate: unknown command/);
  });

  test("exits once the command is done even when something it opened stays open, saying so", () => {
    // A listening socket stands for what was left open (a git process did, and the command never exited).
    const script = `import { createServer } from "node:net";
      const { main, EXIT_GRACE_MS } = await import(${JSON.stringify(join(ROOT, "src", "cli.ts"))});
      createServer().listen(0, "127.0.0.1");
      process.stdout.write(EXIT_GRACE_MS + "\\n");
      await main(["--version"]);`;
    const started = Date.now();
    const stuck = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      cwd: ROOT,
      timeout: 60_000,
    });
    const { version: expected } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const [grace, printed] = stuck.stdout.trim().split("\n");
    expect([stuck.status, printed, stuck.stderr]).toEqual([
      0,
      expected,
      "archgate: the command had finished but something it opened was still open; exiting\n",
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(Number(grace));
  }, 60_000);
});
