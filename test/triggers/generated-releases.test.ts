/**
 * Gitops releases an app-of-apps chart generates from a values list: each entry added is a new deployable, each
 * entry removed a retired one, at the entry's line in values.yaml.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reviewChange } from "../../src/builtins.js";
import { unitName } from "../../src/rules/service-ownership.js";
import { FIXTURES, loadScenario } from "../helpers/fixtures.js";

async function hits(scenario: string, trigger: string) {
  const s = loadScenario(join(FIXTURES, scenario));
  const report = await reviewChange(s.change, s.config);
  return report.triggers.find((t) => t.id === trigger)?.hits ?? [];
}

describe("Argo CD Applications generated from chart values", () => {
  it("names each added entry at its line in values.yaml", async () => {
    expect(await hits("triggers/new-service/fire/argo-app-of-apps-values-list-entry-added", "new-service")).toEqual([
      { file: "apps/values.yaml", line: 15, reason: "adds Argo CD Application sock-shop (generated from applications in apps/values.yaml)" },
      { file: "apps/values.yaml", line: 16, reason: "adds Argo CD Application plugin-nix (generated from applications in apps/values.yaml)" },
    ]);
  });

  it("names a removed entry as a retirement", async () => {
    expect(await hits("triggers/service-retirement/fire/argo-app-of-apps-values-list-entry-removed", "service-retirement")).toEqual([
      { file: "apps/values.yaml", reason: "removes Argo CD Application helm-guestbook (generated from applications in apps/values.yaml)" },
    ]);
  });

  it("keeps apps a chart wrote out one by one when it moves to a generated list", async () => {
    expect(await hits("triggers/new-service/pass/argo-app-of-apps-written-out-apps-moved-to-values-list", "new-service")).toEqual([]);
  });

  it("service-ownership names the generated app, not the word after Argo", () => {
    expect(
      unitName({ file: "apps/values.yaml", reason: "adds Argo CD Application sock-shop (generated from applications in apps/values.yaml)" }),
    ).toBe("sock-shop");
    expect(unitName({ file: "clusters/prod/redis.yaml", reason: "adds Flux HelmRelease redis in clusters/prod/redis.yaml" })).toBe("redis");
  });
});
