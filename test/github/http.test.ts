import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createApiFetch, decodeBody } from "../../src/github/http.js";
import { appOctokit, type Octokit } from "../../src/github/octokit.js";
import { TestOctokit } from "./harness.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(
  handler: (req: IncomingMessage, body: string) => { status: number; headers?: Record<string, string>; body?: string | Buffer; hang?: boolean },
) {
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const reply = handler(req, body);
    if (reply.hang) return;
    res.writeHead(reply.status, reply.headers ?? {});
    res.end(reply.body ?? "");
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("createApiFetch: the fetch Octokit uses in the app", () => {
  test("sends method, headers and body; answers status, headers (iterable, get) and the body as text or JSON", async () => {
    let seen: { method?: string; auth?: string; body?: string } = {};
    const base = await serve((req, body) => {
      seen = { method: req.method!, auth: req.headers.authorization!, body };
      return { status: 201, headers: { "content-type": "application/json; charset=utf-8", "x-ratelimit-remaining": "4999" }, body: '{"id":7}' };
    });
    const res = await createApiFetch()(`${base}/repos/acme/shop/check-runs`, {
      method: "POST",
      headers: { authorization: "token ghs_x" },
      body: '{"name":"a"}',
    });
    expect(seen).toEqual({ method: "POST", auth: "token ghs_x", body: '{"name":"a"}' });
    expect([res.status, res.ok, res.statusText, res.headers.get("X-RateLimit-Remaining")]).toEqual([201, true, "Created", "4999"]);
    expect(Object.fromEntries(res.headers)).toMatchObject({ "content-type": "application/json; charset=utf-8" });
    expect(await res.json()).toEqual({ id: 7 });
  });

  test("decodes a gzip body", async () => {
    const base = await serve(() => ({
      status: 200,
      headers: { "content-type": "text/plain", "content-encoding": "gzip" },
      body: gzipSync("openapi: 3.1.0\n"),
    }));
    expect(await (await createApiFetch()(`${base}/x`)).text()).toBe("openapi: 3.1.0\n");
  });

  test("follows a redirect within the origin with credentials; across origins, without them", async () => {
    const auths: Array<string | undefined> = [];
    const other = await serve((req) => {
      auths.push(req.headers.authorization);
      return { status: 200, body: "moved" };
    });
    const base = await serve((req) => {
      auths.push(req.headers.authorization);
      if (req.url === "/old") return { status: 301, headers: { location: "/new" } };
      if (req.url === "/new") return { status: 302, headers: { location: `${other}/elsewhere` } };
      return { status: 404 };
    });
    const res = await createApiFetch()(`${base}/old`, { headers: { authorization: "token ghs_secret" } });
    expect([res.status, await res.text()]).toEqual([200, "moved"]);
    expect(auths).toEqual(["token ghs_secret", "token ghs_secret", undefined]);
  });

  test("a timeout rejects with the signal's reason (a TimeoutError), as fetch does", async () => {
    const base = await serve(() => ({ status: 200, hang: true }));
    await expect(createApiFetch()(`${base}/slow`, { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: "TimeoutError" });
  });

  test("a refused connection is a TypeError('fetch failed') with the cause, as fetch reports it", async () => {
    const base = await serve(() => ({ status: 200 }));
    const port = Number(new URL(base).port);
    await new Promise((r) => servers.pop()!.close(r));
    const error = await createApiFetch()(`http://127.0.0.1:${port}/x`).catch((e: unknown) => e as TypeError);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe("fetch failed");
    expect(String(((error as TypeError).cause as Error).message)).toMatch(/ECONNREFUSED/);
  });

  test("connections are reused between requests", async () => {
    let connections = 0;
    const base = await serve(() => ({ status: 200, body: "ok" }));
    servers[0]!.on("connection", () => connections++);
    const fetch = createApiFetch();
    for (let i = 0; i < 20; i++) await (await fetch(`${base}/${i}`)).text();
    // The second request may start before the first socket is back in the pool; after that, reuse.
    expect(connections).toBeLessThanOrEqual(2);
  });

  test("a POST answered 303 goes on as a GET without its body; a redirect loop stops after 5 hops with the last answer", async () => {
    const seen: string[] = [];
    const base = await serve((req, body) => {
      seen.push(`${req.method} ${req.url} ${body.length} ${req.headers["content-type"] ?? "-"}`);
      if (req.url === "/create") return { status: 303, headers: { location: "/created" } };
      if (req.url?.startsWith("/loop")) return { status: 302, headers: { location: `/loop${Number(req.url.slice(5) || 0) + 1}` } };
      return { status: 200, body: "done" };
    });
    const res = await createApiFetch()(`${base}/create`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect([res.status, await res.text(), res.url]).toEqual([200, "done", `${base}/created`]);
    expect(seen).toEqual(["POST /create 7 application/json", "GET /created 0 -"]);
    const loop = await createApiFetch()(`${base}/loop`);
    expect([loop.status, loop.headers.get("location")]).toEqual([302, "/loop6"]);
  });

  test("the attempt timeout rejects a request that hangs with a TimeoutError", async () => {
    const base = await serve(() => ({ status: 200, hang: true }));
    await expect(createApiFetch({ attemptTimeoutMs: 50 })(`${base}/slow`)).rejects.toMatchObject({ name: "TimeoutError" });
  });

  test("a request that timed out is aborted (the server sees its connection closed) and the next one on the pool is answered", async () => {
    const closed: string[] = [];
    const base = await serve((req) => {
      req.socket.once("close", () => closed.push(req.url!));
      return req.url === "/slow" ? { status: 200, hang: true } : { status: 200, body: "fast" };
    });
    // Long enough for the fast request on a loaded machine.
    const fetch = createApiFetch({ attemptTimeoutMs: 500, connections: 1 });
    await expect(fetch(`${base}/slow`)).rejects.toMatchObject({ name: "TimeoutError" });
    const fast = await fetch(`${base}/fast`);
    expect([fast.status, await fast.text()]).toEqual([200, "fast"]);
    // The server learns of the close on its own time.
    for (let waited = 0; closed.length === 0 && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(closed).toEqual(["/slow"]);
  });

  test("a signal aborted before the request rejects with its reason and sends nothing", async () => {
    let requests = 0;
    const base = await serve(() => {
      requests++;
      return { status: 200 };
    });
    const controller = new AbortController();
    controller.abort(new Error("review abandoned"));
    await expect(createApiFetch()(`${base}/x`, { signal: controller.signal })).rejects.toThrow("review abandoned");
    await (await createApiFetch()(`${base}/y`)).text();
    expect(requests).toBe(1);
  });

  test("the body is decoded once as Octokit would: JSON parsed, text as text, other types as bytes", async () => {
    const base = await serve((req): { status: number; headers: Record<string, string>; body: string | Buffer } => {
      if (req.url === "/json") return { status: 200, headers: { "content-type": "application/json; charset=utf-8" }, body: '{"id":12345678901}' };
      if (req.url === "/raw") return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "a: 1\n" };
      if (req.url === "/gz")
        return { status: 200, headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: gzipSync("[1,2]") };
      return { status: 200, headers: { "content-type": "application/octet-stream" }, body: Buffer.from([0, 1, 2]) };
    });
    const fetch = createApiFetch();
    expect((await fetch(`${base}/json`)).body).toEqual({ id: 12345678901 });
    expect((await fetch(`${base}/raw`)).body).toBe("a: 1\n");
    const gz = await fetch(`${base}/gz`);
    expect([gz.body, gz.headers.get("content-encoding")]).toEqual([[1, 2], null]);
    expect(new Uint8Array((await fetch(`${base}/bin`)).body as ArrayBuffer)).toEqual(new Uint8Array([0, 1, 2]));
  });
});

describe("decodeBody: Octokit's response parsing, once", () => {
  test.each([
    [null, "x", "x"],
    ["application/json", '{"a":[1]}', { a: [1] }],
    ["application/scim+json", '{"a":1}', { a: 1 }],
    ["application/json; charset=utf-8", "not json", "not json"],
    ["text/html", "<p>", "<p>"],
    ["application/vnd.github.raw; charset=UTF-8", "raw", "raw"],
    ['application/vnd.github.raw; charset="utf-8"', "raw", "raw"],
  ])("%s", (type, text, expected) => {
    expect(decodeBody(type, Buffer.from(text))).toEqual(expected);
  });

  test("application/octet-stream stays bytes even with a UTF-8 charset", () => {
    expect(decodeBody("application/octet-stream; charset=utf-8", Buffer.from("ab"))).toBeInstanceOf(ArrayBuffer);
  });
});

describe("appOctokit: Probot's request logging, parsed only when debug is on", () => {
  function clientAt(base: string, level: "debug" | "info") {
    const lines: Array<[unknown, string]> = [];
    const log = {
      isLevelEnabled: (l: string) => l !== "debug" || level === "debug",
      debug: (fields: unknown, msg: string) => lines.push([fields, msg]),
      info() {},
      warn() {},
      error() {},
      child() {
        return log;
      },
    };
    const Client = appOctokit(TestOctokit);
    const octokit = new Client({ auth: "ghs_direct", baseUrl: base, log: log as never }) as unknown as Octokit;
    return { octokit, lines };
  }

  test("at debug, each answered and each failed request is one line, as Probot logs it", async () => {
    const base = await serve((req) =>
      req.url === "/repos/acme/shop/pulls/7"
        ? { status: 200, headers: { "content-type": "application/json" }, body: '{"number":7}' }
        : { status: 404, headers: { "content-type": "application/json" }, body: '{"message":"Not Found"}' },
    );
    const { octokit, lines } = clientAt(base, "debug");
    await octokit.rest.pulls.get({ owner: "acme", repo: "shop", pull_number: 7 });
    await expect(
      octokit.request("POST /repos/{owner}/{repo}/issues/{n}/labels", { owner: "acme", repo: "shop", n: 7, labels: ["x"] }),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect(lines).toEqual([
      [{}, `GitHub request: GET ${base}/repos/acme/shop/pulls/7 - 200`],
      [{ labels: ["x"] }, `GitHub request: POST ${base}/repos/acme/shop/issues/7/labels - 404`],
    ]);
  });

  test("at info, no line and no second parse of the request; the other plugins are Probot's", async () => {
    const base = await serve(() => ({ status: 200, headers: { "content-type": "application/json" }, body: "[]" }));
    const { octokit, lines } = clientAt(base, "info");
    const parse = vi.spyOn(octokit.request.endpoint, "parse");
    await octokit.rest.issues.listComments({ owner: "acme", repo: "shop", issue_number: 7 });
    const pages = await octokit.paginate(octokit.rest.issues.listComments, { owner: "acme", repo: "shop", issue_number: 7 });
    expect([lines, parse.mock.calls.length, pages]).toEqual([[], 0, []]);
    expect(typeof (octokit as unknown as { config: { get: unknown } }).config.get).toBe("function");
  });
});
