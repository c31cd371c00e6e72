import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { parse } from "yaml";
import { ROOT } from "./harness.js";

const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

test("app.yml asks for least privilege and exactly the events the app handles", () => {
  const manifest = parse(read("app.yml"));
  expect(manifest.default_permissions).toEqual({
    checks: "write",
    pull_requests: "write",
    issues: "write",
    contents: "read",
    members: "read",
    metadata: "read",
  });
  expect(manifest.default_events).toEqual(["pull_request", "check_run", "check_suite", "issue_comment", "pull_request_review"]);
  // README says why each permission is needed.
  const readme = read("README.md");
  for (const permission of Object.keys(manifest.default_permissions)) expect(readme).toMatch(new RegExp(`^\\| \`${permission}: `, "m"));
  expect(manifest.public).toBe(false);
});

test("npm start and the container run the same entry point, which handles SIGTERM", () => {
  const pkg = JSON.parse(read("package.json"));
  expect(pkg.scripts.start).toBe("node dist/server.js");
  const dockerfile = read("Dockerfile");
  expect(dockerfile).toContain('CMD ["node", "dist/server.js"]');
  expect(read("src/server.ts")).toContain('process.on("SIGTERM"');
});

test("the Dockerfile builds in one stage and runs pruned, as a non-root user, listening on all interfaces", () => {
  const dockerfile = read("Dockerfile");
  const stages = dockerfile.split("\n").filter((l) => l.startsWith("FROM "));
  expect(stages).toEqual(["FROM node:20.20-bookworm-slim AS build", "FROM node:20.20-bookworm-slim"]);
  expect(dockerfile).toContain("RUN npm ci --no-audit --no-fund");
  expect(dockerfile).toContain("RUN npm run build && npm prune --omit=dev --no-audit --no-fund");
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/HOST=0\.0\.0\.0/);
  expect(dockerfile).toContain("/healthz");
  // Everything the image copies from the context exists and is not excluded by .dockerignore.
  const ignored = read(".dockerignore")
    .split("\n")
    .filter((l) => l && !l.startsWith("!"));
  for (const match of dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$/gm)) {
    for (const source of match[1]!.split(" ")) {
      expect(() => readFileSync(join(ROOT, source)) ?? true).not.toThrow(/ENOENT/);
      expect(ignored).not.toContain(source);
    }
  }
  expect(ignored).toEqual(expect.arrayContaining(["node_modules", ".env", "*.pem", ".git"]));
  // `npm run build` runs a script of scripts/ (excluded as a folder): the image copies it and lets it through.
  const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
  const buildScripts = [...pkg.scripts.build!.matchAll(/scripts\/\S+\.ts/g)].map((m) => m[0]);
  expect(buildScripts).toEqual(["scripts/build-bundles.ts"]);
  for (const script of buildScripts) {
    expect(dockerfile).toContain(`COPY ${script} ./scripts/`);
    expect(read(".dockerignore").split("\n")).toContain(`!${script}`);
  }
});
