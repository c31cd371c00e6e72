import { z } from "zod";
import { matchesAny } from "../engine/globs.js";
import { defineRule, type RuleContext } from "../engine/types.js";
import {
  fingerprint,
  isPlaceholder,
  isPlaceholderOrWeak,
  isSecretName,
  linesWorthScanning,
  looksRandom,
  redact,
  scanLine,
  scanPrivateKeys,
  type SecretMatch,
} from "../formats/source/secrets.js";
import { DEFAULT_TEST_PATHS } from "../formats/source/added-sources.js";
import { isDocumentationExample } from "../formats/source/doc-comments.js";
import { languageOf, lineOfOffset, lineStarts } from "../formats/source/masking.js";

/** Generated or vendored files where a "secret" is an integrity hash or noise. */
const SKIPPED_FILES = [
  "**/package-lock.json",
  "**/npm-shrinkwrap.json",
  "**/yarn.lock",
  "**/pnpm-lock.yaml",
  "**/go.sum",
  "**/Cargo.lock",
  "**/poetry.lock",
  "**/Pipfile.lock",
  "**/Gemfile.lock",
  "**/composer.lock",
  "**/*.min.js",
  "**/*.map",
  "**/node_modules/**",
  "**/vendor/**",
];

/** Files where a bare `NAME=value` is a value, not code (everything else needs a string literal). */
const CONFIG_FILE =
  /(?:\.(?:ya?ml|env|properties|ini|toml|conf|cfg|tf|tfvars|hcl|json|xml|sh|bash|zsh|npmrc|netrc|pypirc)|(?:^|\/)(?:\.env(?:\.[\w.-]+)?|\.npmrc|\.netrc|\.pypirc|Dockerfile(?:\.[\w.-]+)?|[\w.-]*\.env))$/i;

/** Prose: only provider formats and key blocks count there (a doc full of `password: <yours>` is fine). */
const PROSE_FILE = /\.(?:md|markdown|rst|adoc|txt)$/i;

const options = z
  .object({
    testPaths: z
      .array(z.string().min(1))
      .default(DEFAULT_TEST_PATHS)
      .describe("Globs of test code and fixtures: provider keys there are warnings, generic matches are ignored."),
    ignoreValues: z
      .array(z.string().min(1).refine(isRegex, { message: "not a valid regular expression" }))
      .default([])
      .describe("Regular expressions for values your organisation uses as placeholders."),
  })
  .strict();

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export const plaintextSecret = defineRule({
  meta: {
    id: "plaintext-secret",
    title: "Plaintext secret",
    category: "security",
    defaultSeverity: "error",
    description:
      "A credential (cloud or SaaS key, token, private key, password in a URL or assignment, Kubernetes Secret value) added in plain text to code, config, manifests or Terraform.",
    options,
    messages: {
      plaintextSecret: "{{label}} committed in plain text: {{redacted}}",
      plaintextSecretInTests: "{{label}} committed in plain text: {{redacted}} in test code (use an obviously fake value)",
    },
    remediation:
      "Remove the value from the change, rotate it (it is in the git history now), and read it at runtime from a secret manager or an environment variable injected by the platform.",
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const ignore = opts.ignoreValues.map((source) => new RegExp(source));
    for (const file of ctx.headFiles) {
      if (matchesAny(file.path, SKIPPED_FILES)) continue;
      const added = await ctx.addedLines(file.path);
      if (added.length === 0) continue;
      const inTests = matchesAny(file.path, opts.testPaths);
      const prose = PROSE_FILE.test(file.path);
      const reported = new Set<string>();
      const report = (line: number, match: SecretMatch) => {
        if (ignore.some((re) => re.test(match.value))) return;
        if (!match.providerFormat && (inTests || prose)) return;
        const key = `${match.kind}:${fingerprint(match.value)}`;
        if (reported.has(`${line}\0${key}`)) return;
        reported.add(`${line}\0${key}`);
        ctx.report({
          messageId: inTests ? "plaintextSecretInTests" : "plaintextSecret",
          data: { label: match.label, redacted: redact(match.value) },
          file: file.path,
          line,
          key,
          advisory: inTests || match.lowImpact ? true : undefined,
        });
      };

      const secretLines = new Set<number>();
      if (/\.ya?ml$/i.test(file.path)) {
        for (const hit of await kubernetesSecretValues(ctx, file.path)) {
          if (!added.some((l) => l.line === hit.line)) continue;
          secretLines.add(hit.line);
          report(hit.line, hit.match);
        }
      }

      // The added lines as one text: each hint is searched once per file, not once per line.
      const addedText = added.map((l) => l.text).join("\n");
      if (/PRIVATE KEY/i.test(addedText)) {
        const text = await ctx.text("head", file.path);
        if (text !== undefined) {
          const starts = lineStarts(text);
          for (const match of scanPrivateKeys(text)) {
            const first = lineOfOffset(starts, match.index);
            const last = lineOfOffset(starts, match.index + match.value.length - 1);
            const addedInBlock = added.find((l) => l.line >= first && l.line <= last);
            if (!addedInBlock) continue;
            for (let l = first; l <= last; l++) secretLines.add(l);
            report(first, match);
          }
        }
      }

      const scanOptions = { unquotedValues: CONFIG_FILE.test(file.path) };
      let headLines: string[] | undefined;
      for (const i of [...linesWorthScanning(addedText)].sort((a, b) => a - b)) {
        const { line, text } = added[i]!;
        if (secretLines.has(line) || text.length > 4000) continue;
        const matches = scanLine(text, scanOptions);
        if (matches.length === 0) continue;
        // A commented-out `;secret_key = …` in a sample config documents a default; provider keys still count.
        const commented = /^\s*(?:#|;|\/\/|--|\*|<!--)/.test(text);
        // An example in API documentation written in a comment (an OpenAPI `example:` in a @swagger block, a JSDoc
        // @example) is prose: only provider formats count there, as in a Markdown file.
        let docExample: boolean | undefined;
        for (const match of matches) {
          if (commented && match.kind === "generic-secret") continue;
          if (commented && !match.providerFormat && languageOf(file.path)) {
            headLines ??= (await ctx.text("head", file.path))?.split("\n") ?? [];
            docExample ??= isDocumentationExample(headLines, line);
            if (docExample) continue;
          }
          report(line, match);
        }
      }
    }
  },
});

interface SecretValueHit {
  line: number;
  match: SecretMatch;
}

/** Literal `data:` / `stringData:` values of Kubernetes `Secret` manifests. */
async function kubernetesSecretValues(ctx: RuleContext, path: string): Promise<SecretValueHit[]> {
  const text = await ctx.text("head", path);
  if (text === undefined || !/^kind:\s*["']?Secret["']?\s*$/m.test(text)) return [];
  if (/\{\{|\{%/.test(text)) return []; // a Helm/Jinja template: values are rendered at deploy time
  const parsed = await ctx.structured("head", path);
  if (!parsed) return [];
  for (const error of parsed.errors) {
    ctx.note(
      `${path}:${error.line}: Kubernetes Secret could not be parsed (${error.message}); its values were checked line by line only`,
      "not-judged",
    );
  }
  const hits: SecretValueHit[] = [];
  for (const doc of parsed.docs) {
    const manifest = doc.value as { kind?: unknown; data?: unknown; stringData?: unknown } | undefined;
    if (!manifest || typeof manifest !== "object" || manifest.kind !== "Secret") continue;
    for (const section of ["data", "stringData"] as const) {
      const values = manifest[section];
      if (!values || typeof values !== "object" || Array.isArray(values)) continue;
      for (const [key, raw] of Object.entries(values as Record<string, unknown>)) {
        if (typeof raw !== "string" || raw.trim() === "") continue;
        const plain = section === "data" ? decodeBase64(raw) : raw;
        const value = plain?.trim();
        if (value === undefined || value.length < 4 || isPlaceholderOrWeak(value) || isPlaceholder(raw.trim())) continue;
        // Service-binding Secrets also hold host, port and database names: judge a value when its key names a
        // secret, or when the value itself looks like a credential.
        const credential = scanLine(value, { unquotedValues: true }).some((m) => m.providerFormat) || looksRandom(value);
        if (!isSecretName(key) && !credential) continue;
        hits.push({
          line: doc.lineOf([section, key]),
          match: {
            kind: "kubernetes-secret",
            label: `Kubernetes Secret value \`${section}.${key}\``,
            value,
            index: 0,
            providerFormat: true,
          },
        });
      }
    }
  }
  return hits;
}

function decodeBase64(value: string): string | undefined {
  const compact = value.replace(/\s/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, "base64").toString("utf8");
}
