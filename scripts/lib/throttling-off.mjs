/**
 * `node --import ./scripts/lib/throttling-off.mjs dist/server.js`: the shipped server with Probot's throttling
 * plugin replaced by one that installs nothing, as `throttle: { enabled: false }` makes it do. For
 * `npm run bench:app` only: the fake GitHub has no rate limits, and the plugin's pacing (one write a second per
 * installation) is not what the benchmark measures. Everything else runs as it ships.
 */
import { register } from "node:module";

const NO_THROTTLING = `data:text/javascript,${encodeURIComponent('export function throttling() { return {}; }\nthrottling.VERSION = "off";\n')}`;
const HOOKS = `export async function resolve(specifier, context, next) {
  if (specifier === "@octokit/plugin-throttling") return { url: ${JSON.stringify(NO_THROTTLING)}, shortCircuit: true };
  return next(specifier, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);
