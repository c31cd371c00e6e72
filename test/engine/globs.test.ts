import { Minimatch } from "minimatch";
import { describe, expect, it } from "vitest";
import { matchesAny, matchesGlob, requiredText } from "../../src/engine/globs.js";
import { DEFAULT_TEST_PATHS } from "../../src/formats/source/added-sources.js";

describe("requiredText", () => {
  it.each<[string, string | undefined]>([
    ["**/fixtures/**", "fixtures"],
    ["**/*.spec.*", ".spec."],
    ["**/test_*.py", "test_"],
    ["**/package-lock.json", "package-lock.json"],
    ["charts/**/templates/*.yaml", "templates"],
    ["**/.*", "."],
    // Nothing literal, or syntax beyond names and stars: no shortcut.
    ["**", undefined],
    ["*", undefined],
    ["src/{a,b}/**", undefined],
    ["**/*.{yml,yaml}", undefined],
    ["[ab]*/**", undefined],
    ["!**/x/**", undefined],
    ["**/+(a|b)/**", undefined],
    ["docs/\\*.md", undefined],
    // minimatch folds `name/..` away: `longname/../b/**` matches `b/x`.
    ["longname/../b/**", undefined],
    ["./src/**", undefined],
  ])("%s -> %s", (pattern, text) => {
    expect(requiredText(pattern)).toBe(text);
  });
});

describe("matchesGlob", () => {
  // Layouts of real repositories (saleor, documenso, eShop, microservices-demo, helm charts, Rails apps).
  const paths = [
    "saleor/graphql/schema.graphql",
    "saleor/plugins/avatax/tests/cassettes/test_checkout.yaml",
    "saleor/core/tests/test_core.py",
    "saleor/checkout/test_utils.py",
    "saleor/order/migrations/0001_initial.py",
    "apps/remix/app/routes/_authenticated+/settings.tsx",
    "packages/app-tests/e2e/document-flow/signers.spec.ts",
    "packages/lib/server-only/document/get-document.test.ts",
    "packages/ui/primitives/button.tsx",
    "src/Ordering.API/Apis/OrdersApi.cs",
    "tests/Ordering.UnitTests/Domain/OrderAggregateTest.cs",
    "src/frontend/handlers_test.go",
    "src/frontend/testdata/config.json",
    "charts/prometheus/templates/deployment.yaml",
    "charts/prometheus/Chart.lock",
    "spec/models/user_spec.rb",
    "app/models/spec.rb",
    "web/__tests__/app.test.jsx",
    "web/__fixtures__/user.json",
    "node_modules/left-pad/index.js",
    "vendor/github.com/x/y.go",
    "package-lock.json",
    "frontend/yarn.lock",
    "static/app.min.js",
    "static/app.js.map",
    ".github/workflows/ci.yml",
    ".env.example",
    "test",
    "tests",
    "testing/helpers.py",
    "contest/entry.py",
    "latest/test_/x.py",
    "a.spec.",
  ];
  const patterns = [
    ...DEFAULT_TEST_PATHS,
    "**/package-lock.json",
    "**/yarn.lock",
    "**/*.min.js",
    "**/*.map",
    "**/node_modules/**",
    "**/vendor/**",
    "charts/**/templates/*.yaml",
    "**/migrations/*.py",
    ".github/**",
    "**/.*",
    "**/*.{yml,yaml}",
    "**",
    "longname/../web/**",
    "static/./app.js",
  ];

  it("answers as minimatch does, with dotfiles, for every path and pattern", () => {
    let matched = 0;
    for (const pattern of patterns) {
      const glob = new Minimatch(pattern, { dot: true, nocomment: true });
      for (const path of paths) {
        const expected = glob.match(path);
        if (expected) matched++;
        expect([pattern, path, matchesGlob(path, pattern)]).toEqual([pattern, path, expected]);
      }
    }
    // Both answers occur often: the table is not all misses.
    expect(matched).toBe(63);
  });

  it("matches a list when any pattern matches", () => {
    expect(matchesAny("saleor/core/tests/test_core.py", DEFAULT_TEST_PATHS)).toBe(true);
    expect(matchesAny("contest/entry.py", DEFAULT_TEST_PATHS)).toBe(false);
    expect(matchesAny("app/models/spec.rb", DEFAULT_TEST_PATHS)).toBe(false);
    expect(matchesAny("spec/models/user_spec.rb", DEFAULT_TEST_PATHS)).toBe(true);
  });
});
