import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Kind, parse, type FieldNode, type SelectionSetNode, type ValueNode } from "graphql";
import { unifiedHunks } from "../../src/engine/memory-change.js";

/**
 * A stateful fake of the GitHub REST API endpoints archgate uses, served on 127.0.0.1. It records every
 * request, keeps comments, check runs and labels it is sent, and can inject faults (status codes, rate
 * limits, hangs) per route. Used by the unit tests, the end-to-end test and scripts/bench-app.ts.
 */

export type Tree = Record<string, string | Uint8Array>;

export interface RecordedRequest {
  method: string;
  /** Path without the /api/v3 prefix and without the query. */
  path: string;
  query: Record<string, string>;
  body?: any;
  headers: IncomingMessage["headers"];
  /** When the fake received it (ms since the epoch). */
  at?: number;
}

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  draft: boolean;
  state: "open" | "closed";
  base: string;
  head: string;
  labels: string[];
  renames?: Record<string, string>;
  /** Cap the files endpoint (GitHub's is 3,000). */
  listLimit?: number;
  /** The PR's author (default alice). */
  author?: string;
  /** Review requests the app made: users and team slugs, in order. */
  requestedReviewers?: Array<{ reviewers: string[]; team_reviewers: string[] }>;
}

export interface FakeReview {
  id: number;
  pull_number: number;
  user: { login: string; type: string };
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  commit_id: string;
  submitted_at: string;
}

export interface FakeReaction {
  id: number;
  comment_id: number;
  content: string;
  user: { login: string; type: string };
}

export interface FakeComment {
  id: number;
  /** "owner/repo": issue numbers repeat across repositories, comments do not. */
  repository: string;
  issue_number: number;
  body: string;
  user: { login: string; type: string };
  performed_via_github_app: { id: number; slug: string } | null;
  created_at: string;
  updated_at: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string;
  output: { title?: string; summary?: string; text?: string };
  annotations: any[];
  app: { id: number; slug: string };
  started_at?: string;
}

export interface Fault {
  /** "METHOD /path" regex, matched against e.g. "GET /repos/acme/shop/pulls/7/files". */
  route: RegExp;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** Answer normally, this much later (a slow GitHub). */
  delayMs?: number;
  /** How many times the fault applies (default: always). */
  times?: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export const APP = { id: 123, slug: "archgate" };
/** The GitHub Actions app: what a workflow's GITHUB_TOKEN writes is authored by it (github-actions[bot]). */
export const ACTIONS_APP = { id: 15368, slug: "github-actions" };
export const INSTALLATION_ID = 42;
/** The repository comments are added to when a test does not name one (the harness's). */
const DEFAULT_REPOSITORY = "acme/shop";

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** Commit sha -> tree. */
  readonly commits = new Map<string, Tree>();
  /** "owner/repo" -> default branch tip sha. */
  readonly defaultBranch = new Map<string, string>();
  readonly pulls = new Map<string, FakePull>();
  readonly comments: FakeComment[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  /** "owner/repo" -> label names. */
  readonly repoLabels = new Map<string, Set<string>>();
  faults: Fault[] = [];
  /** Recursive trees with more entries than this come back `truncated`. */
  treeLimit = 100_000;
  /** "base...head" -> merge base, for a base branch that moved on after the PR branched (default: base). */
  readonly mergeBases = new Map<string, string>();
  /** The app's webhook deliveries (GET /app/hook/deliveries, newest first) and the redeliveries asked for. */
  readonly deliveries: Array<{ id: number; guid: string; delivered_at: string; status_code: number; event: string; action: string | null }> = [];
  readonly redeliveries: number[] = [];
  /** GraphQL blobs larger than this come back with `isTruncated` and partial text (GitHub cuts big blobs too). */
  graphqlTextLimit = 512 * 1024;
  /**
   * GraphQL `object(expression:)` fields that fail ("<sha>:<path>"): answered null with an error whose
   * path names the alias, as GitHub answers a field that failed while the rest of the query did not.
   */
  readonly graphqlFailures = new Set<string>();
  /**
   * Workflow tokens (a job's GITHUB_TOKEN), by token: comments and check runs they write belong to
   * github-actions, GET /app is refused, and a read-only one (a fork's pull_request event) may write nothing.
   */
  readonly workflowTokens = new Map<string, { readOnly: boolean }>();
  readonly reviews: FakeReview[] = [];
  readonly reactions: FakeReaction[] = [];
  /** login -> repository role (admin, maintain, write, triage, read); anyone else reads. */
  readonly permissions = new Map<string, string>();
  /** "org/team-slug" -> member logins. */
  readonly teams = new Map<string, Set<string>>();
  private nextId = 1000;
  /** The fake's clock for created_at/updated_at: a second per event, so order is explicit. */
  private clock = Date.parse("2026-03-09T09:00:00Z");

  now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** A comment by a person (or a bot, `type: "Bot"`), as if posted now (on acme/shop unless `fullName` says). */
  addUserComment(issueNumber: number, login: string, body: string, type = "User", fullName = DEFAULT_REPOSITORY): FakeComment {
    return this.addComment(issueNumber, body, { login, type }, fullName);
  }

  /** A person edits their comment: GitHub moves updated_at. */
  editComment(id: number, body: string): FakeComment {
    const comment = this.comments.find((c) => c.id === id)!;
    comment.body = body;
    comment.updated_at = this.now();
    return comment;
  }

  deleteComment(id: number): void {
    this.comments.splice(
      this.comments.findIndex((c) => c.id === id),
      1,
    );
  }

  addReview(pullNumber: number, login: string, state: FakeReview["state"], commitId: string): FakeReview {
    const review: FakeReview = {
      id: this.nextId++,
      pull_number: pullNumber,
      user: { login, type: "User" },
      state,
      commit_id: commitId,
      submitted_at: this.now(),
    };
    this.reviews.push(review);
    return review;
  }

  addCommit(sha: string, tree: Tree): string {
    this.commits.set(sha, tree);
    return sha;
  }

  setDefaultBranch(fullName: string, sha: string): void {
    this.defaultBranch.set(fullName, sha);
  }

  addPull(fullName: string, pull: Partial<FakePull> & Pick<FakePull, "number" | "base" | "head">): FakePull {
    const full: FakePull = { title: "Change", body: null, draft: false, state: "open", labels: [], ...pull };
    this.pulls.set(`${fullName}#${pull.number}`, full);
    return full;
  }

  /** A comment on issue or PR `issueNumber` of `fullName` (acme/shop unless it says). */
  addComment(
    issueNumber: number,
    body: string,
    author: "app" | "user" | { login: string; type: string; app?: { id: number; slug: string } },
    fullName = DEFAULT_REPOSITORY,
  ): FakeComment {
    const at = this.now();
    const comment: FakeComment = {
      created_at: at,
      updated_at: at,
      id: this.nextId++,
      repository: fullName,
      issue_number: issueNumber,
      body,
      user:
        author === "app"
          ? { login: `${APP.slug}[bot]`, type: "Bot" }
          : author === "user"
            ? { login: "alice", type: "User" }
            : { login: author.login, type: author.type },
      performed_via_github_app: author === "app" ? APP : typeof author === "object" ? (author.app ?? null) : null,
    };
    this.comments.push(comment);
    return comment;
  }

  /** Calls as "METHOD /path", without the token exchange and the app lookup (which happen once per process). */
  calls(options: { all?: boolean } = {}): string[] {
    return this.requests
      .filter((r) => options.all || !(r.path.startsWith("/app/installations/") || r.path === "/app"))
      .map((r) => `${r.method} ${r.path}`);
  }

  writes(): RecordedRequest[] {
    // GraphQL queries are POSTs but only read (archgate sends no mutations).
    return this.requests.filter((r) => r.method !== "GET" && !r.path.startsWith("/app/") && !r.path.endsWith("/graphql"));
  }

  reset(): void {
    this.requests.length = 0;
  }

  private readonly filesCache = new Map<string, any[]>();

  /** Files of a PR as GitHub lists them (patches computed from the trees, once per base/head pair). */
  pullFiles(pull: FakePull): any[] {
    const cacheKey = `${this.mergeBases.get(`${pull.base}...${pull.head}`) ?? pull.base}..${pull.head}:${JSON.stringify(pull.renames ?? {})}`;
    const cached = this.filesCache.get(cacheKey);
    if (cached) return cached;
    const computed = this.computePullFiles(pull);
    this.filesCache.set(cacheKey, computed);
    return computed;
  }

  private computePullFiles(pull: FakePull): any[] {
    // Like GitHub: the diff is against the merge base, not the base branch's tip.
    const base = this.commits.get(this.mergeBases.get(`${pull.base}...${pull.head}`) ?? pull.base) ?? {};
    const head = this.commits.get(pull.head) ?? {};
    const renames = pull.renames ?? {};
    const renamedFrom = new Set(Object.values(renames));
    const out: any[] = [];
    for (const path of [...new Set([...Object.keys(base), ...Object.keys(head)])].sort()) {
      if (renamedFrom.has(path) && !(path in head)) continue;
      const previous = renames[path];
      const before = base[previous ?? path];
      const after = head[path];
      const same = before !== undefined && after !== undefined && text(before) === text(after);
      if (same && previous === undefined) continue;
      const status = after === undefined ? "removed" : previous ? "renamed" : before === undefined ? "added" : "modified";
      const binary = (before !== undefined && typeof before !== "string") || (after !== undefined && typeof after !== "string");
      const patch = binary ? undefined : unifiedHunks(before === undefined ? "" : text(before), after === undefined ? "" : text(after));
      out.push({
        sha: blobSha(after ?? before ?? ""),
        filename: path,
        status,
        additions: patch?.additions ?? 0,
        deletions: patch?.deletions ?? 0,
        changes: (patch?.additions ?? 0) + (patch?.deletions ?? 0),
        ...(previous ? { previous_filename: previous } : {}),
        ...(patch?.text ? { patch: patch.text } : {}),
      });
    }
    return out;
  }

  async handle(method: string, url: string, headers: IncomingMessage["headers"], rawBody: string): Promise<Reply | "hang"> {
    const parsed = new URL(url, "http://fake");
    const path = decodeURIComponent(parsed.pathname.replace(/^\/api\/v3/, ""));
    const query = Object.fromEntries(parsed.searchParams);
    const body = rawBody ? JSON.parse(rawBody) : undefined;
    this.requests.push({ method, path, query, headers, at: Date.now(), ...(body !== undefined ? { body } : {}) });
    const key = `${method} ${path}`;
    const fault = this.faults.find((f) => f.route.test(key) && (f.times === undefined || f.times > 0));
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      if (fault.hang) return "hang";
      if (fault.delayMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        return this.route(method, path, query, headers, body);
      }
      return { status: fault.status ?? 500, headers: fault.headers ?? {}, body: fault.body ?? { message: "Server Error" } };
    }
    return this.route(method, path, query, headers, body);
  }

  private route(method: string, path: string, query: Record<string, string>, headers: IncomingMessage["headers"], body: any): Reply {
    let m: RegExpExecArray | null;
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(String(headers.authorization ?? ""))?.[1];
    const workflow = token !== undefined ? this.workflowTokens.get(token) : undefined;
    if (workflow && path === "/app") return { status: 403, body: { message: "Resource not accessible by integration" } };
    if (workflow?.readOnly && method !== "GET" && path !== "/graphql" && path !== "/api/graphql") {
      return { status: 403, body: { message: "Resource not accessible by integration" } };
    }
    if (method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return { status: 201, body: { token: "ghs_fake", expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {} } };
    }
    if (method === "GET" && path === "/app") return { status: 200, body: { ...APP, name: "archgate" } };
    if (method === "GET" && path === "/app/hook/deliveries") return this.paginate(path, query, this.deliveries, headers.host);
    let d: RegExpExecArray | null;
    if (method === "POST" && (d = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/.exec(path))) {
      if (!this.deliveries.some((x) => x.id === Number(d![1]))) return notFound();
      this.redeliveries.push(Number(d[1]));
      return { status: 202, body: {} };
    }
    if (method === "POST" && (path === "/graphql" || path === "/api/graphql")) return this.graphql(body);

    if (method === "GET" && (m = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(path))) {
      const members = this.teams.get(`${m[1]}/${m[2]}`);
      if (!members?.has(m[3]!)) return notFound();
      return { status: 200, body: { state: "active", role: "member", url: `http://fake${path}` } };
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/(.*)$/.exec(path))) {
      const fullName = `${m[1]}/${m[2]}`;
      const rest = m[3]!;
      let r: RegExpExecArray | null;
      if (method === "GET" && (r = /^contents\/(.+)$/.exec(rest))) {
        const ref = query.ref ?? this.defaultBranch.get(fullName);
        const tree = ref ? this.commits.get(ref) : undefined;
        const value = tree?.[r[1]!];
        if (value === undefined) return notFound();
        const bytes = typeof value === "string" ? Buffer.from(value) : Buffer.from(value);
        if (String(headers.accept ?? "").includes("raw")) {
          return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: bytes.toString("utf8") };
        }
        return {
          status: 200,
          body: {
            type: "file",
            name: r[1]!.split("/").at(-1),
            path: r[1],
            size: bytes.length,
            sha: blobSha(value),
            encoding: "base64",
            content: bytes.toString("base64"),
          },
        };
      }
      if (method === "GET" && (r = /^pulls\/(\d+)\/files$/.exec(rest))) {
        const pull = this.pulls.get(`${fullName}#${r[1]}`);
        if (!pull) return notFound();
        const all = this.pullFiles(pull).slice(0, pull.listLimit ?? 3000);
        return this.paginate(path, query, all, headers.host);
      }
      if (method === "GET" && (r = /^pulls\/(\d+)$/.exec(rest))) {
        const pull = this.pulls.get(`${fullName}#${r[1]}`);
        if (!pull) return notFound();
        return { status: 200, body: this.pullJson(fullName, pull) };
      }
      if (method === "GET" && (r = /^compare\/([^.]+)\.\.\.(.+)$/.exec(rest))) {
        return { status: 200, body: { merge_base_commit: { sha: this.mergeBases.get(`${r[1]}...${r[2]}`) ?? r[1] }, files: [] } };
      }
      if (method === "GET" && (r = /^git\/commits\/(.+)$/.exec(rest))) {
        if (!this.commits.has(r[1]!)) return notFound();
        return { status: 200, body: { sha: r[1], tree: { sha: `T${r[1]}:` } } };
      }
      if (method === "GET" && (r = /^git\/trees\/T([0-9a-f]+):(.*)$/.exec(rest))) {
        // One level of a tree (non-recursive), for the walk after a truncated recursive listing.
        const tree = this.commits.get(r[1]!);
        if (!tree) return notFound();
        const prefix = r[2]!;
        const level = new Map<string, { path: string; type: string; sha: string }>();
        for (const p of Object.keys(tree).sort()) {
          if (!p.startsWith(prefix)) continue;
          const [name, ...more] = p.slice(prefix.length).split("/");
          if (more.length === 0) level.set(name!, { path: name!, type: "blob", sha: blobSha(tree[p]!) });
          else level.set(name!, { path: name!, type: "tree", sha: `T${r[1]}:${prefix}${name}/` });
        }
        return { status: 200, body: { sha: rest.slice(10), tree: [...level.values()], truncated: false } };
      }
      if (method === "GET" && (r = /^git\/trees\/(.+)$/.exec(rest))) {
        const tree = this.commits.get(r[1]!);
        if (!tree) return notFound();
        const entries = Object.keys(tree)
          .sort()
          .map((p) => ({ path: p, type: "blob", mode: "100644", sha: blobSha(tree[p]!) }));
        const truncated = entries.length > this.treeLimit;
        return { status: 200, body: { sha: r[1], tree: truncated ? entries.slice(0, this.treeLimit) : entries, truncated } };
      }
      if (method === "GET" && (r = /^issues\/(\d+)\/comments$/.exec(rest))) {
        return this.paginate(
          path,
          query,
          this.comments.filter((c) => c.repository === fullName && c.issue_number === Number(r![1])),
          headers.host,
        );
      }
      if (method === "POST" && (r = /^issues\/(\d+)\/comments$/.exec(rest))) {
        const comment = this.addComment(
          Number(r[1]),
          body.body,
          workflow ? { login: `${ACTIONS_APP.slug}[bot]`, type: "Bot", app: ACTIONS_APP } : "app",
          fullName,
        );
        return { status: 201, body: comment };
      }
      if (method === "PATCH" && (r = /^issues\/comments\/(\d+)$/.exec(rest))) {
        const comment = this.comments.find((c) => c.repository === fullName && c.id === Number(r![1]));
        if (!comment) return notFound();
        comment.body = body.body;
        comment.updated_at = this.now();
        return { status: 200, body: comment };
      }
      if (method === "GET" && (r = /^pulls\/(\d+)\/reviews$/.exec(rest))) {
        return this.paginate(
          path,
          query,
          this.reviews.filter((v) => v.pull_number === Number(r![1])),
          headers.host,
        );
      }
      if (method === "POST" && (r = /^pulls\/(\d+)\/requested_reviewers$/.exec(rest))) {
        const pull = this.pulls.get(`${fullName}#${r[1]}`);
        if (!pull) return notFound();
        pull.requestedReviewers = [
          ...(pull.requestedReviewers ?? []),
          { reviewers: body.reviewers ?? [], team_reviewers: body.team_reviewers ?? [] },
        ];
        return { status: 201, body: this.pullJson(fullName, pull) };
      }
      if (method === "GET" && (r = /^collaborators\/([^/]+)\/permission$/.exec(rest))) {
        const role = this.permissions.get(r[1]!) ?? "read";
        const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
        return { status: 200, body: { permission, role_name: role, user: { login: r[1] } } };
      }
      if (method === "GET" && (r = /^issues\/comments\/(\d+)\/reactions$/.exec(rest))) {
        return this.paginate(
          path,
          query,
          this.reactions.filter((x) => x.comment_id === Number(r![1]) && (!query.content || x.content === query.content)),
          headers.host,
        );
      }
      if (method === "POST" && (r = /^issues\/comments\/(\d+)\/reactions$/.exec(rest))) {
        const existing = this.reactions.find(
          (x) => x.comment_id === Number(r![1]) && x.content === body.content && x.user.login === `${APP.slug}[bot]`,
        );
        if (existing) return { status: 200, body: existing };
        const reaction: FakeReaction = {
          id: this.nextId++,
          comment_id: Number(r[1]),
          content: body.content,
          user: { login: `${APP.slug}[bot]`, type: "Bot" },
        };
        this.reactions.push(reaction);
        return { status: 201, body: reaction };
      }
      if (method === "GET" && (r = /^commits\/([^/]+)\/check-runs$/.exec(rest))) {
        let runs = this.checkRuns.filter((c) => c.head_sha === r![1]);
        if (query.check_name) runs = runs.filter((c) => c.name === query.check_name);
        if (query.app_id) runs = runs.filter((c) => String(c.app.id) === query.app_id);
        if (query.filter !== "all") {
          const latest = new Map<string, FakeCheckRun>();
          for (const run of runs) if (!latest.has(run.name) || latest.get(run.name)!.id < run.id) latest.set(run.name, run);
          runs = [...latest.values()];
        }
        return { status: 200, body: { total_count: runs.length, check_runs: runs.map((c) => this.checkRunJson(fullName, c)) } };
      }
      if (method === "POST" && rest === "check-runs") {
        if ((body.output?.annotations?.length ?? 0) > 50) return { status: 422, body: { message: "Only 50 annotations are allowed per request" } };
        const run: FakeCheckRun = {
          id: this.nextId++,
          name: body.name,
          head_sha: body.head_sha,
          status: body.status ?? "queued",
          conclusion: body.conclusion ?? null,
          external_id: body.external_id ?? "",
          output: { title: body.output?.title, summary: body.output?.summary, text: body.output?.text },
          annotations: [...(body.output?.annotations ?? [])],
          app: workflow ? ACTIONS_APP : APP,
          ...(body.started_at ? { started_at: body.started_at } : {}),
        };
        if (body.conclusion) run.status = "completed";
        this.checkRuns.push(run);
        return { status: 201, body: this.checkRunJson(fullName, run) };
      }
      if (method === "PATCH" && (r = /^check-runs\/(\d+)$/.exec(rest))) {
        const run = this.checkRuns.find((c) => c.id === Number(r![1]));
        if (!run) return notFound();
        if ((body.output?.annotations?.length ?? 0) > 50) return { status: 422, body: { message: "Only 50 annotations are allowed per request" } };
        if (body.status) run.status = body.status;
        if (body.conclusion) {
          run.conclusion = body.conclusion;
          run.status = "completed";
        }
        if (body.output) {
          run.output = { title: body.output.title, summary: body.output.summary, text: body.output.text };
          run.annotations.push(...(body.output.annotations ?? []));
        }
        return { status: 200, body: this.checkRunJson(fullName, run) };
      }
      if (method === "POST" && rest === "labels") {
        const labels = this.repoLabels.get(fullName) ?? new Set<string>();
        this.repoLabels.set(fullName, labels);
        if (labels.has(body.name)) return { status: 422, body: { message: "Validation Failed", errors: [{ code: "already_exists" }] } };
        labels.add(body.name);
        return { status: 201, body: { name: body.name, color: body.color, description: body.description } };
      }
      if (method === "POST" && (r = /^issues\/(\d+)\/labels$/.exec(rest))) {
        const pull = this.pulls.get(`${fullName}#${r[1]}`);
        if (!pull) return notFound();
        for (const name of body.labels as string[]) if (!pull.labels.includes(name)) pull.labels.push(name);
        return { status: 200, body: pull.labels.map((name) => ({ name })) };
      }
      if (method === "DELETE" && (r = /^issues\/(\d+)\/labels\/(.+)$/.exec(rest))) {
        const pull = this.pulls.get(`${fullName}#${r[1]}`);
        if (!pull?.labels.includes(r[2]!)) return notFound();
        pull.labels = pull.labels.filter((l) => l !== r![2]);
        return { status: 200, body: pull.labels.map((name) => ({ name })) };
      }
    }
    return notFound();
  }

  /**
   * The GraphQL API, as far as archgate uses it: `repository(owner, name) { alias: object(expression:
   * "<sha>:<path>") { __typename ... on Blob { byteSize isBinary isTruncated text } } }`. Anything else
   * is answered with a GraphQL error, as GitHub does for an unknown field.
   */
  private graphql(body: { query?: string; variables?: Record<string, unknown> }): Reply {
    const variables = body.variables ?? {};
    const valueOfNode = (node: ValueNode): unknown =>
      node.kind === Kind.VARIABLE ? variables[node.name.value] : node.kind === Kind.STRING ? node.value : undefined;
    const errors: Array<{ message: string; type?: string; path?: string[] }> = [];
    const document = parse(body.query ?? "");
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    const data: Record<string, unknown> = {};
    for (const root of fields(operation?.selectionSet)) {
      if (root.name.value !== "repository") {
        errors.push({ message: `Field '${root.name.value}' doesn't exist on type 'Query'` });
        continue;
      }
      const arg = (name: string) => root.arguments?.find((a) => a.name.value === name);
      const fullName = `${valueOfNode(arg("owner")!.value)}/${valueOfNode(arg("name")!.value)}`;
      if (![...this.pulls.keys()].some((k) => k.startsWith(`${fullName}#`)) && !this.defaultBranch.has(fullName)) {
        data[root.alias?.value ?? "repository"] = null;
        errors.push({ message: `Could not resolve to a Repository with the name '${fullName}'.` });
        continue;
      }
      const repository: Record<string, unknown> = {};
      for (const field of fields(root.selectionSet)) {
        if (field.name.value !== "object") {
          errors.push({ message: `Field '${field.name.value}' doesn't exist on type 'Repository'` });
          continue;
        }
        const expression = String(valueOfNode(field.arguments!.find((a) => a.name.value === "expression")!.value));
        const colon = expression.indexOf(":");
        const tree = this.commits.get(expression.slice(0, colon));
        const path = expression.slice(colon + 1);
        const value = tree?.[path];
        if (this.graphqlFailures.has(expression)) {
          const alias = field.alias?.value ?? "object";
          repository[alias] = null;
          errors.push({
            type: "SERVICE_UNAVAILABLE",
            path: ["repository", alias],
            message: `Something went wrong while executing your query (${alias}).`,
          });
          continue;
        }
        let answer: Record<string, unknown> | null = null;
        if (value !== undefined) {
          const bytes = Buffer.from(value);
          const binary = bytes.subarray(0, 8000).includes(0);
          const truncated = bytes.length > this.graphqlTextLimit;
          answer = {
            __typename: "Blob",
            byteSize: bytes.length,
            isBinary: binary,
            isTruncated: truncated,
            text: binary ? null : bytes.subarray(0, truncated ? this.graphqlTextLimit : bytes.length).toString("utf8"),
          };
        } else if (tree && Object.keys(tree).some((p) => p.startsWith(`${path}/`))) {
          answer = { __typename: "Tree" };
        }
        repository[field.alias?.value ?? "object"] = answer;
      }
      data[root.alias?.value ?? "repository"] = repository;
    }
    return { status: 200, body: errors.length > 0 ? { data, errors } : { data } };
  }

  private paginate(path: string, query: Record<string, string>, items: unknown[], host = "fake"): Reply {
    const perPage = Number(query.per_page ?? 30);
    const page = Number(query.page ?? 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) headers.link = `<http://${host}/api/v3${path}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
    return { status: 200, headers, body: slice };
  }

  pullJson(fullName: string, pull: FakePull): any {
    const [owner, repo] = fullName.split("/");
    return {
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      draft: pull.draft,
      changed_files: this.pullFiles(pull).length,
      labels: pull.labels.map((name, i) => ({ id: i + 1, name })),
      head: { sha: pull.head, ref: "feature", repo: { name: repo, owner: { login: owner } } },
      base: { sha: pull.base, ref: "main", repo: { name: repo, owner: { login: owner } } },
      user: { login: pull.author ?? "alice", type: "User" },
    };
  }

  private checkRunJson(fullName: string, run: FakeCheckRun): any {
    return {
      id: run.id,
      name: run.name,
      head_sha: run.head_sha,
      status: run.status,
      conclusion: run.conclusion,
      external_id: run.external_id,
      html_url: `https://github.com/${fullName}/runs/${run.id}`,
      output: { ...run.output, annotations_count: run.annotations.length },
      started_at: run.started_at ?? null,
      app: run.app,
      pull_requests: [],
    };
  }
}

function fields(selectionSet: SelectionSetNode | undefined): FieldNode[] {
  return (selectionSet?.selections ?? []).filter((s): s is FieldNode => s.kind === Kind.FIELD);
}

function notFound(): Reply {
  return { status: 404, body: { message: "Not Found" } };
}

function text(value: string | Uint8Array): string {
  return typeof value === "string" ? value : Buffer.from(value).toString("utf8");
}

function blobSha(value: string | Uint8Array): string {
  const bytes = typeof value === "string" ? Buffer.from(value) : Buffer.from(value);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export interface FakeServer {
  port: number;
  baseUrl: string;
  close(): Promise<void>;
}

/** Serves a FakeGitHub on 127.0.0.1 (GHE-style: paths may carry the /api/v3 prefix). */
export async function serveFakeGitHub(fake: FakeGitHub): Promise<FakeServer> {
  const hanging = new Set<import("node:http").ServerResponse>();
  const server: Server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const reply = await fake.handle(req.method ?? "GET", req.url ?? "/", req.headers, raw);
    if (reply === "hang") {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    const isText = typeof reply.body === "string";
    res.writeHead(reply.status, {
      "content-type": isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
      ...(reply.headers ?? {}),
    });
    res.end(reply.body === undefined ? "" : isText ? (reply.body as string) : JSON.stringify(reply.body));
  });
  // Node's default. A 1 s hint made undici (which subtracts a 1 s safety margin from the server's
  // keep-alive hint) open a new connection for every request, unlike against api.github.com.
  server.keepAliveTimeout = 5_000;
  if (process.env.FAKE_DEBUG) server.on("connection", () => console.error("fake: new connection"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
