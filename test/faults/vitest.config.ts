import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The fault-injection suite (`npm run test:faults`, run by .ci/run): the production build as its own
 * process against a failing fake GitHub. Its own config: the files are *.faults.ts, so `npx vitest run`
 * (the unit and end-to-end suite) does not pick them up; cases run one after another (the faults are
 * global to the fake). replicas.faults.ts needs Redis on 127.0.0.1:6379 (skipped with a message without it).
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/faults/**/*.faults.ts"],
    // The production build, once for every file of the suite.
    globalSetup: ["test/faults/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 120_000,
  },
});
