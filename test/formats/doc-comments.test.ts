import { describe, expect, it } from "vitest";
import { isDocumentationExample } from "../../src/formats/source/doc-comments.js";

const swagger = [
  "router.post('/logout', auth.logout);", // 1
  "/**", // 2
  " * @swagger", // 3
  " * /auth/logout:", // 4
  " *   post:", // 5
  " *     requestBody:", // 6
  " *       content:", // 7
  " *         application/json:", // 8
  " *           schema:", // 9
  " *             properties:", // 10
  " *               refreshToken:", // 11
  " *                 default: abc", // 12
  " *           example:", // 13
  " *             refreshToken: eyJ", // 14
  " *           examples:", // 15
  " *             one:", // 16
  " *               value:", // 17
  " *                 refreshToken: eyJ", // 18
  " */", // 19
  "// example: token eyJ", // 20
  "/**", // 21
  " * Logs in.", // 22
  " * @param {string} password", // 23
  " * @example", // 24
  " * login('a', 'eyJ')", // 25
  " * @returns {Promise<void>}", // 26
  " */", // 27
];

describe("documentation examples in comments", () => {
  it.each([
    [14, true],
    [13, true],
    [18, true],
    [12, false],
    [11, false],
    [1, false],
    [20, false],
    [25, true],
    [23, false],
    [26, false],
  ])("line %i: %s", (line, expected) => {
    expect(isDocumentationExample(swagger, line)).toBe(expected);
  });

  it("needs an API documentation tag for OpenAPI keys", () => {
    const plain = ["/*", " * config:", " *   example:", " *     token: eyJ", " */"];
    expect(isDocumentationExample(plain, 4)).toBe(false);
    const yamlComment = ["# @openapi", "# components:", "#   examples:", "#     one:", "#       token: eyJ"];
    expect(isDocumentationExample(yamlComment, 5)).toBe(true);
  });
});
