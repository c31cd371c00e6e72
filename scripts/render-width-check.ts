/**
 * `npm run render-width-check`: renders the PR comment the way GitHub shows it and fails when anything is wider
 * than GitHub's 900 px conversation column.
 *
 *   npm run render-width-check [-- --chromium /usr/bin/chromium] [--out .tmp] [FILE.md ...]
 *
 * Without files it renders the comments of the snapshot scenarios (the demo change, a replica bump, a
 * retirement, an OpenAPI-only change, a 40-finding change) reviewed by the real engine. Each markdown goes
 * through a GitHub-flavoured renderer (marked, GFM with task lists) into a page styled with GitHub's own
 * stylesheet (github-markdown-css), 900 px wide, in headless Chromium (Debian's package: apt-get install
 * chromium) driven by playwright-core. Every `<details>` is opened first, so collapsed content is measured
 * too (a second screenshot shows them open). An element whose scrollWidth exceeds its box, or whose right edge passes the column, is reported with
 * its tag and text; a full-page screenshot of each comment is written to `.tmp/`.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { marked } from "marked";
import { chromium } from "playwright-core";
import { reviewChange, validateConfig } from "../src/builtins.js";
import { changeFromTrees } from "../src/engine/memory-change.js";
import { renderComment } from "../src/render/markdown.js";

const COLUMN = 900;
const root = resolve(import.meta.dirname, "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { chromium: { type: "string", default: "/usr/bin/chromium" }, out: { type: "string", default: join(root, ".tmp") } },
});

type Tree = Record<string, string>;

function readTree(dir: string): Tree {
  const tree: Tree = {};
  const walk = (current: string, prefix: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full, `${prefix}${entry.name}/`);
      else tree[`${prefix}${entry.name}`] = readFileSync(full, "utf8");
    }
  };
  walk(dir, "");
  return tree;
}

const require = createRequire(import.meta.url);

/** The comments of the snapshot scenarios, reviewed by the real engine with zero config. */
async function scenarioComments(): Promise<{ name: string; markdown: string }[]> {
  const base = readTree(join(root, "fixtures", "demo", "base"));
  const head = readTree(join(root, "fixtures", "demo", "head"));
  const drops = Array.from({ length: 20 }, (_, i) => `ALTER TABLE orders DROP COLUMN legacy_field_${i + 1};`).join("\n");
  const calls = Array.from(
    { length: 20 },
    (_, i) =>
      `export async function notifyPartner${i + 1}(order) {\n  return fetch("https://partner-${i + 1}.example.com/hooks/orders", { method: "POST", body: JSON.stringify(order) });\n}`,
  ).join("\n");
  const cases: [string, Tree, Tree][] = [
    ["demo", base, head],
    ["replica-bump", base, { ...base, "deploy/k8s/orders.yaml": base["deploy/k8s/orders.yaml"]!.replace("replicas: 3", "replicas: 5") }],
    [
      "retirement",
      head,
      Object.fromEntries(Object.entries(head).filter(([p]) => !p.startsWith("services/payments/") && p !== "deploy/k8s/payments.yaml")),
    ],
    ["openapi-only", base, { ...base, "services/orders/openapi.yaml": head["services/orders/openapi.yaml"]! }],
    [
      "forty-findings",
      base,
      { ...base, "services/orders/db/migration/V2__drop_legacy_fields.sql": `${drops}\n`, "services/orders/src/partners.js": `${calls}\n` },
    ],
  ];
  const out: { name: string; markdown: string }[] = [];
  for (const [name, b, h] of cases) {
    const report = await reviewChange(changeFromTrees(b, h), validateConfig({}, "render-width-check"));
    out.push({ name, markdown: renderComment(report, { repoUrl: "https://github.com/acme/shop" }) });
  }
  return out;
}

const comments =
  positionals.length > 0
    ? positionals.map((file) => ({ name: basename(file, ".md"), markdown: readFileSync(file, "utf8") }))
    : await scenarioComments();

const css = readFileSync(require.resolve("github-markdown-css/github-markdown-light.css"), "utf8");
mkdirSync(values.out!, { recursive: true });
const browser = await chromium.launch({
  executablePath: values.chromium!,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
});
let failed = 0;
try {
  const page = await browser.newPage({ viewport: { width: COLUMN + 100, height: 800 } });
  for (const { name, markdown } of comments) {
    const html = await marked.parse(markdown, { gfm: true });
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"><style>${css}
      body { margin: 0; padding: 16px; background: #fff; }
      .markdown-body { box-sizing: border-box; width: ${COLUMN}px; padding: 16px; border: 1px solid #d0d7de; border-radius: 6px; }
      </style></head><body><article class="markdown-body">${html}</article></body></html>`,
      { waitUntil: "load" },
    );
    // As a reader first sees it (collapsed), then with every <details> open for the measurement.
    const shot = join(values.out!, `render-width-${name}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    const offenders = await page.evaluate((column) => {
      for (const d of document.querySelectorAll("details")) (d as HTMLDetailsElement).open = true;
      const article = document.querySelector("article")!;
      const right = article.getBoundingClientRect().left + column;
      const found: string[] = [];
      for (const el of [article, ...article.querySelectorAll("*")] as HTMLElement[]) {
        const box = el.getBoundingClientRect();
        const overflows = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible";
        if (el.scrollWidth > column || box.right > right + 1 || overflows) {
          found.push(
            `<${el.tagName.toLowerCase()}> scrollWidth ${el.scrollWidth}, right edge ${Math.round(box.right - right + column)} px: ${(el.textContent ?? "").replace(/\s+/g, " ").trim().slice(0, 80)}`,
          );
        }
      }
      return found;
    }, COLUMN);
    const opened = join(values.out!, `render-width-${name}-open.png`);
    await page.screenshot({ path: opened, fullPage: true });
    const size = `${markdown.length} chars, ${markdown.split("\n").length} lines`;
    if (offenders.length === 0) console.log(`ok   ${name} (${size}): nothing wider than ${COLUMN} px; screenshots ${shot}, ${opened}`);
    else {
      failed++;
      console.log(`FAIL ${name} (${size}): ${offenders.length} element(s) wider than ${COLUMN} px; screenshots ${shot}, ${opened}`);
      for (const o of offenders.slice(0, 20)) console.log(`     ${o}`);
    }
  }
} finally {
  await browser.close();
}
process.exitCode = failed > 0 ? 1 : 0;
