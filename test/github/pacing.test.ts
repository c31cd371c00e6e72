import { createRequire } from "node:module";
import Bottleneck from "bottleneck";
import { expect, test } from "vitest";
import { unpaceGraphqlReads } from "../../src/github/bottleneck-reads.js";
import { asGraphqlRead } from "../../src/github/octokit.js";

/**
 * GraphQL reads skip the throttling plugin's write limiter (bottleneck-reads.ts), in both Bottleneck builds
 * the plugin uses; writes, and other limiters, are paced as before. The limiters here have a minTime of a
 * minute, so a paced second job could not be done within the test.
 */
const BottleneckLight = createRequire(import.meta.url)("bottleneck/light.js") as typeof Bottleneck;
const tick = () => new Promise((resolve) => setTimeout(resolve, 50));

for (const [name, Class] of [
  ["bottleneck", Bottleneck],
  ["bottleneck/light.js", BottleneckLight],
] as const) {
  test(`${name}: reads marked asGraphqlRead pass the write limiter at once; writes and the global limiter stay paced`, async () => {
    unpaceGraphqlReads();
    const write = new Class({ id: "octokit-write-42", maxConcurrent: 1, minTime: 60_000 });
    const noop = () => Promise.resolve("turn");
    await write.schedule({}, noop);
    expect(await Promise.all([1, 2, 3].map(() => asGraphqlRead(() => write.schedule({}, noop))))).toEqual(["turn", "turn", "turn"]);

    let pacedWrite = "waiting";
    void write.schedule({}, noop).then(
      (v) => (pacedWrite = v),
      () => undefined,
    );
    const global = new Class({ id: "octokit-global-42", maxConcurrent: 1, minTime: 60_000 });
    await global.schedule({}, noop);
    let pacedGlobal = "waiting";
    void asGraphqlRead(() => global.schedule({}, noop)).then(
      (v) => (pacedGlobal = v),
      () => undefined,
    );
    await tick();
    expect([pacedWrite, pacedGlobal]).toEqual(["waiting", "waiting"]);
    await write.stop({ dropWaitingJobs: true }).catch(() => undefined);
    await global.stop({ dropWaitingJobs: true }).catch(() => undefined);
  });
}
