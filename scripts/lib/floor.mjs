// The floor of `archgate check` (scripts/bench-floor.ts): what any reviewer of the change must do at least.
// Node starts, git lists the change (`diff-tree -r -M -z --raw`) and writes its patches (`diff-tree -r -M -p`),
// and one `git cat-file --batch` streams the changed blobs of both sides (submodules and deletions have none).
// Everything read is only counted, never parsed. Plain JavaScript so that no TypeScript loader is timed.
//
//   node scripts/lib/floor.mjs <repo> <base> <head>
import { spawn } from "node:child_process";

const [repo, base, head] = process.argv.slice(2);
const env = { ...process.env, GIT_PAGER: "cat", LC_ALL: "C", GIT_OPTIONAL_LOCKS: "0" };

/** Runs git; resolves with its output, or only its length when `keep` is false (streamed, never held whole). */
function run(args, input, keep = true) {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-C", repo, ...args], { env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "inherit"] });
    const chunks = [];
    let length = 0;
    child.stdout.on("data", (chunk) => {
      length += chunk.length;
      if (keep) chunks.push(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(keep ? Buffer.concat(chunks) : length) : reject(new Error(`git ${args[0]} exited with ${code}`)),
    );
    if (input !== undefined) child.stdin.end(input);
  });
}

const diff = ["diff-tree", "-r", "-M", "--no-abbrev", base, head];
const patches = run([...diff, "-p"], undefined, false);
const fields = (await run([...diff, "-z", "--raw"])).toString("utf8").split("\0");
const oids = new Set();
for (const field of fields) {
  if (!field.startsWith(":")) continue;
  const [srcMode, dstMode, srcOid, dstOid] = field.slice(1).split(" ");
  if (srcMode !== "160000" && !/^0+$/.test(srcOid)) oids.add(srcOid);
  if (dstMode !== "160000" && !/^0+$/.test(dstOid)) oids.add(dstOid);
}
const blobBytes = await run(["cat-file", "--batch"], [...oids].map((oid) => `${oid}\n`).join(""), false);
const patchBytes = await patches;
process.stdout.write(`${JSON.stringify({ blobs: oids.size, blobBytes, patchBytes })}\n`);
