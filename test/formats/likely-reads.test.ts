import { describe, expect, test } from "vitest";
import type { ChangedFile } from "../../src/engine/change.js";
import { likelyReads } from "../../src/formats/common/likely-reads.js";

const file = (path: string, status: ChangedFile["status"], extra: Partial<ChangedFile> = {}): ChangedFile => ({
  path,
  status,
  additions: 1,
  deletions: 1,
  ...extra,
});

describe("likelyReads: what a review will read, announced so a source can batch it", () => {
  test("head of every readable file; base of everything but source code; nothing for docs, lockfiles, media or binaries", () => {
    const files = [
      file("api/openapi.yaml", "modified"),
      file("db/migrate/20260101_add_refunds.rb", "added"),
      file("k8s/old.yaml", "removed"),
      file("charts/shop/values.yaml", "renamed", { previousPath: "charts/store/values.yaml" }),
      file("src/payments/refund.ts", "modified"),
      file("README.md", "modified"),
      file("docs/adr/0001.yaml", "added"),
      file("package-lock.json", "modified"),
      file("assets/logo.png", "modified"),
      file("tools/blob.dat", "modified", { binary: true }),
    ];
    expect(likelyReads(files)).toEqual([
      { side: "head", path: "api/openapi.yaml" },
      { side: "base", path: "api/openapi.yaml" },
      { side: "head", path: "db/migrate/20260101_add_refunds.rb" },
      { side: "base", path: "k8s/old.yaml" },
      { side: "head", path: "charts/shop/values.yaml" },
      { side: "base", path: "charts/store/values.yaml" },
      { side: "head", path: "src/payments/refund.ts" },
    ]);
  });

  test("a huge change announces at most the limit", () => {
    const files = Array.from({ length: 50 }, (_, i) => file(`k8s/app${i}.yaml`, "modified"));
    const reads = likelyReads(files, 25);
    expect(reads).toHaveLength(25);
    expect(reads.at(-1)).toEqual({ side: "head", path: "k8s/app12.yaml" });
  });
});
