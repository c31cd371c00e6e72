import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, test } from "vitest";
import { createApiFetch, decodeBody } from "../../src/github/http.js";

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
