/**
 * Secret detection for `plaintext-secret`: provider key formats (after gitleaks' rule set), credentials
 * in URLs, and high-entropy values assigned to secret-looking names. Pure functions over text; the rule
 * decides which lines count. A match never leaves this module unredacted except as `value`, which the
 * rule only hashes and abbreviates.
 */
import type { createHash as CreateHash } from "node:crypto";
import { lazyRequire } from "../../engine/lazy.js";

export interface SecretMatch {
  /** Detector id, e.g. `aws-access-key-id`. */
  kind: string;
  /** Human name, e.g. "AWS access key id". */
  label: string;
  /** The secret itself: never put it in a message or a key. */
  value: string;
  /** Offset of the value in the scanned text. */
  index: number;
  /** High-confidence provider format (kept, as a warning, even in test fixtures). */
  providerFormat: boolean;
  /** Known to be harmless-ish (test-mode keys): reported as a warning. */
  lowImpact?: boolean;
}

interface FormatDetector {
  kind: string;
  /** Cheap pre-filter (like gitleaks' keywords): the regex only runs on lines containing one of these. */
  keywords: string[];
  label: string;
  pattern: RegExp;
  /** Capture group holding the secret (0 = whole match). */
  group?: number;
  /** Minimum Shannon entropy of the secret (gitleaks' thresholds). */
  entropy?: number;
  allow?: RegExp;
  lowImpact?: (value: string) => boolean;
  /** Formats often used as fakes (sample JWTs): ignored in tests and prose like generic matches. */
  weak?: boolean;
}

// Ends a "unique token": the value must not run on into more token characters.
const END = String.raw`(?=[\x60'"\s;,)\]}<>]|\\[nr]|$)`;

const FORMATS: FormatDetector[] = [
  {
    kind: "aws-access-key-id",
    keywords: ["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
    label: "AWS access key id",
    pattern: /\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g,
    group: 1,
    entropy: 3,
    allow: /EXAMPLE$/,
  },
  {
    kind: "aws-secret-access-key",
    keywords: ["aws", "AWS", "Aws"],
    label: "AWS secret access key",
    pattern: /aws_?(?:secret_?(?:access_?)?key|secret)["']?\s*(?:=|:=|:|=>|,)\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
    entropy: 4,
    allow: /EXAMPLEKEY$/,
  },
  {
    kind: "github-token",
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
    label: "GitHub token",
    pattern: /\b((?:ghp|gho|ghu|ghs|ghr)_[0-9a-zA-Z]{36}|github_pat_\w{82})/g,
    group: 1,
    entropy: 3,
  },
  {
    kind: "gitlab-token",
    keywords: ["glpat-", "glptt-", "gldt-", "glrt-", "glcbt-", "gloas-"],
    label: "GitLab token",
    pattern:
      /\b(glpat-[0-9a-zA-Z_-]{27,300}\.[0-9a-z]{9}|glpat-[\w-]{20}|glptt-[0-9a-f]{40}|gldt-[\w-]{20}|glrt-[\w-]{20}|glcbt-[0-9a-zA-Z]{1,5}_[\w-]{20}|gloas-[\w-]{64})/g,
    group: 1,
    entropy: 3,
  },
  {
    kind: "slack-token",
    keywords: ["xox", "xapp-"],
    label: "Slack token",
    pattern:
      /(xoxe\.xox[bp]-\d-[A-Za-z0-9]{163,166}|xoxe-\d-[A-Za-z0-9]{146}|xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*|xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}|xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}|xox[os]-\d+-\d+-\d+-[a-fA-F\d]+|xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}|xapp-\d-[A-Za-z0-9]+-\d+-[a-zA-Z0-9]+)/g,
    group: 1,
    entropy: 2,
  },
  {
    kind: "slack-webhook",
    keywords: ["hooks.slack.com"],
    label: "Slack webhook URL",
    pattern: /((?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56})/g,
    group: 1,
  },
  {
    kind: "stripe-key",
    keywords: ["sk_", "rk_"],
    label: "Stripe secret key",
    pattern: new RegExp(String.raw`\b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})${END}`, "g"),
    group: 1,
    entropy: 2,
    lowImpact: (value) => value.startsWith("sk_test_") || value.startsWith("rk_test_"),
  },
  {
    kind: "google-api-key",
    keywords: ["AIza"],
    label: "Google API key",
    pattern: new RegExp(String.raw`\b(AIza[\w-]{35})${END}`, "g"),
    group: 1,
    entropy: 4,
  },
  {
    kind: "sendgrid-api-key",
    keywords: ["SG."],
    label: "SendGrid API key",
    pattern: new RegExp(String.raw`\b(SG\.[a-zA-Z0-9=_\-.]{66})${END}`, "g"),
    group: 1,
    entropy: 2,
  },
  {
    kind: "twilio-api-key",
    keywords: ["SK"],
    label: "Twilio API key",
    pattern: /\b(SK[0-9a-fA-F]{32})\b/g,
    group: 1,
    entropy: 3,
  },
  {
    kind: "npm-token",
    keywords: ["npm_"],
    label: "npm access token",
    pattern: new RegExp(String.raw`\b(npm_[a-zA-Z0-9]{36})${END}`, "g"),
    group: 1,
    entropy: 2,
  },
  {
    kind: "jwt",
    keywords: ["ey"],
    label: "JSON Web Token",
    // No end boundary: a token is often followed by punctuation in logs and configs.
    pattern: /\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/\\_-]{17,}\.(?:[a-zA-Z0-9/\\_-]{10,}={0,2})?)/g,
    group: 1,
    entropy: 3,
    weak: true,
  },
];

/** PEM private key blocks, across lines (the body must be real: 64+ characters). */
const PRIVATE_KEY = /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----([\s\S]{64,}?)-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/gi;

/** `scheme://user:password@host` */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{1,30}):\/\/([^\s:@/'"`]{1,100}):([^\s@/'"`]{1,200})@[^\s'"`/]+/gi;

/** `Password=…;` in ADO.NET / ODBC connection strings and `?password=…` in JDBC URLs. */
const CONNECTION_STRING_PASSWORD = /(?:^|[;?&\s"'])(?:password|pwd)=([^;&\s"'`]{4,200})/gi;

/** Names whose value is a secret: the last word(s) of the name decide. */
const SECRET_NAME =
  /(?:password|passwd|passphrase|pwd|pass|secret|token|api[_.-]?key|apikey|access[_.-]?key|secret[_.-]?key|private[_.-]?key|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key|auth[_.-]?key|client[_.-]?secret|credentials?)$/i;

/** Pre-filter for the assignment scan: a secret-looking name must occur somewhere on the line. */
const SECRET_WORD = /pass|pwd|secret|token|key|credential/i;

/** Names that hold a secret whatever the syntax around them. */
const STRONG_SECRET_NAME = /(?:password|passwd|passphrase|secret|token|api[_.-]?key|apikey|private[_.-]?key|credentials?)$/i;

/** Name endings that describe a secret rather than hold one (`token_url`, `passwordLength`). */
const NOT_A_SECRET_NAME =
  /(?:url|uri|path|file|filename|name|id|type|length|len|size|header|field|label|policy|endpoint|expiry|expires|expiration|ttl|format|pattern|regex|hint|prompt|count|enabled|required|min|max|ref|env|var|arn|version|provider|method|mode|store|manager|service|param|params|key_id|keyid|prefix|suffix|placeholder|validator|reset|changed|changed_at|hash|hashed|digest|salt|strength|policy|rotation|timeout|limit|scope|scopes|audience|issuer|endpoint|tokenizer|tokens)$/i;

/** An assignment: `name = value`, `name: value`, `"name": "value"`, `NAME=value`, `name := "value"`, `put("name", "value")`. */
const ASSIGNMENT = /(["'`]?)([A-Za-z_][\w.-]{0,80})\1\s*(?:=|:=|:|=>|\?=|,)\s*(?:(["'`])((?:(?!\3).){1,300})\3|([^\s"'`,;#)\]}]{1,300}))/g;

export interface ScanOptions {
  /** Unquoted values count (config files, .env, Terraform); in code only string literals do. */
  unquotedValues: boolean;
  /**
   * Only provider formats and URL credentials (what `redactTokens` removes): the connection-string and
   * assignment scans are skipped, as nothing they find is kept then. They run after those two and only
   * add matches that overlap none found before, so skipping them changes nothing else.
   */
  tokensOnly?: boolean;
}

/** Every format's keywords in one pattern: most lines have none, and then no format is tried. */
const ANY_KEYWORD = new RegExp(
  FORMATS.flatMap((d) => d.keywords)
    .map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|"),
);

/** What `scanLine` looks for before anything else, as searches of many lines at once (`://` stands for URL credentials). */
const LINE_HINTS = [new RegExp(`${ANY_KEYWORD.source}|://`, "g"), new RegExp(SECRET_WORD.source, "gi")];

/**
 * The lines of `text` (lines joined with "\n", counted from 0) on which `scanLine` may find something: a line
 * with no format keyword, no `://` and no secret-looking word has nothing it finds. One search of the text per
 * kind of hint instead of three tests per line (most added lines have none of them).
 */
export function linesWorthScanning(text: string): Set<number> {
  const lines = new Set<number>();
  for (const re of LINE_HINTS) {
    re.lastIndex = 0;
    let line = 0;
    let lineStart = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      for (let nl = text.indexOf("\n", lineStart); nl !== -1 && nl < m.index; nl = text.indexOf("\n", lineStart)) {
        line++;
        lineStart = nl + 1;
      }
      lines.add(line);
      // No hint holds a newline: the search goes on at the next line.
      const end = text.indexOf("\n", m.index);
      if (end === -1) break;
      re.lastIndex = end + 1;
    }
  }
  return lines;
}

/** Finds secrets in one line (or a multi-line block for PEM keys, see `scanPrivateKeys`). */
export function scanLine(line: string, options: ScanOptions): SecretMatch[] {
  // Most lines have no keyword, no URL credentials and no secret-looking word: nothing below can match.
  if (!ANY_KEYWORD.test(line) && !(line.includes("://") && line.includes("@")) && !SECRET_WORD.test(line)) return [];
  const matches: SecretMatch[] = [];
  const taken: [number, number][] = [];
  const overlaps = (start: number, end: number) => taken.some(([s, e]) => start < e && end > s);
  const take = (match: SecretMatch) => {
    if (overlaps(match.index, match.index + match.value.length)) return;
    taken.push([match.index, match.index + match.value.length]);
    matches.push(match);
  };

  for (const detector of ANY_KEYWORD.test(line) ? FORMATS : []) {
    if (!detector.keywords.some((k) => line.includes(k))) continue;
    for (const m of line.matchAll(detector.pattern)) {
      const value = m[detector.group ?? 0]!;
      const index = m.index! + m[0].indexOf(value);
      if (detector.entropy !== undefined && shannonEntropy(value) < detector.entropy) continue;
      if (detector.allow?.test(value)) continue;
      take({
        kind: detector.kind,
        label: detector.label,
        value,
        index,
        providerFormat: !detector.weak,
        lowImpact: detector.lowImpact?.(value),
      });
    }
  }

  for (const m of line.includes("://") && line.includes("@") ? line.matchAll(URL_CREDENTIALS) : []) {
    const password = m[3]!;
    if (isPlaceholder(password) || WEAK_DEV_VALUES.has(password.toLowerCase()) || /^[:$%{]/.test(password)) continue;
    // `saleor:saleor@db`, `app:app@localhost`: a local-development convention, not a credential.
    if (password.toLowerCase() === m[2]!.toLowerCase() || /^[a-z]{1,7}$/.test(password)) continue;
    if (/^(?:https?|ftp|wss?)$/i.test(m[1]!) && /^\w+$/.test(m[2]!) && password.length < 6) continue;
    take({
      kind: "url-credentials",
      label: "password in a connection URL",
      value: password,
      index: m.index! + m[0].indexOf(`:${password}@`) + 1,
      providerFormat: false,
    });
  }

  if (options.tokensOnly) return matches.sort((a, b) => a.index - b.index);

  for (const m of /pass|pwd/i.test(line) ? line.matchAll(CONNECTION_STRING_PASSWORD) : []) {
    const password = m[1]!;
    const index = m.index! + m[0].lastIndexOf(password);
    if (overlaps(index, index + password.length)) continue;
    if (isPlaceholder(password) || WEAK_DEV_VALUES.has(password.toLowerCase()) || /^[$%{<]/.test(password) || /^[a-z]{1,7}$/.test(password)) continue;
    // Only inside a connection string: another key=value pair or a JDBC/URL prefix on the same line.
    if (!/(?:server|data source|host|user id|uid|database|initial catalog)\s*=|jdbc:|\?[\w.-]+=/i.test(line)) continue;
    take({ kind: "connection-string-password", label: "password in a connection string", value: password, index, providerFormat: false });
  }

  for (const m of SECRET_WORD.test(line) ? line.matchAll(ASSIGNMENT) : []) {
    const name = m[2]!;
    const quoted = m[4];
    const value = quoted ?? m[5];
    if (value === undefined) continue;
    if (quoted === undefined && !options.unquotedValues) continue;
    if (!isSecretName(name)) continue;
    // `f("NAME", "value")`: only for unmistakable names; `("auth", "0006_initial")` is a tuple, not a secret.
    if (/^\s*,/.test(m[0].slice(m[1]!.length * 2 + name.length)) && !STRONG_SECRET_NAME.test(name)) continue;
    const index = m.index! + m[0].lastIndexOf(value);
    if (overlaps(index, index + value.length)) continue;
    if (!looksLikeSecretValue(name, value)) continue;
    take({ kind: "generic-secret", label: `value assigned to \`${name}\``, value, index, providerFormat: false });
  }
  return matches.sort((a, b) => a.index - b.index);
}

/** PEM private key blocks in a whole text, with the offset of their BEGIN line. */
export function scanPrivateKeys(text: string): SecretMatch[] {
  const found: SecretMatch[] = [];
  PRIVATE_KEY.lastIndex = 0;
  for (const m of text.matchAll(PRIVATE_KEY)) {
    const body = m[1]!.replace(/\\n|\s|"|'|\+/g, "");
    if (body.length < 40 || isPlaceholder(body) || /^[.x*]+$/i.test(body) || shannonEntropy(body) < 3.5) continue;
    found.push({ kind: "private-key", label: "private key", value: m[0], index: m.index!, providerFormat: true });
  }
  return found;
}

export function isSecretName(name: string): boolean {
  const normalized = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2");
  if (!SECRET_NAME.test(normalized)) return false;
  if (NOT_A_SECRET_NAME.test(normalized)) return false;
  return true;
}

/** Common local-development values: not secrets anyone can abuse, and flagging them is noise. */
const WEAK_DEV_VALUES = new Set([
  "postgres",
  "password",
  "passwd",
  "secret",
  "root",
  "admin",
  "guest",
  "test",
  "testing",
  "pass",
  "user",
  "dev",
  "development",
  "local",
  "localhost",
  "mysql",
  "redis",
  "rabbitmq",
  "example",
  "default",
  "sa",
  "demo",
]);

const PLACEHOLDER =
  /^(?:<[^>]*>|\[[^\]]*\]|\(.*\)|\*+|x+|\.+|#+|-+|_+|0+|1234.*|null|nil|none|undefined|true|false|yes|no|on|off|todo|tbd|fixme|n\/a)$|change[_-]?(?:me|this|it)|example|placeholder|dummy|sample|fake|your[_-]|replace[_-]?me|redacted|insert[_-]|enter[_-]|<[a-z_-]+>|xxxx|\*\*\*|\.\.\.|\$\{|\{\{|#\{|%\(|%s\b|\$[A-Z_]|^\$|process\.env|os\.environ|getenv|env\(|ENV\[|vault:|ssm:|arn:aws|secretsmanager|sm:\/\/|ref\+|valueFrom|secretKeyRef/i;

/** A placeholder or a common local-development value (`postgres`, `guest`, `pass`). */
export function isPlaceholderOrWeak(value: string): boolean {
  return isPlaceholder(value) || WEAK_DEV_VALUES.has(value.toLowerCase());
}

/** A value that looks machine-generated: long, high-entropy, no spaces. */
export function looksRandom(value: string): boolean {
  return value.length >= 12 && !/\s/.test(value) && shannonEntropy(value) >= 3.5;
}

export function isPlaceholder(value: string): boolean {
  if (PLACEHOLDER.test(value)) return true;
  if (/^(.)\1+$/.test(value)) return true; // "aaaaaaa"
  return false;
}

function looksLikeSecretValue(name: string, value: string): boolean {
  const trimmed = value.trim();
  if (trimmed.length < 8 || trimmed.length > 300) return false;
  if (isPlaceholder(trimmed) || WEAK_DEV_VALUES.has(trimmed.toLowerCase())) return false;
  if (/\s/.test(trimmed)) return false; // prose, not a credential
  if (/^[A-Z][A-Z0-9_]+$/.test(trimmed)) return false; // an env var name: DB_PASSWORD
  if (/^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+(?:\(\))?$/.test(trimmed)) return false; // var.db_password, config.db.password
  if (/^!/.test(trimmed)) return false; // YAML tags: !Ref, !Sub, !vault
  if (/^(?:\/|\.\/|~\/|https?:|file:|[A-Za-z]:\\)/.test(trimmed)) return false; // paths and plain URLs
  if (/^[a-z]+(?:[-_][a-z]+)+$/.test(trimmed)) return false; // kebab/snake words: "my-app-secret-name"
  if (/(?:^|[^a-z])[a-z]{3,}_[a-z]{3,}_[a-z]{3,}/.test(trimmed)) return false; // a snake_case name: "0006_require_contenttypes"
  if (/^\d+$/.test(trimmed)) return false; // ports, ids, lengths
  const isPassword = /pass|pwd/i.test(name);
  return shannonEntropy(trimmed) >= (isPassword ? 3 : 3.5);
}

export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** What a message may show of a secret: its first 4 characters, an ellipsis and its length. */
export function redact(value: string): string {
  const visible = value.length >= 16 ? value.slice(0, 4) : value.slice(0, Math.min(2, Math.floor(value.length / 4)));
  return `${visible}… (${value.length} chars)`;
}

/** A one-way fingerprint of a secret for the finding key (so the finding id survives line moves). */
export function fingerprint(value: string): string {
  // node:crypto (and the stream modules it loads) only when a secret is found.
  const { createHash } = lazyRequire("node:crypto") as { createHash: typeof CreateHash };
  return createHash("sha256").update(value).digest("hex").slice(0, 16);
}

/**
 * `text` with every credential in a provider's own format (GitHub, AWS, Slack, Stripe… tokens) and every
 * password in a URL replaced by its first 4 characters and "…[redacted]". For names that end up in
 * outputs (a token committed as part of a file path is printed with the path): the JSON, markdown and
 * SARIF the CLI prints, the PR comment and the check run.
 */
export function redactTokens(text: string): string {
  const found = scanLine(text, { unquotedValues: false, tokensOnly: true }).filter((m) => m.providerFormat || m.kind === "url-credentials");
  let out = text;
  for (const m of found.reverse()) out = `${out.slice(0, m.index)}${m.value.slice(0, 4)}…[redacted]${out.slice(m.index + m.value.length)}`;
  return out;
}
