/**
 * Review depth fitted to the change: each built-in trigger names the checklist items it needs, a trigger
 * whose files a stronger review already covers adds nothing, a tuning-only infrastructure change is a
 * lightweight decision record, and a repository's own items and overrides keep working.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_CHECKLIST } from "../../src/config/checklist.js";
import { parseConfig, reviewChange, TRIGGERS, validateConfig } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import type { Report } from "../../src/engine/types.js";
import { DIMENSION_IDS } from "../../src/engine/vocabulary.js";
import { lines } from "../helpers/review.js";

const ids = (report: Report) => report.checklist.flatMap((s) => s.items.map((i) => i.id));

const deployment = (replicas: number, extra = "") =>
  lines(
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: cart",
    "spec:",
    `  replicas: ${replicas}`,
    "  selector:",
    "    matchLabels:",
    "      app: cart",
    "  template:",
    "    metadata:",
    "      labels:",
    "        app: cart",
    "    spec:",
    "      containers:",
    "        - name: cart",
    "          image: ghcr.io/acme/cart:2.1.0",
    extra || "          ports:\n            - containerPort: 8080",
  );

const openapi = (extraPath = "") =>
  lines(
    "openapi: 3.0.3",
    "info:",
    "  title: Cart",
    "  version: 1.0.0",
    "paths:",
    "  /v1/carts:",
    "    get:",
    "      responses:",
    "        '200':",
    "          description: ok",
    extraPath,
  );

describe("checklist depth", () => {
  it("every built-in item is asked for by name by some built-in trigger", () => {
    const named = new Set(TRIGGERS.flatMap((t) => [...(t.meta.checklist ?? []), ...(t.meta.light?.checklist ?? [])]));
    const builtIn = DIMENSION_IDS.flatMap((d) => DEFAULT_CHECKLIST[d].map((i) => i.id));
    expect(builtIn.filter((id) => !named.has(id))).toEqual([]);
    expect([...named].filter((id) => !builtIn.includes(id))).toEqual([]);
  });

  it("a replica bump together with a new port is a production readiness review, not a lightweight one", async () => {
    const report = await reviewChange(
      changeFromTrees({ "k8s/cart.yaml": deployment(2) }, { "k8s/cart.yaml": deployment(4, "          ports:\n            - containerPort: 9090") }),
      validateConfig({}, "test"),
    );
    expect(report.reviewTypes.map((t) => t.id)).toEqual(["production-readiness"]);
    expect(ids(report)).toHaveLength(8);
  });

  it("a replica bump is an architecture decision record with three items", async () => {
    const report = await reviewChange(
      changeFromTrees({ "k8s/cart.yaml": deployment(2) }, { "k8s/cart.yaml": deployment(4) }),
      validateConfig({}, "test"),
    );
    expect(report.reviewTypes.map((t) => t.id)).toEqual(["adr"]);
    expect(ids(report)).toEqual(["runtime-rollout", "runtime-tuning-recorded", "cost-autoscaling"]);
  });

  it("a repository's review type for the trigger still wins over the lightweight one", async () => {
    const report = await reviewChange(
      changeFromTrees({ "k8s/cart.yaml": deployment(2) }, { "k8s/cart.yaml": deployment(4) }),
      validateConfig({ triggers: { reviewTypes: { "infra-change": "production-readiness" } } }, "test"),
    );
    expect(report.reviewTypes.map((t) => t.id)).toEqual(["production-readiness"]);
  });

  it("a repository's own items are shown in the dimensions of the triggers that fired", async () => {
    const config = parseConfig(
      "checklist:\n  api-event:\n    append:\n      - id: api-consumer-list\n        text: The consumers of this API are listed in the catalog.\n",
    );
    const report = await reviewChange(
      changeFromTrees(
        { "api/openapi.yaml": openapi() },
        { "api/openapi.yaml": openapi("  /v1/carts/{id}:\n    get:\n      responses:\n        '200':\n          description: ok") },
      ),
      config,
    );
    expect(report.triggers.map((t) => t.id)).toEqual(["api-contract"]);
    expect(ids(report)).toEqual([
      "api-compatibility",
      "api-idempotency",
      "api-errors",
      "api-pagination",
      "api-deprecation",
      "api-consumer-list",
      "security-authn",
      "security-authz",
    ]);
  });

  it("dimensions overridden in the config bring every item of those dimensions whose review types apply, as before", async () => {
    const report = await reviewChange(
      changeFromTrees(
        { "api/openapi.yaml": openapi() },
        { "api/openapi.yaml": openapi("  /v1/carts/{id}:\n    get:\n      responses:\n        '200':\n          description: ok") },
      ),
      validateConfig({ triggers: { dimensions: { "api-contract": ["api-event"] } } }, "test"),
    );
    expect(ids(report)).toEqual([
      "api-compatibility",
      "api-idempotency",
      "api-errors",
      "api-pagination",
      "api-deprecation",
      "event-ownership",
      "event-dedup",
      "event-dlq",
    ]);
  });
});
