import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/builtins.js";
import { run } from "../../src/cli.js";
import { createdTables, kebab } from "../../src/commands/init.js";
import { TestRepo } from "./git-repo.js";

/**
 * A polyglot monorepo as teams lay them out: services/orders (Spring, Dockerfile, Flyway), services/payments
 * (Go, Dockerfile, golang-migrate), cmd/ledger-worker (a Go main), an OpenAPI spec, protos, CODEOWNERS,
 * and a Dockerfile under .devcontainer that is no service.
 */
function monorepo(): TestRepo {
  const repo = new TestRepo();
  repo
    .write("services/orders/Dockerfile", 'FROM eclipse-temurin:21\nCOPY target/app.jar /app.jar\nENTRYPOINT ["java","-jar","/app.jar"]\n')
    .write("services/orders/pom.xml", "<project><artifactId>orders</artifactId></project>\n")
    .write(
      "services/orders/src/main/resources/db/migration/V1__init.sql",
      'CREATE TABLE orders (id bigint primary key);\nCREATE TABLE IF NOT EXISTS "order_lines" (id bigint primary key);\n',
    )
    .write("services/payments/Dockerfile", "FROM golang:1.22\n")
    .write("services/payments/go.mod", "module example.com/payments\n")
    .write("services/payments/migrations/000001_payments.up.sql", "CREATE TABLE public.payments (id uuid primary key);\n")
    .write("cmd/ledger-worker/main.go", "package main\nfunc main() {}\n")
    .write("api/openapi.yaml", "openapi: 3.0.3\ninfo: {title: Shop, version: 1.0.0}\npaths: {}\n")
    .write("proto/orders/v1/orders.proto", 'syntax = "proto3";\npackage orders.v1;\n')
    .write(".github/CODEOWNERS", "/services/orders/ @acme/orders\n")
    .write(".devcontainer/Dockerfile", "FROM mcr.microsoft.com/devcontainers/base\n");
  repo.commit("monorepo");
  return repo;
}

async function init(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(["init", ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: "/" });
  return { code, stdout, stderr };
}

describe("archgate init", () => {
  const repos: TestRepo[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it("writes a commented config with the services, their paths and tables, that validates, and the workflow", async () => {
    const repo = monorepo();
    repos.push(repo);
    const result = await init(["--repo", repo.dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("found 3 service(s), 2 spec(s), 2 migration file(s), .github/CODEOWNERS");
    const text = readFileSync(join(repo.dir, ".github/archgate.yml"), "utf8");
    const config = parseConfig(text, ".github/archgate.yml");
    expect(config.services).toEqual({
      "ledger-worker": { paths: ["cmd/ledger-worker/**"], tables: [] },
      orders: { paths: ["services/orders/**"], tables: ["order_lines", "orders"] },
      payments: { paths: ["services/payments/**"], tables: ["payments"] },
    });
    expect(text).toContain("#   OpenAPI spec: api/openapi.yaml");
    expect(text).toContain("#   Protobuf spec: proto/orders/v1/orders.proto");
    expect(text).toContain("#   CODEOWNERS: .github/CODEOWNERS");
    expect(text).toMatch(/# {3}Flyway migrations: 1 file\(s\) in services\/orders\/src\/main\/resources\/db/);
    const workflow = parse(readFileSync(join(repo.dir, ".github/workflows/archgate.yml"), "utf8"));
    expect(workflow.on.pull_request.types).toContain("synchronize");
    expect(workflow.permissions).toEqual({
      contents: "read",
      "pull-requests": "write",
      issues: "write",
      checks: "write",
      "security-events": "write",
    });
    expect(workflow.jobs.review.steps[0].uses).toBe("archgate/archgate@v0");
  });

  it("never overwrites without --force; --force does", async () => {
    const repo = monorepo();
    repos.push(repo);
    writeFileSync(join(repo.dir, ".github/archgate.yml"), "rules: {}\n");
    const refused = await init(["--repo", repo.dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("archgate: .github/archgate.yml already exists: nothing written (--force overwrites)\n");
    expect(readFileSync(join(repo.dir, ".github/archgate.yml"), "utf8")).toBe("rules: {}\n");
    expect(existsSync(join(repo.dir, ".github/workflows/archgate.yml"))).toBe(false);
    const forced = await init(["--repo", repo.dir, "--force"]);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(repo.dir, ".github/archgate.yml"), "utf8")).toContain("services:");
  });

  it("--dry-run prints both files and writes nothing; a bare repository needs --dry-run", async () => {
    const repo = monorepo();
    repos.push(repo);
    const dry = await init(["--repo", repo.dir, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("--- .github/archgate.yml\n");
    expect(dry.stdout).toContain("--- .github/workflows/archgate.yml\n");
    expect(existsSync(join(repo.dir, ".github/workflows/archgate.yml"))).toBe(false);
    const bare = repo.bareClone();
    expect((await init(["--repo", bare])).code).toBe(2);
    expect((await init(["--repo", bare, "--dry-run"])).stdout).toContain('paths: ["services/payments/**"]');
  });

  it("helpers: CREATE TABLE names, kebab-case service names", () => {
    expect(createdTables('create table if not exists "billing"."Invoices" (id int);\nCREATE TABLE x(id int);')).toEqual(["invoices", "x"]);
    expect(kebab("LedgerWorker")).toBe("ledger-worker");
    expect(kebab("orders_api")).toBe("orders-api");
  });
});
