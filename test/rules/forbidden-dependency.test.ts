import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { importsOf } from "../../src/formats/source/imports.js";
import { prepareSource } from "../../src/formats/source/masking.js";
import { forbiddenDependency, layerConstraints, matchesTarget } from "../../src/rules/forbidden-dependency.js";
import { defaultConfig, parseConfig, reviewChange } from "../../src/builtins.js";

const ROOT = join(import.meta.dirname, "..", "..");

function specifiers(path: string, text: string, language: "js" | "python" | "go" | "java") {
  return importsOf(prepareSource(path, language, text, []), { goModule: { path: "github.com/acme/shop", dir: "" } }).map((r) => [
    r.line,
    r.specifier,
  ]);
}

describe("import extraction", () => {
  it("reads TS/JS imports, re-exports, dynamic imports and require, skipping comments and strings", () => {
    const text = [
      'import a from "a";',
      'import "side-effect";',
      "import { ",
      "  b, ",
      ' } from "b";',
      'export * from "./c.js";',
      'const d = await import("d");',
      'const e = require("e");',
      '// import x from "commented";',
      "const s = \"require('string')\";",
      'const o = { from: "not-an-import" };',
    ].join("\n");
    expect(specifiers("src/x.ts", text, "js")).toEqual([
      [1, "a"],
      [5, "b"],
      [6, "./c.js"],
      [2, "side-effect"],
      [7, "d"],
      [8, "e"],
    ]);
  });

  it("reads Python absolute, aliased, multi-name and relative imports", () => {
    const text = "import os, app.db as db\nfrom ..adapters import (\n    stripe,\n)\nfrom . import views\n# import commented\n";
    expect(specifiers("app/domain/x.py", text, "python")).toEqual([
      [1, "os"],
      [1, "app.db"],
      [2, "..adapters"],
      [5, "."],
    ]);
    const [relative] = importsOf(prepareSource("app/domain/x.py", "python", "from ..adapters import stripe\n", []));
    expect(relative!.targets).toContain("app/adapters/stripe.py");
    expect(relative!.targets).toContain("app.adapters");
  });

  it("reads Go single imports and import blocks and resolves module paths", () => {
    const text = 'package x\n\nimport "fmt"\n\nimport (\n\t"context"\n\tpg "github.com/acme/shop/internal/adapters/pg"\n)\n';
    expect(specifiers("internal/domain/x.go", text, "go")).toEqual([
      [6, "context"],
      [7, "github.com/acme/shop/internal/adapters/pg"],
      [3, "fmt"],
    ]);
    const refs = importsOf(prepareSource("internal/domain/x.go", "go", text, []), { goModule: { path: "github.com/acme/shop", dir: "" } });
    expect(refs[1]!.targets).toContain("internal/adapters/pg");
  });

  it("reads Java imports, static and wildcard", () => {
    const text = "package a;\nimport java.util.List;\nimport static org.junit.Assert.*;\nimport com.acme.web.*;\n";
    expect(specifiers("src/main/java/com/acme/domain/A.java", text, "java")).toEqual([
      [2, "java.util.List"],
      [3, "org.junit.Assert.*"],
      [4, "com.acme.web.*"],
    ]);
  });
});

describe("matchesTarget", () => {
  const cases: [string, string[], boolean][] = [
    ["fs", ["node:fs", "fs"], true],
    ["fs", ["fs/promises", "node:fs/promises"], true],
    ["fs", ["fsevents", "node:fsevents"], false],
    ["@octokit/*", ["@octokit/rest"], true],
    ["probot", ["probot/lib/context"], true],
    ["src/github/**", ["../github/app.js", "src/github/app.js", "src/github/app"], true],
    ["app.adapters", ["app.adapters.db"], true],
    ["app.adapters", ["app.adapters_common"], false],
    ["com.acme.*.web.*", ["com.acme.billing.web.InvoiceController"], true],
  ];
  it.each(cases)("%s vs %j -> %s", (pattern, targets, expected) => {
    expect(matchesTarget(pattern, targets)).toBe(expected);
  });
});

describe("the dogfood configuration (.github/archgate.yml)", () => {
  const config = parseConfig(readFileSync(join(ROOT, ".github", "archgate.yml"), "utf8"));

  it("fails a core module that imports the file system, child_process, Octokit or the GitHub adapter", async () => {
    const head = {
      "src/engine/cache.ts": 'import { readFile } from "node:fs/promises";\nimport { spawn } from "child_process";\n',
      "src/render/links.ts": 'import type { Octokit } from "@octokit/rest";\nimport { gitChange } from "../sources/git.js";\n',
      "src/cli.ts": 'import { readFileSync } from "node:fs";\n',
    };
    const report = await reviewChange(changeFromTrees({}, head), config, { rules: [forbiddenDependency], triggers: [] });
    expect(report.findings.map((f) => [f.file, f.line, f.severity])).toEqual([
      ["src/engine/cache.ts", 1, "error"],
      ["src/engine/cache.ts", 2, "error"],
      ["src/render/links.ts", 1, "error"],
      ["src/render/links.ts", 2, "error"],
    ]);
    expect(report.conclusion).toBe("failure");
  });

  it("accepts the core importing node:path, zod and its own modules", async () => {
    const head = { "src/rules/x.ts": 'import { posix } from "node:path";\nimport { z } from "zod";\n\n' };
    const report = await reviewChange(changeFromTrees({}, head), config, { rules: [forbiddenDependency], triggers: [] });
    expect(report.findings).toEqual([]);
  });

  it("never fires with the default configuration", async () => {
    const report = await reviewChange(changeFromTrees({}, { "src/engine/a.ts": 'import fs from "fs";\n' }), defaultConfig(), {
      rules: [forbiddenDependency],
      triggers: [],
    });
    expect(report.findings).toEqual([]);
  });
});

describe("layers", () => {
  it("turns an ordered list of layers into constraints on the outer layers", () => {
    const layers = [
      { name: "domain", paths: ["src/domain/**"], modules: ["com.acme.domain"] },
      { name: "application", paths: ["src/app/**"], modules: [] },
      { name: "adapters", paths: ["src/adapters/**"], modules: ["com.acme.adapters"] },
    ];
    expect(layerConstraints(layers)).toEqual([
      {
        name: "domain-layer",
        from: ["src/domain/**"],
        fromNot: [],
        to: ["src/app/**", "src/adapters/**", "com.acme.adapters"],
        reason: "the domain layer may not depend on application, adapters",
      },
      {
        name: "application-layer",
        from: ["src/app/**"],
        fromNot: [],
        to: ["src/adapters/**", "com.acme.adapters"],
        reason: "the application layer may not depend on adapters",
      },
    ]);
  });

  it("validates layers in the config and reports with the layer name", async () => {
    const config = parseConfig(
      "rules:\n  forbidden-dependency:\n    layers:\n      - name: domain\n        paths: [src/domain/**]\n      - name: adapters\n        paths: [src/adapters/**]\n",
    );
    const head = {
      "src/domain/order.ts": 'import { db } from "../adapters/db.js";\n',
      "src/adapters/db.ts": 'import { Order } from "../domain/order.js";\n',
    };
    const report = await reviewChange(changeFromTrees({}, head), config, { rules: [forbiddenDependency], triggers: [] });
    expect(report.findings.map((f) => [f.file, f.line, f.message])).toEqual([
      [
        "src/domain/order.ts",
        1,
        "`src/domain/order.ts` imports `../adapters/db.js`, which `domain-layer` forbids: the domain layer may not depend on adapters",
      ],
    ]);
  });
});
