/**
 * Where a framework states authentication away from the route itself:
 * - Spring Security's `SecurityFilterChain` (`http.authorizeHttpRequests(a -> a.requestMatchers("/api/public/**")
 *   .permitAll().anyRequest().authenticated())`, the older `antMatchers`/`mvcMatchers`, WebFlux `pathMatchers` /
 *   `anyExchange`, and the Kotlin DSL `authorize("/api/**", authenticated)`): an ordered list of path rules, the
 *   first match deciding;
 * - Django REST framework: a view's `permission_classes`, an `@permission_classes([...])` decorator, and the
 *   project default `REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": [...]}`.
 * Pure functions over one file's masked text.
 */
import { argsAt, lineAt, stringValue, stringConstants, type CodeSource } from "./code-model.js";
import { lineStartMatches } from "./masking.js";
import type { RouteAuth } from "./routes.js";

export interface PathRule {
  /** Upper-case method, or undefined for every method. */
  method?: string;
  /** Ant-style patterns (`/api/**`, `/orders/*`); undefined for `anyRequest()`. */
  patterns?: string[];
  auth: "required" | "public";
  line: number;
}

const DECISION =
  /^\s*\.\s*(permitAll|anonymous|authenticated|fullyAuthenticated|rememberMe|denyAll|hasRole|hasAnyRole|hasAuthority|hasAnyAuthority|hasIpAddress|access)\s*\(/;

function decision(name: string): "required" | "public" {
  return name === "permitAll" || name === "anonymous" ? "public" : "required";
}

/** A file that may configure Spring Security path rules. */
export function mayConfigureSpringSecurity(text: string): boolean {
  return /\b(authorizeHttpRequests|authorizeRequests|authorizeExchange|SecurityFilterChain|SecurityWebFilterChain)\b/.test(text);
}

/** The path rules of a Spring Security configuration, in declaration order. */
export function springSecurityRules(src: CodeSource): PathRule[] {
  if (!mayConfigureSpringSecurity(src.text)) return [];
  const constants = stringConstants(src);
  const out: PathRule[] = [];
  for (const m of src.masked.matchAll(/\.\s*(requestMatchers|antMatchers|mvcMatchers|regexMatchers|pathMatchers|anyRequest|anyExchange)\s*\(/g)) {
    const open = m.index! + m[0].length - 1;
    const args = argsAt(src, open);
    if (!args) continue;
    const next = DECISION.exec(src.masked.slice(args.end, args.end + 200));
    if (!next) continue;
    const auth = decision(next[1]!);
    if (m[1] === "anyRequest" || m[1] === "anyExchange") {
      out.push({ auth, line: lineAt(src, m.index!) });
      continue;
    }
    let method: string | undefined;
    const patterns: string[] = [];
    let unreadable = false;
    for (const piece of args.positional) {
      const text = src.masked.slice(piece.start, piece.end).trim();
      const verb = /^(?:HttpMethod\.)?(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/.exec(text);
      if (verb) {
        method = verb[1];
        continue;
      }
      const value = stringValue(src, piece.start, piece.end, constants);
      if (value === undefined) unreadable = true;
      else patterns.push(value);
    }
    // A matcher the file cannot spell out (a RequestMatcher bean, a constant of another file) decides nothing here.
    if (unreadable || patterns.length === 0) continue;
    out.push({ method, patterns, auth, line: lineAt(src, m.index!) });
  }
  // Kotlin DSL: authorize("/api/**", authenticated), authorize(HttpMethod.GET, "/x", permitAll), authorize(anyRequest, authenticated).
  for (const m of src.masked.matchAll(/\bauthorize\s*\(/g)) {
    const args = argsAt(src, m.index! + m[0].length - 1);
    if (!args || args.positional.length < 2) continue;
    const last = src.masked.slice(args.positional.at(-1)!.start, args.positional.at(-1)!.end).trim();
    const name = /^(permitAll|anonymous|authenticated|fullyAuthenticated|denyAll|hasRole|hasAnyRole|hasAuthority|hasAnyAuthority)\b/.exec(last)?.[1];
    if (!name) continue;
    const first = args.positional.slice(0, -1);
    const texts = first.map((p) => src.masked.slice(p.start, p.end).trim());
    if (texts.includes("anyRequest") || texts.includes("anyExchange")) {
      out.push({ auth: decision(name), line: lineAt(src, m.index!) });
      continue;
    }
    let method: string | undefined;
    const patterns: string[] = [];
    for (const [i, piece] of first.entries()) {
      const verb = /^(?:HttpMethod\.)?(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/.exec(texts[i]!);
      if (verb) method = verb[1];
      else {
        const value = stringValue(src, piece.start, piece.end, constants);
        if (value !== undefined) patterns.push(value);
      }
    }
    if (patterns.length > 0) out.push({ method, patterns, auth: decision(name), line: lineAt(src, m.index!) });
  }
  return out.sort((a, b) => a.line - b.line);
}

/** An Ant-style pattern as a regular expression over a route path (`{id}` segments match `*`). */
function antPattern(pattern: string): RegExp {
  let re = "";
  const p = pattern.replace(/\/+$/, "") || "/";
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === "*" && p[i + 1] === "*") {
      // `/api/**` also matches `/api` itself.
      if (re.endsWith("/")) re = `${re.slice(0, -1)}(?:/.*)?`;
      else re += ".*";
      i++;
    } else if (ch === "*") re += "[^/]*";
    else if (ch === "{") {
      const close = p.indexOf("}", i);
      re += "[^/]+";
      i = close < 0 ? p.length : close;
    } else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}/?$`);
}

/**
 * What the first matching rule states for a route: `required`, `public`, or undefined when no rule matches. A
 * catch-all `anyRequest().permitAll()` states nothing about one route in particular, so it is undefined too.
 */
export function ruleAuth(rules: readonly PathRule[], method: string, path: string): RouteAuth {
  for (const rule of rules) {
    if (rule.method && method !== "ANY" && rule.method !== method) continue;
    if (!rule.patterns) return rule.auth === "public" ? undefined : rule.auth;
    if (rule.patterns.some((p) => antPattern(p).test(path))) return rule.auth;
  }
  return undefined;
}

// ---------------------------------------------------------------- Django REST framework

const PUBLIC_PERMISSIONS = /^(?:[\w.]*\.)?AllowAny$/;

/** What a list of permission classes states: empty or AllowAny only is public, anything else requires a caller. */
export function permissionAuth(list: string): RouteAuth {
  const names = list
    .replace(/^[[(]|[\])]$/g, "")
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  if (names.length === 0) return "public";
  return names.every((n) => PUBLIC_PERMISSIONS.test(n)) ? "public" : "required";
}

/** The `permission_classes` each class (a view or viewset) and each `@permission_classes` function view of a file states. */
export function drfViewPermissions(src: CodeSource): Map<string, RouteAuth> {
  const out = new Map<string, RouteAuth>();
  if (!/\bpermission_classes\b/.test(src.masked)) return out;
  for (const cls of lineStartMatches(src.masked, "class", /class\s+(\w+)\s*(?:\([^)]*\))?\s*:/y, false)) {
    const start = cls.index! + cls[0].length;
    const next = /\n(?=\S)/g;
    next.lastIndex = start;
    const end = next.exec(src.masked)?.index ?? src.masked.length;
    const body = src.masked.slice(start, end);
    const perm = /^[ \t]+permission_classes\s*=\s*([[(][^\])]*[\])])/m.exec(body);
    if (perm) out.set(cls[1]!, permissionAuth(perm[1]!.replace(/\s+/g, "")));
  }
  for (const dec of src.masked.matchAll(/^@permission_classes\s*\(\s*([[(][^\])]*[\])])\s*\)\s*\n(?:@[^\n]*\n)*(?:async\s+)?def\s+(\w+)/gm))
    out.set(dec[2]!, permissionAuth(dec[1]!.replace(/\s+/g, "")));
  return out;
}

/** The project default of a Django settings file (`"DEFAULT_PERMISSION_CLASSES": (...)`); undefined when it sets none. */
export function drfDefaultPermissions(src: CodeSource): RouteAuth | "unset" {
  const m = /["']DEFAULT_PERMISSION_CLASSES["']\s*:\s*/.exec(src.text);
  if (!m) return "unset";
  const open = m.index + m[0].length;
  const ch = src.text[open];
  if (ch !== "[" && ch !== "(") return "unset";
  const close = src.text.indexOf(ch === "[" ? "]" : ")", open);
  if (close < 0) return "unset";
  const names = src.text
    .slice(open, close + 1)
    .replace(/["'\s]/g, "")
    .replace(/#[^\n]*/g, "");
  return permissionAuth(names);
}
