import { Octokit as RestOctokit } from "@octokit/rest";
import { ProbotOctokit } from "probot";
import { describe, expect, test } from "vitest";
import { type EndpointObject, leanEndpoint, merge, parse } from "../../src/github/endpoint.js";
import { ApiHeaders, type ApiFetchInit } from "../../src/github/http.js";
import { appOctokit } from "../../src/github/octokit.js";

/** Octokit's own endpoint (merge and parse as @octokit/endpoint has them), with a client's defaults. */
const octokitEndpoint = () => new RestOctokit({ baseUrl: "https://ghe.example.com/api/v3" }).request.endpoint as unknown as EndpointObject;

const routes: Array<[string, Record<string, unknown>]> = [
  ["GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { owner: "acme", repo: "shop", pull_number: 12, per_page: 100, page: 2 }],
  ["GET /repos/{owner}/{repo}/contents/{path}", { owner: "acme", repo: "shop", path: ".github/archgate.yml", ref: "a".repeat(40) }],
  ["GET /repos/{owner}/{repo}/contents/{path}", { owner: "ac me", repo: "shöp", path: "dir with space/ü?#%41.yml", mediaType: { format: "raw" } }],
  ["GET /repos/{owner}/{repo}/compare/{basehead}", { owner: "acme", repo: "shop", basehead: "a...b" }],
  ["GET /search/issues", { q: "repo:acme/shop+is:pr label:x y", per_page: 1 }],
  [
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    { owner: "acme", repo: "shop", ref: "refs/heads/x", check_name: "archgate", filter: "all", list: [1, "b c", null] },
  ],
  [
    "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    { owner: "acme", repo: "shop", issue_number: 3, body: 'a "quoted" 123n \u2028 body', headers: { "X-Custom": "1", Skip: undefined } },
  ],
  [
    "POST /repos/{owner}/{repo}/check-runs",
    { owner: "acme", repo: "shop", name: "archgate", output: { title: "t", annotations: [{ path: "a", start_line: 1 }] }, unused: undefined },
  ],
  ["POST /repos/{owner}/{repo}/issues/{issue_number}/labels", { owner: "acme", repo: "shop", issue_number: 3, labels: ["a", "b"] }],
  ["PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner: "acme", repo: "shop", check_run_id: 9 }],
  [
    "PUT /repos/{owner}/{repo}/contents/{path}",
    { owner: "acme", repo: "shop", path: "x", data: "raw text", headers: { "content-type": "text/plain" } },
  ],
  ["DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", { owner: "acme", repo: "shop", issue_number: 3, name: "needs review/ü" }],
  ["POST /graphql", { query: "query { viewer { login } }", variables: { a: 1 }, mediaType: { previews: ["squirrel-girl"] } }],
  ["GET /repos/{owner}/{repo}", { owner: "acme", repo: "shop", headers: { accept: "application/octet-stream" } }],
  ["GET https://ghe.example.com/api/v3/repositories/1/pulls/2/files?per_page=100&page=3", {}],
  ["GET /repos/:owner/:repo/issues", { owner: "acme", repo: "shop", state: "all" }],
  ["GET /app/hook/deliveries", { per_page: 100, cursor: "v1_abc=" }],
  ["HEAD /repos/{owner}/{repo}", { owner: "acme", repo: "shop" }],
];

describe("endpoint.ts: Octokit's merge and parse, cheaper, with the same results", () => {
  test.each(routes)("%s merges as Octokit merges", (route, parameters) => {
    const own = octokitEndpoint();
    expect(merge(own.DEFAULTS, route, parameters)).toEqual(own.merge(route, parameters));
    // Merging a merged request again (what the auth hook and the request layer do) gives the same too.
    const merged = own.merge(route, parameters);
    expect(merge(own.DEFAULTS, merged)).toEqual(own.merge(merged));
  });

  test.each(routes)("%s parses to the request Octokit sends (a JSON body serialised as its fetch wrapper does)", (route, parameters) => {
    const own = octokitEndpoint();
    const expected = own.parse(own.merge(route, parameters));
    const body = expected.body;
    const serialised = body !== null && typeof body === "object" ? JSON.stringify(body) : body;
    expect(parse(own.merge(route, parameters))).toEqual({ ...expected, ...(body === undefined ? {} : { body: serialised }) });
    // The second time through the compiled template gives the same.
    expect(parse(own.merge(route, parameters))).toEqual(parse(own.merge(route, parameters)));
  });

  test("URL templates expand as RFC 6570 operators do in Octokit", () => {
    const own = octokitEndpoint();
    const context = { a: "x y", b: ["1", "2/3"], c: { k: "v w" }, d: "", e: null, long: "abcdefgh" };
    for (const template of [
      "/t{+a}",
      "/t{#a,b}",
      "/t{.b*}",
      "/t{/b,a}",
      "/t{;a,d,e}",
      "/t{?a,b,c,d}",
      "/t{&c*}",
      "/t{a:3}{?long:2}",
      "/t/{b*}/",
      "/{x",
      "/",
    ]) {
      const route = `GET ${template}`;
      expect(parse(merge(own.DEFAULTS, route, context)), template).toEqual(own.parse(own.merge(route, context)));
    }
  });

  test("a body holding a BigInt is left to Octokit's serialiser", () => {
    const own = octokitEndpoint();
    const request = own.merge("POST /x", { n: 1n });
    expect(parse(request).body).toEqual({ n: 1n });
  });

  test("endpoints derived through defaults (what each REST method makes) are lean too", () => {
    const endpoint = leanEndpoint(octokitEndpoint());
    const derived = endpoint.defaults({ method: "POST", url: "/repos/{owner}/{repo}/check-runs" });
    expect(derived.parse).toBe(parse);
    expect(derived.defaults({}).parse).toBe(parse);
    // Called as a function, as paginate calls a REST method's endpoint.
    const base = octokitEndpoint();
    const listFiles = { method: "GET", url: "/repos/{owner}/{repo}/pulls/{pull_number}/files" };
    const own = base.defaults(listFiles);
    const parameters = { owner: "acme", repo: "shop", pull_number: 4, per_page: 100 };
    expect(leanEndpoint(base).defaults(listFiles)(parameters)).toEqual(own(parameters));
  });

  test("the app's client sends byte for byte what Octokit's would", async () => {
    const sent = (Client: typeof ProbotOctokit) => {
      const requests: Array<{ url: string; method?: string; headers?: Record<string, string>; body?: unknown }> = [];
      const fetch = async (url: string, init: ApiFetchInit = {}) => {
        requests.push({ url, method: init.method, headers: init.headers, body: init.body });
        const headers = new ApiHeaders({ "content-type": "application/json" });
        return {
          status: 200,
          statusText: "OK",
          ok: true,
          url,
          headers,
          body: {},
          text: async () => "{}",
          json: async () => ({}),
          arrayBuffer: async () => new ArrayBuffer(0),
        };
      };
      const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet, isLevelEnabled: () => false };
      const octokit = new Client({ auth: "token t", throttle: { enabled: false }, log: quiet as never });
      // Per request: the app's client has its own fetch in its defaults.
      return { octokit, requests, request: { fetch } };
    };
    const theirs = sent(ProbotOctokit);
    const ours = sent(appOctokit(ProbotOctokit));
    for (const { octokit, request } of [theirs, ours]) {
      await octokit.rest.pulls.listFiles({ owner: "acme", repo: "shop", pull_number: 1, per_page: 100, request });
      await octokit.rest.issues.createComment({ owner: "acme", repo: "shop", issue_number: 1, body: "hello\n<!-- archgate -->", request });
      await octokit.rest.checks.update({
        owner: "acme",
        repo: "shop",
        check_run_id: 5,
        status: "completed",
        conclusion: "success",
        output: { title: "t", summary: "s" },
        request,
      });
      await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
        owner: "acme",
        repo: "shop",
        path: ".github/archgate.yml",
        mediaType: { format: "raw" },
        request,
      });
      await octokit.graphql('query($o: String!) { repository(owner: $o, name: "shop") { id } }', { o: "acme", request });
    }
    expect((ours.octokit.request.endpoint as unknown as EndpointObject).parse).toBe(parse);
    expect(ours.requests).toHaveLength(5);
    expect(ours.requests).toEqual(theirs.requests);
  });
});
