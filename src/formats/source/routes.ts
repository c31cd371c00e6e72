/**
 * HTTP routes declared in code, per framework: Spring MVC/WebFlux, JAX-RS, Express, Fastify, NestJS,
 * FastAPI, Flask (with flask-restx/flask-restful resources). Each extractor works on one file's masked
 * text (comments blanked, strings read back from the original) and only where the file shows its
 * framework (an import or a controller annotation), so an HTTP client's `api.get("/users")` is no route.
 *
 * A route whose path is not a static string (a constant of another file, an interpolation) is kept as
 * `unresolved` so a diff never reads it as removed.
 */
import {
  annotationBlockStart,
  argsAt,
  hasApiPrefix,
  joinPath,
  lineAt,
  normalizeRoutePath,
  normalizedText,
  splitArgs,
  stringAt,
  stringConstants,
  stringValue,
  stringValues,
  type Args,
  type CodeSource,
} from "./code-model.js";
import { closingOffset, lineStartMatches, statementEnd } from "./masking.js";

export type Framework =
  | "spring"
  | "jax-rs"
  | "express"
  | "fastify"
  | "nestjs"
  | "fastapi"
  | "flask"
  | "django"
  | "rails"
  | "gin"
  | "echo"
  | "chi"
  | "fiber"
  | "net/http"
  | "aspnet"
  | "graphql";

/** What the code states about authentication on a route: required, explicitly public, or nothing. */
export type RouteAuth = "required" | "public" | undefined;

export interface CodeRoute {
  /** Upper-case HTTP method, or `ANY` for a route that takes every method. */
  method: string;
  /** The path as written, joined with the prefixes the same file declares. */
  path: string;
  /** `METHOD normalized-path`: what a diff compares. */
  key: string;
  line: number;
  framework: Framework;
  /**
   * Serves an API (JSON/data) rather than pages: a REST controller, an API prefix, a JSON response. Only
   * API routes are contracts other teams depend on.
   */
  api: boolean;
  /** The request/response-shaping part of the declaration (annotation arguments, bound parameters), compared across versions. */
  signature: string;
  auth: RouteAuth;
  /** Reads an idempotency key header. */
  idempotencyKey: boolean;
  /** The view a Django URL or DRF router entry points at (`OrderViewSet`, `views.OrderList.as_view()` -> `OrderList`). */
  view?: string;
  /**
   * Go: the function whose router-group parameter the route is declared on (`func ArticlesRegister(router
   * *gin.RouterGroup)`): the group its callers pass (`articles.ArticlesRegister(v1.Group("/articles"))`) is the
   * prefix, which `path` does not hold.
   */
  registrar?: string;
}

export interface FileRoutes {
  routes: CodeRoute[];
  /** Route declarations whose path could not be read statically, by method. */
  unresolved: { method: string; line: number }[];
}

const IDEMPOTENCY = /idempotency[-_]?key|idempotency[-_]?token|x-idempotency|x-requestid/i;

function routeOf(
  src: CodeSource,
  offset: number,
  method: string,
  path: string,
  framework: Framework,
  api: boolean,
  signature: string,
  auth: RouteAuth,
  idempotencyKey = false,
): CodeRoute {
  const m = method.toUpperCase();
  return {
    method: m,
    path,
    key: `${m} ${normalizeRoutePath(path)}`,
    line: lineAt(src, offset),
    framework,
    api,
    signature,
    auth,
    idempotencyKey,
  };
}

/** Cheap check on raw text: could this file declare routes at all? */
export function mayDeclareRoutes(text: string): boolean {
  return ROUTE_HINT.test(text) || ROUTE_HINT_AT_LINE_START.test(text);
}

/**
 * The hints found anywhere on a line. They are run apart from the two that must open a line: V8 tried every
 * alternative of one regex with a multiline `^` at every offset of every text, and this test was the largest
 * single cost of reviewing 1,400 changed TypeScript files.
 */
const ROUTE_HINT =
  /@(?:Rest)?Controller\b|@(?:Get|Post|Put|Delete|Patch|Request)Mapping\b|@Path\s*\(|\bexpress\b|\bfastify\b|@nestjs\/|\bfastapi\b|\bflask|\bRouter\s*\(|"net\/http"|gin-gonic|labstack\/echo|(?:go-chi|pressly)\/chi|gorilla\/mux|gofiber|\bMap(?:Get|Post|Put|Delete|Patch|Methods|Group)\b|\[\s*Http(?:Get|Post|Put|Delete|Patch)\b|\burlpatterns\b|django\.urls|rest_framework|routes\.draw|\bgql\s*`|\bGraphQLObjectType\b|\bbuildSchema\b|\btypeDefs\b/;

/**
 * Rails' `resources :orders` / `namespace :api` and Python's `import graphene` / `from strawberry ...`, at the start
 * of a line after blanks. Written without the multiline flag: a line starts at the text's start or after a line
 * terminator, and the blanks before the word are whitespace other than line terminators. This matches exactly where
 * `/^\s*(resources?|namespace)\s+:|^\s*(import|from)\s+(graphene|strawberry)\b/m` does, at a third of its cost.
 */
const ROUTE_HINT_AT_LINE_START =
  /(?:^|[\n\r\u2028\u2029])[^\S\n\r\u2028\u2029]*(?:resources?|namespace)\s+:|(?:^|[\n\r\u2028\u2029])[^\S\n\r\u2028\u2029]*(?:import|from)\s+(?:graphene|strawberry)\b/;

/** Routes a source file declares (empty for a file with no recognised framework; `declares`: `mayDeclareRoutes` of its text, when known). */
export function extractRoutes(src: CodeSource, declares = mayDeclareRoutes(src.text)): FileRoutes {
  const out: FileRoutes = { routes: [], unresolved: [] };
  if (!declares) return out;
  switch (src.language) {
    case "java":
    case "kotlin":
      springRoutes(src, out);
      jaxRsRoutes(src, out);
      break;
    case "js":
      if (/@nestjs\/common/.test(src.text)) nestRoutes(src, out);
      else expressRoutes(src, out);
      graphqlCodeRoutes(src, out);
      break;
    case "python":
      pythonDecoratorRoutes(src, out);
      djangoRoutes(src, out);
      pythonGraphqlRoutes(src, out);
      break;
    case "go":
      goRoutes(src, out);
      break;
    case "csharp":
      aspNetRoutes(src, out);
      break;
    case "ruby":
      railsRoutes(src, out);
      break;
  }
  return out;
}

// ---------------------------------------------------------------- Java / Kotlin: classes and annotations

interface ClassScope {
  start: number;
  bodyStart: number;
  bodyEnd: number;
  annotations: string;
  annotationStart: number;
}

const CLASS_DECL = /\b(class|interface|object)\s+([A-Z]\w*)[^{;]*\{/g;

function classScopes(src: CodeSource): ClassScope[] {
  const out: ClassScope[] = [];
  CLASS_DECL.lastIndex = 0;
  for (let m = CLASS_DECL.exec(src.masked); m; m = CLASS_DECL.exec(src.masked)) {
    const bodyStart = m.index + m[0].length - 1;
    const bodyEnd = closingOffset(src.masked, bodyStart, 2_000_000) ?? src.masked.length;
    const annotationStart = annotationBlockStart(src, m.index);
    out.push({ start: m.index, bodyStart, bodyEnd, annotations: src.masked.slice(annotationStart, m.index), annotationStart });
  }
  return out;
}

function innermost(scopes: ClassScope[], offset: number): ClassScope | undefined {
  let best: ClassScope | undefined;
  for (const s of scopes) if (s.bodyStart < offset && offset < s.bodyEnd && (!best || s.bodyStart > best.bodyStart)) best = s;
  return best;
}

/** The annotation's argument list and where it ends (an annotation without parentheses has none). */
function annotationArgs(src: CodeSource, nameEnd: number): Args | undefined {
  let i = nameEnd;
  while (/[ \t]/.test(src.masked[i] ?? "")) i++;
  return src.masked[i] === "(" ? argsAt(src, i) : undefined;
}

/** Paths of a Spring/JAX-RS annotation: `value`, `path` or the first positional argument; [""] when none. */
function annotationPaths(src: CodeSource, args: Args | undefined, constants: Map<string, string>, names = ["value", "path"]): string[] | undefined {
  if (!args) return [""];
  const range = names.map((n) => args.named.get(n)).find((r) => r !== undefined) ?? args.positional[0];
  if (!range) return [""];
  return stringValues(src, range.start, range.end, constants);
}

/** Text from the end of an annotation to the method's parameter list, and the parameter list itself. */
function methodAfter(src: CodeSource, from: number): { declStart: number; params: string; paramsStart: number; paramsEnd: number } | undefined {
  let i = from;
  const limit = Math.min(src.masked.length, from + 3000);
  while (i < limit) {
    const ch = src.masked[i]!;
    if (ch === "@") {
      // Skip another annotation with its arguments.
      const name = /^@[\w.]+/.exec(src.masked.slice(i, i + 200));
      i += name ? name[0].length : 1;
      let j = i;
      while (/[ \t]/.test(src.masked[j] ?? "")) j++;
      if (src.masked[j] === "(") i = closingOffset(src.masked, j) ?? j + 1;
      continue;
    }
    if (ch === "(") {
      const end = closingOffset(src.masked, i, 20_000);
      if (end === undefined) return undefined;
      return { declStart: from, params: src.masked.slice(i + 1, end - 1), paramsStart: i + 1, paramsEnd: end - 1 };
    }
    if (ch === ";" || ch === "{" || ch === "}") return undefined;
    i++;
  }
  return undefined;
}

const SPRING_BINDING = /@(RequestParam|PathVariable|RequestBody|RequestHeader|RequestPart|CookieValue|MatrixVariable|ModelAttribute)\b/;
const JAXRS_BINDING = /@(QueryParam|PathParam|HeaderParam|FormParam|BeanParam|CookieParam|MatrixParam)\b/;

/** The request-binding parameters of a Java/Kotlin parameter list, normalized (the API-visible part of a signature). */
function boundParameters(src: CodeSource, start: number, end: number, binding: RegExp): string[] {
  const out: string[] = [];
  let depth = 0;
  let pieceStart = start;
  const push = (s: number, e: number) => {
    const piece = src.masked.slice(s, e);
    if (binding.test(piece) || (binding === JAXRS_BINDING && !/@\w/.test(piece) && /\S/.test(piece))) out.push(normalizedText(src, s, e));
  };
  for (let i = start; i < end; i++) {
    const ch = src.masked[i]!;
    if (ch === "(" || ch === "<" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === ">" || ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 0) {
      push(pieceStart, i);
      pieceStart = i + 1;
    }
  }
  push(pieceStart, end);
  return out;
}

const SPRING_MAPPING = /@(Get|Post|Put|Delete|Patch|Request)Mapping\b/g;
const SPRING_SECURITY_REQUIRED = /@(PreAuthorize|Secured|RolesAllowed|PostAuthorize)\b/;
const SPRING_PUBLIC = /@PermitAll\b|@PreAuthorize\s*\(\s*"permitAll\(\)"/;

function springAuth(block: string): RouteAuth {
  if (SPRING_PUBLIC.test(block)) return "public";
  if (SPRING_SECURITY_REQUIRED.test(block)) return "required";
  return undefined;
}

function springRoutes(src: CodeSource, out: FileRoutes): void {
  if (!/@(Get|Post|Put|Delete|Patch|Request)Mapping\b/.test(src.masked)) return;
  // Declarative HTTP clients use the same annotations to call an API, not to serve one.
  if (/@FeignClient\b|@HttpExchange\b|@(Get|Post|Put|Delete|Patch)Exchange\b|@RegisterRestClient\b/.test(src.masked)) return;
  const constants = stringConstants(src);
  const scopes = classScopes(src);
  const classPrefix = new Map<ClassScope, string[] | undefined>();
  for (const scope of scopes) {
    const m = /@RequestMapping\b/.exec(scope.annotations);
    if (!m) continue;
    const at = scope.annotationStart + m.index + m[0].length;
    classPrefix.set(scope, annotationPaths(src, annotationArgs(src, at), constants));
  }
  SPRING_MAPPING.lastIndex = 0;
  for (let m = SPRING_MAPPING.exec(src.masked); m; m = SPRING_MAPPING.exec(src.masked)) {
    const scope = innermost(scopes, m.index);
    if (!scope) continue;
    // A class-level mapping is the prefix, read above.
    if (m.index >= scope.annotationStart && m.index < scope.start) continue;
    if (
      !/\b(RestController|Controller|RequestMapping)\b/.test(scope.annotations) &&
      !/\binterface\b/.test(src.masked.slice(scope.start, scope.bodyStart))
    )
      continue;
    const args = annotationArgs(src, m.index + m[0].length);
    const after = args ? args.end : m.index + m[0].length;
    let methods: string[];
    if (m[1] === "Request") {
      const range = args?.named.get("method");
      methods = range
        ? [...src.masked.slice(range.start, range.end).matchAll(/\b(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\b/g)].map((x) => x[1]!)
        : ["ANY"];
      if (methods.length === 0) methods = ["ANY"];
    } else methods = [m[1]!.toUpperCase()];
    const paths = annotationPaths(src, args, constants);
    const prefixes = classPrefix.has(scope) ? classPrefix.get(scope) : [""];
    const method = methodAfter(src, after);
    const declBlockStart = annotationBlockStart(src, m.index);
    const block = `${scope.annotations}\n${src.masked.slice(declBlockStart, method?.paramsStart ?? after)}`;
    const returnsData = /\b(ResponseEntity|HttpEntity|Mono|Flux|Publisher)\b/.test(src.masked.slice(after, method?.paramsStart ?? after));
    const api =
      /@RestController\b|@ResponseBody\b/.test(block) || returnsData || /\binterface\b/.test(src.masked.slice(scope.start, scope.bodyStart));
    if (!paths || !prefixes) {
      for (const verb of methods) out.unresolved.push({ method: verb, line: lineAt(src, m.index) });
      continue;
    }
    const extra = args
      ? [...args.named]
          .filter(([name]) => !["value", "path", "method", "name"].includes(name))
          .map(([name, r]) => `${name}=${normalizedText(src, r.start, r.end)}`)
      : [];
    const params = method ? boundParameters(src, method.paramsStart, method.paramsEnd, SPRING_BINDING) : [];
    const signature = [...extra, ...params].join("; ");
    const idempotency = params.some((p) => /@RequestHeader/.test(p) && IDEMPOTENCY.test(p));
    for (const prefix of prefixes)
      for (const path of paths)
        for (const verb of methods)
          out.routes.push(routeOf(src, m.index, verb, joinPath(prefix, path), "spring", api, signature, springAuth(block), idempotency));
  }
}

// ---------------------------------------------------------------- JAX-RS

const JAXRS_VERB = /@(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\b/g;

function jaxRsRoutes(src: CodeSource, out: FileRoutes): void {
  if (!/@Path\s*\(/.test(src.masked) || !/\b(javax|jakarta)\.ws\.rs\b|@(GET|POST|PUT|DELETE|PATCH)\b/.test(src.masked)) return;
  if (/@RegisterRestClient\b/.test(src.masked)) return;
  const constants = stringConstants(src);
  const scopes = classScopes(src);
  JAXRS_VERB.lastIndex = 0;
  for (let m = JAXRS_VERB.exec(src.masked); m; m = JAXRS_VERB.exec(src.masked)) {
    const scope = innermost(scopes, m.index);
    if (!scope) continue;
    const classPath = /@Path\b/.exec(scope.annotations);
    const prefix = classPath ? annotationPaths(src, annotationArgs(src, scope.annotationStart + classPath.index + 5), constants) : [""];
    const method = methodAfter(src, m.index + m[0].length);
    const blockStart = annotationBlockStart(src, m.index);
    const blockEnd = method?.paramsStart ?? m.index + m[0].length;
    const block = src.masked.slice(blockStart, blockEnd);
    const own = /@Path\b/.exec(block);
    const paths = own ? annotationPaths(src, annotationArgs(src, blockStart + own.index + 5), constants) : [""];
    if (!prefix || !paths) {
      out.unresolved.push({ method: m[1]!, line: lineAt(src, m.index) });
      continue;
    }
    const media = [...block.matchAll(/@(Produces|Consumes)\b/g)].map((x) => {
      const args = annotationArgs(src, blockStart + x.index! + x[0].length);
      return args ? `${x[1]}=${normalizedText(src, args.positional[0]?.start ?? 0, args.positional[0]?.end ?? 0)}` : x[1]!;
    });
    const params = method ? boundParameters(src, method.paramsStart, method.paramsEnd, JAXRS_BINDING) : [];
    const auth = /@PermitAll\b/.test(block) ? "public" : /@RolesAllowed\b/.test(`${scope.annotations}${block}`) ? "required" : undefined;
    for (const p of prefix)
      for (const path of paths)
        out.routes.push(routeOf(src, m.index, m[1]!, joinPath(p, path), "jax-rs", true, [...media, ...params].join("; "), auth));
  }
}

// ---------------------------------------------------------------- NestJS

const NEST_VERB = /@(Get|Post|Put|Delete|Patch|All|Head|Options)\s*\(/g;

function nestRoutes(src: CodeSource, out: FileRoutes): void {
  const constants = stringConstants(src);
  const controllers = [...src.masked.matchAll(/@Controller\s*\(/g)].map((m) => {
    const args = argsAt(src, m.index! + m[0].length - 1);
    const classAt = src.masked.indexOf("class", m.index);
    let prefix: string | undefined = "";
    if (args?.positional[0]) {
      const first = args.positional[0];
      if (src.masked[first.start] === "{") {
        const inner = argsAt(src, first.start);
        const path = inner?.named.get("path");
        prefix = path ? stringValue(src, path.start, path.end, constants) : "";
      } else prefix = stringValue(src, first.start, first.end, constants);
    }
    const bodyStart = src.masked.indexOf("{", classAt);
    const bodyEnd = closingOffset(src.masked, bodyStart, 2_000_000) ?? src.masked.length;
    return { at: m.index!, prefix, bodyStart, bodyEnd, block: src.masked.slice(annotationBlockStart(src, m.index!), classAt) };
  });
  NEST_VERB.lastIndex = 0;
  for (let m = NEST_VERB.exec(src.masked); m; m = NEST_VERB.exec(src.masked)) {
    const controller = controllers.find((c) => c.bodyStart < m!.index && m!.index < c.bodyEnd);
    if (!controller) continue;
    const args = argsAt(src, m.index + m[0].length - 1);
    if (!args) continue;
    const first = args.positional[0];
    const path = first ? stringValue(src, first.start, first.end, constants) : "";
    const method = m[1] === "All" ? "ANY" : m[1]!.toUpperCase();
    if (path === undefined || controller.prefix === undefined) {
      out.unresolved.push({ method, line: lineAt(src, m.index) });
      continue;
    }
    const decl = methodAfter(src, args.end);
    const block = src.masked.slice(annotationBlockStart(src, m.index), decl?.paramsStart ?? args.end);
    const api = !/@Render\s*\(/.test(block);
    const params = decl ? nestParams(src, decl.paramsStart, decl.paramsEnd) : [];
    const guards = (b: string) => /@UseGuards\s*\(|@Roles\s*\(|@Auth\w*\s*\(|@ApiBearerAuth\b/.test(b);
    const isPublic = /@(Public|AllowAnonymous|SkipAuth|IsPublic)\s*\(/.test(block);
    const auth: RouteAuth = isPublic ? "public" : guards(block) || guards(controller.block) ? "required" : undefined;
    const extra = [...block.matchAll(/@(HttpCode|Header|Version)\s*\(([^)]*)\)/g)].map((x) => x[0].replace(/\s+/g, " "));
    out.routes.push(
      routeOf(
        src,
        m.index,
        method,
        joinPath(controller.prefix, path),
        "nestjs",
        api,
        [...extra, ...params].join("; "),
        auth,
        params.some((p) => /@Headers/.test(p) && IDEMPOTENCY.test(p)),
      ),
    );
  }
}

function nestParams(src: CodeSource, start: number, end: number): string[] {
  const text = src.masked.slice(start, end);
  const out: string[] = [];
  for (const m of text.matchAll(/@(Body|Query|Param|Headers)\s*\(/g)) {
    const at = start + m.index!;
    const close = closingOffset(src.masked, at + m[0].length - 1);
    if (close === undefined) continue;
    const rest = /^\s*\w+\??\s*:\s*[\w.<>[\]|]+/.exec(src.masked.slice(close, close + 200));
    out.push(normalizedText(src, at, close + (rest ? rest[0].length : 0)));
  }
  return out;
}

// ---------------------------------------------------------------- Express / Fastify / Koa router

const EXPRESS_CALL = /\b([A-Za-z_$][\w$]*)\s*\.\s*(get|post|put|delete|patch|all|route|head|options)\s*\(\s*(?=["'`])/g;
const EXPRESS_EVIDENCE =
  /(require\s*\(\s*["'](express|fastify|fastify-plugin|@fastify\/[\w-]+|koa-router|@koa\/router|express-promise-router)["']\s*\)|from\s+["'](express|fastify|fastify-plugin|@fastify\/[\w-]+|koa-router|@koa\/router|express-promise-router|hono)["'])/;
const CLIENT_RECEIVERS =
  /^(axios|http|https|fetch|request|superagent|got|ky|client|httpClient|apiClient|\$http|this|cy|page|agent|supertest|nock|mock|map|cache|store|redis|params|searchParams|headers|config|settings|env|localStorage|sessionStorage|formData|url|URLSearchParams|_|lodash)$/;
const EXPRESS_AUTH =
  /\b(auth|authenticate|authenticated|requireAuth|isAuthenticated|ensureAuthenticated|ensureLoggedIn|passport|verifyToken|verifyJWT|jwtAuth|checkJwt|protect|authorize|requireUser|requireLogin|isLoggedIn|authMiddleware|authorized)\w*\s*[(,)]/;

function expressRoutes(src: CodeSource, out: FileRoutes): void {
  const evidence = EXPRESS_EVIDENCE.exec(src.text);
  if (!evidence) return;
  const framework: Framework = /fastify/.test(evidence[0]) ? "fastify" : "express";
  const constants = stringConstants(src);
  const pageFile = /\bres\.render\s*\(/.test(src.masked) && !/\.json\s*\(/.test(src.masked);
  const routerAuth =
    /\b\w+\s*\.\s*use\s*\(\s*[^)]*?\b(auth|authenticate|requireAuth|isAuthenticated|passport\.authenticate|verifyToken|protect)\w*/.test(src.masked);
  EXPRESS_CALL.lastIndex = 0;
  for (let m = EXPRESS_CALL.exec(src.masked); m; m = EXPRESS_CALL.exec(src.masked)) {
    if (CLIENT_RECEIVERS.test(m[1]!)) continue;
    const parenAt = src.masked.indexOf("(", m.index + m[1]!.length);
    const args = argsAt(src, parenAt);
    if (!args) continue;
    const first = args.positional[0];
    if (!first) continue;
    const path = stringValue(src, first.start, first.end, constants);
    const verb = m[2]!;
    if (path !== undefined && !path.startsWith("/") && path !== "" && path !== "*") continue;
    if (verb !== "route" && args.positional.length < 2) continue;
    const methods: { method: string; at: number; args: Args }[] = [];
    if (verb === "route") {
      // router.route("/x").get(...).post(...)
      let i = args.end;
      for (;;) {
        const chain = /^\s*\.\s*(get|post|put|delete|patch|all)\s*\(/.exec(src.masked.slice(i, i + 200));
        if (!chain) break;
        const chainArgs = argsAt(src, i + chain[0].length - 1);
        if (!chainArgs) break;
        methods.push({ method: chain[1]!, at: i + chain[0].indexOf(chain[1]!), args: chainArgs });
        i = chainArgs.end;
      }
      if (methods.length === 0) continue;
    } else methods.push({ method: verb, at: m.index, args: { ...args, positional: args.positional.slice(1) } });
    for (const { method, at, args: handlerArgs } of methods) {
      const verbName = method === "all" ? "ANY" : method;
      if (path === undefined) {
        out.unresolved.push({ method: verbName.toUpperCase(), line: lineAt(src, at) });
        continue;
      }
      const handlers = handlerArgs.positional.map((r) => src.masked.slice(r.start, r.end));
      const middleware = handlers.slice(0, -1).join(",");
      const auth: RouteAuth = EXPRESS_AUTH.test(`${middleware},`) || routerAuth ? "required" : undefined;
      const api = framework === "fastify" || !pageFile || hasApiPrefix(path);
      const signature = handlers
        .slice(0, -1)
        .filter((h) => /valid|schema/i.test(h))
        .map((h) => h.replace(/\s+/g, " "))
        .join("; ");
      out.routes.push(routeOf(src, at, verbName, path, framework, api, signature, auth));
    }
  }
  if (framework === "fastify") fastifyRouteObjects(src, out, constants);
}

/** `fastify.route({ method: "POST", url: "/x", ... })`. */
function fastifyRouteObjects(src: CodeSource, out: FileRoutes, constants: Map<string, string>): void {
  for (const m of src.masked.matchAll(/\.\s*route\s*\(\s*\{/g)) {
    const open = m.index! + m[0].length - 1;
    const obj = argsAt(src, open);
    if (!obj) continue;
    const props = new Map<string, { start: number; end: number }>();
    for (const piece of obj.positional) {
      const kv = /^(\w+)\s*:\s*/.exec(src.masked.slice(piece.start, piece.end));
      if (kv) props.set(kv[1]!, { start: piece.start + kv[0].length, end: piece.end });
    }
    const url = props.get("url") ?? props.get("path");
    const method = props.get("method");
    if (!url || !method) continue;
    const path = stringValue(src, url.start, url.end, constants);
    const methods = stringValues(src, method.start, method.end, constants);
    if (path === undefined || !methods) {
      out.unresolved.push({ method: "ANY", line: lineAt(src, m.index!) });
      continue;
    }
    const schema = props.get("schema");
    for (const verb of methods)
      out.routes.push(routeOf(src, m.index!, verb, path, "fastify", true, schema ? normalizedText(src, schema.start, schema.end) : "", undefined));
  }
}

// ---------------------------------------------------------------- FastAPI / Flask

const PY_DECORATOR = /^[ \t]*@\s*([A-Za-z_][\w.]*)\s*\.\s*(get|post|put|delete|patch|head|options|route|api_route|websocket)\s*\(/gm;
const PY_AUTH_DEP = /\b(Depends|Security)\s*\(\s*[\w.]*(auth|current_user|current_active|user|token|login|permission|verify|jwt|api_key|require)\w*/i;
const FLASK_AUTH =
  /[@[,=]\s*[\w.]*(login_required|auth_required|jwt_required|token_required|requires_auth|require_login|permission_required|roles_required|admin_required|require_api_key|authenticated)\b/;

function pythonDecoratorRoutes(src: CodeSource, out: FileRoutes): void {
  // The plain search first: a line-anchored pattern is tried at every position of the file.
  const fastapi = src.masked.includes("fastapi") && /^\s*(from\s+fastapi\b|import\s+fastapi\b)/m.test(src.masked);
  const flask =
    (src.masked.includes("flask") || src.masked.includes("quart")) &&
    /^\s*(from\s+(flask|flask_restx|flask_restful|flask_smorest|quart|apiflask)\b|import\s+(flask|quart)\b)/m.test(src.masked);
  if (!fastapi && !flask) return;
  const constants = stringConstants(src);
  // Prefixes declared where routers and blueprints are made: APIRouter(prefix=...), Blueprint(..., url_prefix=...), Namespace("x", path=...).
  const prefixes = new Map<string, string | undefined>();
  for (const m of src.masked.matchAll(/^([ \t]*)([A-Za-z_]\w*)\s*(?::\s*[\w.]+\s*)?=\s*([\w.]*)(APIRouter|Blueprint|Namespace|Api|FastAPI)\s*\(/gm)) {
    const args = argsAt(src, m.index! + m[0].length - 1);
    if (!args) continue;
    const range =
      args.named.get("prefix") ?? args.named.get("url_prefix") ?? args.named.get("path") ?? (m[4] === "Namespace" ? undefined : undefined);
    const value = range ? stringValue(src, range.start, range.end, constants) : "";
    prefixes.set(m[2]!, m[4] === "Namespace" && !range ? `/${nsName(src, args, constants) ?? ""}` : value);
  }
  PY_DECORATOR.lastIndex = 0;
  for (let m = PY_DECORATOR.exec(src.masked); m; m = PY_DECORATOR.exec(src.masked)) {
    const receiver = m[1]!;
    const verb = m[2]!;
    if (verb === "websocket") continue;
    const args = argsAt(src, m.index + m[0].length - 1);
    if (!args) continue;
    const first = args.positional[0] ?? args.named.get("path") ?? args.named.get("rule");
    const prefix = prefixes.has(receiver) ? prefixes.get(receiver) : "";
    const path = first ? stringValue(src, first.start, first.end, constants) : undefined;
    const at = m.index + m[0].indexOf("@");
    const def = /^(?:[ \t]*@[^\n]*\n|[ \t]*\n)*[ \t]*(async\s+)?(def|class)\s+(\w+)/.exec(src.masked.slice(args.end + 1));
    if (!def) continue;
    const defAt = args.end + 1 + def.index + def[0].length;
    const decorators = src.masked.slice(at, defAt);
    const body = pythonBody(src, defAt);
    if (path === undefined || prefix === undefined) {
      out.unresolved.push({ method: verb === "route" ? "ANY" : verb.toUpperCase(), line: lineAt(src, at) });
      continue;
    }
    const fullPath = joinPath(prefix, path);
    if (def[2] === "class") {
      // flask-restx / flask-restful resource: @ns.route("/x") on a class whose methods are the verbs.
      const classWide = /^\s*method_decorators\s*=.*$/m.exec(body)?.[0] ?? "";
      for (const method of body.matchAll(/((?:^[ \t]+@[^\n]*\n)*)^[ \t]+def\s+(get|post|put|delete|patch)\s*\(/gm))
        out.routes.push(routeOf(src, at, method[2]!, fullPath, "flask", true, "", flaskAuth(`${decorators}${classWide}${method[1]}`)));
      continue;
    }
    let methods: string[];
    if (verb === "route" || verb === "api_route") {
      const range = args.named.get("methods");
      methods = range ? (stringValues(src, range.start, range.end, constants) ?? ["ANY"]) : ["GET"];
    } else methods = [verb];
    const framework: Framework = fastapi ? "fastapi" : "flask";
    const signatureParts = [...args.named]
      .filter(([name]) => !["methods", "summary", "description", "tags", "name", "operation_id", "include_in_schema", "deprecated"].includes(name))
      .map(([name, r]) => `${name}=${normalizedText(src, r.start, r.end)}`);
    let auth: RouteAuth;
    let api: boolean;
    const paramsOpen = src.masked.indexOf("(", args.end + 1 + def.index);
    const paramsClose = closingOffset(src.masked, paramsOpen, 20_000);
    const params = paramsClose ? src.masked.slice(paramsOpen, paramsClose) : "";
    if (framework === "fastapi") {
      const deps = args.named.get("dependencies");
      const depText = deps ? src.masked.slice(deps.start, deps.end) : "";
      auth = PY_AUTH_DEP.test(params) || PY_AUTH_DEP.test(depText) || /:\s*CurrentUser\b|\bcurrent_user\s*:/.test(params) ? "required" : undefined;
      api = !/HTMLResponse|TemplateResponse/.test(`${decorators}${body}`);
      if (paramsClose) signatureParts.push(...fastapiParams(src, paramsOpen, paramsClose));
    } else {
      auth = flaskAuth(decorators);
      api = flaskApi(fullPath, body, receiver, src);
    }
    const idempotency =
      IDEMPOTENCY.test(src.text.slice(paramsOpen, paramsClose ?? paramsOpen)) || IDEMPOTENCY.test(src.text.slice(defAt, defAt + body.length));
    for (const method of methods) out.routes.push(routeOf(src, at, method, fullPath, framework, api, signatureParts.join("; "), auth, idempotency));
  }
  if (flask) flaskAddResource(src, out, constants, prefixes);
}

function nsName(src: CodeSource, args: Args, constants: Map<string, string>): string | undefined {
  const first = args.positional[0];
  return first ? stringValue(src, first.start, first.end, constants) : undefined;
}

function flaskAuth(text: string): RouteAuth {
  return FLASK_AUTH.test(text) ? "required" : undefined;
}

/** A Flask view serves an API when it answers with JSON, or lives under an API prefix or blueprint, and renders no template. */
function flaskApi(path: string, body: string, receiver: string, src: CodeSource): boolean {
  if (/\brender_template(_string)?\s*\(/.test(body)) return false;
  if (/\b(jsonify|json_response|make_response|json\.dumps)\s*\(|^\s*return\s+[{[]/m.test(body)) return true;
  if (hasApiPrefix(path) || /api/i.test(receiver)) return true;
  return /\bjsonify\b/.test(src.masked) && !/\brender_template\b/.test(src.masked);
}

/** `api.add_resource(UserResource, "/users/<id>")` (flask-restful, flask-restx; redash's `add_org_resource`). */
function flaskAddResource(src: CodeSource, out: FileRoutes, constants: Map<string, string>, prefixes: Map<string, string | undefined>): void {
  for (const m of src.masked.matchAll(/\b([A-Za-z_]\w*)\s*\.\s*(add_resource|add_org_resource)\s*\(/g)) {
    const args = argsAt(src, m.index! + m[0].length - 1);
    if (!args || args.positional.length < 2) continue;
    const resource = src.masked.slice(args.positional[0]!.start, args.positional[0]!.end).trim();
    const prefix = prefixes.get(m[1]!) ?? "";
    const verbs = resourceVerbs(src, resource);
    for (const range of args.positional.slice(1)) {
      const path = stringValue(src, range.start, range.end, constants);
      if (path === undefined) {
        if (/^[rRbu]?["']/.test(src.masked.slice(range.start, range.start + 2))) out.unresolved.push({ method: "ANY", line: lineAt(src, m.index!) });
        continue;
      }
      for (const verb of verbs) out.routes.push(routeOf(src, m.index!, verb, joinPath(prefix, path), "flask", true, "", undefined));
    }
  }
}

/** The HTTP methods a resource class defines in this file, or ANY when the class is elsewhere. */
function resourceVerbs(src: CodeSource, name: string): string[] {
  const cls = new RegExp(`^class\\s+${name.replace(/[^\w]/g, "")}\\b[^\\n]*:`, "m").exec(src.masked);
  if (!cls) return ["ANY"];
  const body = pythonBody(src, cls.index + cls[0].length);
  const verbs = [...body.matchAll(/^[ \t]+def\s+(get|post|put|delete|patch)\s*\(/gm)].map((x) => x[1]!);
  return verbs.length > 0 ? verbs : ["ANY"];
}

/** The indented block after a Python `def`/`class` header (up to the next line at the header's indentation or less). */
function pythonBody(src: CodeSource, from: number): string {
  const lineStart = src.masked.lastIndexOf("\n", from) + 1;
  const indent = /^[ \t]*/.exec(src.masked.slice(lineStart))![0].length;
  const rest = src.masked.slice(from);
  const re = /\n([ \t]*)(?=\S)/g;
  // Skip the header's own continuation lines (the parameter list) first.
  const colon = /\)\s*(->[^:\n]*)?:|^[^(\n]*:/m.exec(rest);
  const start = colon ? colon.index + colon[0].length : 0;
  re.lastIndex = start;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m[1]!.length <= indent) return rest.slice(0, m.index);
  }
  return rest;
}

/** FastAPI parameters a client sends (not dependencies, requests, sessions or background tasks). */
function fastapiParams(src: CodeSource, open: number, close: number): string[] {
  return splitArgs(src, open, close)
    .map((r) => src.masked.slice(r.start, r.end))
    .filter(
      (p) =>
        !/Depends\s*\(|Security\s*\(|\b(Request|Response|BackgroundTasks|Session|AsyncSession|WebSocket|CurrentUser)\b|:\s*\w*Dep\b|^\s*(self|cls|\*|\*\*)\s*$|^\s*(self|cls)\b/.test(
          p,
        ),
    )
    .map((p) => p.replace(/\s+/g, " ").trim())
    .sort();
}

// ---------------------------------------------------------------- Go: net/http, gorilla/mux, gin, echo, chi

const GO_EVIDENCE =
  /"(net\/http|(github\.com|gopkg\.in)\/gin-gonic\/gin(\.v\d+)?|(github\.com|gopkg\.in)\/labstack\/echo(\/v\d|\.v\d+)?|github\.com\/(go-chi|pressly)\/chi(\/v\d)?|github\.com\/gorilla\/mux|github\.com\/gofiber\/fiber(\/v\d)?)"/;
const GO_ROUTE =
  /\b([A-Za-z_]\w*)\s*\.\s*(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|Any|Get|Post|Put|Delete|Patch|Head|Options|HandleFunc|Handle|Method|MethodFunc|Group|Route|Mount)\s*\(/g;
const GO_CLIENT_RECEIVERS = /^(http|client|httpClient|c|ctx|req|request|resty|cli|srv|s)$/;

function goRoutes(src: CodeSource, out: FileRoutes): void {
  const evidence = GO_EVIDENCE.exec(src.text);
  if (!evidence) return;
  const constants = stringConstants(src);
  const pageFile = /\.\s*HTML\s*\(|template\.(Must|ParseFiles|ParseGlob)|\.ExecuteTemplate\s*\(/.test(src.masked);
  const { calls, prefixAt, registrarAt } = goRouterScopes(src, constants);
  for (const { m, args } of calls) {
    const receiver = m[1]!;
    let verb = m[2]!;
    if (verb === "Group" || verb === "Route" || verb === "Mount") continue;
    if (GO_CLIENT_RECEIVERS.test(receiver) && receiver !== "http") continue;
    if (receiver === "http" && verb !== "HandleFunc" && verb !== "Handle") continue;
    let pathArg = args.positional[0];
    if (verb === "Method" || verb === "MethodFunc") {
      const method = args.positional[0] ? stringValue(src, args.positional[0].start, args.positional[0].end, constants) : undefined;
      if (!method) continue;
      verb = method;
      pathArg = args.positional[1];
    }
    if (!pathArg || args.positional.length < 2) continue;
    const lit = /^[`"]/.test(src.masked.slice(pathArg.start, pathArg.start + 1));
    let path = stringValue(src, pathArg.start, pathArg.end, constants);
    if (path !== undefined && !path.startsWith("/") && !/^[A-Z]+ \//.test(path) && path !== "") continue;
    if (path === undefined && !lit && !/^[A-Z_]\w*$/.test(src.masked.slice(pathArg.start, pathArg.end).trim())) continue;
    let method = verb.toUpperCase();
    if (verb === "HandleFunc" || verb === "Handle") {
      method = "ANY";
      const pattern = path === undefined ? undefined : /^([A-Z]+)\s+(\/.*)$/.exec(path);
      if (pattern) {
        method = pattern[1]!;
        path = pattern[2]!;
      }
      const methods = /^\s*\.\s*Methods\s*\(([^)]*)\)/.exec(src.masked.slice(args.end, args.end + 200));
      if (methods) {
        const list = [...src.text.slice(args.end, args.end + 200).matchAll(/"([A-Z]+)"/g)].map((x) => x[1]!);
        if (list.length > 0) method = list.join(",");
      }
    }
    if (method === "ANY" && verb === "Any") method = "ANY";
    const prefix = prefixAt(receiver, m.index);
    if (path === undefined || prefix === undefined) {
      out.unresolved.push({ method, line: lineAt(src, m.index) });
      continue;
    }
    const framework: Framework = /"(github\.com|gopkg\.in)\/gin-gonic/.test(src.text)
      ? "gin"
      : /"(github\.com|gopkg\.in)\/labstack/.test(src.text)
        ? "echo"
        : /"github\.com\/(go-chi|pressly)\/chi/.test(src.text)
          ? "chi"
          : /"github\.com\/gofiber/.test(src.text)
            ? "fiber"
            : "net/http";
    const registrar = registrarAt(receiver, m.index);
    for (const one of method.split(",")) {
      const route = routeOf(src, m.index, one, joinPath(prefix, path), framework, !pageFile || hasApiPrefix(path), "", undefined);
      out.routes.push(registrar ? { ...route, registrar } : route);
    }
  }
}

/** Router-group parameter types: gin's and echo's groups (a registration function's `router *gin.RouterGroup`). */
const GO_GROUP_TYPE = /^\*?\s*(gin\.(RouterGroup|IRouter|IRoutes)|echo\.Group)$/;

interface GoRouterScopes {
  calls: { m: RegExpExecArray; args: Args }[];
  /** The prefix the file gives a router variable at an offset ("" for none it declares, undefined when not static). */
  prefixAt(receiver: string, offset: number): string | undefined;
  /** The function whose router-group parameter a router variable at an offset comes from (directly or through `Group`). */
  registrarAt(receiver: string, offset: number): string | undefined;
}

/**
 * The group prefixes a Go file declares: `v1 := r.Group("/api/v1")` (gin, echo, fiber), chi's
 * `r.Route("/users", func(r chi.Router) { ... })` blocks, and functions taking a router group as a parameter.
 */
function goRouterScopes(src: CodeSource, constants: Map<string, string>): GoRouterScopes {
  const groupPrefix = new Map<string, string | undefined>();
  /** Router variables made from another with `Group`: the variable they come from. */
  const groupParent = new Map<string, string>();
  const routeBlocks: { start: number; end: number; prefix: string | undefined }[] = [];
  const registrars: { name: string; param: string; start: number; end: number }[] = [];
  for (const f of src.masked.matchAll(/^func\s+([A-Za-z_]\w*)\s*\(/gm)) {
    const params = argsAt(src, f.index + f[0].length - 1);
    if (!params) continue;
    const open = src.masked.indexOf("{", params.end);
    const close = open < 0 ? undefined : closingOffset(src.masked, open, 200_000);
    if (close === undefined) continue;
    for (const p of params.positional) {
      const typed = /^([A-Za-z_]\w*)\s+(.+)$/s.exec(src.masked.slice(p.start, p.end).trim());
      if (typed && GO_GROUP_TYPE.test(typed[2]!.trim())) registrars.push({ name: f[1]!, param: typed[1]!, start: open, end: close });
    }
  }
  GO_ROUTE.lastIndex = 0;
  const calls: { m: RegExpExecArray; args: Args }[] = [];
  for (let m = GO_ROUTE.exec(src.masked); m; m = GO_ROUTE.exec(src.masked)) {
    const args = argsAt(src, m.index + m[0].length - 1);
    if (args) calls.push({ m, args });
  }
  const prefixAt = (receiver: string, offset: number): string | undefined => {
    let prefix: string | undefined = groupPrefix.has(receiver) ? groupPrefix.get(receiver) : "";
    for (const block of routeBlocks)
      if (block.start < offset && offset < block.end)
        prefix = block.prefix === undefined || prefix === undefined ? undefined : joinPath(block.prefix, prefix);
    return prefix;
  };
  const registrarAt = (receiver: string, offset: number): string | undefined => {
    let root = receiver;
    for (let hops = 0; groupParent.has(root) && hops < 10; hops++) root = groupParent.get(root)!;
    return registrars.find((r) => r.param === root && r.start < offset && offset < r.end)?.name;
  };
  for (const { m, args } of calls) {
    const verb = m[2]!;
    const first = args.positional[0];
    if (!first) continue;
    if (verb === "Group" || verb === "Route") {
      const value = stringValue(src, first.start, first.end, constants);
      const assigned = /([A-Za-z_]\w*)\s*:?=\s*$/.exec(src.masked.slice(Math.max(0, m.index - 80), m.index));
      const parent = prefixAt(m[1]!, m.index);
      const prefix = value === undefined || parent === undefined ? undefined : joinPath(parent, value);
      if (assigned && verb === "Group") {
        groupPrefix.set(assigned[1]!, prefix);
        if (assigned[1] !== m[1]) groupParent.set(assigned[1]!, m[1]!);
      }
      const fn = args.positional[1];
      if (fn && /^func\b/.test(src.masked.slice(fn.start, fn.end)))
        routeBlocks.push({ start: fn.start, end: fn.end, prefix: value === undefined ? undefined : joinPath(value) });
    }
  }
  return { calls, prefixAt, registrarAt };
}

/** A call of a Go route-registration function and the prefix of the router group it passes. */
export interface GoRegistrarCall {
  /** The group's full prefix in the calling file, undefined when not static. */
  prefix: string | undefined;
  /** The calling file's own registration function the group comes from (a chain of registrations), if any. */
  via?: string;
}

/**
 * Where a Go file calls a route-registration function (`articles.ArticlesRegister(v1.Group("/articles"))`, or
 * `ArticlesRegister(…)` from the same package when `qualifier` is undefined), with the prefix of the group it passes.
 */
export function goRegistrarCalls(src: CodeSource, qualifier: string | undefined, name: string): GoRegistrarCall[] {
  const out: GoRegistrarCall[] = [];
  const callee = qualifier ? `(?<![\\w.])${qualifier}\\s*\\.\\s*${name}\\s*\\(` : `(?<![\\w.])${name}\\s*\\(`;
  const calls = [...src.masked.matchAll(new RegExp(callee, "g"))];
  if (calls.length === 0) return out;
  const constants = stringConstants(src);
  const scopes = goRouterScopes(src, constants);
  for (const call of calls) {
    if (!qualifier && /\bfunc\s+$/.test(src.masked.slice(Math.max(0, call.index - 10), call.index))) continue;
    const args = argsAt(src, call.index + call[0].length - 1);
    for (const arg of args?.positional ?? []) {
      const expr = /^([A-Za-z_]\w*)(?:\s*\.\s*Group\s*\()?/.exec(src.masked.slice(arg.start, arg.end));
      if (!expr) continue;
      const receiver = expr[1]!;
      const grouped = expr[0].endsWith("(");
      const inner = grouped ? argsAt(src, arg.start + expr[0].length - 1) : undefined;
      if (grouped && !inner) continue;
      // Only a router: a variable the file groups or makes with gin/echo, or a registration parameter.
      const via = scopes.registrarAt(receiver, arg.start);
      const known =
        grouped ||
        via !== undefined ||
        new RegExp(`\\b${receiver}\\s*:?=\\s*(gin\\.(Default|New)|echo\\.New)\\s*\\(|\\b${receiver}\\s*:?=\\s*\\w+\\.Group\\s*\\(`).test(src.masked);
      if (!known) continue;
      let prefix = scopes.prefixAt(receiver, arg.start);
      if (grouped) {
        const first = inner!.positional[0];
        const value = first && stringValue(src, first.start, first.end, constants);
        prefix = value === undefined || prefix === undefined ? undefined : joinPath(prefix, value);
      }
      out.push(via ? { prefix, via } : { prefix });
      break;
    }
  }
  return out;
}

// ---------------------------------------------------------------- ASP.NET Core: minimal APIs and controllers

const MINIMAL = /\b([A-Za-z_]\w*)\s*\.\s*(MapGet|MapPost|MapPut|MapDelete|MapPatch|MapMethods|MapGroup)\s*\(/g;

function aspNetRoutes(src: CodeSource, out: FileRoutes): void {
  const constants = stringConstants(src);
  // Minimal APIs: groups assigned to variables, routes on them; auth from chained RequireAuthorization()/AllowAnonymous().
  const groups = new Map<string, { prefix: string | undefined; auth: RouteAuth }>();
  const chainAuth = (from: number): RouteAuth => {
    const end = statementEnd(src.masked, from);
    const chain = src.masked.slice(from, end);
    return /\.\s*AllowAnonymous\s*\(/.test(chain) ? "public" : /\.\s*RequireAuthorization\s*\(/.test(chain) ? "required" : undefined;
  };
  MINIMAL.lastIndex = 0;
  for (let m = MINIMAL.exec(src.masked); m; m = MINIMAL.exec(src.masked)) {
    const args = argsAt(src, m.index + m[0].length - 1);
    if (!args) continue;
    const receiver = m[1]!;
    const parent = groups.get(receiver) ?? { prefix: "", auth: undefined };
    if (m[2] === "MapGroup") {
      const first = args.positional[0];
      const value = first ? stringValue(src, first.start, first.end, constants) : undefined;
      const assigned = /([A-Za-z_]\w*)\s*=\s*$/.exec(src.masked.slice(Math.max(0, m.index - 80), m.index));
      if (assigned)
        groups.set(assigned[1]!, {
          prefix: value === undefined || parent.prefix === undefined ? undefined : joinPath(parent.prefix, value),
          auth: chainAuth(args.end) ?? parent.auth,
        });
      continue;
    }
    let methods: string[] = [m[2]!.slice(3).toUpperCase()];
    let pathArg = args.positional[0];
    if (m[2] === "MapMethods") {
      const list = args.positional[1];
      methods = list ? [...src.text.slice(list.start, list.end).matchAll(/"([A-Za-z]+)"/g)].map((x) => x[1]!.toUpperCase()) : [];
      pathArg = args.positional[0];
    }
    if (!pathArg) continue;
    const path = stringValue(src, pathArg.start, pathArg.end, constants);
    if (path === undefined || parent.prefix === undefined) {
      for (const method of methods) out.unresolved.push({ method, line: lineAt(src, m.index) });
      continue;
    }
    const auth = chainAuth(args.end) ?? parent.auth;
    for (const method of methods) out.routes.push(routeOf(src, m.index, method, joinPath(parent.prefix, path), "aspnet", true, "", auth));
  }
  // Controllers: [Route] on the class, [HttpGet("x")] on actions.
  if (!/\[\s*(Http(Get|Post|Put|Delete|Patch)|Route)\b/.test(src.masked)) return;
  const scopes = classScopes(src);
  for (const scope of scopes) {
    const header = src.masked.slice(scope.start, scope.bodyStart);
    const controllerName = /class\s+(\w+?)(Controller)?\b/.exec(header)?.[1] ?? "";
    const isApi = /\[\s*ApiController\b/.test(scope.annotations) || /:\s*ControllerBase\b/.test(header);
    const isController = isApi || /:\s*\w*Controller\b/.test(header);
    if (!isController) continue;
    const classRoute = /\[\s*Route\s*\(/.exec(scope.annotations);
    const classArgs = classRoute ? argsAt(src, scope.annotationStart + classRoute.index + classRoute[0].length - 1) : undefined;
    const prefixRaw = classArgs?.positional[0] ? stringValue(src, classArgs.positional[0].start, classArgs.positional[0].end, constants) : "";
    const classAuth: RouteAuth = /\[\s*AllowAnonymous\b/.test(scope.annotations)
      ? "public"
      : /\[\s*Authorize\b/.test(scope.annotations)
        ? "required"
        : undefined;
    const body = src.masked.slice(scope.bodyStart, scope.bodyEnd);
    for (const a of body.matchAll(/\[\s*Http(Get|Post|Put|Delete|Patch)\s*(\(|\])/g)) {
      const at = scope.bodyStart + a.index!;
      if (innermost(scopes, at) !== scope) continue;
      const open = at + a[0].length - 1;
      const args = a[2] === "(" ? argsAt(src, open) : undefined;
      const own = args?.positional[0] ? stringValue(src, args.positional[0].start, args.positional[0].end, constants) : "";
      // Attributes up to the action's parameter list.
      const decl = methodAfter(src, (args?.end ?? open + 1) + 1);
      const block = src.masked.slice(annotationBlockStart(src, at), decl?.paramsStart ?? at);
      const routeAttr = /\[\s*Route\s*\(/.exec(block);
      const routeArgs = routeAttr ? argsAt(src, annotationBlockStart(src, at) + routeAttr.index + routeAttr[0].length - 1) : undefined;
      const actionPath = routeArgs?.positional[0] ? stringValue(src, routeArgs.positional[0].start, routeArgs.positional[0].end, constants) : own;
      if (prefixRaw === undefined || actionPath === undefined) {
        out.unresolved.push({ method: a[1]!.toUpperCase(), line: lineAt(src, at) });
        continue;
      }
      const absolute = actionPath.startsWith("/") || actionPath.startsWith("~/");
      const name = /\b(\w+)\s*$/.exec(src.masked.slice(at, decl?.paramsStart ? decl.paramsStart - 1 : at))?.[1] ?? "";
      const expand = (p: string) => p.replace(/\[controller\]/gi, controllerName.toLowerCase()).replace(/\[action\]/gi, name.toLowerCase());
      const path = absolute ? expand(actionPath.replace(/^~/, "")) : joinPath(expand(prefixRaw), expand(actionPath));
      const api =
        isApi ||
        (/\b(IActionResult|ActionResult|Task<|Results\.|Ok\()/.test(src.masked.slice(decl?.declStart ?? at, decl?.paramsStart ?? at)) &&
          !/\bView\s*\(/.test(body));
      const auth: RouteAuth = /\[\s*AllowAnonymous\b/.test(block) ? "public" : /\[\s*Authorize\b/.test(block) ? "required" : classAuth;
      const params = decl ? boundParameters(src, decl.paramsStart, decl.paramsEnd, /\[\s*From(Body|Query|Route|Header|Form)\b/) : [];
      out.routes.push(
        routeOf(
          src,
          at,
          a[1]!,
          path,
          "aspnet",
          api,
          params.join("; "),
          auth,
          params.some((p) => IDEMPOTENCY.test(p)),
        ),
      );
    }
  }
}

// ---------------------------------------------------------------- Django urls.py and DRF routers

/**
 * The path a Django `url()` / `re_path()` regex matches, written as a path: `^profiles/(?P<username>\w+)/?$` is
 * `profiles/{username}`, `^` alone is the empty prefix. `path()` routes are paths already.
 */
function regexPathIf(call: string, raw: string | undefined): string | undefined {
  if (raw === undefined || call === "path") return raw;
  return raw
    .replace(/^\^/, "")
    .replace(/\$$/, "")
    .replace(/\(\?P<(\w+)>[^)]*\)/g, "{$1}")
    .replace(/\/\?$/, "")
    .replace(/\/\?(?=\/|$)/g, "");
}

function djangoRoutes(src: CodeSource, out: FileRoutes): void {
  if (!/\bfrom\s+django\.(urls|conf\.urls)\b|\bfrom\s+rest_framework\b|\burlpatterns\b/.test(src.masked)) return;
  const constants = stringConstants(src);
  const drf = /\bfrom\s+rest_framework\b|\brest_framework\b/.test(src.masked);
  // Lists of patterns by variable, and where each is included (`path("api/v1/", include(api_urls))`).
  const lists: { name: string; start: number; end: number }[] = [];
  for (const m of src.masked.matchAll(/^([A-Za-z_]\w*)\s*(?::[^=\n]*)?(\+?=)\s*\[/gm)) {
    const open = m.index! + m[0].length - 1;
    const close = closingOffset(src.masked, open, 500_000);
    if (close !== undefined) lists.push({ name: m[1]!, start: open, end: close });
  }
  const listOf = (offset: number) => lists.find((l) => l.start < offset && offset < l.end);
  // Where each local list is included: `path("api/v1/", include(api_urls))`, possibly under several prefixes.
  const includes = new Map<string, { prefix: string | undefined; at: number }[]>();
  const calls = [...src.masked.matchAll(/\b(path|re_path|url)\s*\(/g)];
  for (const m of calls) {
    const args = argsAt(src, m.index! + m[0].length - 1);
    const second = args?.positional[1];
    if (!args || !second) continue;
    const inc = /^include\s*\(\s*([A-Za-z_]\w*)\s*\)/.exec(src.masked.slice(second.start, second.end));
    if (!inc) continue;
    const first = args.positional[0]!;
    const list = includes.get(inc[1]!) ?? [];
    list.push({ prefix: regexPathIf(m[1]!, stringValue(src, first.start, first.end, constants)), at: m.index! });
    includes.set(inc[1]!, list);
  }
  const prefixesOf = (name: string | undefined, depth = 0): string[] | undefined => {
    const places = name ? includes.get(name) : undefined;
    if (!places || depth > 5) return [""];
    const out: string[] = [];
    for (const place of places) {
      if (place.prefix === undefined) return undefined;
      const parents = prefixesOf(listOf(place.at)?.name, depth + 1);
      if (!parents) return undefined;
      for (const parent of parents) out.push(joinPath(parent, place.prefix));
    }
    return out;
  };
  for (const m of calls) {
    const args = argsAt(src, m.index! + m[0].length - 1);
    const first = args?.positional[0];
    const second = args?.positional[1];
    if (!args || !first || !second) continue;
    const view = src.masked.slice(second.start, second.end);
    if (/^include\s*\(/.test(view)) continue;
    const raw = regexPathIf(m[1]!, stringValue(src, first.start, first.end, constants));
    const list = listOf(m.index!);
    const prefixes = prefixesOf(list?.name);
    if (raw === undefined || prefixes === undefined) {
      out.unresolved.push({ method: "ANY", line: lineAt(src, m.index!) });
      continue;
    }
    const viewName = /([A-Za-z_]\w*)\s*(?:\.\s*as_view\s*\([^)]*\))?\s*$/.exec(view.replace(/,\s*$/, ""))?.[1];
    for (const prefix of prefixes) {
      const path = joinPath(prefix, raw);
      // DRF's class names say what a view serves: a `…APIView` or `…ViewSet` answers with data, whatever the prefix.
      const api =
        hasApiPrefix(path) ||
        /api/i.test(list?.name ?? "") ||
        /\w(APIView|ViewSet)\b/.test(view) ||
        (drf && /(APIView|ViewSet|as_view)\b/.test(view) && /api/i.test(src.path));
      out.routes.push({ ...routeOf(src, m.index!, "ANY", path, "django", api, "", undefined), view: viewName });
    }
  }
  // DRF routers: router.register(r"users", UserViewSet) serves users/ and users/{pk}/.
  for (const m of src.masked.matchAll(/\b([A-Za-z_]\w*)\s*\.\s*register\s*\(/g)) {
    if (!drf && !/Router\s*\(/.test(src.masked)) continue;
    const args = argsAt(src, m.index! + m[0].length - 1);
    const first = args?.positional[0];
    if (!args || !first) continue;
    const raw = stringValue(src, first.start, first.end, constants);
    if (raw === undefined) {
      out.unresolved.push({ method: "ANY", line: lineAt(src, m.index!) });
      continue;
    }
    const prefix = routerMount(src, m[1]!, constants) ?? "";
    const second = args.positional[1];
    const view = second ? /([A-Za-z_]\w*)\s*$/.exec(src.masked.slice(second.start, second.end))?.[1] : undefined;
    out.routes.push({ ...routeOf(src, m.index!, "ANY", joinPath(prefix, raw), "django", true, "", undefined), view });
    out.routes.push({ ...routeOf(src, m.index!, "ANY", joinPath(prefix, raw, "{pk}"), "django", true, "", undefined), view });
  }
}

/** The prefix a DRF router is mounted under in the same file: `path("api/", include(router.urls))`. */
function routerMount(src: CodeSource, router: string, constants: Map<string, string>): string | undefined {
  const m = /\b(path|re_path|url)\s*\(/g;
  for (const call of src.masked.matchAll(m)) {
    const args = argsAt(src, call.index! + call[0].length - 1);
    const second = args?.positional[1];
    if (!args?.positional[0] || !second) continue;
    if (!new RegExp(`include\\s*\\(\\s*${router}\\.urls`).test(src.masked.slice(second.start, second.end))) continue;
    return regexPathIf(call[1]!, stringValue(src, args.positional[0].start, args.positional[0].end, constants));
  }
  return undefined;
}

// ---------------------------------------------------------------- Rails config/routes.rb

interface RailsBlock {
  prefix: string;
  api: boolean;
  /** Prefix for `member do` blocks of a resources block. */
  member?: string;
}

const RAILS_VERB = /^(get|post|put|patch|delete|match)\s*\(?\s*/;
const RESOURCE_ACTIONS: Record<string, [string, string][]> = {
  index: [["GET", ""]],
  create: [["POST", ""]],
  show: [["GET", "/:id"]],
  update: [
    ["PATCH", "/:id"],
    ["PUT", "/:id"],
  ],
  destroy: [["DELETE", "/:id"]],
};

function railsRoutes(src: CodeSource, out: FileRoutes): void {
  if (
    !/(^|\/)config\/routes(\/[\w/]+)?\.rb$/.test(src.path) ||
    !/\broutes\.draw\b|\bdraw\s*\(|^\s*(namespace|resources?|get|post|scope)\b/m.test(src.masked)
  )
    return;
  const stack: RailsBlock[] = [{ prefix: "", api: false }];
  const lines = src.masked.split("\n");
  let offset = 0;
  let pending = "";
  let pendingOffset = 0;
  for (const raw of lines) {
    const lineOffset = offset;
    offset += raw.length + 1;
    const line = raw.trim();
    if (pending === "") pendingOffset = lineOffset + raw.search(/\S|$/);
    pending = pending ? `${pending} ${line}` : line;
    // A statement continues while it ends with a comma, a backslash or an open bracket.
    if (/[,\\([{]$/.test(pending) || unbalanced(pending)) continue;
    const stmt = pending;
    const at = pendingOffset;
    pending = "";
    if (stmt === "") continue;
    const top = stack[stack.length - 1]!;
    if (/^end\b/.test(stmt)) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const opens = /\bdo(\s*\|[^|]*\|)?$/.test(stmt);
    const text = src.text.slice(at, at + stmt.length + 200);
    const jsonDefaults = /format:?\s*(=>\s*)?(:json\b|["']json["'])/.test(text.slice(0, stmt.length));
    let m: RegExpExecArray | null;
    if ((m = /^namespace\s*\(?\s*:?["']?(\w+)/.exec(stmt))) {
      const name = m[1]!;
      if (opens) stack.push({ prefix: joinPath(top.prefix, name), api: top.api || jsonDefaults || /^(api|v\d+)$/i.test(name) });
      continue;
    }
    if (/^scope\b/.test(stmt)) {
      const pathValue =
        /^scope\s*\(?\s*(?:path:\s*)?["']([^"']*)["']/.exec(text)?.[1] ?? /path:\s*["']([^"']*)["']/.exec(text.slice(0, stmt.length))?.[1] ?? "";
      if (opens) stack.push({ prefix: joinPath(top.prefix, pathValue), api: top.api || jsonDefaults || hasApiPrefix(pathValue) });
      continue;
    }
    if ((m = /^(resources?)\s*\(?\s*((?::\w+\s*,?\s*)+)/.exec(stmt))) {
      const plural = m[1] === "resources";
      const names = [...m[2]!.matchAll(/:(\w+)/g)].map((x) => x[1]!);
      const only = /only:\s*\[([^\]]*)\]|only:\s*:(\w+)/.exec(stmt);
      const except = /except:\s*\[([^\]]*)\]|except:\s*:(\w+)/.exec(stmt);
      const pathOpt = /path:\s*["']([^"']*)["']/.exec(text.slice(0, stmt.length))?.[1];
      const list = (x: RegExpExecArray | null) => (x ? [...(x[1] ?? `:${x[2]}`).matchAll(/:?(\w+)/g)].map((y) => y[1]!) : undefined);
      const onlyList = list(only);
      const exceptList = list(except) ?? [];
      const api = top.api || jsonDefaults;
      for (const name of names) {
        const base = joinPath(top.prefix, pathOpt ?? name);
        for (const [action, verbs] of Object.entries(RESOURCE_ACTIONS)) {
          if (!plural && action === "index") continue;
          if (onlyList ? !onlyList.includes(action) : exceptList.includes(action)) continue;
          for (const [verb, suffix] of verbs) {
            const path = plural ? `${base}${suffix}` : base;
            if (!plural && action === "update" && verb === "PUT") continue;
            out.routes.push(routeOf(src, at, verb, path, "rails", api || hasApiPrefix(path), "", undefined));
          }
        }
      }
      if (opens) {
        const name = names.at(-1) ?? "";
        const base = joinPath(top.prefix, pathOpt ?? name);
        stack.push({
          prefix: plural ? joinPath(base, `:${singular(name)}_id`) : base,
          api: top.api || jsonDefaults,
          member: plural ? joinPath(base, ":id") : base,
        });
      }
      continue;
    }
    if (/^member\b/.test(stmt) && opens) {
      const parent = stack[stack.length - 1]!;
      stack.push({ prefix: parent.member ?? parent.prefix, api: parent.api });
      continue;
    }
    if (/^collection\b/.test(stmt) && opens) {
      const parent = stack[stack.length - 1]!;
      stack.push({ prefix: (parent.member ?? parent.prefix).replace(/\/:id$/, ""), api: parent.api });
      continue;
    }
    if ((m = RAILS_VERB.exec(stmt))) {
      const rest = text.slice(m[0].length);
      const quoted = /^["']([^"']*)["']/.exec(rest);
      const symbol = /^:(\w+)/.exec(rest);
      const routePath = quoted?.[1] ?? symbol?.[1];
      if (routePath === undefined) {
        out.unresolved.push({ method: m[1] === "match" ? "ANY" : m[1]!.toUpperCase(), line: lineAt(src, at) });
        if (opens) stack.push({ prefix: top.prefix, api: top.api });
        continue;
      }
      let verbs = [m[1]!.toUpperCase()];
      if (m[1] === "match") {
        const via = /via:?\s*(=>\s*)?(\[[^\]]*\]|:\w+)/.exec(stmt)?.[2] ?? "";
        verbs = [...via.matchAll(/:(\w+)/g)].map((x) => (x[1] === "all" ? "ANY" : x[1]!.toUpperCase()));
        if (verbs.length === 0) verbs = ["ANY"];
      }
      const path = routePath.startsWith("/") ? joinPath(top.prefix, routePath) : joinPath(top.prefix, routePath);
      const redirect = /\bredirect\s*\(/.test(stmt);
      const api = (top.api || jsonDefaults || hasApiPrefix(path)) && !redirect;
      for (const verb of verbs) out.routes.push(routeOf(src, at, verb, path.replace(/\(\.:format\)$/, ""), "rails", api, "", undefined));
      if (opens) stack.push({ prefix: top.prefix, api: top.api });
      continue;
    }
    if (opens) stack.push({ prefix: top.prefix, api: top.api || jsonDefaults });
  }
}

function unbalanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
  }
  return depth > 0;
}

function singular(name: string): string {
  return name.endsWith("ies") ? `${name.slice(0, -3)}y` : name.endsWith("s") ? name.slice(0, -1) : name;
}

// ---------------------------------------------------------------- code-first GraphQL schemas (SDL in gql/graphql templates, graphql-js object types)

function graphqlCodeRoutes(src: CodeSource, out: FileRoutes): void {
  if (!/\b(gql|graphql|buildSchema|typeDefs|GraphQLObjectType|makeExecutableSchema)\b/.test(src.masked)) return;
  // SDL inside template literals: gql`...`, graphql(`...`), buildSchema(`...`), typeDefs = `...`.
  for (const m of src.masked.matchAll(/\b(gql|graphql|buildSchema\s*\(|typeDefs\s*[:=]\s*)\s*`/g)) {
    const open = m.index! + m[0].length - 1;
    const lit = stringAt(src, open);
    if (!lit) continue;
    const sdl = src.text.slice(open + 1, lit.end - 1);
    for (const type of sdl.matchAll(/\b(?:extend\s+)?type\s+(Query|Mutation|Subscription)\s*\{/g)) {
      const bodyStart = type.index! + type[0].length;
      const bodyEnd = sdl.indexOf("}", bodyStart);
      if (bodyEnd < 0) continue;
      const body = sdl.slice(bodyStart, bodyEnd).replace(/"""[\s\S]*?"""|"[^"\n]*"|#[^\n]*/g, (x) => " ".repeat(x.length));
      for (const field of body.matchAll(/^\s*(\w+)\s*(\([^)]*\))?\s*:\s*([^\n]+)/gm)) {
        const at = open + 1 + bodyStart + field.index! + field[0].search(/\w/);
        const signature = `${(field[2] ?? "").replace(/\s+/g, " ")}: ${field[3]!.trim()}`;
        out.routes.push(routeOf(src, at, type[1]!.toUpperCase(), field[1]!, "graphql", true, signature, undefined));
      }
    }
  }
  // graphql-js: new GraphQLObjectType({ name: "Query", fields: { users: {...} } }).
  for (const m of src.masked.matchAll(/\bnew\s+GraphQLObjectType\s*\(\s*\{/g)) {
    const open = m.index! + m[0].length - 1;
    const close = closingOffset(src.masked, open, 200_000);
    if (close === undefined) continue;
    const name = /name\s*:\s*["'`](Query|Mutation|Subscription)["'`]/.exec(src.text.slice(open, close))?.[1];
    if (!name) continue;
    const fieldsAt = /\bfields\s*:\s*(\(\s*\)\s*=>\s*\(?\s*)?\{/.exec(src.masked.slice(open, close));
    if (!fieldsAt) continue;
    const fieldsOpen = open + fieldsAt.index + fieldsAt[0].length - 1;
    const fieldsClose = closingOffset(src.masked, fieldsOpen, 200_000);
    if (fieldsClose === undefined) continue;
    for (const piece of splitArgs(src, fieldsOpen, fieldsClose)) {
      const key = /^(\w+)\s*:/.exec(src.masked.slice(piece.start, piece.end));
      if (!key) continue;
      const args = /\bargs\s*:\s*\{/.exec(src.masked.slice(piece.start, piece.end));
      let signature = "";
      if (args) {
        const argsOpen = piece.start + args.index + args[0].length - 1;
        const argsClose = closingOffset(src.masked, argsOpen);
        if (argsClose) signature = normalizedText(src, argsOpen, argsClose);
      }
      out.routes.push(routeOf(src, piece.start, name.toUpperCase(), key[1]!, "graphql", true, signature, undefined));
    }
  }
}

// ---------------------------------------------------------------- code-first GraphQL in Python: graphene and strawberry

/** Root operation of a class: by the schema's `query=`/`mutation=`/`subscription=` argument, else by its name. */
function rootOperation(name: string, schemaRoots: Map<string, string>): string | undefined {
  const root = schemaRoots.get(name);
  if (root) return root;
  const m = /(Query|Queries|Mutation|Mutations|Subscription|Subscriptions)$/.exec(name);
  if (!m) return undefined;
  return m[1]!.startsWith("Quer") ? "QUERY" : m[1]!.startsWith("Mutation") ? "MUTATION" : "SUBSCRIPTION";
}

/**
 * Root fields of graphene (`class Query(graphene.ObjectType)`: `users = graphene.List(User)`, `create_user =
 * CreateUser.Field()`) and strawberry (`@strawberry.type class Query`: `@strawberry.field def user(...)`, `users:
 * list[User] = strawberry.field(resolver=...)`, `@strawberry.mutation`) schemas. Root classes are the ones the file
 * passes to `Schema(query=..., mutation=...)` or named like one (`Query`, `UsersQuery`, `Mutation`), the usual
 * way apps compose their root types from per-module pieces. Fields are named as the code writes them (an explicit
 * `name=` when given): whether the schema camel-cases them is often decided in another file.
 */
function pythonGraphqlRoutes(src: CodeSource, out: FileRoutes): void {
  // The plain search first: a line-anchored pattern is tried at every position of the file.
  const graphene = src.masked.includes("graphene") && /^\s*(import|from)\s+graphene\b/m.test(src.masked);
  const strawberry = src.masked.includes("strawberry") && /^\s*(import|from)\s+strawberry\b/m.test(src.masked);
  if (!graphene && !strawberry) return;
  const schemaRoots = new Map<string, string>();
  for (const m of src.masked.matchAll(/\bSchema\s*\(/g)) {
    const args = argsAt(src, m.index! + m[0].length - 1);
    for (const [arg, op] of [
      ["query", "QUERY"],
      ["mutation", "MUTATION"],
      ["subscription", "SUBSCRIPTION"],
    ] as const) {
      const range = args?.named.get(arg);
      const name = range ? /^[A-Za-z_]\w*$/.exec(src.masked.slice(range.start, range.end).trim())?.[0] : undefined;
      if (name) schemaRoots.set(name, op);
    }
  }
  for (const cls of lineStartMatches(src.masked, "class", /([ \t]*)class\s+([A-Za-z_]\w*)\s*(\(([^)]*)\))?\s*:/y, true)) {
    const name = cls[2]!;
    const bases = cls[4] ?? "";
    const before = src.masked.slice(Math.max(0, cls.index! - 400), cls.index!);
    const lastDecorators = /(?:^|\n)((?:[ \t]*@[^\n]*\n)*)$/.exec(before)?.[1] ?? "";
    const isGraphene = graphene && /\b(graphene\.)?ObjectType\b/.test(bases);
    const isStrawberry = strawberry && /@\s*strawberry\.type\b|@\s*type\b/.test(lastDecorators);
    if (!isGraphene && !isStrawberry) continue;
    const op = rootOperation(name, schemaRoots);
    if (!op) continue;
    const bodyStart = cls.index! + cls[0].length;
    const body = pythonBody(src, bodyStart - 1);
    const indent = /\n([ \t]+)\S/.exec(body)?.[1] ?? "    ";
    const at = (offsetInBody: number) => bodyStart - 1 + offsetInBody;
    if (isGraphene) {
      // Class attributes: `name = graphene.X(...)`, `name = SomeMutation.Field()`, `name = DjangoFilterConnectionField(...)`.
      for (const f of body.matchAll(new RegExp(`^${indent}([a-z_]\\w*)\\s*=\\s*([\\w.]+)\\s*\\(`, "gm"))) {
        if (f[1] === "class" || /^(Meta|Arguments)$/.test(f[1]!)) continue;
        const start = at(f.index! + indent.length);
        const open = at(f.index! + f[0].length - 1);
        const close = closingOffset(src.masked, open, 20_000);
        out.routes.push(
          routeOf(
            src,
            start,
            op,
            f[1]!,
            "graphql",
            true,
            normalizedText(src, start + f[1]!.length, close ?? open + 1).replace(/^=\s*/, ""),
            undefined,
          ),
        );
      }
      continue;
    }
    // strawberry: decorated resolvers and annotated attributes.
    for (const f of body.matchAll(
      new RegExp(
        `^${indent}@\\s*strawberry(?:_django)?\\.(field|mutation|subscription)\\b([^\\n]*)\\n(?:${indent}@[^\\n]*\\n)*${indent}(?:async\\s+)?def\\s+(\\w+)\\s*\\(`,
        "gm",
      ),
    )) {
      const start = at(f.index! + indent.length);
      const nameArg = /\bname\s*=\s*["']([^"']+)["']/.exec(src.text.slice(start, start + f[0].length));
      const open = at(f.index! + f[0].length - 1);
      const close = closingOffset(src.masked, open, 20_000);
      const ret = close ? (/^\s*(->\s*[^:]+)?:/.exec(src.masked.slice(close, close + 300))?.[1] ?? "") : "";
      const params = close
        ? splitArgs(src, open, close)
            .map((r) => src.text.slice(r.start, r.end).replace(/\s+/g, " ").trim())
            .filter((p) => !/^(self|cls|info)\b/.test(p))
            .join(", ")
        : "";
      out.routes.push(routeOf(src, start, op, nameArg?.[1] ?? f[3]!, "graphql", true, `(${params}) ${ret.trim()}`, undefined));
    }
    for (const f of body.matchAll(new RegExp(`^${indent}([a-z_]\\w*)\\s*:\\s*([^=\\n]+?)\\s*(=\\s*([^\\n]*))?$`, "gm"))) {
      const start = at(f.index! + indent.length);
      const nameArg = f[4] ? /\bname\s*=\s*["']([^"']+)["']/.exec(src.text.slice(start, start + f[0].length)) : null;
      out.routes.push(routeOf(src, start, op, nameArg?.[1] ?? f[1]!, "graphql", true, `: ${f[2]!.trim()}`, undefined));
    }
  }
}
