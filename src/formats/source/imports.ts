/**
 * Import statements of TS/JS, Python, Go and Java/Kotlin sources, with the names a layering rule can
 * match: the specifier as written and, where we can tell, the repository path it resolves to.
 */
import { posix } from "node:path";
import { lineOf, type SourceFile } from "./masking.js";

export interface ImportRef {
  /** The module as written: `node:fs`, `../github/app.js`, `app.adapters.db`, `github.com/acme/shop/internal/db`. */
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  /** 1-based line where the import statement starts (an added statement counts even if the specifier line is context). */
  statementLine: number;
  /** Everything `to` patterns are matched against: the specifier, its variants and resolved repository paths. */
  targets: string[];
}

export interface ImportContext {
  /** Go module path and the directory of its go.mod, when known. */
  goModule?: { path: string; dir: string };
}

const JS_EXTENSIONS = /\.(?:[cm]?[jt]sx?)$/;

export function importsOf(source: SourceFile, context: ImportContext = {}): ImportRef[] {
  switch (source.language) {
    case "js":
      return jsImports(source);
    case "python":
      return pythonImports(source);
    case "go":
      return goImports(source, context);
    case "java":
    case "kotlin":
      return jvmImports(source);
    default:
      return [];
  }
}

/** True when the character at `offset` is code (not blanked as a comment or string content). */
function isCode(source: SourceFile, offset: number): boolean {
  return source.masked[offset] === source.text[offset];
}

function moduleVariants(specifier: string): string[] {
  const variants = [specifier];
  if (specifier.startsWith("node:")) variants.push(specifier.slice(5));
  else if (!specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.startsWith("@")) variants.push(`node:${specifier}`);
  return variants;
}

function jsImports(source: SourceFile): ImportRef[] {
  const refs: ImportRef[] = [];
  const patterns: { re: RegExp; needsStatement: boolean }[] = [
    { re: /\bfrom\s*(["'])([^"'\n]+)\1/g, needsStatement: true },
    { re: /\bimport\s*(["'])([^"'\n]+)\1/g, needsStatement: false },
    { re: /\bimport\s*\(\s*(["'`])([^"'`\n$]+)\1\s*\)/g, needsStatement: false },
    { re: /\brequire\s*\(\s*(["'`])([^"'`\n$]+)\1\s*\)/g, needsStatement: false },
  ];
  for (const { re, needsStatement } of patterns) {
    for (const m of source.text.matchAll(re)) {
      const start = m.index!;
      if (!isCode(source, start)) continue;
      let statementStart = start;
      if (needsStatement) {
        const before = source.masked.slice(Math.max(0, start - 2000), start);
        const keyword = /\b(?:import|export)\b[^;]*$/.exec(before);
        if (!keyword) continue;
        statementStart = start - (before.length - keyword.index);
      }
      const specifier = m[2]!;
      const line = lineOf(source, start + m[0].indexOf(m[1]! + specifier));
      refs.push({ specifier, line, statementLine: lineOf(source, statementStart), targets: jsTargets(source.path, specifier) });
    }
  }
  return refs;
}

function jsTargets(importer: string, specifier: string): string[] {
  if (!specifier.startsWith(".")) return moduleVariants(specifier);
  const resolved = posix.normalize(posix.join(posix.dirname(importer), specifier));
  const targets = [specifier, resolved];
  if (JS_EXTENSIONS.test(resolved)) targets.push(resolved.replace(JS_EXTENSIONS, ""));
  return targets;
}

function pythonImports(source: SourceFile): ImportRef[] {
  const refs: ImportRef[] = [];
  const packageDir = posix.dirname(source.path);
  for (const m of source.masked.matchAll(/^[ \t]*import[ \t]+([\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*)/gm)) {
    const line = lineOf(source, m.index!);
    for (const part of m[1]!.split(",")) {
      const module = part.trim().split(/\s+as\s+/)[0]!;
      refs.push({ specifier: module, line, statementLine: line, targets: pythonTargets(source.path, module) });
    }
  }
  for (const m of source.masked.matchAll(/^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]+)/gm)) {
    const line = lineOf(source, m.index!);
    const dots = m[1]!.length;
    const module = m[2]!;
    const names = m[3]!
      .replace(/[()\\]/g, " ")
      .split(",")
      .map((n) => n.trim().split(/\s+as\s+/)[0]!)
      .filter((n) => /^\w+$/.test(n));
    const specifier = `${m[1]}${module}`;
    if (dots === 0) {
      const targets = pythonTargets(source.path, module);
      for (const name of names) targets.push(...pythonTargets(source.path, `${module}.${name}`));
      refs.push({ specifier, line, statementLine: line, targets });
      continue;
    }
    // Relative: one dot is the importing file's package, each further dot goes one package up.
    let base = packageDir;
    for (let i = 1; i < dots; i++) base = posix.dirname(base);
    const dir = module ? posix.join(base, ...module.split(".")) : base;
    const targets = [specifier, ...pythonPathTargets(dir)];
    for (const name of names) targets.push(...pythonPathTargets(posix.join(dir, name)));
    refs.push({ specifier, line, statementLine: line, targets });
  }
  return refs;
}

function pythonPathTargets(modulePath: string): string[] {
  const clean = modulePath.replace(/^\.\//, "");
  return [clean, `${clean}.py`, `${clean}/__init__.py`, clean.split("/").join(".")];
}

function pythonTargets(importer: string, dotted: string): string[] {
  const segments = dotted.split(".");
  const targets = [dotted, ...pythonPathTargets(segments.join("/"))];
  // src layouts: `app.adapters` imported from `src/app/domain/x.py` lives at `src/app/adapters`.
  const importerSegments = importer.split("/");
  const at = importerSegments.indexOf(segments[0]!);
  if (at > 0) targets.push(...pythonPathTargets([...importerSegments.slice(0, at), ...segments].join("/")));
  return targets;
}

function goImports(source: SourceFile, context: ImportContext): ImportRef[] {
  const refs: ImportRef[] = [];
  const add = (offset: number, specifier: string, statementOffset: number) => {
    const targets = [specifier];
    const module = context.goModule;
    if (module && (specifier === module.path || specifier.startsWith(`${module.path}/`))) {
      const rest = specifier.slice(module.path.length).replace(/^\//, "");
      targets.push(posix.join(module.dir, rest) || ".");
    }
    refs.push({ specifier, line: lineOf(source, offset), statementLine: lineOf(source, statementOffset), targets });
  };
  for (const m of source.masked.matchAll(/(^|\n)[ \t]*import[ \t]*\(/g)) {
    const open = m.index! + m[0].length - 1;
    const close = source.masked.indexOf(")", open);
    if (close < 0) continue;
    const block = source.text.slice(open, close);
    for (const spec of block.matchAll(/(?:^|\n)[ \t]*(?:[\w.]+[ \t]+)?"([^"\n]+)"/g)) {
      add(open + spec.index! + spec[0].indexOf('"'), spec[1]!, open + spec.index! + spec[0].indexOf('"'));
    }
  }
  for (const m of source.masked.matchAll(/(^|\n)[ \t]*import[ \t]+(?:[\w.]+[ \t]+)?"/g)) {
    const quote = m.index! + m[0].length - 1;
    const spec = /^"([^"\n]+)"/.exec(source.text.slice(quote));
    if (spec) add(quote, spec[1]!, quote);
  }
  return refs;
}

function jvmImports(source: SourceFile): ImportRef[] {
  const refs: ImportRef[] = [];
  const root = /^((?:.*?\/)?src\/(?:main|test)\/(?:java|kotlin)\/)/.exec(source.path)?.[1] ?? "";
  for (const m of source.masked.matchAll(/^[ \t]*import[ \t]+(?:static[ \t]+)?([\w.]+?)(\.\*)?[ \t]*(?:;|$|[ \t]+as[ \t])/gm)) {
    const dotted = m[1]!;
    const line = lineOf(source, m.index!);
    const path = `${root}${dotted.split(".").join("/")}`;
    const targets = [dotted, m[2] ? `${dotted}.*` : dotted, path, m[2] ? path : `${path}.${source.language === "kotlin" ? "kt" : "java"}`];
    refs.push({ specifier: `${dotted}${m[2] ?? ""}`, line, statementLine: line, targets: [...new Set(targets)] });
  }
  return refs;
}
