/**
 * The GitHub Action's entry (action.yml runs the bundle of this file, action/bundle/index.mjs): see
 * src/action/run.ts. Exit code 1 when the review fails per the `fail-on` input or could not run.
 */
import { ProbotOctokit } from "probot";
import { runAction } from "./action/run.js";

runAction({ env: process.env, stdout: (text) => process.stdout.write(text), Octokit: ProbotOctokit }).then(
  (result) => {
    process.exitCode = result.exitCode;
  },
  (error: unknown) => {
    process.stdout.write(
      `::error title=archgate::${String((error as Error).stack ?? error)
        .replace(/%/g, "%25")
        .replace(/\r/g, "%0D")
        .replace(/\n/g, "%0A")}\n`,
    );
    process.exitCode = 1;
  },
);
