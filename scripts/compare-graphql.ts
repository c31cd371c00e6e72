/**
 * The GraphQL comparison unchanged? Runs breaking-api-change, alone and in process, from two checkouts' sources
 * on a real schema's history and on seeded edits of it, and compares findings, problems and notes.
 *
 *   npm run compare-graphql -- --before OLD-CHECKOUT [--after CHECKOUT] <repo> <schema path> [--commits N] [--mutations K] [--rev REV]
 *
 * The cases are the last N first-parent commits of REV (default HEAD) that change the schema, each against its
 * first parent, and K edits of each head version (a line removed, a `}` or `"""` inserted, a field with a
 * defaulted argument added, a name changed, a description and scalar inserted), the same for both checkouts
 * (a fixed seed). `--after` defaults to this checkout. Ends with `N cases: N same, N different`; exits 1 when any
 * differ. Example: `npm run compare-graphql -- --before ../old /path/to/saleor saleor/graphql/schema.graphql`.
 */
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    before: { type: "string" },
    after: { type: "string" },
    commits: { type: "string", default: "300" },
    mutations: { type: "string", default: "3" },
    rev: { type: "string", default: "HEAD" },
  },
});
if (positionals.length !== 2 || !values.before) {
  console.error(
    "usage: npm run compare-graphql -- --before OLD-CHECKOUT [--after CHECKOUT] <repo> <schema path> [--commits N] [--mutations K] [--rev REV]",
  );
  process.exit(2);
}
const [repo, path] = positionals as [string, string];
const ROOT = resolve(import.meta.dirname, "..");

type Review = (base: string, head: string) => Promise<string>;

/** breaking-api-change from a checkout's sources, on one file's two versions: its findings, problems and notes as one JSON line. */
async function reviewerOf(checkout: string): Promise<Review> {
  const load = (module: string) => import(pathToFileURL(join(resolve(checkout), "src", module)).href);
  const { changeFromTrees } = await load("engine/memory-change.ts");
  const { breakingApiChange } = await load("rules/breaking-api-change.ts");
  const { reviewChange, validateConfig } = await load("builtins.ts");
  const { noteText } = await load("engine/types.ts");
  const config = validateConfig({}, "compare-graphql");
  return async (base, head) => {
    const report = await reviewChange(changeFromTrees({ [path]: base }, { [path]: head }), config, { rules: [breakingApiChange], triggers: [] });
    return JSON.stringify({
      findings: report.findings.map(
        (f: { file: string; line?: number; key?: string; message: string }) => `${f.file}:${f.line} ${f.key} ${f.message}`,
      ),
      problems: report.problems,
      notes: report.notes.map(noteText),
    });
  };
}

const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
const commits = git("log", "--first-parent", "--format=%H", "-n", values.commits!, values.rev!, "--", path).trim().split("\n").filter(Boolean);

let seed = 1;
const random = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
/** A seeded edit of `text`, named by what it did and where. */
function mutate(text: string): { name: string; text: string } {
  const lines = text.split("\n");
  const at = random(lines.length);
  const kind = random(6);
  if (kind === 0) lines.splice(at, 1);
  else if (kind === 1) lines.splice(at, 0, "}");
  else if (kind === 2) lines.splice(at, 0, '"""');
  else if (kind === 3) lines.splice(at, 0, "  extra(arg: Int = 1): String");
  else if (kind === 4) lines[at] = (lines[at] ?? "").replace(/\w+/, "Renamed");
  else lines.splice(at, 0, 'scalar Extra "x"');
  return { name: `edit ${kind} at line ${at + 1}`, text: lines.join("\n") };
}

/** The first entry of each side that the other side does not have (findings, then problems, then notes). */
function firstDifference(a: string, b: string): string {
  const [x, y] = [JSON.parse(a), JSON.parse(b)] as Record<string, unknown[]>[];
  for (const section of ["findings", "problems", "notes"]) {
    const [xs, ys] = [x![section]!.map((e) => JSON.stringify(e)), y![section]!.map((e) => JSON.stringify(e))];
    const onlyBefore = xs.find((e) => !ys.includes(e));
    const onlyAfter = ys.find((e) => !xs.includes(e));
    if (onlyBefore || onlyAfter || xs.length !== ys.length)
      return `  ${section}: before ${onlyBefore ?? "(order or count)"}\n  ${section}: after  ${onlyAfter ?? "(order or count)"}`;
  }
  return "  (same entries, different order)";
}

const before = await reviewerOf(values.before);
const after = await reviewerOf(values.after ?? ROOT);
let cases = 0;
const different: string[] = [];
for (const commit of commits) {
  let base: string;
  try {
    base = git("show", `${commit}~1:${path}`);
  } catch {
    continue; // the commit adds the file
  }
  const head = git("show", `${commit}:${path}`);
  const variants = [{ name: "as committed", text: head }, ...Array.from({ length: Number(values.mutations) }, () => mutate(head))];
  for (const variant of variants) {
    cases++;
    const [a, b] = [await before(base, variant.text), await after(base, variant.text)];
    if (a !== b) different.push(`${commit.slice(0, 10)} ${variant.name}\n${firstDifference(a, b)}`);
  }
}
for (const line of different.slice(0, 10)) console.log(line);
console.log(`${cases} cases (${commits.length} commits): ${cases - different.length} same, ${different.length} different`);
process.exit(different.length > 0 ? 1 : 0);
