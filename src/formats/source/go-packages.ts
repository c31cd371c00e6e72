/**
 * Go packages as a source file sees them: the packages it imports (under the name it uses for each), the
 * module its go.mod declares, and the exported string constants and variables a package declares at its
 * top level. Lets the code readers resolve `kafka.Topic` to the project's own `kafka` package, and decide
 * which broker client a call belongs to by what the file imports rather than by how a variable is named.
 */
import { closingOffset } from "./masking.js";
import { stringAt, stringConstants, type CodeSource } from "./code-model.js";

export interface GoImport {
  /** The name the file uses: its alias, else the package's own name (the path's last element). */
  name: string;
  path: string;
}

/** The imports of a Go file: `import "x"`, `import alias "x"` and `import ( … )` blocks. */
export function goImports(src: CodeSource): GoImport[] {
  if (src.language !== "go") return [];
  const out: GoImport[] = [];
  const spec = /(?:^|[\s;(])([A-Za-z_]\w*|\.)?\s*(?=["`])/g;
  const read = (start: number, end: number) => {
    spec.lastIndex = start;
    for (let m = spec.exec(src.masked); m && m.index < end; m = spec.exec(src.masked)) {
      const lit = stringAt(src, m.index + m[0].length);
      if (!lit || lit.dynamic || lit.end > end) continue;
      const alias = m[1];
      if (alias !== "_" && alias !== ".") out.push({ name: alias ?? goPackageName(lit.value), path: lit.value });
      spec.lastIndex = lit.end;
    }
  };
  for (const m of src.masked.matchAll(/^import\s*(\()?/gm)) {
    const at = m.index + m[0].length;
    if (m[1]) {
      const close = closingOffset(src.masked, at - 1);
      if (close !== undefined) read(at - 1, close);
    } else {
      const lineEnd = src.masked.indexOf("\n", at);
      read(at - 1, lineEnd < 0 ? src.masked.length : lineEnd);
    }
  }
  return out;
}

/**
 * The name a package is used under when imported without an alias: the last path element without a major
 * version (`…/v2`), a gopkg.in version (`yaml.v2`) or a `.go`/`go-` spelling (`nats-io/nats.go`, `go-nats`).
 */
export function goPackageName(importPath: string): string {
  const parts = importPath.split("/");
  let last = parts.at(-1) ?? importPath;
  if (/^v\d+$/.test(last) && parts.length > 1) last = parts.at(-2)!;
  return last
    .replace(/\.v\d+$/, "")
    .replace(/\.go$/, "")
    .replace(/^go-/, "")
    .replace(/-go$/, "")
    .replace(/[^\w]/g, "_");
}

/** The module path a go.mod declares (`module github.com/acme/shop/src/checkout`). */
export function goModulePath(goMod: string): string | undefined {
  return /^\s*module\s+"?([^\s"]+)"?/m.exec(goMod)?.[1];
}

/**
 * The directory (relative to the repository) of a package of the module rooted at `moduleDir`, or undefined
 * for a package of another module (a dependency).
 */
export function goPackageDir(importPath: string, modulePath: string, moduleDir: string): string | undefined {
  if (!importPath.startsWith(`${modulePath}/`)) return undefined;
  const rest = importPath.slice(modulePath.length + 1);
  return moduleDir === "" ? rest : `${moduleDir}/${rest}`;
}

/** Exported string constants and variables declared at a Go file's top level (`const Topic = "orders"`, `var ( Topic = "orders" )`). */
export function goExportedStrings(src: CodeSource): Map<string, string> {
  const out = new Map<string, string>();
  if (src.language !== "go") return out;
  const depth = braceDepths(src.masked);
  for (const [name, value] of stringConstants(src, (offset) => depth(offset) === 0)) if (/^[A-Z]/.test(name)) out.set(name, value);
  return out;
}

/** Brace depth at an offset (a function or type body is deeper than 0). */
function braceDepths(masked: string): (offset: number) => number {
  const opens: number[] = [];
  const closes: number[] = [];
  for (let i = 0; i < masked.length; i++) {
    if (masked[i] === "{") opens.push(i);
    else if (masked[i] === "}") closes.push(i);
  }
  const countBefore = (list: number[], offset: number) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (offset) => countBefore(opens, offset) - countBefore(closes, offset);
}
