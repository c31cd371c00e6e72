import { resolve } from "node:path";

/** The command line of `archgate check` on one range with JSON output, as the bench scripts run a build. */
export function checkArgs(cli: string, repo: string, base: string, head: string, config?: string): string[] {
  return [cli, "check", "--repo", repo, "--base", base, "--head", head, "--format", "json", ...(config ? ["--config", resolve(config)] : [])];
}
