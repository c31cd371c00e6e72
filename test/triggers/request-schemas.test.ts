/**
 * Request schemas kept apart from the routes that use them (Joi modules under src/validations): a changed field
 * changes the routes whose validation middleware names the schema.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { reviewChange } from "../../src/builtins.js";
import { codeSource } from "../../src/formats/source/code-model.js";
import { changedRequestSchemas, requestSchemaDeclarations, schemaShape, signatureUses } from "../../src/formats/source/request-schemas.js";
import { FIXTURES, loadScenario } from "../helpers/fixtures.js";

describe("request schema modules", () => {
  it("names the route whose query schema changed, with its mounted path, at the schema's line", async () => {
    const s = loadScenario(join(FIXTURES, "triggers/api-contract/fire/express-joi-query-param-renamed-in-validation-module"));
    const report = await reviewChange(s.change, s.config);
    expect(report.triggers.find((t) => t.id === "api-contract")?.hits).toEqual([
      {
        file: "src/validations/user.validation.js",
        line: 12,
        reason: "changes route GET /v1/users (Express) in src/validations/user.validation.js",
      },
    ]);
  });

  it("compares keys, builder calls and literal arguments, not layout or the custom validator's name", () => {
    expect(schemaShape("Joi.string()\n      .required()\n      .custom(validationUtils.validatePassword),\n}")).toBe(
      schemaShape("Joi.string().required().custom(password) }"),
    );
    expect(schemaShape("{ sort: Joi.string() }")).not.toBe(schemaShape("{ sortBy: Joi.string() }"));
    expect(schemaShape("Joi.string().valid('user', 'admin')")).not.toBe(schemaShape("Joi.string().valid('user')"));
  });

  it("reads top-level schema declarations and what changed between two versions", () => {
    const decls = (text: string) => requestSchemaDeclarations(codeSource("src/validations/x.js", text)!);
    const base = decls(
      "const Joi = require('joi');\nconst getUsers = {\n  query: Joi.object().keys({ sort: Joi.string() }),\n};\nconst limit = 10;\n",
    );
    const head = decls(
      "const Joi = require('joi');\nconst getUsers = {\n  query: Joi.object().keys({ sortBy: Joi.string() }),\n};\nconst limit = 20;\n",
    );
    expect([...base.keys()]).toEqual(["getUsers"]);
    expect(changedRequestSchemas(base, head).map((d) => [d.name, d.line])).toEqual([["getUsers", 2]]);
  });

  it("takes a declaration as a schema only when a builder call lies within it", () => {
    const decls = (text: string) => [...requestSchemaDeclarations(codeSource("src/schemas.ts", text)!).values()].map((d) => [d.name, d.line, d.text]);
    // The component ends before the builder of the next declaration; the last declaration has its builder at its end.
    const text = [
      "export const Form = () => {",
      "  return null;",
      "}",
      "const z = require('zod');",
      "export const limits = { max: 10 }",
      "export const body = wrap(",
      `  ${"'x', ".repeat(3000)}z.object(),`,
      ")",
      "const later = 1 + z.string()",
      "",
    ].join("\n");
    expect(decls(text)).toEqual([
      ["body", 6, `wrap(${"'x',".repeat(3000)}z.object())`],
      ["later", 9, "1+z.string()"],
    ]);
    // A builder call past the longest declaration read (20,000 characters) is not part of it.
    expect(decls(`const big = [${"1, ".repeat(7000)}z.object()]\n`)).toEqual([]);
    expect(decls(`const big = [${"1, ".repeat(6000)}z.object()]\n`).map(([name]) => name)).toEqual(["big"]);
  });

  it("matches a schema passed by module binding or by name", () => {
    expect(signatureUses("validate(userValidation.getUsers)", "getUsers", "userValidation")).toBe(true);
    expect(signatureUses("validate(userValidation.getUsersPage)", "getUsers", "userValidation")).toBe(false);
    expect(signatureUses("validate(other.getUsers)", "getUsers", "userValidation")).toBe(false);
    expect(signatureUses("validate(getUsers)", "getUsers")).toBe(true);
    expect(signatureUses("validate(schemas.getUsers)", "getUsers")).toBe(false);
  });
});
