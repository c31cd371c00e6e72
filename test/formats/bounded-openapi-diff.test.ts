/** openapi-diff in a worker thread: its outcomes when it finishes and when a bound stops it. */
import { describe, expect, it } from "vitest";

import { boundedOpenapiDiff } from "../../src/formats/openapi/bounded-openapi-diff.js";

const swagger = (bodyType: string) =>
  JSON.stringify({
    swagger: "2.0",
    info: { title: "Accounts", version: "1.0.0" },
    paths: {
      "/v1/accounts": {
        post: {
          consumes: ["application/json"],
          parameters: [{ name: "body", in: "body", required: true, schema: { type: "object", properties: { name: { type: bodyType } } } }],
          responses: { "200": { description: "ok" } },
        },
      },
    },
  });

describe("boundedOpenapiDiff", () => {
  it("finishes within its bounds and returns openapi-diff's breaking differences as plain data", async () => {
    const outcome = await boundedOpenapiDiff(
      { content: swagger("string"), location: "base", format: "swagger2" },
      { content: swagger("integer"), location: "head", format: "swagger2" },
      { timeoutMs: 60_000, heapMb: 512 },
    );
    expect(outcome).toEqual({
      kind: "done",
      breakingDifferences: [
        {
          code: "request.body.scope.remove",
          sourceLocation: "paths./v1/accounts.post.parameters.0.schema",
          destinationLocation: "paths./v1/accounts.post.parameters.0.schema",
        },
      ],
    });
  });

  it("a heap too small for it ends the worker with out-of-memory, not the process", async () => {
    const outcome = await boundedOpenapiDiff(
      { content: swagger("string"), location: "base", format: "swagger2" },
      { content: swagger("integer"), location: "head", format: "swagger2" },
      { timeoutMs: 60_000, heapMb: 4 },
    );
    expect(outcome).toEqual({ kind: "out-of-memory", message: "needed more than 4 MB of memory" });
  });

  it("specs it rejects come back as rejected with its first line", async () => {
    const outcome = await boundedOpenapiDiff(
      { content: "{", location: "base", format: "swagger2" },
      { content: swagger("integer"), location: "head", format: "swagger2" },
      { timeoutMs: 60_000, heapMb: 512 },
    );
    expect(outcome.kind).toBe("rejected");
  });
});
