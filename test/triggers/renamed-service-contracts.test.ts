/**
 * A service directory renamed (`order-service/` → `service-order/`): its code contracts are compared file by file
 * with the new directory, so producers, consumers and routes that only moved fire nothing, and a real change in them
 * (or elsewhere) still does. A service removed whole stays a retirement, not a contract change.
 */
import { describe, expect, it } from "vitest";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import type { Report } from "../../src/engine/types.js";

type Tree = Record<string, string>;

async function review(base: Tree, head: Tree, renames: Record<string, string> = {}): Promise<Report> {
  return reviewChange(changeFromTrees(base, head, { renames }), defaultConfig());
}

const hits = (report: Report, id: string) => report.triggers.find((t) => t.id === id)?.hits ?? [];

const dockerfile = 'FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o /order-service\nCMD ["/order-service"]\n';
const goMod = "module order-service\n\ngo 1.22\n\nrequire github.com/nats-io/nats.go v1.36.0\n";

/** A NATS order service: consumes order.created, publishes `publishes` (each on its own line, from line 13). */
const orderMain = (publishes: string[], tail = "") =>
  [
    "package main", // 1
    "", // 2
    "import (", // 3
    '\t"log"', // 4
    "", // 5
    '\t"github.com/nats-io/nats.go"', // 6
    ")", // 7
    "", // 8
    "func main() {", // 9
    "\tnc, err := nats.Connect(nats.DefaultURL)", // 10
    '\tif err != nil { log.Fatal("connect:", err) }', // 11
    '\tnc.QueueSubscribe("order.created", "order-group", func(msg *nats.Msg) {', // 12
    ...publishes.map((subject) => `\t\tnc.Publish("${subject}", msg.Data)`),
    "\t})", //
    tail,
    "\tselect {}",
    "}",
    "",
  ].join("\n");

const adapterMain = (republish: boolean) =>
  [
    "package main", // 1
    "", // 2
    'import "github.com/nats-io/nats.go"', // 3
    "", // 4
    "func main() {", // 5
    "\tnc, _ := nats.Connect(nats.DefaultURL)", // 6
    '\tnc.QueueSubscribe("order.completed", "broker-group", func(msg *nats.Msg) {', // 7
    republish ? '\t\tnc.Publish("order.completed", msg.Data)' : '\t\tprintln("processed")', // 8
    "\t})", // 9
    "\tselect {}", // 10
    "}", // 11
    "",
  ].join("\n");

const compose = (dir: string) =>
  `services:\n  nats:\n    image: nats:2.10\n  order-service:\n    build: ./${dir}\n    depends_on:\n      - nats\n  broker-adapter:\n    build: ./broker-adapter\n`;

const baseTree: Tree = {
  "docker-compose.yml": compose("order-service"),
  "order-service/Dockerfile": dockerfile,
  "order-service/go.mod": goMod,
  "order-service/main.go": orderMain(["order.completed"]),
  "broker-adapter/Dockerfile": dockerfile.replaceAll("order-service", "broker-adapter"),
  "broker-adapter/go.mod": goMod.replace("order-service", "broker-adapter"),
  "broker-adapter/main.go": adapterMain(true),
};

/** The head tree with order-service/ renamed service-order/ (main.go rewritten as `main`). */
function renamedTree(main: string, adapterRepublishes = true): Tree {
  return {
    "docker-compose.yml": compose("service-order"),
    "service-order/Dockerfile": dockerfile,
    "service-order/go.mod": goMod,
    "service-order/main.go": main,
    "broker-adapter/Dockerfile": baseTree["broker-adapter/Dockerfile"]!,
    "broker-adapter/go.mod": baseTree["broker-adapter/go.mod"]!,
    "broker-adapter/main.go": adapterMain(adapterRepublishes),
  };
}

const gitRenames = { "service-order/Dockerfile": "order-service/Dockerfile", "service-order/go.mod": "order-service/go.mod" };

describe("code contracts of a renamed service directory", () => {
  it("fires nothing for a consumer and producer that moved with the renamed directory (manifests renamed, main.go rewritten)", async () => {
    const report = await review(baseTree, renamedTree(orderMain(["order.completed"], '\tlog.Println("subscribed")')), gitRenames);
    expect(hits(report, "event-contract")).toEqual([]);
    expect(hits(report, "new-service")).toEqual([]);
    expect(hits(report, "service-retirement")).toEqual([]);
  });

  it("still reports what changed beside the move: another service that stops re-publishing a subject", async () => {
    const report = await review(baseTree, renamedTree(orderMain(["order.completed"]), false), gitRenames);
    expect(hits(report, "event-contract")).toEqual([
      { file: "broker-adapter/main.go", reason: 'removes NATS producer of "order.completed" in broker-adapter/main.go' },
    ]);
  });

  it("reports a subject the moved file adds, at its head line", async () => {
    const report = await review(baseTree, renamedTree(orderMain(["order.completed", "order.audited"])), gitRenames);
    expect(hits(report, "event-contract")).toEqual([
      { file: "service-order/main.go", line: 14, reason: 'adds NATS producer of "order.audited" in service-order/main.go' },
    ]);
  });

  it("pairs the directories also when git saw the manifests deleted and added (Dockerfile edited while renamed)", async () => {
    const head = renamedTree(orderMain(["order.completed"]));
    head["service-order/Dockerfile"] = dockerfile.replace("golang:1.22", "golang:1.23");
    const report = await review(baseTree, head, { "service-order/go.mod": "order-service/go.mod" });
    expect(hits(report, "event-contract")).toEqual([]);
    const moved = await review(baseTree, { ...head, "service-order/main.go": orderMain([]) }, { "service-order/go.mod": "order-service/go.mod" });
    expect(hits(moved, "event-contract")).toEqual([
      { file: "order-service/main.go", reason: 'removes NATS producer of "order.completed" in order-service/main.go' },
    ]);
  });

  it("leaves out the contracts of a service removed whole (a retirement, not a contract change)", async () => {
    const head: Tree = {
      ...baseTree,
      "docker-compose.yml": "services:\n  nats:\n    image: nats:2.10\n  broker-adapter:\n    build: ./broker-adapter\n",
    };
    delete head["order-service/Dockerfile"];
    delete head["order-service/go.mod"];
    delete head["order-service/main.go"];
    const report = await review(baseTree, head);
    expect(hits(report, "event-contract")).toEqual([]);
    expect(hits(report, "service-retirement").map((h) => h.file)).toEqual(["docker-compose.yml", "order-service/Dockerfile"]);
  });
});

describe("routes of a renamed service directory", () => {
  const routes = (extra: string) =>
    [
      "const express = require('express');", // 1
      "const app = express();", // 2
      "app.get('/api/orders/:id', (req, res) => res.json({}));", // 3
      extra, // 4
      "app.listen(3000);", // 5
      "",
    ].join("\n");
  const pkg = (name: string) => JSON.stringify({ name, scripts: { start: "node server.js" }, dependencies: { express: "^4.19.0" } }, null, 2);
  const base: Tree = {
    "orders/package.json": pkg("orders"),
    "orders/server.js": routes("app.delete('/api/orders/:id', (req, res) => res.sendStatus(204));"),
  };

  it("fires nothing for routes that only moved, and reports a removed route at its base file and line", async () => {
    const moved = await review(
      base,
      {
        "order-api/package.json": pkg("orders"),
        "order-api/server.js": routes("app.delete('/api/orders/:id', (req, res) => res.sendStatus(204));\n"),
      },
      { "order-api/package.json": "orders/package.json" },
    );
    expect(hits(moved, "api-contract")).toEqual([]);
    const removed = await review(
      base,
      { "order-api/package.json": pkg("orders"), "order-api/server.js": routes("") },
      { "order-api/package.json": "orders/package.json" },
    );
    expect(hits(removed, "api-contract")).toEqual([
      { file: "order-api/server.js", reason: "removes route DELETE /api/orders/:id (Express) in order-api/server.js" },
    ]);
    expect(removed.findings.filter((f) => f.rule === "breaking-api-change").map((f) => `${f.file}:${f.line}`)).toEqual(["orders/server.js:4"]);
  });
});
