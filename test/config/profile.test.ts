/**
 * `profile: strict`: the seed's seven hard constraints (section 25) as errors, with what they need stated in one
 * place and a config error naming the file and line when it is missing; zero config keeps its defaults.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig, parseConfig, reviewChange } from "../../src/builtins.js";
import { STRICT_CONSTRAINTS, STRICT_RULES } from "../../src/config/profile.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import { FIXTURES, readTree } from "../helpers/fixtures.js";

const STRICT = [
  "profile: strict",
  "services:",
  "  orders:",
  "    paths: [services/orders/**]",
  "    tables: [orders]",
  "rules:",
  "  cost-allocation-tags:",
  "    labels: [team, cost-center]",
  "",
].join("\n");

describe("profile: strict", () => {
  it("names seven constraints, each carried by rules that exist", () => {
    expect(STRICT_CONSTRAINTS).toHaveLength(7);
    const config = defaultConfig();
    for (const id of STRICT_RULES) expect(config.rules[id], id).toBeDefined();
  });

  it("zero config keeps each rule's own default severity", () => {
    const config = defaultConfig();
    expect(config.profile).toBe("default");
    expect(config.rules["pii-in-logs"]!.severity).toBe("warning");
    expect(config.rules["outbound-call-timeout"]!.severity).toBe("warning");
    expect(config.rules["service-ownership"]!.severity).toBe("warning");
  });

  it("makes every rule of the seven constraints an error, unless the file sets its severity itself", () => {
    const config = parseConfig(`${STRICT}  outbound-call-timeout: warning\n`, ".github/archgate.yml");
    expect(Object.fromEntries(STRICT_RULES.map((id) => [id, config.rules[id]!.severity]))).toEqual({
      "cross-service-data-access": "error",
      "pii-in-logs": "error",
      "outbound-call-timeout": "warning",
      "command-idempotency": "error",
      "service-ownership": "error",
      "breaking-api-change": "error",
      "breaking-event-change": "error",
      "cost-allocation-tags": "error",
    });
    // Rules outside the seven keep their defaults.
    expect(config.rules["k8s-health-probes"]!.severity).toBe("warning");
    expect(config.rules["cost-allocation-tags"]!.options.labels).toEqual(["team", "cost-center"]);
  });

  it("is a config error, at the profile's line, when what a constraint needs is missing", () => {
    expect(() => parseConfig("# the lead's gate\nprofile: strict\n", ".github/archgate.yml")).toThrow(
      [
        '.github/archgate.yml:2:10: profile: the strict profile needs services: each service\'s paths and the tables it owns (a repository with one service declares that one) ("no shared writes to another service database")',
        '.github/archgate.yml:2:10: profile: the strict profile needs rules.cost-allocation-tags.labels: the label keys every new workload carries for cost allocation, e.g. [team, cost-center] ("no service without cost allocation tags")',
      ].join("\n"),
    );
  });

  it("needs nothing for a constraint whose rules the lead switched off", () => {
    const config = parseConfig(
      "profile: strict\nrules:\n  cross-service-data-access: off\n  cost-allocation-tags:\n    labels: [team]\n",
      ".github/archgate.yml",
    );
    expect(config.rules["cross-service-data-access"]!.severity).toBe("off");
  });

  it("blocks the demo change on the new service's missing owner, cost labels and idempotency, not only the breaking API change", async () => {
    const change = changeFromTrees(readTree(join(FIXTURES, "demo", "base")), readTree(join(FIXTURES, "demo", "head")));
    const zero = await reviewChange(change, defaultConfig());
    const strict = await reviewChange(change, parseConfig(STRICT, ".github/archgate.yml"));
    const errors = (r: typeof zero) =>
      r.findings
        .filter((f) => f.severity === "error")
        .map((f) => f.rule)
        .sort();
    expect(errors(zero)).toEqual(["breaking-api-change", "destructive-migration", "k8s-resource-limits"]);
    expect(errors(strict)).toEqual([
      "breaking-api-change",
      "command-idempotency",
      "cost-allocation-tags",
      "destructive-migration",
      "k8s-resource-limits",
      "service-ownership",
      "service-ownership",
    ]);
    // An advisory finding stays a warning: Node's fetch does give up on headers after five minutes.
    expect(strict.findings.find((f) => f.rule === "outbound-call-timeout")?.severity).toBe("warning");
  });
});
