import { fileURLToPath } from "node:url";
import { buildProduction } from "../helpers/production-build.js";

/** The fault suite runs the production build (`node dist/server.js`): built once for all its files. */
export default function setup(): void {
  buildProduction(fileURLToPath(new URL("../..", import.meta.url)));
}
