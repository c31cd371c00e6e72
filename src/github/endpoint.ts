/**
 * @octokit/endpoint's `merge` and `parse`, the two steps every Octokit request goes through (a request
 * through the App's installation auth is merged three times and parsed once), made cheaper with the same
 * results: a URL template is compiled once and kept (Octokit runs a regular expression over the template and
 * encodes its literal parts on every request), the deep merge copies with plain loops, and a JSON body is
 * serialised by the native JSON.stringify in `parse` (Octokit's fetch wrapper would serialise it with
 * json-with-bigint: a replacer call for every value and a regular expression over the output; archgate sends
 * no BigInt, and one that comes is left to Octokit). They were about 8 % of the server's CPU per delivery.
 *
 * Installed per client (`leanEndpoint` in octokit.ts): on the client's endpoint object, whose `merge`,
 * `parse` and `defaults` Octokit looks up on every request, and on every endpoint derived from it through
 * `defaults` (each REST method makes one).
 */

type Options = Record<string, unknown> & {
  method?: string;
  url?: string;
  baseUrl?: string;
  headers?: Record<string, unknown>;
  mediaType?: { format?: string; previews?: string[] };
  request?: unknown;
};

/** What @octokit/endpoint's endpoint object has (a function with these properties). */
export interface EndpointObject {
  (route: unknown, options?: unknown): unknown;
  DEFAULTS: Options;
  defaults(newDefaults: unknown): EndpointObject;
  merge(route: unknown, options?: unknown): Options;
  parse(options: Options): Record<string, unknown>;
}

const LEAN = Symbol.for("archgate.lean-endpoint");
/** The endpoint's own parse (body left an object), for the request logging at debug. */
const OCTOKIT_PARSE = Symbol.for("archgate.octokit-parse");

/** Makes `endpoint` (and every endpoint derived from it) merge and parse through the functions below. */
export function leanEndpoint(endpoint: EndpointObject): EndpointObject {
  const marked = endpoint as EndpointObject & { [LEAN]?: true; [OCTOKIT_PARSE]?: EndpointObject["parse"] };
  if (marked[LEAN]) return endpoint;
  marked[LEAN] = true;
  marked[OCTOKIT_PARSE] = endpoint.parse;
  const derive = endpoint.defaults;
  endpoint.merge = (route, options) => merge(endpoint.DEFAULTS, route, options);
  endpoint.parse = parse;
  endpoint.defaults = (newDefaults) => {
    const derived = derive(newDefaults);
    // A derived endpoint is also called as a function (a REST method's `endpoint`, which paginate calls per listing).
    const DEFAULTS = derived.DEFAULTS;
    const callable = Object.assign((route: unknown, options?: unknown) => parse(merge(DEFAULTS, route, options)), {
      DEFAULTS,
      defaults: derived.defaults,
      merge: derived.merge,
      parse: derived.parse,
    });
    return leanEndpoint(callable);
  };
  return endpoint;
}

/** Octokit's own parse of `endpoint` (the body left as an object), as its request logging shows it. */
export function octokitParse(endpoint: EndpointObject, options: Options): Record<string, unknown> {
  const own = (endpoint as EndpointObject & { [OCTOKIT_PARSE]?: EndpointObject["parse"] })[OCTOKIT_PARSE];
  return (own ?? endpoint.parse)(options);
}

// --- merge (as @octokit/endpoint 11's merge.js) ---

export function merge(defaults: Options | null, route: unknown, options?: unknown): Options {
  let merged: Options;
  if (typeof route === "string") {
    const [method, url] = route.split(" ");
    merged = Object.assign(url ? { method, url } : { url: method }, options) as Options;
  } else {
    merged = Object.assign({}, route) as Options;
  }
  merged.headers = lowercaseKeys(merged.headers);
  removeUndefinedProperties(merged);
  removeUndefinedProperties(merged.headers);
  const result = mergeDeep(defaults || {}, merged) as Options & { mediaType: { previews?: string[] } };
  if (merged.url === "/graphql") {
    if (defaults?.mediaType?.previews?.length) {
      result.mediaType.previews = defaults.mediaType.previews
        .filter((preview) => !result.mediaType.previews!.includes(preview))
        .concat(result.mediaType.previews!);
    }
    result.mediaType.previews = (result.mediaType.previews || []).map((preview) => preview.replace(/-preview/, ""));
  }
  return result;
}

function lowercaseKeys(object: Record<string, unknown> | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (!object) return result;
  for (const key of Object.keys(object)) result[key.toLowerCase()] = object[key];
  return result;
}

function removeUndefinedProperties(object: Record<string, unknown>): void {
  for (const key in object) if (object[key] === undefined) delete object[key];
}

function mergeDeep(defaults: Record<string, unknown>, options: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = Object.assign({}, defaults);
  for (const key of Object.keys(options)) {
    const value = options[key];
    if (isPlainObject(value)) {
      result[key] = key in defaults ? mergeDeep(defaults[key] as Record<string, unknown>, value) : value;
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** @octokit/endpoint's and @octokit/request's isPlainObject, the common case (an object literal) first. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  if (Object.prototype.toString.call(value) !== "[object Object]") return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null || proto === Object.prototype) return true;
  const Ctor = Object.hasOwn(proto, "constructor") && (proto as { constructor: unknown }).constructor;
  return typeof Ctor === "function" && Ctor instanceof Ctor;
}

// --- parse (as @octokit/endpoint 11's parse.js) ---

const NOT_PARAMETERS = ["method", "baseUrl", "url", "headers", "request", "mediaType"];

export function parse(options: Options): Record<string, unknown> {
  const method = options.method!.toUpperCase();
  const template = templateOf(options.url || "/");
  const headers = Object.assign({}, options.headers) as Record<string, string>;
  let body: unknown;
  const parameters = omit(options, NOT_PARAMETERS);
  let url = template.expand(parameters);
  if (!/^http/.test(url)) url = options.baseUrl + url;
  const omittedParameters = Object.keys(options)
    .filter((option) => template.variableNames.includes(option))
    .concat("baseUrl");
  const remainingParameters = omit(parameters, omittedParameters);
  const isBinaryRequest = /application\/octet-stream/i.test(headers.accept!);
  if (!isBinaryRequest) {
    const mediaType = options.mediaType!;
    if (mediaType.format) {
      headers.accept = headers
        .accept!.split(/,/)
        .map((format) => format.replace(/application\/vnd(\.\w+)(\.v3)?(\.\w+)?(\+json)?$/, `application/vnd$1$2.${mediaType.format}`))
        .join(",");
    }
    if (url.endsWith("/graphql") && mediaType.previews?.length) {
      const previewsFromAcceptHeader: string[] = headers.accept!.match(/(?<![\w-])[\w-]+(?=-preview)/g) || [];
      headers.accept = previewsFromAcceptHeader
        .concat(mediaType.previews)
        .map((preview) => `application/vnd.github.${preview}-preview${mediaType.format ? `.${mediaType.format}` : "+json"}`)
        .join(",");
    }
  }
  if (method === "GET" || method === "HEAD") {
    url = addQueryParameters(url, remainingParameters);
  } else if ("data" in remainingParameters) {
    body = remainingParameters.data;
  } else if (Object.keys(remainingParameters).length) {
    body = remainingParameters;
  }
  if (!headers["content-type"] && body !== undefined) headers["content-type"] = "application/json; charset=utf-8";
  if ((method === "PATCH" || method === "PUT") && body === undefined) body = "";
  return Object.assign(
    { method, url, headers },
    body !== undefined ? { body: serialised(body) } : null,
    options.request ? { request: options.request } : null,
  );
}

/** A body the fetch wrapper would serialise, serialised natively; one holding a BigInt is left as it is. */
function serialised(body: unknown): unknown {
  if (!isPlainObject(body) && !Array.isArray(body)) return body;
  try {
    return JSON.stringify(body);
  } catch {
    return body;
  }
}

function omit(object: Record<string, unknown>, keysToOmit: string[]): Record<string, unknown> {
  const result: Record<string, unknown> = { __proto__: null } as unknown as Record<string, unknown>;
  for (const key of Object.keys(object)) if (keysToOmit.indexOf(key) === -1) result[key] = object[key];
  return result;
}

function addQueryParameters(url: string, parameters: Record<string, unknown>): string {
  const separator = /\?/.test(url) ? "&" : "?";
  const names = Object.keys(parameters);
  if (names.length === 0) return url;
  return (
    url +
    separator +
    names
      .map((name) => {
        if (name === "q") return `q=${(parameters.q as string).split("+").map(encodeURIComponent).join("+")}`;
        return `${name}=${encodeURIComponent(parameters[name] as string)}`;
      })
      .join("&")
  );
}

// --- URL templates (RFC 6570, as @octokit/endpoint's url-template.js expands them), compiled once ---

interface Template {
  /** The names of the template's variables (as extractUrlVariableNames finds them). */
  variableNames: string[];
  expand(context: Record<string, unknown>): string;
}

type Part = string | { operator: string; variables: Array<{ key: string; modifier: string | undefined }> };

/** Compiled templates by the request's `url`; full URLs (next pages) vary without bound, so the cache is capped. */
const templates = new Map<string, Template>();
const MAX_TEMPLATES = 1_000;

function templateOf(url: string): Template {
  let template = templates.get(url);
  if (!template) {
    template = compile(url.replace(/:([a-z]\w+)/g, "{$1}"));
    if (templates.size >= MAX_TEMPLATES) templates.clear();
    templates.set(url, template);
  }
  return template;
}

const OPERATORS = ["+", "#", ".", "/", ";", "?", "&"];

function compile(source: string): Template {
  const variableNames = (source.match(/\{[^{}}]+\}/g) ?? []).flatMap((match) => match.replace(/(?:^\W+)|(?:(?<!\W)\W+$)/g, "").split(/,/));
  const parts: Part[] = [];
  let at = 0;
  for (const match of source.matchAll(/\{([^{}]+)\}|([^{}]+)/g)) {
    // Braces the expression does not match are kept as they are.
    if (match.index > at) parts.push(source.slice(at, match.index));
    at = match.index + match[0].length;
    let expression = match[1];
    if (!expression) {
      parts.push(encodeReserved(match[2]!));
      continue;
    }
    let operator = "";
    if (OPERATORS.includes(expression.charAt(0))) {
      operator = expression.charAt(0);
      expression = expression.slice(1);
    }
    const variables = expression.split(/,/g).map((variable) => {
      const found = /([^:*]*)(?::(\d+)|(\*))?/.exec(variable)!;
      return { key: found[1]!, modifier: found[2] || found[3] };
    });
    parts.push({ operator, variables });
  }
  if (at < source.length) parts.push(source.slice(at));
  return {
    variableNames,
    expand(context) {
      let out = "";
      for (const part of parts) {
        if (typeof part === "string") {
          out += part;
          continue;
        }
        const { operator } = part;
        const values = part.variables.map(({ key, modifier }) => getValues(context, operator, key, modifier));
        if (operator && operator !== "+") {
          const separator = operator === "?" ? "&" : operator === "#" ? "," : operator;
          out += (values.length !== 0 ? operator : "") + values.join(separator);
        } else {
          out += values.join(",");
        }
      }
      // One trailing slash is dropped, unless it is the whole URL.
      return out !== "/" && out.endsWith("/") ? out.slice(0, -1) : out;
    },
  };
}

function encodeReserved(text: string): string {
  return text
    .split(/(%[0-9A-Fa-f]{2})/g)
    .map((part) => (/%[0-9A-Fa-f]/.test(part) ? part : encodeURI(part).replace(/%5B/g, "[").replace(/%5D/g, "]")))
    .join("");
}

function encodeUnreserved(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function encodeValue(operator: string, value: string, key?: string): string {
  const encoded = operator === "+" || operator === "#" ? encodeReserved(value) : encodeUnreserved(value);
  return key ? `${encodeUnreserved(key)}=${encoded}` : encoded;
}

function isDefined(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function isKeyOperator(operator: string): boolean {
  return operator === ";" || operator === "&" || operator === "?";
}

function getValues(context: Record<string, unknown>, operator: string, key: string, modifier: string | undefined): string[] {
  const value = context[key];
  const result: string[] = [];
  if (isDefined(value) && value !== "") {
    if (typeof value === "string" || typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
      let text = value.toString();
      if (modifier && modifier !== "*") text = text.substring(0, parseInt(modifier, 10));
      result.push(encodeValue(operator, text, isKeyOperator(operator) ? key : ""));
    } else if (modifier === "*") {
      if (Array.isArray(value)) {
        for (const item of value.filter(isDefined)) result.push(encodeValue(operator, item as string, isKeyOperator(operator) ? key : ""));
      } else {
        const object = value as Record<string, unknown>;
        for (const k of Object.keys(object)) if (isDefined(object[k])) result.push(encodeValue(operator, object[k] as string, k));
      }
    } else {
      const tmp: string[] = [];
      if (Array.isArray(value)) {
        for (const item of value.filter(isDefined)) tmp.push(encodeValue(operator, item as string));
      } else {
        const object = value as Record<string, unknown>;
        for (const k of Object.keys(object)) {
          if (isDefined(object[k])) {
            tmp.push(encodeUnreserved(k));
            tmp.push(encodeValue(operator, (object[k] as { toString(): string }).toString()));
          }
        }
      }
      if (isKeyOperator(operator)) result.push(`${encodeUnreserved(key)}=${tmp.join(",")}`);
      else if (tmp.length !== 0) result.push(tmp.join(","));
    }
  } else if (operator === ";") {
    if (isDefined(value)) result.push(encodeUnreserved(key));
  } else if (value === "" && (operator === "&" || operator === "?")) {
    result.push(`${encodeUnreserved(key)}=`);
  } else if (value === "") {
    result.push("");
  }
  return result;
}
