import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { plaintextSecret } from "../../src/rules/plaintext-secret.js";
import { isSecretName, linesWorthScanning, redact, scanLine, shannonEntropy } from "../../src/formats/source/secrets.js";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

// Built at run time so this file itself holds no complete key.
const GITHUB_TOKEN = "ghp_" + "Zq3Xv9Lm2Np8Rt5Wk7Yb1Hc4Jd6Fg0Ss2Aa9";
const AWS_ID = "AKIA" + "QWERTYUIOPASDFGH";
const STRIPE_LIVE = "sk_live_" + "51HqLyjWDarjtT1zdp7dcQwE";

const code = { unquotedValues: false };
const config = { unquotedValues: true };

describe("scanLine", () => {
  const valid: [string, string, typeof code][] = [
    [`const token = "${GITHUB_TOKEN}";`, "github-token", code],
    [`aws_access_key_id = ${AWS_ID}`, "aws-access-key-id", config],
    [`STRIPE_SECRET_KEY=${STRIPE_LIVE}`, "stripe-key", config],
    [`DATABASE_URL=mysql://shop:Qz8vLp3Rx7Wm@db.prod:3306/shop`, "url-credentials", config],
    [`client_secret: "a8F3kQ9zL2mX7vB4nR6t"`, "generic-secret", config],
    [`System.setProperty("DB_PASSWORD", "Nv4#qL9!zX2pR7")`, "generic-secret", code],
    [`"apiKey": "9f8e7d6c5b4a39281706f5e4d3c2b1a0"`, "generic-secret", config],
    [`var cs = "Server=sql.prod;Database=shop;User Id=shop;Password=Kq7#vL2pXz9;";`, "connection-string-password", code],
    [`spring.datasource.url=jdbc:mysql://db:3306/shop?user=shop&password=Kq7vL2pXz9w`, "connection-string-password", config],
  ];
  it.each(valid)("finds a secret in %s", (line, kind, options) => {
    expect(scanLine(line, options).map((m) => m.kind)).toEqual([kind]);
  });

  const invalid: [string, typeof code][] = [
    ["aws_access_key_id = AKIAIOSFODNN7EXAMPLE", config],
    ["key = AKIAXXXXXXXXXXXXXXXX", config],
    ["password: ${DB_PASSWORD}", config],
    ["password = os.environ['DB_PASSWORD']", code],
    ["password = getPassword()", code],
    ["password = DB_PASSWORD", config],
    ["api_key: <your-api-key>", config],
    ["token: '{{ .Values.token }}'", config],
    ["secret_key = changeme", config],
    ["passwordMinLength = '12345678901'", code],
    ["token_url: https://auth.example.com/oauth/token", config],
    ["DATABASE_URL=postgres://postgres:postgres@localhost:5432/app", config],
    ["amqp://guest:guest@rabbitmq:5672/", config],
    ["password = var.db_password", config],
    ["password: !Ref DatabasePassword", config],
    ["const password = input.value; // a variable, not a literal", code],
    ["sk_live_xxxxxxxx", config],
    ['dependencies = [("auth", "0006_require_contenttypes_0002")]', code],
    ['("preauth", "Pre-authorized"),', code],
    ["DATABASE_URL=postgres://saleor:saleor@db/saleor", config],
    ["REDIS_URL=redis://default:redispw@cache:6379", config],
    ['"Server=localhost;Database=shop;User Id=sa;Password=${SA_PASSWORD};"', code],
    ["jdbc:postgresql://localhost/shop?user=shop&password=shop", config],
  ];
  it.each(invalid)("finds nothing in %s", (line, options) => {
    expect(scanLine(line, options)).toEqual([]);
  });
});

describe("helpers", () => {
  it("recognises secret names and their describing neighbours", () => {
    expect(["password", "DB_PASSWORD", "clientSecret", "api_key", "x-api-key", "signingKey"].map(isSecretName)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(["passwordLength", "token_url", "secret_name", "access_key_id", "tokenizer", "apiKeyHeader"].map(isSecretName)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("redacts to 4 characters and the length", () => {
    expect(redact(GITHUB_TOKEN)).toBe("ghp_… (40 chars)");
    expect(redact("Nv4qL9zX")).toBe("Nv… (8 chars)");
  });

  it("computes Shannon entropy", () => {
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
  });
});

describe("plaintext-secret in a report", () => {
  const secrets = [GITHUB_TOKEN, AWS_ID, STRIPE_LIVE, "Qz8vLp3Rx7Wm", "Hq8!vR2m#Lp5zX"];
  const head = {
    "src/clients/github.ts": `export const token = "${GITHUB_TOKEN}";\n`,
    "infra/main.tf": `provider "aws" {\n  access_key = "${AWS_ID}"\n}\n`,
    ".env.production": `STRIPE_KEY=${STRIPE_LIVE}\nDATABASE_URL=mysql://shop:Qz8vLp3Rx7Wm@db.prod:3306/shop\n`,
    "k8s/secret.yaml": `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: "Hq8!vR2m#Lp5zX"\n`,
  };

  it("never contains a secret anywhere in the serialised report", async () => {
    const report = await reviewChange(changeFromTrees({}, head), defaultConfig(), { rules: [plaintextSecret], triggers: [] });
    expect(report.findings.map((f) => [f.file, f.line, f.severity])).toEqual([
      [".env.production", 1, "error"],
      [".env.production", 2, "error"],
      ["infra/main.tf", 2, "error"],
      ["k8s/secret.yaml", 6, "error"],
      ["src/clients/github.ts", 1, "error"],
    ]);
    const json = JSON.stringify(report);
    for (const secret of secrets) {
      expect(json).not.toContain(secret);
      expect(json).not.toContain(secret.slice(4, 12));
    }
    for (const finding of report.findings) expect(finding.key).toMatch(/^[a-z-]+:[0-9a-f]{16}$/);
  });

  it("keeps the same finding id when the secret moves to another line", async () => {
    const before = await reviewChange(changeFromTrees({}, { "a.env": `TOKEN=${GITHUB_TOKEN}\n` }), defaultConfig(), {
      rules: [plaintextSecret],
      triggers: [],
    });
    const after = await reviewChange(changeFromTrees({}, { "a.env": `# moved\n\nTOKEN=${GITHUB_TOKEN}\n` }), defaultConfig(), {
      rules: [plaintextSecret],
      triggers: [],
    });
    expect(after.findings[0]!.line).toBe(3);
    expect(after.findings[0]!.id).toBe(before.findings[0]!.id);
  });

  it("notes a Kubernetes Secret that does not parse and still checks its lines", async () => {
    const broken = `apiVersion: v1\nkind: Secret\nstringData:\n  token: "${GITHUB_TOKEN}"\n  bad: [unclosed\n`;
    const report = await reviewChange(changeFromTrees({}, { "k8s/broken.yaml": broken }), defaultConfig(), {
      rules: [plaintextSecret],
      triggers: [],
    });
    expect(report.findings.map((f) => [f.file, f.line])).toEqual([["k8s/broken.yaml", 4]]);
    expect(report.notes.map(noteText).some((n) => n.startsWith("plaintext-secret: k8s/broken.yaml:") && n.includes("could not be parsed"))).toBe(
      true,
    );
    expect(report.problems).toEqual([]);
  });

  it("ignores generic assignments on comment lines but not tokens", async () => {
    const text = `;secret_key = SW2YcwTIb9zpOOhoPsMm\n# token = ${GITHUB_TOKEN}\nsecret_key = SW2YcwTIb9zpOOhoPsMm\n`;
    const report = await reviewChange(changeFromTrees({}, { "grafana.ini": text }), defaultConfig(), { rules: [plaintextSecret], triggers: [] });
    expect(report.findings.map((f) => f.line)).toEqual([2, 3]);
  });

  it("skips binary files and lockfiles", async () => {
    const report = await reviewChange(
      changeFromTrees({}, { "assets/logo.png": new Uint8Array([0, 1, 2, 0]), "package-lock.json": `{"integrity": "${GITHUB_TOKEN}"}\n` }),
      defaultConfig(),
      { rules: [plaintextSecret], triggers: [] },
    );
    expect(report.findings).toEqual([]);
  });

  it("ignores values matching configured placeholder patterns", async () => {
    const change = changeFromTrees({}, { "app.env": "API_TOKEN=acme-demo-9f8e7d6c5b4a3928\n" });
    const config = defaultConfig();
    config.rules["plaintext-secret"] = { severity: "error", options: { testPaths: [], ignoreValues: ["^acme-demo-"] } };
    const report = await reviewChange(change, config, { rules: [plaintextSecret], triggers: [] });
    expect(report.findings).toEqual([]);
    config.rules["plaintext-secret"] = { severity: "error", options: { testPaths: [], ignoreValues: [] } };
    expect((await reviewChange(change, config, { rules: [plaintextSecret], triggers: [] })).findings).toHaveLength(1);
  });
});

describe("performance", () => {
  it("scans a very long identifier-like line quickly (no catastrophic backtracking)", () => {
    const line = `${"a1".repeat(40)}${"b".repeat(5000)} = "${"x9".repeat(100)}"`;
    // A catastrophic (super-linear) pattern would not finish: the test timeout is the guard, not a stopwatch.
    expect(() => scanLine(line, { unquotedValues: true })).not.toThrow();
  });
});

describe("linesWorthScanning", () => {
  it("names the lines holding a format keyword, `://` or a secret-looking word, each once", () => {
    const lines = [
      "total = a + b",
      `id = "${AWS_ID}"`,
      "see https://docs.example.com/x",
      "return None",
      "db_Password: x  # and a Token",
      "",
      `token = "${GITHUB_TOKEN}"`,
    ];
    expect([...linesWorthScanning(lines.join("\n"))].sort((a, b) => a - b)).toEqual([1, 2, 4, 6]);
    for (const [i, line] of lines.entries()) if (!linesWorthScanning(lines.join("\n")).has(i)) expect(scanLine(line, config)).toEqual([]);
  });

  it("finds nothing in a text without hints", () => {
    expect(linesWorthScanning("a = 1\nb = 2")).toEqual(new Set());
  });
});

describe("plaintext-secret without a patch", () => {
  it("computes the added lines itself when the source omitted the patch of a modified file", async () => {
    const change = changeFromTrees({ "config/app.env": "A=1\nB=2\n" }, { "config/app.env": `A=1\nTOKEN=${GITHUB_TOKEN}\nB=2\n` });
    for (const file of change.files) delete file.patch; // as GitHub does for very large diffs
    const report = await reviewChange(change, defaultConfig(), { rules: [plaintextSecret], triggers: [] });
    expect(report.findings.map((f) => [f.file, f.line])).toEqual([["config/app.env", 2]]);
  });
});

describe("plaintext-secret options", () => {
  it("rejects an invalid ignoreValues pattern with the key and line", async () => {
    const { parseConfig } = await import("../../src/builtins.js");
    expect(() => parseConfig("rules:\n  plaintext-secret:\n    ignoreValues: ['(unclosed']\n")).toThrow(
      /archgate\.yml:3:\d+: rules\.plaintext-secret\.ignoreValues\.0: not a valid regular expression/,
    );
  });
});
