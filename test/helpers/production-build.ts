import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * Builds what `npm start` and the `archgate` bin run, as `npm run build` does: tsc's per-file output, then the
 * esbuild bundles of the CLI and the server written over their two entries. Tests that start the production
 * server call this once in `beforeAll`; a failed build throws with its output instead of timing out later.
 */
export function buildProduction(root: string): void {
  // Type errors elsewhere in the tree must not stop the emit (CI type-checks on its own), so tsc's status is not read.
  spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "ignore" });
  const args = ["--import", "tsx", join(root, "scripts", "build-bundles.ts"), "--dist"];
  const bundles = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  if (bundles.status !== 0) throw new Error(`the production build failed (node ${args.join(" ")}):\n${bundles.stdout}${bundles.stderr}`);
  if (!existsSync(join(root, "dist", "server.js"))) throw new Error("the build did not produce dist/server.js");
}
