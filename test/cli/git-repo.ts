/** Throwaway git repositories for the CLI and git-source tests (real `git`, temp directories). */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

export class TestRepo {
  readonly dir: string;
  private readonly roots: string[] = [];

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "archgate-cli-"));
    this.roots.push(this.dir);
    this.git("init", "-q", "-b", "main");
  }

  git(...args: string[]): string {
    return execFileSync("git", args, { cwd: this.dir, env: ENV, encoding: "utf8" }).trim();
  }

  write(path: string, content: string | Buffer): this {
    const full = join(this.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    return this;
  }

  remove(path: string): this {
    this.git("rm", "-q", "--", path);
    return this;
  }

  move(from: string, to: string): this {
    mkdirSync(dirname(join(this.dir, to)), { recursive: true });
    this.git("mv", "--", from, to);
    return this;
  }

  /** Commits everything in the work tree; returns the full SHA. */
  commit(message = "change"): string {
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD");
  }

  /** A bare clone of this repository (no work tree at all). */
  bareClone(): string {
    const parent = mkdtempSync(join(tmpdir(), "archgate-bare-"));
    this.roots.push(parent);
    const bare = join(parent, "repo.git");
    execFileSync("git", ["clone", "-q", "--bare", "--no-local", this.dir, bare], { env: ENV });
    return bare;
  }

  cleanup(): void {
    for (const root of this.roots) rmSync(root, { recursive: true, force: true });
  }
}
