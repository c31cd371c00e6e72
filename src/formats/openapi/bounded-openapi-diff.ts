import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How long and how much heap one openapi-diff comparison may take. */
export interface DiffBounds {
  timeoutMs: number;
  heapMb: number;
}

/** The part of an openapi-diff difference the adapter reads. */
export interface BreakingDifference {
  code: string;
  sourceLocation?: string;
  destinationLocation?: string;
}

export type BoundedDiffOutcome =
  | { kind: "done"; breakingDifferences: BreakingDifference[] }
  /** openapi-diff itself rejected the specs (it is strict about schema validity). */
  | { kind: "rejected"; message: string }
  /** The bound was hit: the comparison could not finish. */
  | { kind: "timeout" | "out-of-memory" | "crashed"; message: string };

/**
 * Runs in the worker: CommonJS, because an `eval` worker is a script. It loads openapi-diff from the path
 * the parent resolved (so it works from the sources under tsx and from the build alike) and posts back only
 * plain data.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const loaded = require(workerData.module);
const openapiDiff = loaded.default && loaded.default.diffSpecs ? loaded.default : loaded;
openapiDiff.diffSpecs(workerData.options).then(
  (outcome) => parentPort.postMessage({
    ok: true,
    breakingDifferences: outcome.breakingDifferencesFound
      ? outcome.breakingDifferences.map((d) => ({
          code: d.code,
          sourceLocation: d.sourceSpecEntityDetails && d.sourceSpecEntityDetails[0] ? d.sourceSpecEntityDetails[0].location : undefined,
          destinationLocation: d.destinationSpecEntityDetails && d.destinationSpecEntityDetails[0] ? d.destinationSpecEntityDetails[0].location : undefined,
        }))
      : [],
  }),
  (error) => parentPort.postMessage({ ok: false, message: String((error && error.message) || error).split("\\n")[0] }),
);
`;

export interface SpecInput {
  content: string;
  location: string;
  format: "swagger2" | "openapi3";
}

/**
 * Atlassian's openapi-diff on two specs in a worker thread with a heap limit and a wall-clock timeout: a
 * spec that sends it into minutes of work or gigabytes of memory ends the worker instead of the review.
 * Never rejects; the outcome says whether the comparison finished.
 */
export function boundedOpenapiDiff(source: SpecInput, destination: SpecInput, bounds: DiffBounds): Promise<BoundedDiffOutcome> {
  const modulePath = createRequire(import.meta.url).resolve("openapi-diff");
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: modulePath, options: { sourceSpec: source, destinationSpec: destination } },
      resourceLimits: { maxOldGenerationSizeMb: bounds.heapMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, bounds.heapMb / 8)) },
      stdout: true,
      stderr: true,
    });
    const finish = (outcome: BoundedDiffOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ kind: "timeout", message: `did not finish within ${formatSeconds(bounds.timeoutMs)}` }),
      bounds.timeoutMs,
    );
    worker.on("message", (m: { ok: boolean; breakingDifferences?: BreakingDifference[]; message?: string }) =>
      finish(m.ok ? { kind: "done", breakingDifferences: m.breakingDifferences ?? [] } : { kind: "rejected", message: m.message ?? "unknown error" }),
    );
    worker.on("error", (error: Error & { code?: string }) =>
      finish(
        error.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? { kind: "out-of-memory", message: `needed more than ${bounds.heapMb} MB of memory` }
          : { kind: "crashed", message: error.message.split("\n")[0]! },
      ),
    );
    worker.on("exit", (code) => finish({ kind: "crashed", message: `the worker exited with code ${code}` }));
  });
}

function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
