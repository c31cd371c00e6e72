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

  it("matches a schema passed by module binding or by name", () => {
    expect(signatureUses("validate(userValidation.getUsers)", "getUsers", "userValidation")).toBe(true);
    expect(signatureUses("validate(userValidation.getUsersPage)", "getUsers", "userValidation")).toBe(false);
    expect(signatureUses("validate(other.getUsers)", "getUsers", "userValidation")).toBe(false);
    expect(signatureUses("validate(getUsers)", "getUsers")).toBe(true);
    expect(signatureUses("validate(schemas.getUsers)", "getUsers")).toBe(false);
  });
});
