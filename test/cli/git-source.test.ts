import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { type CatFile, ReadAhead, type RawObject } from "../../src/sources/cat-file.js";
import { GitRepository, openGitChange, parseRawListing, readAheadKind, type GitChange } from "../../src/sources/git.js";
import { TestRepo } from "./git-repo.js";
import { parsePatch, patchText } from "../../src/engine/patch.js";

const LIMIT = { maxBytes: 1_000_000 };

describe("git Change source", () => {
  const repos: TestRepo[] = [];
  const changes: GitChange[] = [];
  const newRepo = () => {
    const repo = new TestRepo();
    repos.push(repo);
    return repo;
  };
  /** The change, its patches (which git gives as bytes) turned into text so files compare with GitHub's shape. */
  const open = async (repo: string, base: string, head: string, maxBytes?: number) => {
    const change = await openGitChange({ repo, base, head, maxBytes });
    changes.push(change);
    for (const file of change.files) {
      expect(file.patch).toBeUndefined();
      if (file.patchBytes === undefined) continue;
      expect(file.patchBytes).toBeInstanceOf(Uint8Array);
      file.patch = patchText(file);
      delete file.patchBytes;
    }
    return change;
  };
  afterEach(() => {
    for (const c of changes.splice(0)) c.close();
    for (const r of repos.splice(0)) r.cleanup();
  });

  it("lists added, modified, removed and renamed files with their patches (GitHub's shape, without context lines)", async () => {
    const repo = newRepo();
    repo.write("app/models/user.rb", "class User\n  def name; end\nend\n");
    repo.write("README.md", "# app\n");
    repo.write("old/config.yml", "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\n");
    const base = repo.commit("base");
    repo.write("app/models/user.rb", "class User\n  def name; end\n  def email; end\nend\n");
    repo.write("db/migrate/001_add_email.rb", "add_column :users, :email, :string\n");
    repo.remove("README.md");
    repo.move("old/config.yml", "new/config.yml");
    repo.write("new/config.yml", "a: 1\nb: 2\nc: 3\nd: 4\ne: 6\n");
    const head = repo.commit("head\n\nAdds the email column.");

    const change = await open(repo.dir, base, head);
    expect(change.base).toBe(base);
    expect(change.head).toBe(head);
    expect(change.mergeBase).toBe(base);
    expect(change.complete).toBe(true);
    expect(change.title).toBe("head");
    expect(change.description).toBe("Adds the email column.");
    expect(change.files).toEqual([
      { path: "README.md", status: "removed", additions: 0, deletions: 1, patch: "@@ -1 +0,0 @@\n-# app" },
      {
        path: "app/models/user.rb",
        status: "modified",
        additions: 1,
        deletions: 0,
        patch: "@@ -2,0 +3 @@ class User\n+  def email; end",
      },
      {
        path: "db/migrate/001_add_email.rb",
        status: "added",
        additions: 1,
        deletions: 0,
        patch: "@@ -0,0 +1 @@\n+add_column :users, :email, :string",
      },
      {
        path: "new/config.yml",
        status: "renamed",
        previousPath: "old/config.yml",
        additions: 1,
        deletions: 1,
        patch: "@@ -5 +5 @@ d: 4\n-e: 5\n+e: 6",
      },
    ]);
    expect(await change.read("base", "old/config.yml", LIMIT)).toEqual({ kind: "text", text: "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\n" });
    expect(await change.read("head", "old/config.yml", LIMIT)).toEqual({ kind: "missing" });
    expect(await change.read("head", "README.md", LIMIT)).toEqual({ kind: "missing" });
    expect(await change.read("base", "README.md", LIMIT)).toEqual({ kind: "text", text: "# app\n" });
    expect(await change.read("base", "db/migrate/001_add_email.rb", LIMIT)).toEqual({ kind: "missing" });
    expect(await change.listPaths("base")).toEqual(["README.md", "app/models/user.rb", "old/config.yml"]);
    expect(await change.listPaths("head")).toEqual(["app/models/user.rb", "db/migrate/001_add_email.rb", "new/config.yml"]);
  });

  it("reads unchanged files from the tree of either side", async () => {
    const repo = newRepo();
    repo.write("CODEOWNERS", "* @team\n").write("src/a.ts", "export const a = 1;\n");
    const base = repo.commit();
    repo.write("src/a.ts", "export const a = 2;\n");
    const head = repo.commit();
    const change = await open(repo.dir, base, head);
    expect(await change.read("head", "CODEOWNERS", LIMIT)).toEqual({ kind: "text", text: "* @team\n" });
    expect(await change.read("base", "CODEOWNERS", LIMIT)).toEqual({ kind: "text", text: "* @team\n" });
    expect(await change.read("head", "src", LIMIT)).toEqual({ kind: "missing" });
    expect(await change.read("head", "nope.txt", LIMIT)).toEqual({ kind: "missing" });
  });

  it("handles spaces, quotes, unicode, tabs and newlines in paths", async () => {
    const repo = newRepo();
    const odd = ["docs/my file.md", 'api/"quoted".yaml', "schemas/événement ünïcode.json", "db/new\nline.sql", "tab\there.txt"];
    for (const path of odd) repo.write(path, `first ${path}\n`);
    const base = repo.commit();
    for (const path of odd.slice(1)) repo.write(path, `second ${path}\n`);
    repo.move("docs/my file.md", "docs/renamed ✓ file.md");
    const head = repo.commit();
    const change = await open(repo.dir, base, head);
    const sorted = [...change.files].sort((a, b) => a.path.localeCompare(b.path));
    expect(sorted.map((f) => [f.path, f.status, f.previousPath])).toEqual(
      [
        ['api/"quoted".yaml', "modified", undefined],
        ["db/new\nline.sql", "modified", undefined],
        ["docs/renamed ✓ file.md", "renamed", "docs/my file.md"],
        ["schemas/événement ünïcode.json", "modified", undefined],
        ["tab\there.txt", "modified", undefined],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    const newline = change.files.find((f) => f.path === "db/new\nline.sql")!;
    expect(newline.patch).toBe("@@ -1 +1 @@\n-first db/new\n+second db/new");
    expect(await change.read("head", "db/new\nline.sql", LIMIT)).toEqual({ kind: "text", text: "second db/new\nline.sql\n" });
    expect(await change.read("base", "docs/my file.md", LIMIT)).toEqual({ kind: "text", text: "first docs/my file.md\n" });
    expect(await change.listPaths("head")).toContain("schemas/événement ünïcode.json");
  });

  it("marks binary files and never decodes them as text", async () => {
    const repo = newRepo();
    repo.write("assets/logo.png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    const base = repo.commit();
    repo.write("assets/logo.png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x03]));
    repo.write("assets/new.bin", Buffer.from([0x00, 0xff]));
    const head = repo.commit();
    const change = await open(repo.dir, base, head);
    expect(change.files).toEqual([
      { path: "assets/logo.png", status: "modified", additions: 0, deletions: 0, binary: true },
      { path: "assets/new.bin", status: "added", additions: 0, deletions: 0, binary: true },
    ]);
    expect(await change.read("head", "assets/logo.png", LIMIT)).toEqual({ kind: "binary" });
  });

  it("skips the patch and the contents of files over the size limit", async () => {
    const repo = newRepo();
    repo.write("db/seed.sql", "-- seed\n");
    const base = repo.commit();
    const big = "INSERT INTO t VALUES (1);\n".repeat(1000); // 26,000 bytes
    repo.write("db/seed.sql", big);
    repo.write("small.txt", "ok\n");
    const head = repo.commit();
    const change = await open(repo.dir, base, head, 10_000);
    expect(change.oversized).toEqual(["db/seed.sql"]);
    const seed = change.files.find((f) => f.path === "db/seed.sql")!;
    expect(seed).toEqual({ path: "db/seed.sql", status: "modified", additions: 1000, deletions: 1 });
    expect(change.files.find((f) => f.path === "small.txt")!.patch).toBe("@@ -0,0 +1 @@\n+ok");
    expect(await change.read("head", "db/seed.sql", { maxBytes: 10_000 })).toEqual({ kind: "too-large", bytes: 26_000 });
    expect(await change.read("base", "db/seed.sql", { maxBytes: 10_000 })).toEqual({ kind: "text", text: "-- seed\n" });
  });

  it("takes the size limit from a promise (the CLI's config, still loading) and pauses big patches until it is known", async () => {
    const repo = newRepo();
    repo.write("small.txt", "a\n");
    const base = repo.commit();
    repo.write("data/big.csv", "0123456789,abcdefghij,klmnopqrst,uvwxyz\n".repeat(30_000)); // 1.2 MB: over the 1 MB kept before the limit is known
    repo.write("small.txt", "b\n");
    const head = repo.commit();
    const limit = new Promise<number>((resolve) => setTimeout(() => resolve(10_000), 200));
    const change = await openGitChange({ repo: repo.dir, base, head, maxBytes: limit });
    changes.push(change);
    expect(change.oversized).toEqual(["data/big.csv"]);
    expect(change.files.find((f) => f.path === "data/big.csv")).toEqual({ path: "data/big.csv", status: "added", additions: 30_000, deletions: 0 });
    expect(patchText(change.files.find((f) => f.path === "small.txt")!)).toBe("@@ -1 +1 @@\n-a\n+b");

    const generous = await openGitChange({
      repo: repo.dir,
      base,
      head,
      maxBytes: new Promise((resolve) => setTimeout(() => resolve(2_000_000), 200)),
    });
    changes.push(generous);
    expect(generous.oversized).toEqual([]);
    expect(patchText(generous.files.find((f) => f.path === "data/big.csv")!)!.split("\n")).toHaveLength(30_001);

    await expect(openGitChange({ repo: repo.dir, base, head, maxBytes: Promise.reject(new Error("bad config")) })).rejects.toThrow("bad config");
  });

  it("a file of one very long line: its patch is joined once (linear), or dropped past the limit with the file named", async () => {
    const repo = newRepo();
    repo.write("README.md", "hi\n");
    const base = repo.commit();
    const line = "abcdefghij".repeat(30_000); // 300 KB on one line: many pipe chunks
    repo.write("a/long.min.js", `${line}\n`);
    repo.write("b/huge.min.js", "x".repeat(3_000_000)); // one 3 MB line without a final newline
    repo.write("c/after.txt", "after\n");
    const head = repo.commit();
    const change = await open(repo.dir, base, head, 1_000_000);
    expect(change.oversized).toEqual(["b/huge.min.js"]);
    expect(change.files.find((f) => f.path === "a/long.min.js")!.patch).toBe(`@@ -0,0 +1 @@\n+${line}`);
    expect(change.files.find((f) => f.path === "b/huge.min.js")).toEqual({ path: "b/huge.min.js", status: "added", additions: 1, deletions: 0 });
    expect(change.files.find((f) => f.path === "c/after.txt")!.patch).toBe("@@ -0,0 +1 @@\n+after");

    // The limit still loading: the long line is read up to the read-ahead, then judged once it is known.
    const pending = await openGitChange({
      repo: repo.dir,
      base,
      head,
      maxBytes: new Promise((resolve) => setTimeout(() => resolve(1_000_000), 200)),
    });
    changes.push(pending);
    expect(pending.oversized).toEqual(["b/huge.min.js"]);
    expect(pending.files.map((f) => [f.path, patchText(f)])).toEqual([
      ["a/long.min.js", `@@ -0,0 +1 @@\n+${line}`],
      ["b/huge.min.js", undefined],
      ["c/after.txt", "@@ -0,0 +1 @@\n+after"],
    ]);
  });

  it("gives each file the added and removed lines, with their numbers, that a patch with context lines gives", async () => {
    // The patches come without context (-U0): nothing reads context, and a big change held 13 % more bytes for it.
    // Edits of every kind, near each other (hunks that context would merge), at both ends and at a last line
    // without a newline, in 40 files generated from a fixed seed.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const repo = newRepo();
    const before = new Map<string, string[]>();
    for (let f = 0; f < 40; f++) {
      const lines = Array.from({ length: 5 + random(120) }, (_, i) => `line ${i} of ${f}${random(3) === 0 ? " same" : ""}`);
      before.set(`src/f${f}.txt`, lines);
      repo.write(`src/f${f}.txt`, lines.join("\n") + (f % 5 === 0 ? "" : "\n"));
    }
    const base = repo.commit();
    for (const [path, original] of before) {
      const lines = [...original];
      for (let edits = 1 + random(8); edits > 0; edits--) {
        const at = random(lines.length + 1);
        const kind = random(3);
        if (kind === 0) lines.splice(at, 0, ...Array.from({ length: 1 + random(4) }, (_, i) => `added ${i} at ${at}`));
        else if (kind === 1 && lines.length > 1) lines.splice(at, 1 + random(3));
        else if (at < lines.length) lines[at] = `changed ${lines[at]}`;
      }
      repo.write(path, lines.join("\n") + (random(2) === 0 ? "" : "\n"));
    }
    const head = repo.commit();
    const change = await open(repo.dir, base, head);
    expect(change.files).toHaveLength(40);
    let compared = 0;
    for (const file of change.files) {
      expect(file.patch).not.toMatch(/^ /m);
      const withContext = repo.git("diff", "-U3", base, head, "--", file.path).replace(/^[\s\S]*?(?=^@@)/m, "");
      const ours = parsePatch(file.patch);
      const theirs = parsePatch(withContext);
      expect(ours).toEqual(theirs);
      compared += ours.added.length + ours.removed.length;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("keeps the small patch of a big file (as GitHub does) but never reads the file", async () => {
    const repo = newRepo();
    const schema = Array.from({ length: 2000 }, (_, i) => `type T${i} {\n  id: ID!\n}\n`).join(""); // 40,890 bytes
    repo.write("api/schema.graphql", schema);
    const base = repo.commit();
    const edited = schema.replace("type T5 {\n  id: ID!\n", "type T5 {\n  id: ID!\n  name: String\n");
    repo.write("api/schema.graphql", edited);
    const head = repo.commit();
    const change = await open(repo.dir, base, head, 10_000);
    expect(change.oversized).toEqual(["api/schema.graphql"]);
    expect(change.files).toEqual([
      {
        path: "api/schema.graphql",
        status: "modified",
        additions: 1,
        deletions: 0,
        patch: "@@ -17,0 +18 @@ type T5 {\n+  name: String",
      },
    ]);
    expect(await change.read("head", "api/schema.graphql", { maxBytes: 10_000 })).toEqual({ kind: "too-large", bytes: Buffer.byteLength(edited) });
  });

  it("diffs from the merge base, like a pull request", async () => {
    const repo = newRepo();
    repo.write("a.txt", "a\n");
    repo.commit("root");
    repo.git("checkout", "-q", "-b", "feature");
    repo.write("feature.txt", "f\n");
    const head = repo.commit("feature");
    repo.git("checkout", "-q", "main");
    repo.write("main-only.txt", "m\n");
    const main = repo.commit("main moves on");
    const change = await open(repo.dir, main, head);
    expect(change.base).toBe(main);
    expect(change.mergeBase).toBe(repo.git("merge-base", main, head));
    expect(change.files.map((f) => f.path)).toEqual(["feature.txt"]);
  });

  it("explains a missing merge base in a shallow clone", async () => {
    const repo = newRepo();
    repo.write("a.txt", "a\n");
    repo.commit();
    repo.git("checkout", "-q", "-b", "feature");
    repo.write("b.txt", "b\n");
    repo.commit();
    repo.git("checkout", "-q", "main");
    repo.write("c.txt", "c\n");
    repo.commit();
    const shallow = repo.bareClone().replace(/repo\.git$/, "shallow.git");
    repo.git("clone", "-q", "--bare", "--depth", "1", "--no-single-branch", `file://${repo.dir}`, shallow);
    await expect(openGitChange({ repo: shallow, base: "main", head: "feature" })).rejects.toThrow(
      "main and feature have no common ancestor (the repository is a shallow clone: fetch more history, e.g. actions/checkout with fetch-depth: 0)",
    );
  });

  it("works on a bare repository", async () => {
    const repo = newRepo();
    repo.write("openapi.yaml", "openapi: 3.0.3\n");
    const base = repo.commit();
    repo.write("openapi.yaml", "openapi: 3.1.0\n");
    const head = repo.commit();
    const bare = repo.bareClone();
    const change = await open(bare, base, head);
    expect(change.files).toEqual([
      { path: "openapi.yaml", status: "modified", additions: 1, deletions: 1, patch: "@@ -1 +1 @@\n-openapi: 3.0.3\n+openapi: 3.1.0" },
    ]);
    expect(await change.read("head", "openapi.yaml", LIMIT)).toEqual({ kind: "text", text: "openapi: 3.1.0\n" });
    expect(await change.listPaths("base")).toEqual(["openapi.yaml"]);
  });

  it("serves many concurrent reads from one cat-file process in order", async () => {
    const repo = newRepo();
    for (let i = 0; i < 50; i++) repo.write(`f${i}.txt`, `${"x".repeat(i * 100)}${i}\n`);
    const base = repo.commit();
    for (let i = 0; i < 50; i++) repo.write(`f${i}.txt`, `${"y".repeat(i * 100)}${i}\n`);
    const head = repo.commit();
    const change = await open(repo.dir, base, head);
    const contents = await Promise.all(change.files.map((f) => change.read("head", f.path, LIMIT)));
    contents.forEach((content, index) => {
      const i = Number(change.files[index]!.path.slice(1, -4));
      expect(content).toEqual({ kind: "text", text: `${"y".repeat(i * 100)}${i}\n` });
    });
  });

  it("after close, fails a read asked in the same turn and every later one, and starts no git process again", async () => {
    const repo = newRepo();
    repo.write("a.txt", "a\n");
    const head = repo.commit();
    const repository = new GitRepository(repo.dir);
    expect((await repository.cat.info(head))?.type).toBe("commit");
    // A read-ahead that asks in the turn the command closes its repository: its request was written by a new
    // process nobody closed, and `archgate check` waited for that process forever after printing its report.
    const sameTurn = repository.cat.contents(`${head}:a.txt`);
    repository.close();
    await expect(sameTurn).rejects.toThrow("git cat-file was closed");
    await expect(repository.cat.contents(`${head}:a.txt`)).rejects.toThrow("git cat-file was closed");
    await new Promise((resolve) => setImmediate(resolve));
    expect((repository.cat as unknown as { child?: unknown }).child).toBeUndefined();
  });

  it("answers reads asked for together (missing, too large, binary, text, one blob on both sides) each as alone", async () => {
    const repo = newRepo();
    repo.write("same.yaml", "type: string\n");
    repo.write("big.txt", "z".repeat(500));
    repo.write("bin.dat", Buffer.from([0, 1, 2, 3]));
    const base = repo.commit();
    repo.write("changed.yaml", "type: integer\n");
    const head = repo.commit();
    const change = await open(repo.dir, base, head);
    const reads = await Promise.all([
      change.read("base", "same.yaml", LIMIT),
      change.read("head", "no-such-file.yaml", LIMIT),
      change.read("head", "big.txt", { maxBytes: 100 }),
      change.read("head", "bin.dat", LIMIT),
      change.read("head", "changed.yaml", LIMIT),
      change.read("head", "same.yaml", LIMIT),
      change.read("base", "changed.yaml", LIMIT),
      change.read("head", "big.txt", LIMIT),
    ]);
    expect(reads).toEqual([
      { kind: "text", text: "type: string\n" },
      { kind: "missing" },
      { kind: "too-large", bytes: 500 },
      { kind: "binary" },
      { kind: "text", text: "type: integer\n" },
      { kind: "text", text: "type: string\n" },
      { kind: "missing" },
      { kind: "text", text: "z".repeat(500) },
    ]);
  });

  it("reads the changed files ahead and hands each to its read, whatever the order or the limit asked", async () => {
    const repo = newRepo();
    for (let i = 0; i < 30; i++) repo.write(`f${i}.txt`, `${"x".repeat(i * 100)}${i}\n`);
    repo.write("same-a.txt", "same\n");
    const base = repo.commit();
    for (let i = 0; i < 30; i++) repo.write(`f${i}.txt`, `${"y".repeat(i * 100)}${i}\n`);
    repo.write("same-b.txt", "same\n");
    repo.write("bin.dat", Buffer.from([0, 1, 2, 3]));
    const head = repo.commit();
    const change = await open(repo.dir, base, head);
    expect(await change.read("head", "f29.txt", { maxBytes: 100 })).toEqual({ kind: "too-large", bytes: 2903 });
    const contents = await Promise.all(change.files.filter((f) => f.path.startsWith("f")).map((f) => change.read("head", f.path, LIMIT)));
    contents.forEach((content, index) => {
      const i = Number(change.files.filter((f) => f.path.startsWith("f"))[index]!.path.slice(1, -4));
      expect(content).toEqual({ kind: "text", text: `${"y".repeat(i * 100)}${i}\n` });
    });
    expect(await change.read("base", "f3.txt", LIMIT)).toEqual({ kind: "text", text: `${"x".repeat(300)}3\n` });
    expect(await change.read("head", "same-b.txt", LIMIT)).toEqual({ kind: "text", text: "same\n" });
    expect(await change.read("base", "same-a.txt", LIMIT)).toEqual({ kind: "text", text: "same\n" });
    expect(await change.read("head", "bin.dat", LIMIT)).toEqual({ kind: "binary" });
    expect(await change.read("head", "f3.txt", LIMIT)).toEqual({ kind: "text", text: `${"y".repeat(300)}3\n` });
  });

  it("takes the title and description from the commit object as git log's %s and %b give them", async () => {
    const repo = newRepo();
    repo.write("a", "a\n");
    repo.commit();
    const messages = [
      "\n \n  first line  \nsecond line\t\n\n\n body line 1\n\nbody 2  \n",
      "only a subject",
      "subject\r\nwith crlf \r\n\r\nbody\r\n",
      "",
      "é ünïcode ✓\n\n☃ body",
    ];
    for (const message of messages) {
      repo.git("commit", "-q", "--allow-empty", "--allow-empty-message", "--cleanup=verbatim", "-m", message);
      const head = repo.git("rev-parse", "HEAD");
      const [subject, ...body] = repo.git("log", "-1", "--format=%s%x00%b", head).split("\0");
      const change = await open(repo.dir, `${head}~1`, head);
      expect([change.title, change.description]).toEqual([subject!.trim() || undefined, body.join("").trim() || undefined]);
    }
    // Another encoding: git log converts it.
    repo.git("-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "--allow-empty", "-m", "caf\u00e9");
    const head = repo.git("rev-parse", "HEAD");
    const change = await open(repo.dir, `${head}~1`, head);
    expect(change.title).toBe(repo.git("log", "-1", "--format=%s", head));
  });

  it("reads ahead in runs that grow while reads follow the list, and reads a far jump alone", async () => {
    const asked: string[][] = [];
    let batch: string[] | undefined;
    const cat = {
      contents(oid: string): Promise<RawObject | undefined> {
        if (!batch) {
          batch = [];
          asked.push(batch);
          queueMicrotask(() => (batch = undefined));
        }
        batch.push(oid);
        return Promise.resolve({ type: "blob", bytes: Buffer.from(oid) });
      },
    } as unknown as CatFile;
    const blobs = Array.from({ length: 2000 }, (_, i) => ({ oid: `o${i}`, size: 20_000 }));
    const ahead = new ReadAhead(cat, blobs);
    // Every other blob (head versions read, base versions not): each asked for once, in a few requests.
    for (let i = 0; i < 300; i += 2) expect((await ahead.contents(`o${i}`))?.bytes.toString()).toBe(`o${i}`);
    const all = asked.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(asked.length).toBeLessThan(12);
    // A jump far from the last read: that blob alone.
    const requests = asked.length;
    expect((await ahead.contents("o1900"))?.bytes.toString()).toBe("o1900");
    expect(asked.slice(requests)).toEqual([["o1900"]]);
    // A blob handed out already is asked for again (the caller keeps what it read).
    expect((await ahead.contents("o0"))?.bytes.toString()).toBe("o0");
    expect(asked.at(-1)).toEqual(["o0"]);
  });

  it("reads ahead by kinds of blob: side and extension, test code and fixtures as kinds of their own", () => {
    expect(readAheadKind("head", "saleor/order/models.py")).toBe("head:py");
    expect(readAheadKind("base", "saleor/order/models.py")).toBe("base:py");
    expect(readAheadKind("head", "Dockerfile")).toBe("head:Dockerfile");
    expect(
      [
        "saleor/order/tests/test_order.py",
        "tests/e2e/flow.py",
        "pkg/api/handler_test.go",
        "src/app.spec.ts",
        "web/__tests__/a.js",
        "test_settings.py",
      ].map((path) => readAheadKind("head", path)),
    ).toEqual(["head:py:test", "head:py:test", "head:go:test", "head:ts:test", "head:js:test", "head:py:test"]);
    expect(readAheadKind("head", "saleor/testing/utils.py")).toBe("head:py");
  });

  it("hands out each blob as its own bytes, not as a view of git's output that would keep the whole chunk alive", async () => {
    const repo = newRepo();
    for (let i = 0; i < 40; i++) repo.write(`small${i}.txt`, `${i}\n`);
    repo.write("mid.txt", "m".repeat(5000));
    const head = repo.commit();
    const repository = new GitRepository(repo.dir);
    try {
      const names = [...Array.from({ length: 40 }, (_, i) => `small${i}.txt`), "mid.txt"];
      // Asked for together: git answers them in one chunk of its output.
      const objects = await Promise.all(names.map((name) => repository.cat.contents(`${head}:${name}`)));
      objects.slice(0, 40).forEach((object, i) => {
        expect(object?.bytes.toString()).toBe(`${i}\n`);
        // At most Node's 8 KB pool for a small buffer, never git's 64 KB chunk.
        expect(object!.bytes.buffer.byteLength).toBeLessThanOrEqual(8192);
      });
      expect(objects[40]!.bytes.length).toBe(5000);
      expect(objects[40]!.bytes.buffer.byteLength).toBe(5000);
    } finally {
      repository.close();
    }
  });

  it("keeps no blob it handed out reachable from the read-ahead", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const cat = {
      contents: (oid: string): Promise<RawObject | undefined> => Promise.resolve({ type: "blob", bytes: Buffer.from(oid.repeat(1000)) }),
    } as unknown as CatFile;
    const blobs = Array.from({ length: 200 }, (_, i) => ({ oid: `o${i}`, size: 3000 }));
    const ahead = new ReadAhead(cat, blobs);
    // The first reads start a run that asks for the blobs after them; those stay ahead, the ones read do not.
    const read: WeakRef<Buffer>[] = [];
    for (let i = 0; i < 3; i++) read.push(new WeakRef((await ahead.contents(`o${i}`))!.bytes));
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(read.map((ref) => ref.deref())).toEqual([undefined, undefined, undefined]);
    // What is still ahead is handed out as asked for.
    expect((await ahead.contents("o3"))?.bytes.toString()).toBe("o3".repeat(1000));
  });

  it("rejects unknown revisions with git's context", async () => {
    const repo = newRepo();
    repo.write("a", "a\n");
    const head = repo.commit();
    await expect(openGitChange({ repo: repo.dir, base: "no-such-branch", head })).rejects.toThrow(/unknown revision "no-such-branch"/);
    await expect(openGitChange({ repo: repo.dir, base: "--output=/tmp/x", head })).rejects.toThrow(/invalid revision/);
  });

  it("parses rename and copy records of the -z listing", () => {
    const oid1 = "1".repeat(40);
    const oid2 = "2".repeat(40);
    const out = Buffer.from(`:100644 100644 ${oid1} ${oid2} R090\0a b\0c\nd\0:000000 100644 ${"0".repeat(40)} ${oid2} A\0e\0`);
    expect(parseRawListing(out).map((r) => [r.status, r.srcPath, r.dstPath])).toEqual([
      ["R090", "a b", "c\nd"],
      ["A", "e", "e"],
    ]);
  });

  it("refuses a listing that is not in the raw format (counts or patches mixed in)", () => {
    expect(() => parseRawListing(Buffer.from("3\t1\ta.txt\0"))).toThrow(/not in the raw format/);
  });
});
