import { ProbotOctokit, run } from "probot";
import { appOctokit } from "./github/octokit.js";
import app from "./index.js";

/**
 * Production entry (`npm start`): Probot's `run` (env vars, `.env`, GET /ping, webhooks at
 * /api/github/webhooks) plus a SIGTERM handler, which `probot run` lacks: containers stop with SIGTERM.
 */
const server = await run(app, { Octokit: appOctokit(ProbotOctokit) });

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.info(`${signal} received, stopping server`);
  // In-flight reviews finish (they complete their check runs); a stuck one must not block the shutdown.
  setTimeout(() => process.exit(1), 25_000).unref();
  try {
    await server.stop();
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
};
process.on("SIGTERM", () => void stop("SIGTERM"));
