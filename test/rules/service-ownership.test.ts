import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import type { TriggerModule } from "../../src/engine/types.js";
import { testTrigger } from "../helpers/modules.js";
import { codeownersPatternMatches, ownersOf, parseCodeowners } from "../../src/formats/codeowners/codeowners.js";
import { parseFieldPath, serviceOwnership } from "../../src/rules/service-ownership.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";

describe("CODEOWNERS patterns (GitHub semantics)", () => {
  it.each([
    ["*", "services/a/main.go", true],
    ["*.go", "services/a/main.go", true],
    ["*.js", "services/a/main.go", false],
    ["/services/a/", "services/a/cmd/main.go", true],
    ["/services/a/", "services/ab/main.go", false],
    ["services/a", "services/a/main.go", true],
    ["apps/", "x/apps/web/index.ts", true],
    ["/apps/", "x/apps/web/index.ts", false],
    ["docs/*", "docs/intro.md", true],
    ["docs/*", "docs/guides/intro.md", false],
    ["**/logs", "deep/er/logs/a.txt", true],
    ["/build/logs/", "build/logs/x/y.log", true],
    ["Dockerfile", "services/a/Dockerfile", true],
  ])("%s matches %s: %s", (pattern, path, expected) => {
    expect(codeownersPatternMatches(pattern, path)).toBe(expected);
  });

  it("the last matching pattern wins and may leave a path unowned", () => {
    const entries = parseCodeowners("# owners\n*  @acme/platform\n/services/experiments/\n/services/experiments/recs/ @acme/recs # team\n");
    expect(ownersOf(entries, "services/experiments/recs/Dockerfile")).toMatchObject({ owners: ["@acme/recs"], line: 4 });
    expect(ownersOf(entries, "services/experiments/ab/Dockerfile")).toMatchObject({ owners: [], line: 3 });
    expect(ownersOf(entries, "README.md")).toMatchObject({ owners: ["@acme/platform"], line: 2 });
    expect(ownersOf(parseCodeowners(""), "README.md")).toBeUndefined();
  });
});

describe("parseFieldPath", () => {
  it.each([
    ["spec.owner", ["spec", "owner"]],
    ['metadata.annotations["pagerduty.com/service-id"]', ["metadata", "annotations", "pagerduty.com/service-id"]],
    ["metadata.labels['tier']", ["metadata", "labels", "tier"]],
  ])("%s", (path, expected) => expect(parseFieldPath(path)).toEqual(expected));

  it.each(["", "a..b", 'a["b'])("rejects %j", (path) => expect(parseFieldPath(path)).toBeUndefined());

  it("config validation rejects a malformed path with its position", () => {
    expect(() => validateConfig({ rules: { "service-ownership": { tier: ["a..b"] } } }, "archgate.yml")).toThrow(/tier/);
  });
});

/** A stand-in new-service trigger, so these cases do not depend on the trigger's heuristics. */
function fakeNewService(hits: { file: string; line?: number }[]): TriggerModule {
  return testTrigger({ id: "new-service", title: "New service", reviewType: "service-design" }, async () =>
    hits.map((h) => ({ ...h, reason: "test" })),
  );
}

async function run(head: Record<string, string>, hits: { file: string; line?: number }[], rules: Record<string, unknown> = {}) {
  const report = await reviewChange(changeFromTrees({}, head), validateConfig({ rules }, "test"), {
    rules: [serviceOwnership],
    triggers: [fakeNewService(hits)],
  });
  return { findings: report.findings.map((f) => `${f.file}:${f.line}`), messages: report.findings.map((f) => f.message), problems: report.problems };
}

const COMPLETE = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
  annotations:
    opsgenie.com/team: cart
  labels:
    tier: "2"
  links:
    - url: https://wiki.acme.dev/cart/playbook
spec:
  owner: team-cart
`;

describe("service-ownership", () => {
  it("is quiet without new services", async () => {
    expect((await run({ "a.txt": "x" }, [])).findings).toEqual([]);
  });

  it("passes a complete catalog entry and CODEOWNERS", async () => {
    const head = { "svc/cart/Dockerfile": "CMD x", "svc/cart/catalog-info.yaml": COMPLETE, CODEOWNERS: "/svc/ @acme/shop\n" };
    expect((await run(head, [{ file: "svc/cart/Dockerfile" }])).findings).toEqual([]);
  });

  it("counts one service for nested hits and reports at the trigger's line", async () => {
    const head = { "svc/cart/Dockerfile": "CMD x", "svc/cart/k8s/deploy.yaml": "kind: Deployment", ".github/CODEOWNERS": "* @acme/all\n" };
    const { findings } = await run(head, [{ file: "svc/cart/k8s/deploy.yaml", line: 3 }, { file: "svc/cart/Dockerfile" }]);
    expect(findings).toEqual(["svc/cart/Dockerfile:1"]);
  });

  it("reports a catalog file that does not parse as a problem", async () => {
    const head = { "svc/cart/Dockerfile": "CMD x", "svc/cart/catalog-info.yaml": "metadata: [\n", CODEOWNERS: "* @a\n" };
    const { findings, problems } = await run(head, [{ file: "svc/cart/Dockerfile" }]);
    expect(findings).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "svc/cart/catalog-info.yaml" });
  });

  it("spec.lifecycle counts as tier only when configured", async () => {
    const noTier = COMPLETE.replace('  labels:\n    tier: "2"\n', "").replace("spec:\n", "spec:\n  lifecycle: production\n");
    const head = { "svc/cart/Dockerfile": "CMD x", "svc/cart/catalog-info.yaml": noTier, CODEOWNERS: "* @a\n" };
    const loose = await run(head, [{ file: "svc/cart/Dockerfile" }]);
    expect(loose.findings).toEqual(["svc/cart/catalog-info.yaml:4"]);
    expect(loose.messages[0]).toMatch(/names no tier$/);
    expect((await run(head, [{ file: "svc/cart/Dockerfile" }], { "service-ownership": { tier: ["spec.lifecycle"] } })).findings).toEqual([]);
  });

  it("can skip the CODEOWNERS check", async () => {
    const head = { "svc/cart/Dockerfile": "CMD x", "svc/cart/catalog-info.yaml": COMPLETE };
    expect((await run(head, [{ file: "svc/cart/Dockerfile" }])).findings).toEqual(["svc/cart/Dockerfile:1"]);
    expect((await run(head, [{ file: "svc/cart/Dockerfile" }], { "service-ownership": { codeowners: false } })).findings).toEqual([]);
  });
});

describe("service-ownership with the real new-service trigger", () => {
  it("counts a Deployment and a service directory of the same name as one service, at home in its directory", async () => {
    const deployment = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      "  name: payments",
      "spec:",
      "  template:",
      "    spec:",
      "      containers:",
      "        - name: payments",
      "          image: ghcr.io/acme/payments:0.1.0",
      "",
    ].join("\n");
    const base = { "services/orders/Dockerfile": 'FROM node:20\nCMD ["node", "index.js"]\n', "services/orders/index.js": "x\n" };
    const head = {
      ...base,
      "deploy/k8s/payments.yaml": deployment,
      "services/payments/Dockerfile": 'FROM node:20\nCMD ["node", "src/server.js"]\n',
      "services/payments/package.json": '{ "name": "payments", "main": "src/server.js" }\n',
      "services/payments/src/server.js": "require('http').createServer().listen(8080);\n",
    };
    const report = await reviewChange(changeFromTrees(base, head), validateConfig({}, "test"), { rules: [serviceOwnership] });
    expect(report.triggers.find((t) => t.id === "new-service")?.files).toEqual(["deploy/k8s/payments.yaml", "services/payments/Dockerfile"]);
    expect(report.findings.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([
      "services/payments/Dockerfile:1 new service services/payments has no catalog entry (catalog-info.yaml or catalog-info.yml) naming its owner, on-call, runbook and tier",
      "services/payments/Dockerfile:1 new service services/payments has no CODEOWNERS entry (no CODEOWNERS file in .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS)",
    ]);
  });
});
