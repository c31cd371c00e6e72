/**
 * Import structure of src/ (issue 9): `npm run depcheck` fails on any of these.
 *
 *   engine/   imports only itself (its Change, Config and Report types live there)
 *   formats/  pure parse-and-diff: may import engine/ and itself, nothing that composes or publishes
 *   rules/, triggers/   flat (one file per id), never each other (nor one rule another), never the App, the sources or the CLI
 *   render/   pure markdown: never the App, the sources, the rules, the triggers or the formats
 *   sources/, github/   never each other
 *   and no import circle anywhere in src/.
 *
 * `import type` counts like a value import (tsPreCompilationDeps), and `./x.js` specifiers resolve to
 * `./x.ts` as tsc's nodenext resolution does.
 */

/** Entry points and the composition root: nothing inside the layers may import them. */
const ROOTS = "^src/(cli|index|server|action|builtins)\\.ts$";
const GITHUB_OR_SOURCES = "^src/(github|sources)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import circle in src/ (type-only imports included).",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "engine-imports-only-itself",
      severity: "error",
      comment: "src/engine/ is pure and knows no rule, trigger, format, config loader, source or entry point.",
      from: { path: "^src/engine/" },
      to: { path: "^src/", pathNot: "^src/engine/" },
    },
    {
      name: "formats-not-to-outer-layers",
      severity: "error",
      comment: "src/formats/ is pure parse-and-diff: it may import src/engine/ and itself.",
      from: { path: "^src/formats/" },
      to: { path: [`^src/(rules|triggers|config)/`, GITHUB_OR_SOURCES, ROOTS] },
    },
    {
      name: "rules-not-to-triggers",
      severity: "error",
      comment: "A rule module imports formats/ and the engine's API, never a trigger module.",
      from: { path: "^src/rules/" },
      to: { path: "^src/triggers/" },
    },
    {
      name: "triggers-not-to-rules",
      severity: "error",
      comment: "A trigger module imports formats/ and the engine's API, never a rule module.",
      from: { path: "^src/triggers/" },
      to: { path: "^src/rules/" },
    },
    {
      name: "modules-not-to-each-other",
      severity: "error",
      comment: "A rule or trigger module never imports another one: what they share lives in src/formats/ (or the engine).",
      from: { path: "^src/(rules|triggers)/([^/]+)\\.ts$" },
      to: { path: "^src/(rules|triggers)/", pathNot: "^src/$1/$2\\.ts$" },
    },
    {
      name: "rules-triggers-not-to-app-sources-cli",
      severity: "error",
      comment: "Rules and triggers are pure: no GitHub App, no Change source, no entry point.",
      from: { path: "^src/(rules|triggers)/" },
      to: { path: [GITHUB_OR_SOURCES, ROOTS] },
    },
    {
      name: "rules-triggers-flat",
      severity: "error",
      comment: "src/rules/ and src/triggers/ hold one file per id: a module in a subfolder is imported here.",
      from: {},
      to: { path: "^src/(rules|triggers)/[^/]+/" },
    },
    {
      name: "rules-triggers-flat-importer",
      severity: "error",
      comment: "src/rules/ and src/triggers/ hold one file per id: this module lives in a subfolder.",
      from: { path: "^src/(rules|triggers)/[^/]+/" },
      to: {},
    },
    {
      name: "render-is-pure",
      severity: "error",
      comment: "src/render/ turns a Report into text: no App, source, rule, trigger or format module.",
      from: { path: "^src/render/" },
      to: { path: [`^src/(rules|triggers|formats)/`, GITHUB_OR_SOURCES, ROOTS] },
    },
    {
      name: "sources-not-to-github",
      severity: "error",
      comment: "Change sources do not import the App (GitHub API reads live under src/github/).",
      from: { path: "^src/sources/" },
      to: { path: "^src/github/" },
    },
    {
      name: "github-not-to-sources",
      severity: "error",
      comment: "The App does not import src/sources/ (its GitHub API reads live under src/github/).",
      from: { path: "^src/github/" },
      to: { path: "^src/sources/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that does not resolve: a typo, a missing dependency, or this config misreading a specifier.",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    exclude: { path: "^(dist|fixtures|coverage)/" },
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
