/**
 * Examples in API documentation written in source comments: the OpenAPI YAML of a `@swagger` / `@openapi`
 * JSDoc block (swagger-jsdoc, NestJS and Fastify projects), where sample requests and responses sit under
 * `example:` / `examples:` keys, and the code after a JSDoc `@example` tag. Values there are documentation
 * (a sample JWT, a sample password), like the same text in a Markdown file.
 */

/** A comment line: ` * text`, `// text`, `# text`, or the opening/closing of a block comment. */
const COMMENT_LINE = /^\s*(?:\/\*\*?|\*\/?|\/\/\/?|#)/;
const BLOCK_OPEN = /^\s*\/\*/;
const BLOCK_CLOSE = /\*\/\s*$/;
/** Tags that open API documentation in a comment. */
const API_DOC_TAG = /@(?:swagger|openapi|oas)\b|^\s*(?:openapi|swagger)\s*:\s*["']?\d/;
const EXAMPLE_TAG = /^@(?:example|apiExample|apiSuccessExample|apiErrorExample|apiParamExample|apiHeaderExample)\b/;
const EXAMPLE_KEY = /^(?:-\s+)?["']?(?:example|examples|x-example|x-examples)["']?\s*:/;

/** The text of a comment line without its comment marker. */
function commentText(line: string): string {
  return line.replace(/^\s*(?:\/\*\*?|\*(?!\/)|\/\/\/?|#)\s?/, "").replace(/\s*\*\/\s*$/, "");
}

function indentOf(text: string): number {
  return /^\s*/.exec(text)![0].length;
}

/**
 * True when 1-based `line` of `lines` lies in a comment block that documents an API and is an example there: under an
 * `example:` / `examples:` key of the block's OpenAPI YAML (or on that key's line), or after a JSDoc `@example` tag.
 */
export function isDocumentationExample(lines: readonly string[], line: number): boolean {
  const at = line - 1;
  if (at < 0 || at >= lines.length || !COMMENT_LINE.test(lines[at]!)) return false;
  // The comment block around the line: contiguous comment lines, bounded by a block's opening and closing.
  let start = at;
  while (start > 0 && !BLOCK_OPEN.test(lines[start]!) && COMMENT_LINE.test(lines[start - 1]!) && !BLOCK_CLOSE.test(lines[start - 1]!)) start--;
  let end = at;
  while (end + 1 < lines.length && !BLOCK_CLOSE.test(lines[end]!) && COMMENT_LINE.test(lines[end + 1]!)) end++;
  const block = lines.slice(start, end + 1).map(commentText);
  const offset = at - start;
  // After a JSDoc @example tag (until the next tag): sample code.
  for (let i = offset; i >= 0; i--) {
    const text = block[i]!.trim();
    if (EXAMPLE_TAG.test(text)) return true;
    if (/^@\w/.test(text)) break;
  }
  if (!block.some((t) => API_DOC_TAG.test(t))) return false;
  // OpenAPI YAML: the line's own key or one of its parents (less indented keys above it) is an example.
  const own = block[offset]!;
  let indent = indentOf(own);
  const keys = [own.trim()];
  for (let i = offset - 1; i >= 0 && indent > 0; i--) {
    const text = block[i]!;
    if (text.trim() === "" || indentOf(text) >= indent) continue;
    indent = indentOf(text);
    keys.push(text.trim());
  }
  return keys.some((k) => EXAMPLE_KEY.test(k));
}
