/** Edge cases of the built-in triggers: broken and odd input, renames, exact reasons and lines, speed. */
import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";

import type { Report } from "../../src/engine/types.js";
import { TRIGGERS, defaultConfig, reviewChange, triggerById } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

type Tree = Record<string, string | Uint8Array>;

async function run(base: Tree, head: Tree, options: { renames?: Record<string, string>; maxFileBytes?: number } = {}): Promise<Report> {
  const config = defaultConfig();
  if (options.maxFileBytes) config.limits.maxFileBytes = options.maxFileBytes;
  return reviewChange(changeFromTrees(base, head, { renames: options.renames }), config, { rules: [] });
}

function hits(report: Report, id: string) {
  return report.triggers.find((t) => t.id === id)?.hits ?? [];
}

const deployment = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ghcr.io/acme/${name}:1.0.0\n`;

describe("broken and unusual input", () => {
  it("counts a block-style OpenAPI YAML that does not parse by its top-level version key", async () => {
    const report = await run({}, { "specs/billing.yaml": "openapi: 3.0.3\ninfo:\n  title: Billing\n   version: 1.0.0\npaths: {}\n" });
    expect(hits(report, "api-contract")).toEqual([{ file: "specs/billing.yaml", line: 1, reason: "adds OpenAPI 3.0 document specs/billing.yaml" }]);
    expect(report.problems).toEqual([]);
  });

  it("counts a flow-style OpenAPI YAML that does not parse by its version key and notes file:line", async () => {
    const report = await run({}, { "specs/billing.yaml": "{openapi: 3.0.3, info: {title: Billing\n" });
    expect(hits(report, "api-contract")).toEqual([]);
    const broken = await run({}, { "specs/billing.yaml": '"openapi": "3.0.3"\ninfo: [\n' });
    expect(hits(broken, "api-contract")).toEqual([{ file: "specs/billing.yaml", reason: "adds OpenAPI document specs/billing.yaml" }]);
    expect(broken.notes.map(noteText).some((n) => n.startsWith("specs/billing.yaml:") && n.includes("counted as an OpenAPI document"))).toBe(true);
  });

  it("counts a Kubernetes manifest in k8s/ that does not parse by its apiVersion/kind keys", async () => {
    const report = await run(
      {},
      { "k8s/worker.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n   labels: {app: worker}\n" },
    );
    expect(hits(report, "infra-change")).toEqual([
      { file: "k8s/worker.yaml", line: 2, reason: "adds Kubernetes manifest k8s/worker.yaml (Deployment worker)" },
    ]);
  });

  it("notes a JSON manifest that does not parse, naming file and line", async () => {
    const report = await run({}, { "k8s/worker.json": '{"apiVersion": "apps/v1", "kind": "Deployment",\n  "metadata": {"name": "worker"\n' });
    expect(hits(report, "infra-change").map((h) => h.file)).toEqual(["k8s/worker.json"]);
    expect(report.notes.map(noteText).some((n) => /^infra-change: k8s\/worker\.json:\d+:\d+: could not parse/.test(n))).toBe(true);
  });

  it("does not count broken YAML outside manifest directories that only looks like a manifest", async () => {
    const report = await run({}, { "config/app.yaml": "apiVersion: 2\nkind: settings\nfoo:\n  bar: 1\n   baz: 2\n" });
    expect(hits(report, "infra-change")).toEqual([]);
  });

  it("skips binary and oversized files without crashing; the rules that must judge them fail the review closed", async () => {
    const binary = new Uint8Array([0x7b, 0x00, 0x01, 0x02]);
    const big = `openapi: 3.0.0\ninfo: {title: x, version: "1"}\npaths: {}\n${"#".repeat(2000)}\n`;
    const report = await run({}, { "api/openapi.json": binary, "api/big.yaml": big }, { maxFileBytes: 1000 });
    expect(report.triggers).toEqual([]);
    expect(report.problems.map((p) => p.file)).toEqual(["api/openapi.json", "api/big.yaml"]);
    expect(report.problems[1]!.message).toContain("over the size limit of 1,000 bytes");
  });

  it("judges a GraphQL schema too large to read by its diff, and notes it", async () => {
    const sdl = (extra: string) => `enum OrderEventsEmailsEnum {\n  ORDER_CANCEL\n${extra}  ORDER_REFUND\n}\n${"# padding\n".repeat(50)}`;
    const report = await run(
      { "saleor/graphql/schema.graphql": sdl("  DIGITAL_LINKS\n") },
      { "saleor/graphql/schema.graphql": sdl("") },
      { maxFileBytes: 300 },
    );
    expect(hits(report, "api-contract")).toEqual([
      { file: "saleor/graphql/schema.graphql", reason: "changes GraphQL schema saleor/graphql/schema.graphql" },
    ]);
    expect(report.notes.map(noteText)).toContain("saleor/graphql/schema.graphql: too large to read; judged as a GraphQL schema from its diff");
    const docsOnly = await run({ "schema.graphql": sdl("") }, { "schema.graphql": `"""Emails."""\n${sdl("")}` }, { maxFileBytes: 300 });
    expect(hits(docsOnly, "api-contract")).toEqual([]);
  });

  it("ignores empty and comment-only files", async () => {
    const report = await run({}, { "api/openapi.yaml": "", "proto/empty.proto": "// nothing yet\n", "schema.graphql": "# todo\n" });
    expect(report.triggers).toEqual([]);
  });
});

describe("reasons and lines", () => {
  it("names the workload and points at its kind line", async () => {
    const report = await run(
      { "k8s/cart.yaml": deployment("cart") },
      { "k8s/cart.yaml": deployment("cart"), "k8s/checkout.yaml": deployment("checkout") },
    );
    expect(hits(report, "new-service")).toEqual([{ file: "k8s/checkout.yaml", line: 2, reason: "adds Deployment checkout in k8s/checkout.yaml" }]);
    expect(hits(report, "infra-change")).toEqual([
      { file: "k8s/checkout.yaml", line: 2, reason: "adds Kubernetes manifest k8s/checkout.yaml (Deployment checkout)" },
    ]);
  });

  it("points a modified contract at the first changed line", async () => {
    const before = 'syntax = "proto3";\n\nservice Cart {\n  rpc Get(GetRequest) returns (CartReply);\n}\n';
    const after =
      'syntax = "proto3";\n\nservice Cart {\n  rpc Get(GetRequest) returns (CartReply);\n  rpc Clear(ClearRequest) returns (CartReply);\n}\n';
    const report = await run({ "proto/cart.proto": before }, { "proto/cart.proto": after });
    expect(hits(report, "api-contract")).toEqual([{ file: "proto/cart.proto", line: 5, reason: "changes gRPC service definition proto/cart.proto" }]);
  });

  it("reads a removed contract at base", async () => {
    const report = await run({ "proto/cart.proto": 'syntax = "proto3";\nservice Cart {}\n' }, {});
    expect(hits(report, "api-contract")).toEqual([{ file: "proto/cart.proto", reason: "removes gRPC service definition proto/cart.proto" }]);
  });

  it("describes a new service directory by its markers and how it starts", async () => {
    const report = await run({}, { "services/pay/go.mod": "module pay\n", "services/pay/cmd/server/main.go": "package main\nfunc main() {}\n" });
    expect(hits(report, "new-service")).toEqual([
      { file: "services/pay/go.mod", reason: "adds service directory services/pay (go.mod; starts with cmd/server/main.go)" },
    ]);
  });

  it("notes version-only bumps it did not count", async () => {
    const report = await run(
      { Dockerfile: 'FROM node:20-alpine\nCMD ["node", "server.js"]\n' },
      { Dockerfile: 'FROM node:22-alpine\nCMD ["node", "server.js"]\n' },
    );
    expect(report.triggers).toEqual([]);
    expect(report.notes.map(noteText)).toContain("infra-change: version-only bumps were not counted as infrastructure changes: Dockerfile");
  });

  it("notes CI pipelines, renamed files and Terraform outside resources it did not count", async () => {
    const compose = "services:\n  db:\n    image: postgres:17\n";
    const report = await run(
      { ".github/workflows/deploy.yml": "steps:\n  - run: make\n", "docker-compose.yml": compose, "outputs.tf": "" },
      {
        ".github/workflows/deploy.yml": "steps:\n  - run: kubectl apply -k deploy/prod\n",
        "compose.yml": compose,
        "outputs.tf": 'output "id" {\n  value = aws_vpc.this.id\n}\n',
      },
      { renames: { "compose.yml": "docker-compose.yml" } },
    );
    expect(report.triggers).toEqual([]);
    expect(report.notes.map(noteText)).toContain(
      "infra-change: CI pipelines are the team's tooling and were not counted as infrastructure changes: .github/workflows/deploy.yml",
    );
    expect(report.notes.map(noteText)).toContain("infra-change: files moved without changes were not counted: docker-compose.yml -> compose.yml");
    expect(
      report.notes.map(noteText).some((n) => n.startsWith("infra-change: Terraform changes outside resources") && n.endsWith(": outputs.tf")),
    ).toBe(true);
  });

  it("names the Terraform blocks that changed", async () => {
    const report = await run(
      { "main.tf": 'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n}\n' },
      { "main.tf": 'resource "aws_vpc" "this" {\n  cidr_block = "10.1.0.0/16"\n}\n' },
    );
    const hit = report.triggers.find((t) => t.id === "infra-change")!.hits[0]!;
    expect(hit).toEqual({ file: "main.tf", line: 2, reason: 'changes Terraform configuration main.tf (resource "aws_vpc" "this")' });
  });
});

describe("renames and moves", () => {
  const svc = { Dockerfile: 'FROM alpine\nCMD ["/app"]\n', "main.go": "package main\n" };
  const at = (dir: string): Tree => Object.fromEntries(Object.entries(svc).map(([k, v]) => [`${dir}/${k}`, v]));

  it("a service directory renamed by git is neither new nor retired", async () => {
    const report = await run(at("services/cart"), at("apps/cart"), {
      renames: { "apps/cart/Dockerfile": "services/cart/Dockerfile", "apps/cart/main.go": "services/cart/main.go" },
    });
    expect(hits(report, "new-service")).toEqual([]);
    expect(hits(report, "service-retirement")).toEqual([]);
  });

  it("a Helm chart moved to another directory is neither new nor retired", async () => {
    const chart = "apiVersion: v2\nname: cart\nversion: 1.0.0\n";
    const report = await run({ "charts/cart/Chart.yaml": chart }, { "deploy/helm/cart/Chart.yaml": chart });
    expect(hits(report, "new-service")).toEqual([]);
    expect(hits(report, "service-retirement")).toEqual([]);
  });

  it("a workload moved between manifest files is neither new nor retired", async () => {
    const report = await run(
      { "k8s/all.yaml": `${deployment("cart")}---\n${deployment("orders")}` },
      { "k8s/all.yaml": deployment("cart"), "k8s/orders/deployment.yaml": deployment("orders") },
    );
    expect(hits(report, "new-service")).toEqual([]);
    expect(hits(report, "service-retirement")).toEqual([]);
  });
});

describe("compose services built from a shared context", () => {
  it("judges a new compose file by the directory of each service's Dockerfile", async () => {
    const compose =
      "services:\n  opamp-server:\n    build:\n      context: ./\n      dockerfile: src/opamp-server/Dockerfile\n  frontend:\n    build:\n      context: ./\n      dockerfile: src/frontend/Dockerfile\n";
    const report = await run(
      { "src/frontend/Dockerfile": "FROM node:22\n" },
      { "src/frontend/Dockerfile": "FROM node:22\n", "src/opamp-server/Dockerfile": "FROM golang:1.24\n", "compose.observability.yaml": compose },
    );
    expect(hits(report, "new-service")).toEqual([
      {
        file: "compose.observability.yaml",
        line: 2,
        reason: "adds compose service opamp-server (built from ./, src/opamp-server/Dockerfile) in compose.observability.yaml",
      },
    ]);
  });
});

describe("migration frameworks that need the text", () => {
  it("recognises Alembic revisions outside the usual directory names by their down_revision", async () => {
    const report = await run(
      {},
      {
        "app/store/versions/ab12_add_orders.py": "revision = 'ab12'\ndown_revision = 'aa11'\n",
        "app/store/versions/helpers.py": "def x():\n    pass\n",
      },
    );
    expect(hits(report, "schema-migration").map((h) => h.file)).toEqual(["app/store/versions/ab12_add_orders.py"]);
  });

  it("recognises goose and dbmate SQL by their annotations", async () => {
    const report = await run(
      {},
      {
        "sql/20240101_carts.sql": "-- +goose Up\nCREATE TABLE carts();\n",
        "db/20240102_orders.sql": "-- migrate:up\nCREATE TABLE orders();\n",
        "sql/report.sql": "SELECT 1;\n",
      },
    );
    expect(hits(report, "schema-migration").map((h) => h.reason)).toEqual([
      "adds dbmate migration db/20240102_orders.sql",
      "adds goose migration sql/20240101_carts.sql",
    ]);
  });
});

describe("modules", () => {
  it("declare the review type and dimensions of the product vocabulary", () => {
    expect(TRIGGERS.map((t) => [t.meta.id, t.meta.reviewType])).toEqual([
      ["api-contract", "contract"],
      ["event-contract", "contract"],
      ["infra-change", "production-readiness"],
      ["new-service", "service-design"],
      ["schema-migration", "data"],
      ["service-retirement", "decommission"],
    ]);
    expect(triggerById("new-service")!.meta.dimensions).toHaveLength(8);
  });
});

describe("large changes", () => {
  function syntheticChange(files: number) {
    const base: Tree = {};
    const head: Tree = {};
    for (let i = 0; i < files; i++) {
      const dir = `services/s${i % 60}`;
      switch (i % 6) {
        case 0:
          head[`${dir}/src/file${i}.ts`] = `export const v${i} = ${i};\n`;
          break;
        case 1:
          base[`${dir}/k8s/d${i}.yaml`] = deployment(`w${i}`);
          head[`${dir}/k8s/d${i}.yaml`] = deployment(`w${i}`).replace("1.0.0", "1.0.1") + "  replicas: 2\n";
          break;
        case 2:
          head[`${dir}/api/openapi${i}.yaml`] = `openapi: 3.1.0\ninfo: {title: s${i}, version: "1"}\npaths: {}\n`;
          break;
        case 3:
          head[`${dir}/db/migrations/${String(i).padStart(6, "0")}_x.up.sql`] = "CREATE TABLE t();\n";
          break;
        case 4:
          head[`${dir}/docs/page${i}.md`] = "# page\n";
          break;
        default:
          head[`${dir}/config/c${i}.json`] = `{"name": "c${i}"}\n`;
      }
    }
    return changeFromTrees(base, head);
  }

  // Its speed is measured by `npm run bench`, never by a timed test.
  it("classifies a synthetic 3,000-file change exactly", async () => {
    const report = await reviewChange(syntheticChange(3000), defaultConfig(), { rules: [] });
    expect(report.triggers.map((t) => [t.id, t.files.length]).sort()).toEqual([
      ["api-contract", 500],
      ["infra-change", 500],
      ["schema-migration", 500],
    ]);
  });
});
