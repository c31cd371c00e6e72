/**
 * Contracts declared in code, compared between base and head per changed file: HTTP routes (method +
 * path) added, removed or with their request/response-shaping declaration changed. Computed once per
 * review and read by the api-contract trigger and the code-aware rules.
 *
 * Only API routes count (a REST controller, an API prefix, a JSON response: see `CodeRoute.api`); page
 * routes of a server-rendered app and operational endpoints (health, metrics) are not contracts other
 * teams call. A route removed from one file and declared by another changed file at head moved: it is
 * neither added nor removed.
 */
import type { ChangedFile, Side } from "../../engine/change.js";
import type { ReviewView, TriggerHit } from "../../engine/types.js";
import { pathMajorVersion } from "../openapi/diff.js";
import type { ContractBreak } from "./contract-break.js";
import { pathAt } from "../common/changed-files.js";
import { basename, dirname, pathIndex } from "../common/paths.js";
import {
  type CodeSource,
  codeSource,
  hasApiPrefix,
  isIgnoredForCodeContracts,
  isOperationalPath,
  joinPath,
  normalizeRoutePath,
} from "../source/code-model.js";
import { languageOf } from "../source/masking.js";
import { extractMessaging, mayDeclareMessaging, type CodeTopic, type EventClass, type EventField, type FileMessaging } from "../source/messaging.js";
import { extractRoutes, mayDeclareRoutes, type CodeRoute, type FileRoutes } from "../source/routes.js";
import {
  changedRequestSchemas,
  mayDeclareRequestSchemas,
  requestSchemaDeclarations,
  signatureUses,
  type SchemaDeclaration,
} from "../source/request-schemas.js";
import { relativeBindings, resolveRelativeModule } from "../source/router-mounts.js";
import { deployableHits } from "../services/deployables.js";
import { importedGoConstants } from "./go-constants.js";
import { goRouteMounts } from "./go-route-mounts.js";
import { withStatedAuth } from "./route-auth.js";
import { mountIndex } from "./route-mounts.js";

export interface RouteChange {
  kind: "added" | "removed" | "changed";
  file: string;
  /** The route at head (added, changed) or at base (removed). */
  route: CodeRoute;
}

export interface TopicChange {
  kind: "added" | "removed";
  file: string;
  topic: CodeTopic;
}

/** An event class added, removed, or with fields added, removed or retyped (a rename is a removal and an addition). */
export interface EventChange {
  kind: "added" | "removed" | "changed";
  /** The file at head (added, changed) or at base (removed). */
  file: string;
  event: EventClass;
  /** The class at base, for a change. */
  before?: EventClass;
  baseFile?: string;
  removedFields: EventField[];
  addedFields: EventField[];
  retypedFields: { before: EventField; after: EventField }[];
}

export interface CodeContracts {
  routes: RouteChange[];
  topics: TopicChange[];
  events: EventChange[];
  /** Keys of every API route the changed files declare at head. */
  headRouteKeys: Set<string>;
  /** Every API route each changed file declares at head (the siblings a new route is judged against). */
  headRoutesByFile: Map<string, CodeRoute[]>;
  /** Methods of head route declarations whose path could not be read (a removal of that method is not certain). */
  unresolvedHeadMethods: Set<string>;
  /** Base path of a file of a renamed service directory, compared with its head path as one renamed file (head path → base path). */
  basePaths: Map<string, string>;
}

const FRAMEWORK_NAMES: Record<string, string> = {
  spring: "Spring",
  "jax-rs": "JAX-RS",
  express: "Express",
  fastify: "Fastify",
  nestjs: "NestJS",
  fastapi: "FastAPI",
  flask: "Flask",
  django: "Django",
  rails: "Rails",
  gin: "gin",
  echo: "Echo",
  chi: "chi",
  fiber: "Fiber",
  "net/http": "net/http",
  aspnet: "ASP.NET Core",
  graphql: "GraphQL",
};

export function frameworkName(framework: string): string {
  return FRAMEWORK_NAMES[framework] ?? framework;
}

/** Route changes of the review, computed once. */
export function codeContracts(ctx: ReviewView): Promise<CodeContracts> {
  return ctx.memo("contracts:code-contracts", compute);
}

function isContractRoute(route: CodeRoute): boolean {
  return route.api && !isOperationalPath(route.path);
}

function byKey(routes: readonly CodeRoute[]): Map<string, CodeRoute[]> {
  const out = new Map<string, CodeRoute[]>();
  for (const r of routes) {
    const list = out.get(r.key);
    if (list) list.push(r);
    else out.set(r.key, [r]);
  }
  return out;
}

async function compute(ctx: ReviewView): Promise<CodeContracts> {
  const result: CodeContracts = {
    routes: [],
    topics: [],
    events: [],
    headRouteKeys: new Set(),
    headRoutesByFile: new Map(),
    unresolvedHeadMethods: new Set(),
    basePaths: new Map(),
  };
  const perFile: RouteChange[] = [];
  const topicChanges: TopicChange[] = [];
  const baseEvents: { file: string; event: EventClass }[] = [];
  const headEvents: { file: string; event: EventClass }[] = [];
  const uses = new Set<string>();
  for (const file of await contractFiles(ctx, result.basePaths)) {
    if (!languageOf(file.path) || isIgnoredForCodeContracts(file.path)) continue;
    const basePath = pathAt(file, "base");
    const headText = file.status === "removed" ? undefined : await ctx.text("head", file.path);
    const removedText = file.status === "modified" ? ctx.removedLines(file.path).map((l) => l.text) : [];
    // Each text is scanned for the framework hints once (the scans are most of the cost on big changes).
    const headHints = hintsOf(headText);
    const needBase =
      file.status === "removed" ||
      file.status === "renamed" ||
      (file.status === "modified" &&
        (headHints.routes || removedText.some(mayDeclareRoutes) || headHints.messaging || removedText.some(mayDeclareMessaging)));
    const baseText = needBase ? await ctx.text("base", basePath) : undefined;
    const baseHints = hintsOf(baseText);
    const headSrc = headText !== undefined && (headHints.routes || headHints.messaging) ? codeSource(file.path, headText) : undefined;
    const baseSrc = baseText !== undefined && (baseHints.routes || baseHints.messaging) ? codeSource(basePath, baseText) : undefined;
    if (!headSrc && !baseSrc) continue;
    const [baseRoutes, headRoutes] = await mounted(
      ctx,
      basePath,
      file.path,
      baseSrc ? extractRoutes(baseSrc, baseHints.routes) : undefined,
      headSrc ? extractRoutes(headSrc, headHints.routes) : undefined,
    );
    diffRoutes(file.path, baseRoutes, headRoutes, perFile, result);
    const baseMessaging = baseSrc ? await messagingOf(ctx, "base", baseSrc, baseHints.messaging) : undefined;
    const headMessaging = headSrc ? await messagingOf(ctx, "head", headSrc, headHints.messaging) : undefined;
    diffTopics(file, baseMessaging, headMessaging, topicChanges);
    for (const e of baseMessaging?.events ?? []) baseEvents.push({ file: basePath, event: e });
    for (const e of headMessaging?.events ?? []) headEvents.push({ file: file.path, event: e });
    for (const u of [...(baseMessaging?.eventUses ?? []), ...(headMessaging?.eventUses ?? [])]) uses.add(u);
  }
  await remountedRouters(ctx, perFile);
  await requestSchemaEdits(ctx, perFile);
  // A route that left one file and appears in another moved.
  const addedKeys = new Set(perFile.filter((c) => c.kind === "added").map((c) => c.route.key));
  const removedKeys = new Set(perFile.filter((c) => c.kind === "removed").map((c) => c.route.key));
  result.routes = perFile.filter((c) =>
    c.kind === "added" ? !removedKeys.has(c.route.key) : c.kind === "removed" ? !addedKeys.has(c.route.key) : true,
  );
  const topicKey = (t: CodeTopic) => `${t.role}\0${t.broker}\0${t.name}`;
  const addedTopics = new Set(topicChanges.filter((c) => c.kind === "added").map((c) => topicKey(c.topic)));
  const removedTopics = new Set(topicChanges.filter((c) => c.kind === "removed").map((c) => topicKey(c.topic)));
  result.topics = topicChanges.filter((c) => !(c.kind === "added" ? removedTopics : addedTopics).has(topicKey(c.topic)));
  // A class added (or removed) while a file of the same name stays elsewhere in the tree is one service's copy of
  // an event another service owns (a new or retired consumer), not a new or retired event.
  // The trees are read only when an event class was added or removed (most PRs: no tree reads, no API calls).
  const events = diffEvents(baseEvents, headEvents, uses);
  if (events.some((c) => c.kind === "added" || c.kind === "removed")) {
    const names = async (side: "base" | "head") => new Set((await ctx.paths(side)).map((p) => basename(p).replace(/\.\w+$/, "")));
    const elsewhere = { base: await names("base"), head: await names("head") };
    result.events = events.filter((c) =>
      c.kind === "added" ? !elsewhere.base.has(c.event.name) : c.kind === "removed" ? !elsewhere.head.has(c.event.name) : true,
    );
  } else {
    result.events = events;
  }
  return result;
}

/**
 * A file's messaging; a topic named through a constant of another package of the same Go module (`kafka.Topic`)
 * is read from that package at the same side (only then: most files name theirs in the file or not at all).
 */
async function messagingOf(ctx: ReviewView, side: Side, src: CodeSource, declares: boolean): Promise<FileMessaging> {
  const found = extractMessaging(src, declares);
  if (found.unresolved.length === 0) return found;
  const external = await importedGoConstants(ctx, side, src, found.unresolved);
  return external.size === 0 ? found : extractMessaging(src, declares, external);
}

/** Whether a text may declare routes, and messaging (false for no text). */
function hintsOf(text: string | undefined): { routes: boolean; messaging: boolean } {
  return text === undefined ? { routes: false, messaging: false } : { routes: mayDeclareRoutes(text), messaging: mayDeclareMessaging(text) };
}

const MOUNTABLE = new Set(["express", "fastify"]);

/** Routes of Express/Fastify routers with the prefixes their file is mounted under on that side (`app.use("/v1", routes)` in another file). */
function withPrefixes(routes: FileRoutes, prefixes: string[]): FileRoutes {
  if (prefixes.length === 1 && prefixes[0] === "") return routes;
  const out: CodeRoute[] = [];
  for (const route of routes.routes) {
    if (!MOUNTABLE.has(route.framework)) {
      out.push(route);
      continue;
    }
    for (const prefix of prefixes) {
      const path = joinPath(prefix, route.path);
      out.push({ ...route, path, key: `${route.method} ${normalizeRoutePath(path)}`, api: route.api || hasApiPrefix(path) });
    }
  }
  return { routes: out, unresolved: routes.unresolved };
}

function mountable(routes: FileRoutes | undefined): boolean {
  return routes?.routes.some((r) => MOUNTABLE.has(r.framework)) === true;
}

/**
 * Both sides' routes of a file with the prefixes it is mounted under. When a prefix on either side cannot be read,
 * both sides keep the paths as written (a guessed prefix on one side only would read as every route moving).
 */
async function mounted(
  ctx: ReviewView,
  basePath: string,
  headPath: string,
  base: FileRoutes | undefined,
  head: FileRoutes | undefined,
): Promise<[FileRoutes | undefined, FileRoutes | undefined]> {
  if (registered(base) || registered(head)) return goMounted(ctx, basePath, headPath, base, head);
  if (!mountable(base) && !mountable(head)) return [base, head];
  const index = mountIndex(ctx);
  const basePrefixes = base ? await index.prefixes("base", basePath) : [""];
  const headPrefixes = head ? await index.prefixes("head", headPath) : [""];
  if (!basePrefixes || !headPrefixes) return [base, head];
  return [base && withPrefixes(base, basePrefixes), head && withPrefixes(head, headPrefixes)];
}

function registered(routes: FileRoutes | undefined): boolean {
  return routes?.routes.some((r) => r.registrar !== undefined) === true;
}

/**
 * Go routes declared on a registration function's router group, with the prefixes its callers give that group on
 * each side. When a prefix on either side cannot be read, both sides keep the paths as written.
 */
async function goMounted(
  ctx: ReviewView,
  basePath: string,
  headPath: string,
  base: FileRoutes | undefined,
  head: FileRoutes | undefined,
): Promise<[FileRoutes | undefined, FileRoutes | undefined]> {
  const index = goRouteMounts(ctx);
  const prefixesOf = async (side: Side, path: string, routes: FileRoutes | undefined) => {
    const out = new Map<string, string[]>();
    for (const registrar of new Set((routes?.routes ?? []).flatMap((r) => (r.registrar ? [r.registrar] : [])))) {
      const prefixes = await index.prefixes(side, path, registrar);
      if (!prefixes) return undefined;
      out.set(registrar, prefixes);
    }
    return out;
  };
  const basePrefixes = await prefixesOf("base", basePath, base);
  const headPrefixes = await prefixesOf("head", headPath, head);
  if (!basePrefixes || !headPrefixes) return [base, head];
  const apply = (routes: FileRoutes | undefined, prefixes: Map<string, string[]>): FileRoutes | undefined => {
    if (!routes) return routes;
    const out: CodeRoute[] = [];
    for (const route of routes.routes) {
      for (const prefix of (route.registrar && prefixes.get(route.registrar)) || [""]) {
        if (prefix === "") {
          out.push(route);
          continue;
        }
        const path = joinPath(prefix, route.path);
        out.push({ ...route, path, key: `${route.method} ${normalizeRoutePath(path)}`, api: route.api || hasApiPrefix(path) });
      }
    }
    return { routes: out, unresolved: routes.unresolved };
  };
  return [apply(base, basePrefixes), apply(head, headPrefixes)];
}

/** An edited line that can change where a router is mounted. */
const MOUNT_CALL = /\.\s*(use|register)\s*\(/;
const MOUNT_EDIT = /\.\s*(use|register)\s*\(|\brequire\s*\(|\bimport\b|\bpath\s*:|\broute\s*:/;

/**
 * Routers the PR mounts elsewhere without changing their file (`app.use("/v1/orders", orders)` becomes
 * `app.use("/v2/orders", orders)`): their routes change paths. Reported on the mounting file, at its mount line.
 */
async function remountedRouters(ctx: ReviewView, perFile: RouteChange[]): Promise<void> {
  const changed = new Set(ctx.files.map((f) => f.path));
  const index = mountIndex(ctx);
  for (const file of ctx.files) {
    if (languageOf(file.path) !== "js" || isIgnoredForCodeContracts(file.path)) continue;
    if (file.status === "modified") {
      const removed = ctx.removedLines(file.path);
      const edits = [...removed, ...(await ctx.addedLines(file.path))];
      if (!edits.some((l) => MOUNT_EDIT.test(l.text))) continue;
      // A file whose head calls no `.use(`/`.register(` and whose removed lines name neither mounted no
      // router at its base either (its base is its head's unchanged lines and the removed ones): its base
      // version is not read. A codemod rewriting every file's imports read every base for nothing.
      const head = await ctx.text("head", file.path);
      if (head !== undefined && !MOUNT_CALL.test(head) && !removed.some((l) => /\b(use|register)\b/.test(l.text))) continue;
    }
    const basePath = pathAt(file, "base");
    const before = file.status === "added" ? [] : await index.mountsOf("base", basePath);
    const after = file.status === "removed" ? [] : await index.mountsOf("head", file.path);
    const key = (m: { target: string; prefix: string | undefined }) => `${m.target}\0${m.prefix}`;
    const beforeKeys = new Set(before.map(key));
    const afterKeys = new Set(after.map(key));
    const targets = new Set([...before.filter((m) => !afterKeys.has(key(m))), ...after.filter((m) => !beforeKeys.has(key(m)))].map((m) => m.target));
    for (const target of targets) {
      if (changed.has(target) || isIgnoredForCodeContracts(target)) continue;
      const text = await ctx.text("head", target);
      const src = text !== undefined && mayDeclareRoutes(text) ? codeSource(target, text) : undefined;
      if (!src) continue;
      const routes = extractRoutes(src);
      if (!mountable(routes)) continue;
      const [base, head] = await mounted(ctx, target, target, routes, routes);
      const baseRoutes = byKey((base?.routes ?? []).filter(isContractRoute));
      const headRoutes = byKey((head?.routes ?? []).filter(isContractRoute));
      const mountLine = (side: "base" | "head") => (side === "base" ? before : after).find((m) => m.target === target)?.line ?? 1;
      for (const [k, list] of headRoutes)
        if (!baseRoutes.has(k))
          for (const route of list) perFile.push({ kind: "added", file: file.path, route: { ...route, line: mountLine("head") } });
      for (const [k, list] of baseRoutes)
        if (!headRoutes.has(k))
          for (const route of list) perFile.push({ kind: "removed", file: file.path, route: { ...route, line: mountLine("base") } });
    }
  }
}

/** A schema that validates a request: keyed by request part (`query:`, `body:`), or named for one (`createUserSchema`). */
function isRequestSchema(schema: SchemaDeclaration): boolean {
  return (
    /\b(?:body|query|params|querystring|headers|payload)\s*:/.test(schema.text) ||
    /schema|validat|query|body|params|request|input|payload|dto/i.test(schema.name)
  );
}

/** Files read when looking for the route files that use a changed schema module. */
const SCHEMA_USER_READS = 80;
const JS_SOURCE = /\.(?:[cm]?[jt]sx?)$/;

/**
 * Routes whose request schema changed in a schema module (`src/validations/user.validation.js`) or in the route file
 * itself, while the route declaration stays as it was: `validate(userValidation.getUsers)` reads the same, the
 * `query` keys it validates do not. The files that use the module are looked for under the module's parent's parent
 * directory (`src/` for `src/validations/x.js`), route-like files first, at most 80 read. Reported as changed routes on
 * the schema's file, at the schema's line.
 */
async function requestSchemaEdits(ctx: ReviewView, perFile: RouteChange[]): Promise<void> {
  const read = new Map<string, { src: CodeSource; routes: FileRoutes } | undefined>();
  for (const file of ctx.files) {
    if (file.status !== "modified" || languageOf(file.path) !== "js" || isIgnoredForCodeContracts(file.path)) continue;
    const headText = await ctx.text("head", file.path);
    if (headText === undefined || !mayDeclareRequestSchemas(headText)) continue;
    const baseText = await ctx.text("base", file.path);
    const headSrc = codeSource(file.path, headText);
    const baseSrc = baseText === undefined ? undefined : codeSource(file.path, baseText);
    if (!headSrc || !baseSrc) continue;
    const changed = changedRequestSchemas(requestSchemaDeclarations(baseSrc), requestSchemaDeclarations(headSrc)).filter(isRequestSchema);
    if (changed.length === 0) continue;
    const paths = await ctx.paths("head");
    const index = pathIndex(paths);
    const stem = basename(file.path).replace(/\.[^.]+$/, "");
    const root = dirname(dirname(file.path));
    const candidates = index
      .filesUnder(root, 5000)
      .filter((p) => JS_SOURCE.test(p) && !isIgnoredForCodeContracts(p))
      .sort((a, b) => Number(/rout|controller|api|endpoint|handler/i.test(b)) - Number(/rout|controller|api|endpoint|handler/i.test(a)))
      .slice(0, SCHEMA_USER_READS);
    for (const path of candidates) {
      if (!read.has(path) && read.size >= SCHEMA_USER_READS * 3) break;
      const text = path === file.path ? headText : await ctx.text("head", path);
      if (text === undefined || (path !== file.path && !text.includes(stem))) continue;
      if (!read.has(path)) {
        const src = mayDeclareRoutes(text) ? codeSource(path, text) : undefined;
        const fileRoutes = src ? extractRoutes(src) : undefined;
        read.set(path, src && fileRoutes && fileRoutes.routes.length > 0 ? { src, routes: fileRoutes } : undefined);
      }
      const entry = read.get(path);
      if (!entry) continue;
      const { src, routes } = entry;
      // How this file names the schemas: through a binding of the module, by a named import, or (in the module itself) bare.
      const uses: { binding?: string; names?: Set<string> }[] = [];
      if (path === file.path) uses.push({});
      else
        for (const [binding, specifier] of relativeBindings(src))
          if (resolveRelativeModule(path, specifier, (p) => index.has(p)) === file.path) uses.push({ binding }, { names: new Set([binding]) });
      if (uses.length === 0) continue;
      const [, withPrefix] = await mounted(ctx, path, path, routes, routes);
      for (const route of (withPrefix ?? routes).routes) {
        if (!isContractRoute(route)) continue;
        const schema = changed.find((c) =>
          uses.some((u) =>
            u.names ? u.names.has(c.name) && signatureUses(route.signature, c.name) : signatureUses(route.signature, c.name, u.binding),
          ),
        );
        if (schema) perFile.push({ kind: "changed", file: file.path, route: { ...route, line: schema.line } });
      }
    }
  }
}

const SERVICE_MANIFESTS = [
  "Dockerfile",
  "package.json",
  "pom.xml",
  "build.gradle",
  "build.gradle.kts",
  "go.mod",
  "pyproject.toml",
  "requirements.txt",
  "setup.py",
  "Gemfile",
  "Cargo.toml",
];

/** The service root (nearest directory with a build or package manifest at base) of a removed file, when it no longer exists at head. */
async function retiredRoots(ctx: ReviewView): Promise<(path: string) => string | undefined> {
  if (!ctx.files.some((f) => f.status === "removed")) return () => undefined;
  const base = pathIndex(await ctx.paths("base"));
  const head = pathIndex(await ctx.paths("head"));
  const isRoot = (dir: string) => base.namesIn(dir).some((n) => SERVICE_MANIFESTS.includes(n) || n.endsWith(".csproj"));
  return (path) => {
    for (let dir = dirname(path); dir !== ""; dir = dirname(dir)) if (isRoot(dir)) return head.hasDir(dir) ? undefined : dir;
    return undefined;
  };
}

/**
 * The changed files whose code contracts are compared. A service removed whole takes its routes, topics and events
 * with it: that is a retirement (the service-retirement trigger and its decommission review), not a contract change of
 * a running service, so its removed files are left out. A service directory renamed (`order-service/` →
 * `service-order/`) is no retirement: each removed file is compared with the added file at the same place in the new
 * directory as one renamed file (recorded in `basePaths`), and the other removed files stay in, so that what only moved
 * cancels out and what changed still shows.
 */
async function contractFiles(ctx: ReviewView, basePaths: Map<string, string>): Promise<readonly ChangedFile[]> {
  const retired = await retiredRoots(ctx);
  const roots = new Map<ChangedFile, string>();
  for (const f of ctx.files) {
    const root = f.status === "removed" ? retired(f.path) : undefined;
    if (root !== undefined) roots.set(f, root);
  }
  if (roots.size === 0) return ctx.files;
  const renamed = (await deployableHits(ctx)).renamedDirs;
  const paired = new Map<string, ChangedFile>();
  const out: ChangedFile[] = [];
  for (const f of ctx.files) {
    const root = roots.get(f);
    if (root === undefined) continue;
    const to = renamed.get(root);
    if (to === undefined) continue;
    const headPath = `${to}${f.path.slice(root.length)}`;
    const counterpart = ctx.file(headPath);
    if (counterpart?.status === "added" && !paired.has(headPath)) {
      paired.set(headPath, { ...counterpart, status: "renamed", previousPath: f.path, deletions: f.deletions });
      basePaths.set(headPath, f.path);
    } else out.push(f);
  }
  for (const f of ctx.files) {
    if (roots.has(f)) continue;
    out.push(paired.get(f.path) ?? f);
  }
  return out;
}

function diffRoutes(path: string, base: FileRoutes | undefined, head: FileRoutes | undefined, perFile: RouteChange[], result: CodeContracts): void {
  const headRoutes = (head?.routes ?? []).filter(isContractRoute);
  const baseRoutes = (base?.routes ?? []).filter(isContractRoute);
  for (const r of headRoutes) result.headRouteKeys.add(r.key);
  if (headRoutes.length > 0) result.headRoutesByFile.set(path, headRoutes);
  for (const u of head?.unresolved ?? []) result.unresolvedHeadMethods.add(u.method);
  const before = byKey(baseRoutes);
  const after = byKey(headRoutes);
  for (const [key, routes] of after) {
    const old = before.get(key);
    if (!old) {
      for (const route of routes) perFile.push({ kind: "added", file: path, route });
      continue;
    }
    const oldSignatures = new Set(old.map((r) => r.signature));
    for (const route of routes) if (!oldSignatures.has(route.signature)) perFile.push({ kind: "changed", file: path, route });
  }
  for (const [key, routes] of before) if (!after.has(key)) for (const route of routes) perFile.push({ kind: "removed", file: path, route });
}

function diffTopics(file: ChangedFile, base: FileMessaging | undefined, head: FileMessaging | undefined, out: TopicChange[]): void {
  const key = (t: CodeTopic) => `${t.role}\0${t.broker}\0${t.name}`;
  const before = new Set((base?.topics ?? []).map(key));
  const after = new Set((head?.topics ?? []).map(key));
  const seen = new Set<string>();
  for (const t of head?.topics ?? [])
    if (!before.has(key(t)) && !seen.has(key(t)) && seen.add(key(t))) out.push({ kind: "added", file: file.path, topic: t });
  for (const t of base?.topics ?? [])
    if (!after.has(key(t)) && !seen.has(key(t)) && seen.add(key(t))) out.push({ kind: "removed", file: pathAt(file, "base"), topic: t });
}

/** Event classes that matter to other services: published by what they are, or passed to a publish/subscribe call in the PR. */
function counts(event: EventClass, uses: Set<string>): boolean {
  return event.published || uses.has(event.name);
}

function diffEvents(base: { file: string; event: EventClass }[], head: { file: string; event: EventClass }[], uses: Set<string>): EventChange[] {
  const out: EventChange[] = [];
  const unmatchedBase = [...base];
  const pairs: [{ file: string; event: EventClass } | undefined, { file: string; event: EventClass } | undefined][] = [];
  // Same file and name first (the usual edit), then by name alone (a moved class).
  const take = (pred: (b: { file: string; event: EventClass }) => boolean) => {
    const i = unmatchedBase.findIndex(pred);
    return i < 0 ? undefined : unmatchedBase.splice(i, 1)[0];
  };
  const rest: { file: string; event: EventClass }[] = [];
  for (const h of head) {
    const b = take((x) => x.file === h.file && x.event.name === h.event.name);
    if (b) pairs.push([b, h]);
    else rest.push(h);
  }
  for (const h of rest) pairs.push([take((x) => x.event.name === h.event.name), h]);
  for (const b of unmatchedBase) pairs.push([b, undefined]);
  for (const [b, h] of pairs) {
    if (h && !b) {
      if (counts(h.event, uses))
        out.push({ kind: "added", file: h.file, event: h.event, removedFields: [], addedFields: h.event.fields, retypedFields: [] });
      continue;
    }
    if (b && !h) {
      if (counts(b.event, uses))
        out.push({ kind: "removed", file: b.file, event: b.event, removedFields: b.event.fields, addedFields: [], retypedFields: [] });
      continue;
    }
    if (!b || !h || !(counts(h.event, uses) || counts(b.event, uses))) continue;
    const beforeFields = new Map(b.event.fields.map((f) => [f.name, f]));
    const afterFields = new Map(h.event.fields.map((f) => [f.name, f]));
    const removedFields = b.event.fields.filter((f) => !afterFields.has(f.name));
    const addedFields = h.event.fields.filter((f) => !beforeFields.has(f.name));
    const retypedFields = h.event.fields
      .filter((f) => beforeFields.has(f.name) && beforeFields.get(f.name)!.type !== f.type)
      .map((f) => ({ before: beforeFields.get(f.name)!, after: f }));
    if (removedFields.length + addedFields.length + retypedFields.length === 0) continue;
    out.push({ kind: "changed", file: h.file, event: h.event, before: b.event, baseFile: b.file, removedFields, addedFields, retypedFields });
  }
  return out;
}

/** `POST /orders`, or just the path for a route that takes every method. */
export function routeLabel(route: CodeRoute): string {
  if (route.framework === "graphql") return `${route.method.charAt(0)}${route.method.slice(1).toLowerCase()}.${route.path.replace(/^\//, "")}`;
  return route.method === "ANY" ? route.path : `${route.method} ${route.path}`;
}

const VERBS = { added: "adds", removed: "removes", changed: "changes" } as const;

/** One api-contract hit per file, naming its routes (at most three per kind). */
export async function codeRouteHits(ctx: ReviewView): Promise<TriggerHit[]> {
  const { routes } = await codeContracts(ctx);
  const byFile = new Map<string, RouteChange[]>();
  for (const c of routes) {
    const list = byFile.get(c.file);
    if (list) list.push(c);
    else byFile.set(c.file, [c]);
  }
  const hits: TriggerHit[] = [];
  for (const [file, changes] of byFile) {
    const parts: string[] = [];
    for (const kind of ["added", "removed", "changed"] as const) {
      const labels = [...new Set(changes.filter((c) => c.kind === kind).map((c) => routeLabel(c.route)))];
      if (labels.length === 0) continue;
      const shown = labels.slice(0, 3).join(", ") + (labels.length > 3 ? ` and ${labels.length - 3} more` : "");
      const noun = changes.every((c) => c.route.framework === "graphql") ? "field" : "route";
      parts.push(`${VERBS[kind]} ${noun}${labels.length === 1 ? "" : "s"} ${shown}`);
    }
    const frameworks = [...new Set(changes.map((c) => frameworkName(c.route.framework)))].join("/");
    const hit: TriggerHit = { file, reason: `${parts.join("; ")} (${frameworks}) in ${file}` };
    const line = changes.find((c) => c.kind !== "removed")?.route.line;
    if (line !== undefined) hit.line = line;
    hits.push(hit);
  }
  return hits;
}

/**
 * Removed API routes as breaking changes: a route (method + path) that a changed file declared at base and
 * no changed file declares at head. Not counted: a removal while a head declaration of the same method has a
 * path that cannot be read (it may be the same route behind a constant), and removals accepted because the
 * PR adds routes under a higher `/vN` than the removed route's. A file deleted with more than three routes is
 * one finding.
 */
export async function codeRouteBreaks(ctx: ReviewView): Promise<{ breaks: ContractBreak[]; notes: string[] }> {
  const contracts = await codeContracts(ctx);
  const breaks: ContractBreak[] = [];
  const notes: string[] = [];
  const removed = contracts.routes.filter((c) => c.kind === "removed" && !contracts.headRouteKeys.has(c.route.key));
  const uncertain = removed.filter((c) => contracts.unresolvedHeadMethods.has(c.route.method) || contracts.unresolvedHeadMethods.has("ANY"));
  if (uncertain.length > 0)
    notes.push(
      `${uncertain.length} removed route(s) not judged (${uncertain.map((c) => routeLabel(c.route)).join(", ")}): a route at head has a path that is not a static string in its file`,
    );
  const addedVersions = contracts.routes
    .filter((c) => c.kind === "added")
    .map((c) => pathMajorVersion(c.route.path))
    .filter((v): v is number => v !== undefined);
  const byFile = new Map<string, RouteChange[]>();
  for (const c of removed) {
    if (uncertain.includes(c)) continue;
    const version = pathMajorVersion(c.route.path) ?? 1;
    const newer = addedVersions.filter((v) => v > version);
    if (newer.length > 0) {
      notes.push(`${c.file}: removal of ${routeLabel(c.route)} accepted (new major path version /v${Math.max(...newer)})`);
      continue;
    }
    const list = byFile.get(c.file);
    if (list) list.push(c);
    else byFile.set(c.file, [c]);
  }
  for (const [file, changes] of byFile) {
    const changed = ctx.file(file);
    const basePath = contracts.basePaths.get(file) ?? (changed ? pathAt(changed, "base") : file);
    if (changed?.status === "removed" && changes.length > 3) {
      breaks.push({
        side: "base",
        file: basePath,
        line: changes[0]!.route.line,
        operation: `${changes.length} routes of ${basePath}`,
        what: `file removed with its ${frameworkName(changes[0]!.route.framework)} routes (${changes
          .slice(0, 3)
          .map((c) => routeLabel(c.route))
          .join(", ")}, …)`,
      });
      continue;
    }
    for (const c of changes)
      breaks.push({
        side: "base",
        file: basePath,
        line: c.route.line,
        operation: routeLabel(c.route),
        what: `${c.route.framework === "graphql" ? "field" : "route"} removed (${frameworkName(c.route.framework)})`,
      });
  }
  return { breaks, notes };
}

const BROKER_VERB = { producer: "producer", consumer: "consumer" } as const;

/** One event-contract hit per file, naming its topics and event classes. */
export async function codeEventHits(ctx: ReviewView): Promise<TriggerHit[]> {
  const { topics, events } = await codeContracts(ctx);
  const byFile = new Map<string, { parts: string[]; line?: number }>();
  const entry = (file: string) => {
    let e = byFile.get(file);
    if (!e) byFile.set(file, (e = { parts: [] }));
    return e;
  };
  for (const c of topics) {
    const e = entry(c.file);
    e.parts.push(`${VERBS[c.kind]} ${c.topic.broker} ${BROKER_VERB[c.topic.role]} of "${c.topic.name}"`);
    if (c.kind === "added" && e.line === undefined) e.line = c.topic.line;
  }
  for (const c of events) {
    const e = entry(c.file);
    if (c.kind === "changed") {
      const what = [
        c.addedFields.length > 0 ? `adds ${fieldList(c.addedFields.map((f) => f.name))}` : "",
        c.removedFields.length > 0 ? `removes ${fieldList(c.removedFields.map((f) => f.name))}` : "",
        c.retypedFields.length > 0 ? `retypes ${fieldList(c.retypedFields.map((f) => `${f.after.name} (${f.before.type} → ${f.after.type})`))}` : "",
      ].filter(Boolean);
      e.parts.push(`event ${c.event.name} ${what.join(", ")}`);
      e.line ??= (c.addedFields[0] ?? c.retypedFields[0]?.after)?.line ?? c.event.line;
    } else {
      e.parts.push(`${VERBS[c.kind]} event ${c.event.name}`);
      if (c.kind === "added") e.line ??= c.event.line;
    }
  }
  const hits: TriggerHit[] = [];
  for (const [file, { parts, line }] of byFile) {
    const shown = parts.slice(0, 3).join("; ") + (parts.length > 3 ? `; and ${parts.length - 3} more` : "");
    const hit: TriggerHit = { file, reason: `${shown} in ${file}` };
    if (line !== undefined) hit.line = line;
    hits.push(hit);
  }
  return hits;
}

function fieldList(names: string[]): string {
  return `field${names.length === 1 ? "" : "s"} ${names.slice(0, 4).join(", ")}${names.length > 4 ? ", …" : ""}`;
}

/** A route added by the PR with the routes its file already declared (at head, not added by the PR). */
export interface AddedCodeRoute {
  file: string;
  route: CodeRoute;
  siblings: CodeRoute[];
}

/** API routes the PR adds, each with its file's other (pre-existing) routes. */
export async function addedCodeRoutes(ctx: ReviewView): Promise<AddedCodeRoute[]> {
  const contracts = await codeContracts(ctx);
  const added = contracts.routes.filter((c) => c.kind === "added");
  const addedHere = new Set(added.map((c) => `${c.file}\0${c.route.key}`));
  const out: AddedCodeRoute[] = [];
  for (const c of added) {
    const [route, ...siblings] = await withStatedAuth(ctx, c.file, [
      c.route,
      ...(contracts.headRoutesByFile.get(c.file) ?? []).filter((r) => !addedHere.has(`${c.file}\0${r.key}`)),
    ]);
    out.push({ file: c.file, route: route!, siblings });
  }
  return out;
}
