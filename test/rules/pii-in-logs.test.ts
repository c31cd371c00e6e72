import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { concept, identifierWords, namesConcept } from "../../src/formats/source/identifiers.js";
import { DEFAULT_PII_FIELDS, piiInLogs } from "../../src/rules/pii-in-logs.js";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

async function flagged(path: string, text: string, fields = DEFAULT_PII_FIELDS) {
  const config = defaultConfig();
  config.rules["pii-in-logs"] = { severity: "warning", options: { fields } };
  const report = await reviewChange(changeFromTrees({}, { [path]: text }), config, { rules: [piiInLogs], triggers: [] });
  return report.findings.map((f) => [f.line, f.message]);
}

describe("field names", () => {
  const fields = DEFAULT_PII_FIELDS.map(concept);
  const field = (name: string) => fields.find((f) => namesConcept(name, f))?.name;
  it.each([
    ["email", "email"],
    ["userEmail", "email"],
    ["email_address", "email"],
    ["getEmail", "email"],
    ["EMAIL", "email"],
    ["phoneNumber", "phone"],
    ["mobile", "phone"],
    ["password", "password"],
    ["new_passwd", "password"],
    ["accessToken", "token"],
    ["refresh_token", "token"],
    ["ssn", "ssn"],
    ["cardNumber", "cardNumber"],
    ["card_number", "cardNumber"],
    ["pan", "cardNumber"],
    ["billingAddress", "address"],
    ["street", "address"],
    ["dob", "dateOfBirth"],
    ["dateOfBirth", "dateOfBirth"],
    ["birth_date", "dateOfBirth"],
  ])("%s -> %s", (name, expected) => {
    expect(field(name)).toBe(expected);
  });
  it.each([
    "emailSent",
    "emailVerified",
    "hasPassword",
    "isEmail",
    "passwordLength",
    "passwordHash",
    "tokenExpiresAt",
    "nextPageToken",
    "ipAddress",
    "remote_address",
    "emailTemplate",
    "maskedEmail",
    "hashedToken",
    "cardNumberLast4",
    "csrfToken",
  ])("%s is not a sensitive field", (name) => {
    expect(field(name)).toBeUndefined();
  });
  it("splits identifiers in every case style", () => {
    expect(identifierWords("getHTTPUserEmail")).toEqual(["get", "http", "user", "email"]);
    expect(identifierWords("USER_EMAIL")).toEqual(["user", "email"]);
  });
});

describe("pii-in-logs", () => {
  const invalid: [string, string, number][] = [
    ["a.ts", "logger.info(`user ${user.email}`);", 1],
    ["a.ts", "this.logger.warn({ email }, 'x');", 1],
    ["a.ts", "req.log.info({ phone: body.phone });", 1],
    ["a.ts", "console.error('failed', err,\n  user.password);", 2],
    ["a.py", "logging.info('x %s', row['card_number'])", 1],
    ["a.py", "log.info('x', extra={'dob': customer.dob})", 1],
    ["a.py", "print(user.email)", 1],
    ["a.go", 'logrus.WithField("email", u.Email).Info("x")', 1],
    ["a.go", 'fmt.Printf("%s\\n", u.Phone)', 1],
    ["A.java", 'logger.debug("token {}", session.getToken());', 1],
    ["A.kt", 'log.info("addr ${customer.address}")', 1],
    ["a.js", "span.setAttributes({ 'app.payment.card_number': number });", 1],
    ["a.py", "logger.info('signup', extra={'user.email': addr})", 1],
  ];
  it.each(invalid)("flags %s: %s", async (path, text, line) => {
    expect((await flagged(path, text)).map(([l]) => l)).toEqual([line]);
  });

  const valid: [string, string][] = [
    ["a.ts", "logger.info('email sent');"],
    ["a.ts", "logger.info({ email: mask(user.email) });"],
    ["a.ts", "logger.info({ userId: user.id });"],
    ["a.ts", "// logger.info(user.email)"],
    ["a.ts", "catalog.info(product.address);"],
    ["a.ts", "metrics.increment('email', user.email);"],
    ["a.py", "logger.info('len %d', len(password))"],
    ["a.py", "logger.info('user %s', user.id)  # not user.email"],
    ["a.go", 'slog.Info("sent", "email_sent", n)'],
    ["A.java", 'LOG.info("has email {}", customer.hasEmail());'],
    ["a.js", "logger.info(`gRPC server started on ${address}`);"],
    ["a.go", 'log.Printf("listening on %s", srv.address)'],
    ["a.js", "logger.info({ 'user.email': maskEmail(e), 'user.phone': '<redacted>' });"],
  ];
  it.each(valid)("accepts %s: %s", async (path, text) => {
    expect(await flagged(path, text)).toEqual([]);
  });

  it("names the call, the expression and the field", async () => {
    expect(await flagged("a.ts", "logger.info(`user ${user.email}`);")).toEqual([[1, "`logger.info` writes `user.email` (email) to the logs"]]);
    expect(await flagged("a.ts", "span.setAttribute('card', order.cardNumber);")).toEqual([
      [1, "`span.setAttribute` writes `order.cardNumber` (cardNumber) to trace attributes"],
    ]);
  });

  it("uses only the configured fields", async () => {
    expect(await flagged("a.ts", "logger.info({ email: u.email, iban: u.iban });", ["iban"])).toEqual([
      [1, "`logger.info` writes `u.iban` (iban) to the logs"],
    ]);
  });
});

describe("pii-in-logs on broken input", () => {
  it("notes a log call it cannot read to the end", async () => {
    const report = await reviewChange(changeFromTrees({}, { "a.ts": "logger.info(user.email,\n" }), defaultConfig(), {
      rules: [piiInLogs],
      triggers: [],
    });
    expect(report.findings).toEqual([]);
    expect(report.notes.map(noteText)).toEqual([
      "pii-in-logs: a.ts:1: could not find the end of `logger.info(` (unbalanced brackets); it was not judged",
    ]);
  });
});

describe("a long file with a few added lines (the calls are looked for near them only)", () => {
  const path = "src/services/signup.ts";
  const filler = Array.from({ length: 400 }, (_, i) => `const step${i} = compute(step, ${i}); // (user.email is not logged here)`).join("\n");
  const base = `${filler}\nlogger.info("signed up", {\n  id: user.id,\n});\n${filler}\nexport {};\n`;
  async function findings(head: string) {
    const config = defaultConfig();
    const report = await reviewChange(changeFromTrees({ [path]: base }, { [path]: head }), config, { rules: [piiInLogs], triggers: [] });
    return report.findings.map((f) => `${f.line} ${f.message}`);
  }

  it("judges an added argument of a call opened on an unchanged line 400 lines down", async () => {
    const head = base.replace("  id: user.id,\n", "  id: user.id,\n  email: user.email,\n");
    expect(await findings(head)).toEqual(["403 `logger.info` writes `user.email` (email) to the logs"]);
  });

  it("does not judge that call when the added line is 400 lines after it", async () => {
    const head = base.replace("  id: user.id,\n", "  id: user.id,\n  email: user.email,\n").replace("export {};\n", "export { step1 };\n");
    const unchanged = { [path]: base.replace("  id: user.id,\n", "  id: user.id,\n  email: user.email,\n") };
    const config = defaultConfig();
    const report = await reviewChange(changeFromTrees(unchanged, { [path]: head }), config, { rules: [piiInLogs], triggers: [] });
    expect(report.findings).toEqual([]);
  });
});
