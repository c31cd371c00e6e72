import { describe, expect, it } from "vitest";
import { isAsyncApiDocument, mayBeAsyncApiText } from "../../src/formats/asyncapi/kind.js";
import { infraKindByPath } from "../../src/formats/infra/kinds.js";
import { definesContainers, isServiceWorkload, kubernetesObjects, quickKubernetesObjects } from "../../src/formats/kubernetes/objects.js";
import { migrationFramework, schemaFileKind } from "../../src/formats/migrations/frameworks.js";
import { isOpenApiDocument, mayBeOpenApiText, openApiLabel } from "../../src/formats/openapi/kind.js";
import { PathIndex } from "../../src/formats/common/paths.js";
import {
  eventSchemaPlace,
  graphqlDefinitionLine,
  hasEventName,
  isJsonSchemaDocument,
  isObjectSchema,
  protoServiceLine,
} from "../../src/formats/contracts/kinds.js";
import { parseStructured } from "../../src/engine/structured.js";

describe("openapi", () => {
  it("recognises OpenAPI and Swagger documents by their version key", () => {
    expect(openApiLabel({ openapi: "3.1.0", info: {} })).toBe("OpenAPI 3.1");
    expect(openApiLabel({ swagger: "2.0" })).toBe("Swagger 2.0");
    expect(isOpenApiDocument({ info: { openapi: "3.0.0" } })).toBe(false);
    expect(isOpenApiDocument({ openapi: { enabled: true } })).toBe(false);
    expect(isOpenApiDocument(["openapi"])).toBe(false);
  });
  it("pre-checks text cheaply", () => {
    expect(mayBeOpenApiText("# api\nopenapi: 3.0.3\n")).toBe(true);
    expect(mayBeOpenApiText('{"openapi": "3.1.0"}')).toBe(true);
    expect(mayBeOpenApiText("server:\n  openapi: true\n")).toBe(false);
  });
});

describe("asyncapi", () => {
  it("recognises AsyncAPI documents", () => {
    expect(isAsyncApiDocument({ asyncapi: "2.6.0" })).toBe(true);
    expect(isAsyncApiDocument({ openapi: "3.0.0" })).toBe(false);
    expect(mayBeAsyncApiText("asyncapi: 3.0.0\n")).toBe(true);
  });
});

describe("schemas", () => {
  it("finds GraphQL type definitions but not operations", () => {
    expect(graphqlDefinitionLine("# schema\n\ntype Query {\n  cart: Cart\n}\n")).toBe(3);
    expect(graphqlDefinitionLine('"""doc"""\nextend type Cart @key(fields: "id") {\n  id: ID!\n}\n')).toBe(2);
    expect(graphqlDefinitionLine("query Cart($id: ID!) {\n  cart(id: $id) {\n    type\n    items { id }\n  }\n}\n")).toBeUndefined();
  });
  it("finds gRPC services outside comments", () => {
    expect(protoServiceLine('syntax = "proto3";\n\nservice Cart {\n  rpc Get(GetRequest) returns (CartReply);\n}\n')).toBe(3);
    expect(protoServiceLine('syntax = "proto3";\n// service Cart {\nmessage CartCreated {\n  string id = 1;\n}\n')).toBeUndefined();
  });
  it("places event schemas", () => {
    expect(eventSchemaPlace("schemas/events/order-created.json")).toBe("event-dir");
    expect(eventSchemaPlace("contracts/OrderPlaced.schema.json")).toBe("schema-dir");
    expect(eventSchemaPlace("src/order-created.event.json")).toBe("event-name");
    expect(eventSchemaPlace("schemas/config.schema.json")).toBeUndefined();
    expect(eventSchemaPlace("src/order.json")).toBeUndefined();
    expect(isJsonSchemaDocument({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "object" })).toBe(true);
    expect(isJsonSchemaDocument({ name: "x" })).toBe(false);
  });
});

describe("kubernetes", () => {
  const file = parseStructured(
    [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      "  name: cart",
      "spec:",
      "  template:",
      "    spec:",
      "      containers:",
      "        - name: cart",
      "          image: ghcr.io/acme/cart:1.0.0",
      "---",
      "apiVersion: v1",
      "kind: Service",
      "metadata: {name: cart}",
      "---",
      "apiVersion: backstage.io/v1alpha1",
      "kind: Component",
      "metadata: {name: cart}",
    ].join("\n"),
  );
  it("lists objects with their kind line, skipping Backstage entities", () => {
    const objects = kubernetesObjects(file);
    expect(objects.map((o) => [o.kind, o.name, o.docIndex, o.line])).toEqual([
      ["Deployment", "cart", 0, 2],
      ["Service", "cart", 1, 13],
    ]);
    expect(isServiceWorkload(objects[0]!)).toBe(true);
    expect(isServiceWorkload(objects[1]!)).toBe(false);
    expect(definesContainers(objects[0]!)).toBe(true);
  });
  it("reads YAML that borrows apiVersion/kind as Kubernetes only when it is a cluster object", () => {
    const docs = [
      // Cloud Foundation Toolkit blueprint metadata, beside a Terraform module.
      "apiVersion: blueprints.cloud.google.com/v1alpha1\nkind: BlueprintMetadata\nmetadata:\n  name: terraform-google-sql-db\nspec:\n  info:\n    title: SQL DB\n",
      // A Backstage software template.
      "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: spring-service\nspec:\n  owner: platform\n",
      // A kubeconfig: apiVersion v1, kind Config, no metadata.
      "apiVersion: v1\nkind: Config\nclusters:\n  - name: dev\n    cluster:\n      server: https://127.0.0.1:6443\ncurrent-context: dev\n",
      // A kind cluster config.
      "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n",
    ];
    for (const text of docs) {
      expect(quickKubernetesObjects(text)).toEqual([]);
      expect(kubernetesObjects(parseStructured(text))).toEqual([]);
    }
    // Custom resources of real controllers stay; so do Kustomize's own files, which carry no metadata.
    const crd = "apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata:\n  name: frontend\nspec:\n  timeoutSec: 40\n";
    const kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n";
    for (const [text, kind] of [
      [crd, "BackendConfig"],
      [kustomization, "Kustomization"],
    ] as const) {
      expect(quickKubernetesObjects(text)!.map((o) => o.kind)).toEqual([kind]);
      expect(kubernetesObjects(parseStructured(text)).map((o) => o.kind)).toEqual([kind]);
    }
  });
  it("reads a name written with a YAML anchor as the name", () => {
    const text =
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: &app radarr\nspec:\n  postBuild:\n    substitute:\n      APP: *app\n";
    expect(quickKubernetesObjects(text)!.map((o) => o.name)).toEqual(["radarr"]);
    expect(kubernetesObjects(parseStructured(text)).map((o) => o.name)).toEqual(["radarr"]);
  });
  it("treats a workload without an image as a patch", () => {
    const patch = parseStructured("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart}\nspec:\n  replicas: 5\n");
    expect(definesContainers(kubernetesObjects(patch)[0]!)).toBe(false);
  });
  it("scans headers without a parser, including Helm templates, and defers JSON and Lists", () => {
    const template =
      '{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    name: not-this\n  name: {{ include "x.fullname" . }}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: "svc"}\n{{- end }}\n';
    expect(quickKubernetesObjects(template)).toEqual([
      { kind: "Deployment", apiVersion: "apps/v1", name: '{{ include "x.fullname" . }}', docIndex: 0, line: 3 },
      { kind: "Service", apiVersion: "v1", name: "svc", docIndex: 1, line: 10 },
    ]);
    expect(quickKubernetesObjects('{"apiVersion": "v1", "kind": "Service"}')).toBeUndefined();
    expect(quickKubernetesObjects("apiVersion: v1\nkind: List\nitems: []\n")).toBeUndefined();
    expect(quickKubernetesObjects("apiVersion: 2\nkind: settings\n")).toEqual([]);
  });

  it("expands List items", () => {
    const list = parseStructured("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: apps/v1\n    kind: StatefulSet\n    metadata: {name: db}\n");
    expect(kubernetesObjects(list).map((o) => [o.kind, o.name, o.line])).toEqual([["StatefulSet", "db", 5]]);
  });
});

describe("migrationFramework", () => {
  it.each([
    ["db/migrate/20240101120000_add_email_to_users.rb", undefined, "Rails"],
    ["db/cache_migrate/20240101120000_create_entries.rb", undefined, "Rails"],
    ["shop/orders/migrations/0004_order_status.py", undefined, "Django"],
    ["alembic/versions/3f2a1b_add_orders.py", undefined, "Alembic"],
    ["app/db/versions/ab12_add.py", "revision = 'ab12'\ndown_revision = None\n", "Alembic"],
    ["src/main/resources/db/migration/V2_1__add_index.sql", undefined, "Flyway"],
    ["src/main/resources/db/changelog/db.changelog-master.yaml", "databaseChangeLog:\n", "Liquibase"],
    ["prisma/migrations/20240101120000_init/migration.sql", undefined, "Prisma"],
    ["migrations/20240101120000_create_users.ts", "export async function up(knex) {}", "Knex"],
    ["db/migrations/000003_add_carts.up.sql", undefined, "golang-migrate"],
    ["sql/migrations/20240101120000_carts.sql", "-- +goose Up\nCREATE TABLE carts();\n", "goose"],
    ["src/migrations/1700000000000-AddCart.ts", "import { MigrationInterface } from 'typeorm';", "TypeORM"],
    ["migrations/20240101120000-create-user.js", "module.exports = { up: async (queryInterface) => {} }", "Sequelize"],
    ["src/Cart.Api/Migrations/20240101120000_AddCart.cs", undefined, "EF Core"],
    ["database/migrations/2024_01_01_000000_create_carts_table.php", undefined, "Laravel"],
    ["priv/repo/migrations/20240101120000_create_carts.exs", undefined, "Ecto"],
  ] as const)("%s is %s", (path, text, framework) => {
    expect(migrationFramework(path, text)).toBe(framework);
  });

  it.each([
    "db/seeds.rb",
    "db/seeds/20240101_users.sql",
    "spec/factories/users.rb",
    "app/models/migration.rb",
    "src/Cart.Api/Migrations/20240101120000_AddCart.Designer.cs",
    "shop/orders/migrations/__init__.py",
    "scripts/cleanup.sql",
  ])("%s is not a migration", (path) => expect(migrationFramework(path)).toBeUndefined());

  it("knows schema files", () => {
    expect(schemaFileKind("prisma/schema.prisma")).toBe("Prisma schema");
    expect(schemaFileKind("db/schema.rb")).toBe("Rails schema");
    expect(schemaFileKind("db/structure.sql")).toBe("SQL structure dump");
    expect(schemaFileKind("app/schema.rb")).toBeUndefined();
  });
});

describe("infraKindByPath", () => {
  it.each([
    ["infra/main.tf", "Terraform"],
    ["envs/prod.tfvars", "Terraform"],
    ["modules/vpc/main.tofu", "OpenTofu"],
    ["services/cart/Dockerfile", "Dockerfile"],
    ["docker/api.Dockerfile", "Dockerfile"],
    ["docker-compose.prod.yml", "Compose"],
    [".github/workflows/deploy.yml", "CI pipeline"],
    [".gitlab-ci.yml", "CI pipeline"],
    ["Jenkinsfile", "CI pipeline"],
    [".circleci/config.yml", "CI pipeline"],
    ["azure-pipelines.yml", "CI pipeline"],
    ["charts/cart/Chart.yaml", "Helm"],
    ["deploy/kustomization.yaml", "Kustomize"],
    ["infra/Pulumi.prod.yaml", "Pulumi"],
    ["gateway/envoy.yaml", "Envoy"],
    ["deploy/nginx/conf.d/api.conf", "nginx"],
  ])("%s is %s", (path, kind) => expect(infraKindByPath(path)).toBe(kind));

  it("uses the surrounding chart, kustomization and Pulumi project", () => {
    expect(infraKindByPath("charts/cart/values-prod.yaml", { chartDir: "charts/cart" })).toBe("Helm");
    expect(infraKindByPath("charts/cart/templates/deployment.yaml", { chartDir: "charts/cart" })).toBe("Helm");
    expect(infraKindByPath("charts/cart/ci/values.yaml", { chartDir: "charts/cart" })).toBeUndefined();
    expect(infraKindByPath("infra/index.ts", { pulumiDir: "infra" })).toBe("Pulumi");
    expect(infraKindByPath("src/index.ts")).toBeUndefined();
    expect(infraKindByPath(".github/dependabot.yml")).toBeUndefined();
  });
});

describe("PathIndex", () => {
  const index = new PathIndex(["services/cart/Dockerfile", "services/cart/src/main.go", "README.md"]);
  it("answers directory questions", () => {
    expect(index.hasDir("services")).toBe(true);
    expect(index.hasDir("services/cart/src")).toBe(true);
    expect(index.hasDir("services/orders")).toBe(false);
    expect(index.filesIn("services/cart")).toEqual(["services/cart/Dockerfile"]);
    expect(index.nearestWith("services/cart/src", ["Dockerfile"])).toBe("services/cart");
    expect(index.nearestWith("services/cart/src", ["Chart.yaml"])).toBeUndefined();
  });
});

describe("sqlStatements / isSchemaOperationLine", () => {
  it("splits statements outside quotes, dollar bodies and comments, with their lines", async () => {
    const { sqlStatements, statementsAt } = await import("../../src/formats/migrations/frameworks.js");
    const text =
      "CREATE TABLE pets (\n  id INT,\n  note TEXT DEFAULT ';'\n);\n-- a comment;\nINSERT INTO pets VALUES (1, 'a;b');\nCREATE FUNCTION f() RETURNS void AS $$ BEGIN; END; $$ LANGUAGE plpgsql;\n";
    expect(sqlStatements(text).map((s) => [s.line, s.endLine, s.text.split(/\s+/)[0]])).toEqual([
      [1, 4, "CREATE"],
      [6, 6, "INSERT"],
      [7, 7, "CREATE"],
    ]);
    expect(statementsAt(text, [2]).map((s) => s.line)).toEqual([1]);
  });

  it("tells formatting, comments, imports and output apart from edits that change what a migration does", async () => {
    const { isTrivialMigrationEdit } = await import("../../src/formats/migrations/frameworks.js");
    const trivial: Array<[string[], string[]]> = [
      [
        ['    tags_regex = re.compile("^([\\w\\s]+):|#([\\w-]+)", re.I | re.U)'],
        ['    tags_regex = re.compile(r"^([\\w\\s]+):|#([\\w-]+)", re.I | re.U)'],
      ],
      [["      t.string   :key,          null: false"], ["      t.string :key, null: false"]],
      [['    add_index :stories, [ "hotness" ], :name => "hotness_idx"'], ['    add_index :stories, ["hotness"], name: "hotness_idx"']],
      [
        ['        Keystore.arel_table[:key].matches("story:%:comment_count")).delete_all'],
        ['        Keystore.arel_table[:key].matches("story:%:comment_count")', "      ).delete_all"],
      ],
      [
        ["    op.add_column(", "        'users',", "        sa.Column('disabled_at', sa.DateTime(True), nullable=True)", "    )"],
        ['    op.add_column("users", sa.Column("disabled_at", sa.DateTime(True), nullable=True))'],
      ],
      [["from django.db import migrations, models", "import django.utils.timezone"], ["from django.db import migrations, models"]],
      [["      puts user.username"], []],
      [[], ["# If you are reading this file because Rails complains, stop.", ""]],
      [["    op.add_column('user', sa.Column('name', sa.String(),))"], ['    op.add_column("user", sa.Column("name", sa.String()))']],
    ];
    for (const [removed, added] of trivial) expect(isTrivialMigrationEdit(removed, added), removed.concat(added).join(" / ")).toBe(true);
    const material: Array<[string[], string[]]> = [
      [["      t.string :subject"], ["      t.string :subject, null: false"]],
      [[], ["    remove_index :stories, :merged_story_id"]],
      [
        ['    Message.where(short_id: nil).update_all(short_id: "")'],
        ["    if Message.where(short_id: nil).exists?", '      raise "One or more Messages with a nil short_id exist."', "    end"],
      ],
      [["        created_at: first_use,"], ["        created_at: first_use || Time.current,"]],
      [['down_revision = "a92d92aa678e"'], ['down_revision = "0f740a081d20"']],
      [["  def change"], ["  def up"]],
    ];
    for (const [removed, added] of material) expect(isTrivialMigrationEdit(removed, added), removed.concat(added).join(" / ")).toBe(false);
  });
});

describe("isThirdPartyImage", () => {
  it("knows databases, caches and proxies by their official or vendor names", async () => {
    const { isThirdPartyImage } = await import("../../src/formats/services/markers.js");
    for (const image of [
      "postgres:17",
      "docker.io/library/postgres:16.4",
      "redis:7.2-alpine@sha256:0389bb8416d7c6ed065c25745179bf5d358e5d9472dd30a687ab36ffbb650262",
      "bitnami/redis:7.4",
      "minio/minio:RELEASE.2024-01-01T00-00-00Z",
      "docker.elastic.co/elasticsearch/elasticsearch:8.15.0",
      "mcr.microsoft.com/mssql/server:2022-latest",
    ]) {
      expect(isThirdPartyImage(image), image).toBe(true);
    }
    for (const image of [
      "dsyer/petclinic",
      "ghcr.io/acme/cart:1.4.0",
      "adservice",
      "ghcr.io/acme/postgres:1.0",
      "acme/redis-proxy:2",
      "{{ .Values.image }}",
    ]) {
      expect(isThirdPartyImage(image), image).toBe(false);
    }
  });
});

describe("event schema files", () => {
  it("knows event names by their last word", () => {
    for (const name of [
      "RestaurantCreated.json",
      "RestaurantMenuRevised.json",
      "order-cancelled.schema.json",
      "PaymentAuthorized.v2.json",
      "OrderShippedEvent.json",
    ])
      expect(hasEventName(`schemas/${name}`)).toBe(true);
    for (const name of ["MenuItem.json", "Created.json", "package.json", "openapi.yaml", "Order.json"])
      expect(hasEventName(`schemas/${name}`)).toBe(false);
  });
  it("takes an object schema with or without $schema", () => {
    expect(isObjectSchema({ type: "object", properties: { id: { type: "string" } } })).toBe(true);
    expect(isObjectSchema({ $schema: "http://json-schema.org/draft-07/schema#", type: "string" })).toBe(true);
    expect(isObjectSchema({ orderId: "o-1", total: 12 })).toBe(false);
  });
});
