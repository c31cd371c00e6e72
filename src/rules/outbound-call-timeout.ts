import { z } from "zod";
import { defineRule } from "../engine/types.js";
import { addedSources, DEFAULT_TEST_PATHS } from "../formats/source/added-sources.js";
import { closingOffset, lineOf, statementEnd, type Language, type SourceFile } from "../formats/source/masking.js";

/** What one detector concluded about one call. */
interface Verdict {
  /** What is called, as the reader knows it: `requests.get`, `http.Get`, `new RestTemplate()`. */
  callee: string;
  problem: string;
  fix: string;
  /** Someone may set the timeout elsewhere (client defaults, request options): report as a warning only. */
  advisory?: boolean;
}

interface Detector {
  languages: Language[];
  /** Matched on masked source (comments and string contents blanked). */
  pattern: RegExp;
  /**
   * A word the masked source holds whenever `judge` can find something (the client's name): a source without it is
   * not searched. For patterns that match most calls of any kind (`x.get(`), which judge then mostly turns down.
   */
  needs?: string;
  judge(source: SourceFile, match: RegExpMatchArray): Verdict | undefined;
}

/** Top-level arguments of the call whose `(` is at `open`, as masked text, or undefined if it never closes. */
function callArguments(source: SourceFile, open: number): { args: string[]; text: string; end: number } | undefined {
  const end = closingOffset(source.masked, open);
  if (end === undefined) return undefined;
  const inner = source.masked.slice(open + 1, end - 1);
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 0) {
      args.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (inner.slice(start).trim() !== "") args.push(inner.slice(start).trim());
  return { args, text: inner, end };
}

function openParen(match: RegExpMatchArray): number {
  return match.index! + match[0].lastIndexOf("(");
}

/** The next non-space character after `offset` in masked text. */
function nextCode(source: SourceFile, offset: number): string {
  return /\S/.exec(source.masked.slice(offset, offset + 200))?.[0] ?? "";
}

const HAS_TIMEOUT = /\btimeout\b/i;

const JS_HTTP_METHODS = "get|post|put|patch|delete|head|options|request";

const DETECTORS: Detector[] = [
  // ---- TypeScript / JavaScript
  {
    languages: ["js"],
    pattern: /(?<![\w.$])(?:(?:globalThis|window|self)\s*\.\s*)?fetch\s*\(/g,
    judge(source, match) {
      const call = callArguments(source, openParen(match));
      if (!call || call.args.length === 0) return undefined;
      if (nextCode(source, call.end) === "{" || /(?:function|async|def)\s+$/.test(source.masked.slice(Math.max(0, match.index! - 20), match.index))) {
        return undefined; // a definition of fetch, not a call
      }
      const options = call.args[1];
      if (options !== undefined && !options.startsWith("{")) return undefined; // options built elsewhere
      if (options !== undefined && /\bsignal\b/.test(options)) return undefined;
      return {
        callee: "fetch",
        problem: "`fetch` without a `signal`: the request is never aborted by the caller (Node waits up to 5 minutes for headers, browsers forever)",
        fix: "Pass `signal: AbortSignal.timeout(ms)` (or a signal combined with your own AbortController).",
        advisory: true,
      };
    },
  },
  {
    languages: ["js"],
    pattern: new RegExp(String.raw`(?<![\w.$])axios\s*(?:\.\s*(${JS_HTTP_METHODS}|create)\s*)?\(`, "g"),
    judge(source, match) {
      if (/\baxios\s*\.\s*defaults\s*\.\s*timeout\s*=/.test(source.masked)) return undefined;
      const call = callArguments(source, openParen(match));
      if (!call) return undefined;
      const method = match[1] ?? "request";
      const configIndex =
        method === "create" || method === "request" ? (call.args[0]?.startsWith("{") ? 0 : 1) : ["post", "put", "patch"].includes(method) ? 2 : 1;
      const config = call.args[configIndex];
      if (config !== undefined && !config.startsWith("{")) return undefined; // config built elsewhere
      if (config !== undefined && HAS_TIMEOUT.test(config)) return undefined;
      const callee = match[1] ? `axios.${method}` : "axios";
      return method === "create"
        ? {
            callee,
            problem: "`axios.create` without `timeout`: axios waits forever by default",
            fix: "Set `timeout` (milliseconds) in the instance config.",
          }
        : {
            callee,
            problem: `\`${callee}\` without \`timeout\`: axios waits forever by default`,
            fix: "Pass `{ timeout: ms }`, or call through an instance created with a timeout.",
          };
    },
  },
  {
    languages: ["js"],
    pattern: /(?<![\w.$])got\s*(?:\.\s*(get|post|put|patch|delete|head|stream|extend)\s*)?\(/g,
    judge(source, match) {
      if (!/\bfrom\s+["']got["']|require\(\s*["']got["']\s*\)/.test(source.text)) return undefined;
      const call = callArguments(source, openParen(match));
      if (!call || call.args.length === 0) return undefined;
      if (call.args.some((a) => !a.startsWith("{") && call.args.indexOf(a) > 0)) return undefined;
      if (HAS_TIMEOUT.test(call.text)) return undefined;
      const callee = match[1] ? `got.${match[1]}` : "got";
      return { callee, problem: `\`${callee}\` without \`timeout\`: got has no default timeout`, fix: "Pass `timeout: { request: ms }`." };
    },
  },
  {
    languages: ["js"],
    pattern: /(?<![\w.$])(https?)\s*\.\s*(request|get)\s*\(/g,
    judge(source, match) {
      if (!new RegExp(`["'](?:node:)?${match[1]}["']`).test(source.text)) return undefined;
      const call = callArguments(source, openParen(match));
      if (!call) return undefined;
      if (HAS_TIMEOUT.test(call.text)) return undefined;
      const after = source.masked.slice(call.end, call.end + 1500);
      if (
        /\.\s*setTimeout\s*\(|["']timeout["']/.test(after) ||
        /\.\s*setTimeout\s*\(/.test(source.masked.slice(call.end, statementEnd(source.masked, call.end) + 800))
      ) {
        return undefined;
      }
      const callee = `${match[1]}.${match[2]}`;
      return {
        callee,
        problem: `\`${callee}\` without a timeout: the socket can wait forever`,
        fix: "Pass `timeout` in the options (and handle the `timeout` event) or `signal: AbortSignal.timeout(ms)`.",
      };
    },
  },
  {
    // NestJS: HttpModule wraps axios, whose default is no timeout.
    languages: ["js"],
    pattern: /(?<![\w.$])HttpModule\s*(?:\.\s*(register|registerAsync)\s*\(|(?=\s*[,\]]))/g,
    judge(source, match) {
      if (!/["']@nestjs\/axios["']|["']@nestjs\/common["']/.test(source.text)) return undefined;
      const imports = source.masked.slice(Math.max(0, match.index! - 400), match.index);
      if (!match[1]) {
        if (!/\bimports\s*:\s*\[[^\]]*$/.test(imports)) return undefined; // not a module import list
        return {
          callee: "HttpModule",
          problem: "`HttpModule` imported without `register({ timeout })`: its axios client waits forever by default",
          fix: "Use `HttpModule.register({ timeout: ms })`.",
        };
      }
      const call = callArguments(source, openParen(match));
      if (!call || HAS_TIMEOUT.test(call.text)) return undefined;
      if (match[1] === "registerAsync") return undefined; // options come from a factory we cannot see
      return {
        callee: "HttpModule.register",
        problem: "`HttpModule.register` without `timeout`: its axios client waits forever by default",
        fix: "Add `timeout: ms` to the options.",
      };
    },
  },
  // ---- Python
  {
    languages: ["python"],
    pattern: /(?<![\w.])([A-Za-z_][\w.]*)\.(get|post|put|patch|delete|head|options|request)\s*\(/g,
    // `requests.get(`, or a session from `requests.Session()`
    needs: "requests",
    judge(source, match) {
      const receiver = match[1]!;
      const isRequests = receiver === "requests" || requestsSessions(source).has(receiver);
      if (!isRequests) return undefined;
      return pythonRequestsVerdict(source, match, `${receiver}.${match[2]}`);
    },
  },
  {
    languages: ["python"],
    pattern: /(?<![\w.])(get|post|put|patch|delete|head|options|request)\s*\(/g,
    // `from requests import get`
    needs: "requests",
    judge(source, match) {
      if (!requestsImports(source).has(match[1]!)) return undefined;
      if (/def\s+$/.test(source.masked.slice(Math.max(0, match.index! - 10), match.index))) return undefined;
      return pythonRequestsVerdict(source, match, match[1]!);
    },
  },
  {
    languages: ["python"],
    pattern: /(?<![\w.])httpx\s*\.\s*(get|post|put|patch|delete|head|options|request|stream|Client|AsyncClient)\s*\(/g,
    judge(source, match) {
      const call = callArguments(source, openParen(match));
      if (!call || !/\btimeout\s*=\s*None\b/.test(call.text)) return undefined;
      const callee = `httpx.${match[1]}`;
      return {
        callee,
        problem: `\`${callee}\` with \`timeout=None\` switches off httpx's 5-second default`,
        fix: "Pass a finite `timeout=` (seconds or `httpx.Timeout(...)`).",
      };
    },
  },
  {
    languages: ["python"],
    pattern: /(?<![\w])(?:urllib\.request\.|request\.)?urlopen\s*\(/g,
    judge(source, match) {
      const call = callArguments(source, openParen(match));
      if (!call || call.args.length === 0 || call.args.some((a) => a.startsWith("**"))) return undefined;
      if (/\btimeout\s*=/.test(call.text) || call.args.length >= 3) return undefined;
      return {
        callee: "urlopen",
        problem: "`urlopen` without `timeout=`: it waits for the global socket default, which is no timeout",
        fix: "Pass `timeout=` in seconds.",
      };
    },
  },
  {
    languages: ["python"],
    pattern:
      /(?<![\w])(?:http\.client\.|client\.)?(HTTPS?Connection)\s*\(|(?<![\w.])urllib3\s*\.\s*(PoolManager|HTTPConnectionPool|HTTPSConnectionPool|request)\s*\(/g,
    judge(source, match) {
      const call = callArguments(source, openParen(match));
      if (!call || (call.args.length === 0 && match[1])) return undefined;
      if (!call || /\btimeout\s*=/.test(call.text) || call.args.some((a) => a.startsWith("**"))) return undefined;
      if (match[1] && !/\bhttp\.client\b|from\s+http\.client\s+import/.test(source.masked.slice(0, match.index) + source.text.slice(0, 4000)))
        return undefined;
      const callee = match[1] ? `http.client.${match[1]}` : `urllib3.${match[2]}`;
      return {
        callee,
        problem: `\`${callee}\` without \`timeout=\`: it waits for the global socket default, which is no timeout`,
        fix: "Pass `timeout=` (seconds, or `urllib3.Timeout(connect=…, read=…)`).",
      };
    },
  },
  // ---- Go
  {
    languages: ["go"],
    pattern: /(?<![\w.])http\s*\.\s*(Get|Post|PostForm|Head)\s*\(/g,
    judge(_source, match) {
      const callee = `http.${match[1]}`;
      return {
        callee,
        problem: `\`${callee}\` uses \`http.DefaultClient\`, which has no timeout`,
        fix: "Use an `http.Client` with `Timeout` set, or `http.NewRequestWithContext` with a deadline.",
      };
    },
  },
  {
    languages: ["go"],
    pattern: /(?<![\w.])http\s*\.\s*DefaultClient\b/g,
    judge(source, match) {
      const after = source.masked.slice(match.index! + match[0].length, match.index! + match[0].length + 40);
      if (/^\s*\.\s*Timeout\s*=/.test(after)) return undefined; // setting the timeout itself
      return { callee: "http.DefaultClient", problem: "`http.DefaultClient` has no timeout", fix: "Use your own `http.Client{Timeout: ...}`." };
    },
  },
  {
    languages: ["go"],
    pattern: /(?<![\w.])http\s*\.\s*Client\s*\{/g,
    judge(source, match) {
      const open = match.index! + match[0].lastIndexOf("{");
      const end = closingOffset(source.masked, open);
      if (end === undefined) return undefined;
      const body = source.masked.slice(open, end);
      if (/\bTimeout\s*:/.test(body)) return undefined;
      const after = source.masked.slice(end, end + 600);
      if (/\.\s*Timeout\s*=/.test(after)) return undefined;
      const transport = /\bTransport\s*:/.test(body);
      return {
        callee: "http.Client",
        problem: transport
          ? "`http.Client` without `Timeout` (its Transport may bound parts of the request, not the whole exchange)"
          : "`http.Client` without `Timeout`: requests through it can wait forever",
        fix: "Set `Timeout:` on the client (or give every request a context with a deadline).",
        advisory: transport || undefined,
      };
    },
  },
  // ---- Java / Kotlin
  {
    languages: ["java", "kotlin"],
    pattern: /(?<![\w.])HttpClient\s*\.\s*newHttpClient\s*\(\s*\)/g,
    judge() {
      return {
        callee: "HttpClient.newHttpClient()",
        problem: "`HttpClient.newHttpClient()` has no connect timeout, and requests without `.timeout(...)` wait forever",
        fix: "Build the client with `HttpClient.newBuilder().connectTimeout(...)` and set `.timeout(...)` on each `HttpRequest`.",
        advisory: true,
      };
    },
  },
  {
    languages: ["java", "kotlin"],
    pattern: /(?<![\w.])HttpClient\s*\.\s*newBuilder\s*\(\s*\)/g,
    judge(source, match) {
      const statement = source.masked.slice(match.index!, statementEnd(source.masked, match.index!));
      if (/\bconnectTimeout\s*\(/.test(statement)) return undefined;
      return {
        callee: "HttpClient.newBuilder()",
        problem: "`HttpClient` built without `connectTimeout`",
        fix: "Add `.connectTimeout(Duration.ofSeconds(n))` and set `.timeout(...)` on requests.",
        advisory: true,
      };
    },
  },
  {
    languages: ["java", "kotlin"],
    pattern: /(?<![\w.])(?:new\s+)?RestTemplate\s*\(\s*\)/g,
    judge(source, match) {
      const after = source.masked.slice(match.index!, match.index! + 1500);
      if (/setRequestFactory\s*\(/.test(after)) return undefined;
      return {
        callee: "new RestTemplate()",
        problem: "`new RestTemplate()` uses a request factory without connect or read timeouts",
        fix: "Build it with `RestTemplateBuilder().connectTimeout(...).readTimeout(...)` or pass a factory with timeouts.",
      };
    },
  },
  {
    languages: ["java", "kotlin"],
    pattern: /(?<![\w.])WebClient\s*\.\s*(create|builder)\s*\(/g,
    judge(source, match) {
      if (match[1] === "create") {
        return {
          callee: "WebClient.create",
          problem: "`WebClient.create` has no response timeout",
          fix: "Use `WebClient.builder().clientConnector(new ReactorClientHttpConnector(HttpClient.create().responseTimeout(...)))` or `.timeout(...)` on each call.",
          advisory: true,
        };
      }
      const statement = source.masked.slice(match.index!, statementEnd(source.masked, match.index!));
      if (/\bclientConnector\s*\(|responseTimeout|\btimeout\s*\(/.test(statement)) return undefined;
      return {
        callee: "WebClient.builder()",
        problem: "`WebClient` built without a client connector that sets a response timeout",
        fix: "Add `.clientConnector(new ReactorClientHttpConnector(HttpClient.create().responseTimeout(...)))`.",
        advisory: true,
      };
    },
  },
];

function pythonRequestsVerdict(source: SourceFile, match: RegExpMatchArray, callee: string): Verdict | undefined {
  const call = callArguments(source, openParen(match));
  if (!call || call.args.length === 0) return undefined;
  if (/\btimeout\s*=/.test(call.text) || call.args.some((a) => a.startsWith("**"))) return undefined;
  return {
    callee,
    problem: `\`${callee}\` without \`timeout=\`: requests waits forever by default`,
    fix: "Pass `timeout=` (seconds, or a `(connect, read)` tuple).",
  };
}

const sessionCache = new WeakMap<SourceFile, Set<string>>();
/** Names bound to `requests.Session()` in this file (`s = requests.Session()`, `with requests.Session() as s`). */
function requestsSessions(source: SourceFile): Set<string> {
  let names = sessionCache.get(source);
  if (!names) {
    names = new Set<string>();
    for (const m of source.masked.matchAll(/(?:^|[^\w.])([A-Za-z_][\w.]*)\s*(?::\s*[\w.]+\s*)?=\s*requests\s*\.\s*(?:Session|session)\s*\(/g))
      names.add(m[1]!);
    for (const m of source.masked.matchAll(/requests\s*\.\s*(?:Session|session)\s*\([^)]*\)\s*as\s+([A-Za-z_]\w*)/g)) names.add(m[1]!);
    sessionCache.set(source, names);
  }
  return names;
}

/** Functions imported by name from requests (`from requests import get, post`). */
function requestsImports(source: SourceFile): Set<string> {
  const names = new Set<string>();
  for (const m of source.masked.matchAll(/from[ \t]+requests[ \t]+import[ \t]+(?:\(([^)]*)\)|([^\n]+))/g)) {
    for (const part of (m[1] ?? m[2]!).split(",")) {
      const [name, alias] = part.trim().split(/\s+as\s+/);
      if (name) names.add(alias ?? name);
    }
  }
  return names;
}

const options = z
  .object({
    testPaths: z
      .array(z.string().min(1))
      .default(DEFAULT_TEST_PATHS)
      .describe("Globs of test code and fixtures, which this rule does not judge (tests call local fakes)."),
  })
  .strict();

export const outboundCallTimeout = defineRule({
  meta: {
    id: "outbound-call-timeout",
    title: "Outbound call without timeout",
    category: "reliability",
    defaultSeverity: "warning",
    description:
      "An added outbound HTTP call or client (fetch, axios, got, node http, requests, httpx, urllib, Go net/http, Java HttpClient, RestTemplate, WebClient) without a timeout.",
    options,
    messages: {
      // The per-client wording lives in the detector table above: what is missing and what the default is.
      missingTimeout: "{{problem}}",
    },
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    for (const source of await addedSources(ctx, undefined, opts.testPaths)) {
      const occurrences = new Map<string, number>();
      const seen = new Set<number>();
      for (const detector of DETECTORS) {
        if (!detector.languages.includes(source.language)) continue;
        if (detector.needs !== undefined && !source.masked.includes(detector.needs)) continue;
        for (const match of source.masked.matchAll(detector.pattern)) {
          const line = lineOf(source, match.index!);
          if (!source.added.has(line) || seen.has(match.index!)) continue;
          const opener = match.index! + match[0].length - 1;
          if ("({".includes(source.masked[opener]!) && closingOffset(source.masked, opener) === undefined) {
            ctx.note(`${source.path}:${line}: could not find the end of this call (unbalanced brackets); it was not judged`, "not-judged");
            continue;
          }
          const verdict = detector.judge(source, match);
          if (!verdict) continue;
          seen.add(match.index!);
          // Key on the call's own text (not its line) so the finding id survives edits above it.
          const text = source.text
            .slice(match.index!, match.index! + 160)
            .split("\n")[0]!
            .replace(/\s+/g, " ")
            .trim();
          const base = `${verdict.callee}:${text}`;
          const count = (occurrences.get(base) ?? 0) + 1;
          occurrences.set(base, count);
          ctx.report({
            messageId: "missingTimeout",
            data: { problem: verdict.problem },
            file: source.path,
            line,
            remediation: verdict.fix,
            key: count > 1 ? `${base}#${count}` : base,
            advisory: verdict.advisory,
          });
        }
      }
    }
  },
});
