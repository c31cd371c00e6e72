import { createRequire } from "node:module";
import Bottleneck from "bottleneck";
import { inGraphqlRead } from "./octokit.js";

/** The light build the throttling plugin imports when no Redis connection is given (the same module, from node_modules). */
const BottleneckLight = createRequire(import.meta.url)("bottleneck/light.js") as typeof Bottleneck;

const PATCHED = Symbol.for("archgate.bottleneck-reads");
const WRITE_PACING = /^octokit-write-/;

/**
 * Probot's throttling plugin paces every POST, and every GraphQL request, through its write limiter: one a
 * second per installation (and GraphQL queries on GitHub Enterprise, at /api/graphql, count as POSTs). That
 * is GitHub's advice for requests that create content; archgate's GraphQL requests only read (batches of
 * file contents: a 3,000-file PR sends 30 of them), and pacing them as writes made a large review wait
 * about a second per batch, and made a burst of reviews' reads queue behind their comments and labels.
 *
 * This lets a request marked as a GraphQL read (`asGraphqlRead` in octokit.ts) skip the write limiter
 * only; it still goes through the plugin's concurrency limit (10 per installation), the reviews' own
 * read concurrency (change-source.ts), and archgate's retries, which wait as long as a secondary rate
 * limit asks (retry.ts). Patches both Bottleneck builds the plugin may use (the light one in the
 * embedded mode, the full one clustered on Redis). Idempotent.
 */
export function unpaceGraphqlReads(): void {
  for (const Class of [Bottleneck, BottleneckLight] as unknown as Array<{ prototype: Record<PropertyKey, unknown> }>) {
    const proto = Class.prototype as Record<PropertyKey, unknown> & { schedule: (...args: unknown[]) => Promise<unknown> };
    if (proto[PATCHED]) continue;
    proto[PATCHED] = true;
    const original = proto.schedule;
    proto.schedule = function (this: { id?: string }, ...args: unknown[]) {
      if (inGraphqlRead() && WRITE_PACING.test(this.id ?? "")) {
        // The plugin schedules a no-op on the write limiter and waits for its turn: no turn to wait for.
        const task = typeof args[0] === "function" ? args[0] : args[1];
        return typeof task === "function" ? Promise.resolve().then(() => task()) : Promise.resolve();
      }
      return original.apply(this, args);
    };
  }
}
