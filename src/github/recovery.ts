import { describeApiError, type LoggerLike, type Octokit } from "./octokit.js";

/**
 * Recovery after downtime: the app asks GitHub for its own recent webhook deliveries and has the ones
 * that failed sent again, so an outage (or a process that died before answering) loses no review.
 *
 * A delivery (one GUID) failed when none of its attempts got a 2xx answer (a refused connection or a
 * timeout shows as status code 0). Bounded: only deliveries of the last `sinceMs`, at most `maxPages`
 * pages of 100 read and `maxRedeliveries` asked for per run; each is logged. Run on start and every
 * ARCHGATE_REDELIVERY_INTERVAL_MS (server.ts). A delivery answered 202 ("still processing") counts as
 * delivered: a process that dies after that answer loses the review (a durable queue would be needed).
 */
export interface RecoveryOptions {
  sinceMs: number;
  maxRedeliveries: number;
  maxPages: number;
  log?: LoggerLike | undefined;
  now?: number;
}

export const DEFAULT_RECOVERY: Omit<RecoveryOptions, "log" | "now"> = {
  sinceMs: 6 * 3600_000,
  maxRedeliveries: 50,
  maxPages: 10,
};

interface Delivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  event: string;
  action?: string | null;
}

export interface RecoveryResult {
  /** Delivery ids asked to be sent again. */
  redelivered: number[];
  /** Failed deliveries left for the next run (over `maxRedeliveries`, or the request failed). */
  left: number;
}

/** Asks GitHub to send again the recent deliveries that never got a 2xx answer. `octokit`: authenticated as the app (JWT). */
export async function redeliverFailed(octokit: Octokit, options: RecoveryOptions): Promise<RecoveryResult> {
  const since = (options.now ?? Date.now()) - options.sinceMs;
  const attempts = new Map<string, Delivery[]>();
  let pages = 0;
  let older = false;
  for await (const { data } of octokit.paginate.iterator("GET /app/hook/deliveries", { per_page: 100 })) {
    for (const delivery of data as Delivery[]) {
      if (Date.parse(delivery.delivered_at) < since) {
        older = true;
        continue;
      }
      attempts.set(delivery.guid, [...(attempts.get(delivery.guid) ?? []), delivery]);
    }
    // Newest first: once a page reaches past the window, the next ones are older still.
    if (older || ++pages >= options.maxPages) break;
  }
  const failed = [...attempts.values()]
    .filter((all) => !all.some((d) => d.status_code >= 200 && d.status_code < 300))
    .map((all) => all.reduce((latest, d) => (d.id > latest.id ? d : latest)))
    .sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at));
  const redelivered: number[] = [];
  for (const delivery of failed.slice(0, options.maxRedeliveries)) {
    try {
      await octokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: delivery.id });
      redelivered.push(delivery.id);
      options.log?.info(
        { delivery: delivery.guid, id: delivery.id, event: delivery.event, status: delivery.status_code, at: delivery.delivered_at },
        "asked GitHub to redeliver a failed webhook delivery",
      );
    } catch (error) {
      options.log?.warn(
        { err: error, delivery: delivery.guid, id: delivery.id },
        `a failed delivery could not be redelivered: ${describeApiError(error)}`,
      );
    }
  }
  return { redelivered, left: failed.length - redelivered.length };
}
