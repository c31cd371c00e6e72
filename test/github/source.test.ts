import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  GRAPHQL_BATCH,
  githubChange,
  listTreePaths,
  readContent,
  readContentBatch,
  readContentBatchOrHalves,
} from "../../src/github/change-source.js";
import type { Octokit } from "../../src/github/octokit.js";
import { TestOctokit } from "./harness.js";

const API = "https://api.github.com";
const repoRef = { owner: "acme", repo: "shop" };
const BASE = "b".repeat(40);
const HEAD = "h".repeat(40);
let octokit: Octokit;

beforeEach(() => {
  nock.disableNetConnect();
  octokit = new TestOctokit({ auth: "ghs_test" }) as unknown as Octokit;
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

const listed = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    filename: `src/f${String(from + i).padStart(4, "0")}.ts`,
    status: "modified",
    additions: 1,
    deletions: 0,
    patch: "@@ -1 +1 @@\n-a\n+b",
  }));

function filesPages(total: number, limit = 3000) {
  const shown = listed(Math.min(total, limit));
  const scope = nock(API);
  for (let page = 1; (page - 1) * 100 < shown.length; page++) {
    const slice = shown.slice((page - 1) * 100, page * 100);
    const next: Record<string, string> =
      page * 100 < shown.length ? { link: `<${API}/repos/acme/shop/pulls/7/files?per_page=100&page=${page + 1}>; rel="next"` } : {};
    scope
      .get("/repos/acme/shop/pulls/7/files")
      .query(page === 1 ? { per_page: "100" } : { per_page: "100", page: String(page) })
      .reply(200, slice, next);
  }
  return scope;
}

const contents = (text: string | Buffer, extra: Record<string, unknown> = {}) => {
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  return { type: "file", size: bytes.length, sha: "s".repeat(40), encoding: "base64", content: bytes.toString("base64"), ...extra };
};

describe("githubChange: the file list", () => {
  test("paginates 250 files in three requests; no content is read up front", async () => {
    filesPages(250);
    const change = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 250 });
    expect(change.files).toHaveLength(250);
    expect(change.complete).toBe(true);
    expect(change.files[249]).toEqual({ path: "src/f0249.ts", status: "modified", additions: 1, deletions: 0, patch: "@@ -1 +1 @@\n-a\n+b" });
  });

  test("maps statuses, renames and GitHub's 'changed' status", async () => {
    nock(API)
      .get("/repos/acme/shop/pulls/7/files")
      .query(true)
      .reply(200, [
        { filename: "a.ts", status: "added", additions: 1, deletions: 0, patch: "@@ -0,0 +1 @@\n+x" },
        { filename: "b.ts", status: "renamed", previous_filename: "old/b.ts", additions: 0, deletions: 0 },
        { filename: "c.sh", status: "changed", additions: 0, deletions: 0 },
        { filename: "d.ts", status: "removed", additions: 0, deletions: 3 },
      ]);
    const change = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 4, title: "T", body: "B" });
    expect(change.files.map((f) => [f.path, f.status, f.previousPath ?? null])).toEqual([
      ["a.ts", "added", null],
      ["b.ts", "renamed", "old/b.ts"],
      ["c.sh", "modified", null],
      ["d.ts", "removed", null],
    ]);
    expect([change.title, change.description]).toEqual(["T", "B"]);
    // Known from the list: no request for the head of a removed file or the base of an added one.
    expect(await change.read("head", "d.ts", { maxBytes: 1000 })).toEqual({ kind: "missing" });
    expect(await change.read("base", "a.ts", { maxBytes: 1000 })).toEqual({ kind: "missing" });
  });

  test("past 3,000 files the complete list comes from the git trees of merge base and head", async () => {
    filesPages(3004);
    const baseTree = listed(3004).map((f) => ({ path: f.filename, type: "blob", sha: "0".repeat(40) }));
    const headTree = listed(3004).map((f) => ({ path: f.filename, type: "blob", sha: "1".repeat(40) }));
    headTree.push({ path: "new/added.ts", type: "blob", sha: "2".repeat(40) });
    baseTree.push({ path: "gone.ts", type: "blob", sha: "3".repeat(40) }, { path: "same.ts", type: "blob", sha: "4".repeat(40) });
    headTree.push({ path: "same.ts", type: "blob", sha: "4".repeat(40) });
    const MERGE_BASE = "m".repeat(40);
    nock(API)
      .get(`/repos/acme/shop/compare/${BASE}...${HEAD}`)
      .query({ per_page: "1" })
      .reply(200, { merge_base_commit: { sha: MERGE_BASE } })
      .get(`/repos/acme/shop/git/trees/${MERGE_BASE}`)
      .query({ recursive: "1" })
      .reply(200, { tree: baseTree, truncated: false })
      .get(`/repos/acme/shop/git/trees/${HEAD}`)
      .query({ recursive: "1" })
      .reply(200, { tree: headTree, truncated: false });
    const change = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 3006 });
    expect(change.complete).toBe(true);
    expect(change.files).toHaveLength(3006);
    expect(change.files.find((f) => f.path === "src/f3003.ts")).toEqual({ path: "src/f3003.ts", status: "modified", additions: 0, deletions: 0 });
    expect(change.files.find((f) => f.path === "new/added.ts")?.status).toBe("added");
    expect(change.files.find((f) => f.path === "gone.ts")?.status).toBe("removed");
    expect(change.files.find((f) => f.path === "same.ts")).toBeUndefined();
  });

  test("when the trees cannot be listed either, the change is incomplete (the engine fails closed)", async () => {
    filesPages(3001);
    const MERGE_BASE = "m".repeat(40);
    nock(API)
      .get(`/repos/acme/shop/compare/${BASE}...${HEAD}`)
      .query(true)
      .reply(200, { merge_base_commit: { sha: MERGE_BASE } })
      .get(`/repos/acme/shop/git/trees/${MERGE_BASE}`)
      .query(true)
      .reply(200, { tree: [], truncated: true })
      .get(`/repos/acme/shop/git/trees/${HEAD}`)
      .query(true)
      .reply(200, { tree: [], truncated: true })
      .get(/\/repos\/acme\/shop\/git\/commits\/.*/)
      .times(2)
      .reply(200, { tree: { sha: "root" } })
      .get("/repos/acme/shop/git/trees/root")
      .times(2)
      .reply(200, { tree: Array.from({ length: 400 }, (_, i) => ({ path: `d${i}`, type: "tree", sha: `t${i}` })) })
      .get(/\/repos\/acme\/shop\/git\/trees\/t\d+$/)
      .times(400)
      .optionally()
      .reply(200, { tree: [] });
    const change = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 3001 });
    expect(change.complete).toBe(false);
    expect(change.incompleteReason).toBe(
      "the pull request changes 3001 files and GitHub listed only 3000; the repository tree is too large to list through the API",
    );
    nock.cleanAll();
  });
});

describe("readContent", () => {
  const ref = HEAD;
  const valid: Array<[string, () => void, unknown]> = [
    [
      "a text file",
      () => nock(API).get("/repos/acme/shop/contents/a.yaml").query({ ref }).reply(200, contents("openapi: 3.0.0\n")),
      { kind: "text", text: "openapi: 3.0.0\n" },
    ],
    ["an empty file", () => nock(API).get("/repos/acme/shop/contents/a.yaml").query({ ref }).reply(200, contents("")), { kind: "text", text: "" }],
    ["a 404", () => nock(API).get("/repos/acme/shop/contents/a.yaml").query({ ref }).reply(404, { message: "Not Found" }), { kind: "missing" }],
    [
      "a directory",
      () =>
        nock(API)
          .get("/repos/acme/shop/contents/a.yaml")
          .query({ ref })
          .reply(200, [{ type: "file" }]),
      { kind: "missing" },
    ],
    [
      "a submodule",
      () => nock(API).get("/repos/acme/shop/contents/a.yaml").query({ ref }).reply(200, { type: "submodule", size: 0 }),
      { kind: "missing" },
    ],
    [
      "a binary file",
      () =>
        nock(API)
          .get("/repos/acme/shop/contents/a.yaml")
          .query({ ref })
          .reply(200, contents(Buffer.from([0x89, 0x50, 0x00, 0x47]))),
      { kind: "binary" },
    ],
    [
      "a file over maxBytes",
      () =>
        nock(API)
          .get("/repos/acme/shop/contents/a.yaml")
          .query({ ref })
          .reply(200, contents("x".repeat(2000))),
      { kind: "too-large", bytes: 2000 },
    ],
    [
      "a file over 1 MB, served by the blob API",
      () =>
        nock(API)
          .get("/repos/acme/shop/contents/a.yaml")
          .query({ ref })
          .reply(200, { type: "file", size: 1500, sha: "f".repeat(40), encoding: "none", content: "" })
          .get(`/repos/acme/shop/git/blobs/${"f".repeat(40)}`)
          .reply(200, { encoding: "base64", content: Buffer.from("big: true\n").toString("base64") }),
      { kind: "text", text: "big: true\n" },
    ],
  ];
  test.each(valid)("%s", async (_name, setup, expected) => {
    setup();
    expect(await readContent(octokit, repoRef, ref, "a.yaml", 1600)).toEqual(expected);
  });

  test("a server error is thrown (the engine records a problem naming the file)", async () => {
    nock(API).get("/repos/acme/shop/contents/a.yaml").query({ ref }).reply(500, { message: "boom" });
    await expect(readContent(octokit, repoRef, ref, "a.yaml", 1000)).rejects.toMatchObject({ status: 500 });
  });

  test("reads go through a concurrency bound", async () => {
    nock(API).get("/repos/acme/shop/pulls/7/files").query(true).reply(200, listed(12));
    let active = 0;
    let peak = 0;
    nock(API)
      .get(/\/repos\/acme\/shop\/contents\/src(\/|%2F).*/)
      .query(true)
      .times(12)
      .reply(async () => {
        peak = Math.max(peak, ++active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return [200, contents("x")];
      });
    const change = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 12 }, { concurrency: 3 });
    await Promise.all(change.files.map((f) => change.read("head", f.path, { maxBytes: 100 })));
    expect(peak).toBe(3);
  });
});

/** A GraphQL answer for `readContentBatch`: one `fN` alias per requested file. */
const graphqlBlobs = (blobs: Array<Record<string, unknown> | null>) => ({
  data: { repository: Object.fromEntries(blobs.map((b, i) => [`f${i}`, b])) },
});
const blob = (text: string, extra: Record<string, unknown> = {}) => ({
  __typename: "Blob",
  byteSize: Buffer.byteLength(text),
  isBinary: false,
  isTruncated: false,
  text,
  ...extra,
});

describe("readContentBatch: many files in one GraphQL request", () => {
  test("maps each alias to a content; paths travel as variables, never inside the query text", async () => {
    let sent: { query: string; variables: Record<string, string> } | undefined;
    nock(API)
      .post("/graphql", (body) => {
        sent = body;
        return true;
      })
      .reply(
        200,
        graphqlBlobs([
          blob("openapi: 3.0.0\n"),
          null,
          { __typename: "Tree" },
          blob("", { byteSize: 4, isBinary: true, text: null }),
          blob("x".repeat(10), { byteSize: 2000 }),
          blob("partial", { byteSize: 900, isTruncated: true }),
          blob("a\u0000b"),
        ]),
      );
    const files = ["api/openapi.yaml", "gone.yaml", "dir", "logo.png", "big.json", "cut.yaml", 'odd "name"\n.yaml'].map((path) => ({
      ref: HEAD,
      path,
    }));
    expect(await readContentBatch(octokit, repoRef, files, 1000)).toEqual([
      { kind: "text", text: "openapi: 3.0.0\n" },
      { kind: "missing" },
      { kind: "missing" },
      { kind: "binary" },
      { kind: "too-large", bytes: 2000 },
      undefined, // truncated by GraphQL: read again through REST
      { kind: "binary" },
    ]);
    expect(sent!.query).not.toContain("odd");
    expect(sent!.variables).toMatchObject({ owner: "acme", name: "shop", e0: `${HEAD}:api/openapi.yaml`, e6: `${HEAD}:odd "name"\n.yaml` });
  });

  test("a GraphQL error is thrown (the source then reads each file through REST)", async () => {
    nock(API)
      .post("/graphql")
      .reply(200, { data: null, errors: [{ type: "RESOURCE_LIMITS_EXCEEDED", message: "too much" }] });
    await expect(readContentBatch(octokit, repoRef, [{ ref: HEAD, path: "a.yaml" }], 1000)).rejects.toThrow(/too much/);
  });
});

describe("readContentBatchOrHalves: a batch too big or too slow for GitHub is asked again in halves", () => {
  const files = (n: number) => Array.from({ length: n }, (_, i) => ({ ref: HEAD, path: `src/f${i}.ts` }));
  /** Answers each GraphQL request with its files' texts (`f<i>.ts` → "text <i>"), recording the request sizes. */
  const answering = (sizes: number[], times: number) =>
    nock(API)
      .post("/graphql", (body) => {
        sizes.push(Object.keys(body.variables).length - 2);
        return true;
      })
      .times(times)
      .reply(200, (_uri, body) => {
        const expressions = Object.values((body as { variables: Record<string, string> }).variables).slice(2);
        return graphqlBlobs(expressions.map((e) => blob(`text ${/f(\d+)\.ts$/.exec(e)![1]}`)));
      });
  const texts = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: "text", text: `text ${i}` }));

  for (const [what, reply] of [
    ["a 502", [502, { message: "Bad Gateway" }]],
    [
      "a timed-out query (GitHub's GraphQL error)",
      [
        200,
        {
          data: null,
          errors: [{ message: "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug." }],
        },
      ],
    ],
    ["RESOURCE_LIMITS_EXCEEDED", [200, { data: null, errors: [{ type: "RESOURCE_LIMITS_EXCEEDED", message: "too much" }] }]],
  ] as const) {
    test(`${what} for ${GRAPHQL_BATCH} files: two requests of ${GRAPHQL_BATCH / 2} answer every file`, async () => {
      const sizes: number[] = [];
      nock(API)
        .post("/graphql", (body) => {
          sizes.push(Object.keys(body.variables).length - 2);
          return true;
        })
        .reply(reply[0], reply[1]);
      answering(sizes, 2);
      expect(await readContentBatchOrHalves(octokit, repoRef, files(GRAPHQL_BATCH), 1000)).toEqual(texts(GRAPHQL_BATCH));
      expect(sizes).toEqual([GRAPHQL_BATCH, GRAPHQL_BATCH / 2, GRAPHQL_BATCH / 2]);
    });
  }

  test("halves that fail too leave their files unanswered (read through REST); the half that answered is kept", async () => {
    nock(API).post("/graphql").times(2).reply(502, { message: "Bad Gateway" });
    answering([], 1);
    const read = await readContentBatchOrHalves(octokit, repoRef, files(GRAPHQL_BATCH), 1000);
    // The first half failed (the second 502), the second half answered: one split, no further halving.
    expect(read.slice(0, GRAPHQL_BATCH / 2)).toEqual(new Array(GRAPHQL_BATCH / 2).fill(undefined));
    expect(read.slice(GRAPHQL_BATCH / 2)).toEqual(texts(GRAPHQL_BATCH).slice(GRAPHQL_BATCH / 2));
  });

  test("not halved: a batch of 100 files or fewer, and an error that is not about size", async () => {
    nock(API).post("/graphql").reply(502, { message: "Bad Gateway" });
    expect(await readContentBatchOrHalves(octokit, repoRef, files(100), 1000)).toEqual(new Array(100).fill(undefined));
    nock(API)
      .post("/graphql")
      .reply(200, { data: null, errors: [{ type: "NOT_FOUND", message: "Could not resolve to a Repository with the name 'acme/shop'." }] });
    expect(await readContentBatchOrHalves(octokit, repoRef, files(GRAPHQL_BATCH), 1000)).toEqual(new Array(GRAPHQL_BATCH).fill(undefined));
  });
});

describe("githubChange: announced reads are fetched in batches", () => {
  const twoFiles = () =>
    nock(API)
      .get("/repos/acme/shop/pulls/7/files")
      .query(true)
      .reply(200, [
        { filename: "api/openapi.yaml", status: "modified", additions: 1, deletions: 1, patch: "@@ -1 +1 @@\n-a\n+b" },
        { filename: "k8s/app.yaml", status: "added", additions: 1, deletions: 0, patch: "@@ -0,0 +1 @@\n+kind: Deployment" },
      ]);

  test("nothing is fetched until the first read; then one request serves every announced file", async () => {
    twoFiles();
    const change = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 2 });
    let variables: Record<string, string> | undefined;
    // The base of an added file is known missing: it is not asked for.
    change.prefetch!(
      [
        { side: "head", path: "api/openapi.yaml" },
        { side: "base", path: "api/openapi.yaml" },
        { side: "head", path: "k8s/app.yaml" },
        { side: "base", path: "k8s/app.yaml" },
      ],
      { maxBytes: 1000 },
    );
    expect(nock.pendingMocks()).toEqual([]);
    nock(API)
      .post("/graphql", (body) => {
        variables = body.variables;
        return true;
      })
      .reply(200, graphqlBlobs([blob("head spec"), blob("base spec"), blob("kind: Deployment")]));
    expect(await change.read("base", "api/openapi.yaml", { maxBytes: 1000 })).toEqual({ kind: "text", text: "base spec" });
    expect(await change.read("head", "api/openapi.yaml", { maxBytes: 1000 })).toEqual({ kind: "text", text: "head spec" });
    expect(await change.read("head", "k8s/app.yaml", { maxBytes: 1000 })).toEqual({ kind: "text", text: "kind: Deployment" });
    expect(await change.read("base", "k8s/app.yaml", { maxBytes: 1000 })).toEqual({ kind: "missing" });
    expect(Object.values(variables!).slice(2)).toEqual([`${HEAD}:api/openapi.yaml`, `${BASE}:api/openapi.yaml`, `${HEAD}:k8s/app.yaml`]);
  });

  test("a failed batch falls back to one REST read per file; a file outside the batch is read through REST", async () => {
    twoFiles();
    const change = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 2 });
    change.prefetch!([{ side: "head", path: "api/openapi.yaml" }], { maxBytes: 1000 });
    nock(API)
      .post("/graphql")
      .reply(502, { message: "Bad Gateway" })
      .get("/repos/acme/shop/contents/api%2Fopenapi.yaml")
      .query({ ref: HEAD })
      .reply(200, contents("from rest"))
      .get("/repos/acme/shop/contents/db%2Fschema.rb")
      .query({ ref: BASE })
      .reply(200, contents("schema"));
    expect(await change.read("head", "api/openapi.yaml", { maxBytes: 1000 })).toEqual({ kind: "text", text: "from rest" });
    expect(await change.read("base", "db/schema.rb", { maxBytes: 1000 })).toEqual({ kind: "text", text: "schema" });
  });

  test("base reads use the merge base (one compare request, shared); if compare fails, the base tip", async () => {
    const MERGE_BASE = "m".repeat(40);
    twoFiles();
    const change = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 2 });
    nock(API)
      .get(`/repos/acme/shop/compare/${BASE}...${HEAD}`)
      .query({ per_page: "1" })
      .reply(200, { merge_base_commit: { sha: MERGE_BASE } })
      .get("/repos/acme/shop/contents/api%2Fopenapi.yaml")
      .query({ ref: MERGE_BASE })
      .reply(200, contents("at merge base"))
      .get(`/repos/acme/shop/git/trees/${MERGE_BASE}`)
      .query({ recursive: "1" })
      .reply(200, { tree: [{ path: "api/openapi.yaml", type: "blob", sha: "1".repeat(40) }], truncated: false });
    expect(await change.read("base", "api/openapi.yaml", { maxBytes: 1000 })).toEqual({ kind: "text", text: "at merge base" });
    expect(await change.listPaths("base")).toEqual(["api/openapi.yaml"]);

    twoFiles();
    const other = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 2 });
    nock(API)
      .get(`/repos/acme/shop/compare/${BASE}...${HEAD}`)
      .query(true)
      .reply(504, { message: "timeout" })
      .get("/repos/acme/shop/contents/api%2Fopenapi.yaml")
      .query({ ref: BASE })
      .reply(200, contents("at base tip"));
    expect(await other.read("base", "api/openapi.yaml", { maxBytes: 1000 })).toEqual({ kind: "text", text: "at base tip" });
  });

  test(`${GRAPHQL_BATCH + 50} announced files take two GraphQL requests`, async () => {
    filesPages(GRAPHQL_BATCH + 50);
    const change = await githubChange(octokit, { ...repoRef, number: 7, baseSha: BASE, headSha: HEAD, changedFiles: GRAPHQL_BATCH + 50 });
    const sizes: number[] = [];
    nock(API)
      .post("/graphql", (body) => {
        sizes.push(Object.keys(body.variables).length - 2);
        return true;
      })
      .times(2)
      .reply(200, (_uri, body) =>
        graphqlBlobs(
          Object.keys((body as { variables: object }).variables)
            .slice(2)
            .map(() => blob("x")),
        ),
      );
    change.prefetch!(
      change.files.map((f) => ({ side: "head", path: f.path })),
      { maxBytes: 1000 },
    );
    const read = await Promise.all(change.files.map((f) => change.read("head", f.path, { maxBytes: 1000 })));
    expect(read.every((c) => c.kind === "text" && c.text === "x")).toBe(true);
    expect(sizes).toEqual([GRAPHQL_BATCH, 50]);
  });
});

describe("listTreePaths", () => {
  test("one recursive request when the tree is whole", async () => {
    nock(API)
      .get(`/repos/acme/shop/git/trees/${HEAD}`)
      .query({ recursive: "1" })
      .reply(200, {
        truncated: false,
        tree: [
          { path: "b.ts", type: "blob", sha: "1" },
          { path: "src", type: "tree", sha: "2" },
          { path: "a.ts", type: "blob", sha: "3" },
        ],
      });
    expect(await listTreePaths(octokit, repoRef, HEAD)).toEqual(["a.ts", "b.ts"]);
  });

  test("a truncated recursive tree is walked level by level", async () => {
    nock(API)
      .get(`/repos/acme/shop/git/trees/${HEAD}`)
      .query({ recursive: "1" })
      .reply(200, { truncated: true, tree: [] })
      .get(`/repos/acme/shop/git/commits/${HEAD}`)
      .reply(200, { tree: { sha: "root" } })
      .get("/repos/acme/shop/git/trees/root")
      .reply(200, {
        tree: [
          { path: "README.md", type: "blob", sha: "1" },
          { path: "services", type: "tree", sha: "t1" },
          { path: "vendor-sub", type: "commit", sha: "c" },
        ],
      })
      .get("/repos/acme/shop/git/trees/t1")
      .reply(200, { tree: [{ path: "cart", type: "tree", sha: "t2" }] })
      .get("/repos/acme/shop/git/trees/t2")
      .reply(200, { tree: [{ path: "Dockerfile", type: "blob", sha: "2" }] });
    expect(await listTreePaths(octokit, repoRef, HEAD)).toEqual(["README.md", "services/cart/Dockerfile"]);
  });
});
