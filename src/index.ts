import type { ApplicationFunctionOptions, Probot } from "probot";
import { registerHandlers, type HandlerOptions } from "./github/app.js";
import { healthHandler } from "./github/health.js";

/** The Probot app with its handlers' options (src/server.ts passes the Redis coordination). */
export function appWith(handlerOptions: HandlerOptions = {}) {
  return (app: Probot, options?: ApplicationFunctionOptions) => {
    registerHandlers(app, handlerOptions);
    // addHandler exists only under a Server (`probot run`, src/server.ts); a bare Probot has no HTTP routes.
    try {
      options?.addHandler?.(healthHandler);
    } catch {
      /* no server */
    }
  };
}

/** Probot entry point: wiring only (the embedded mode). */
export default appWith();
