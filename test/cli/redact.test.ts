import { describe, expect, it } from "vitest";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { renderReport } from "../../src/cli.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import { redactTokens } from "../../src/formats/source/secrets.js";
import { planComment } from "../../src/github/comment.js";
import { resultFromReport } from "../../src/github/check-result.js";

// A personal access token committed as part of a directory name (a generated fixture folder).
const TOKEN = "ghp_R8f2Kq9ZxL4mN7pW1vT6yB3cD5eH0jUaGs2o";

describe("secrets in paths never reach an output", () => {
  it("the token is redacted in the JSON and markdown the CLI prints, the comment and the check run", async () => {
    const change = changeFromTrees(
      { "README.md": "x\n" },
      { "README.md": "x\n", [`api/${TOKEN}/openapi.yaml`]: "openapi: 3.0.3\ninfo:\n  title: Pets\n  version: 1.0.0\npaths: {}\n" },
    );
    const report = await reviewChange(change, defaultConfig());
    expect(JSON.stringify(report)).toContain(TOKEN); // the report itself keeps the real path
    for (const format of ["json", "markdown"] as const) {
      const out = await renderReport(report, format);
      expect(out, format).not.toContain(TOKEN);
      expect(out, format).toContain(`api/ghp_…[redacted]/openapi.yaml`);
    }
    // SARIF lists results only (none here: a trigger is not a finding); nothing of the path either way.
    expect(await renderReport(report, "sarif")).not.toContain(TOKEN);
    const comment = planComment(report, undefined, {});
    expect(comment.body).not.toContain(TOKEN);
    expect(comment.body).toContain("ghp_…[redacted]");
    expect(JSON.stringify(resultFromReport(report).output)).not.toContain(TOKEN);
  });

  it("redactTokens: provider tokens and URL passwords, nothing else", () => {
    expect(redactTokens(`fixtures/${TOKEN}.json and AKIAZ7QWERTYUIOP2345 in db`)).toBe("fixtures/ghp_…[redacted].json and AKIA…[redacted] in db");
    expect(redactTokens("see postgres://app:S3cr3tPassw0rd@db:5432/x")).toBe("see postgres://app:S3cr…[redacted]@db:5432/x");
    expect(redactTokens("src/password/reset.ts: token = value, ghp_short")).toBe("src/password/reset.ts: token = value, ghp_short");
  });
});
