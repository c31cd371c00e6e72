/** Facts about archgate itself: its version and where its documentation lives. */
import { readFileSync } from "node:fs";

/** The project's repository (package.json `repository`, app.yml `url`). */
export const PROJECT_URL = "https://github.com/archgate/archgate";

// Set by the bundler (scripts/build-bundles.ts) in the Action's single file, which has no package.json beside it.
declare const __ARCHGATE_VERSION__: string | undefined;

let cached: string | undefined;

/** archgate's version: package.json's, read from the package root (one level above src/ and dist/). */
export function archgateVersion(): string {
  if (typeof __ARCHGATE_VERSION__ === "string") return __ARCHGATE_VERSION__;
  cached ??= (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return cached;
}

/** The absolute URL of a built-in rule's documentation page (docs/rules/<id>.md). */
export function ruleDocUrl(ruleId: string): string {
  return `${PROJECT_URL}/blob/main/docs/rules/${ruleId}.md`;
}
