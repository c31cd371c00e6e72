import type { ApplicationFunctionOptions, Probot } from "probot";
import { registerHandlers } from "./github/app.js";
import { healthHandler } from "./github/health.js";

/** Probot entry point: wiring only. */
export default (app: Probot, options?: ApplicationFunctionOptions) => {
  registerHandlers(app);
  // addHandler exists only under a Server (`probot run`, src/server.ts); a bare Probot has no HTTP routes.
  try {
    options?.addHandler?.(healthHandler);
  } catch {
    /* no server */
  }
};
