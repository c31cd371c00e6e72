/**
 * One command measured under GNU time (`/usr/bin/time`, Debian's `time` package): CPU and wall as the kernel
 * counts them for the whole process tree it waits for, and the peak RSS of its largest process. The benchmark
 * scripts that compare archgate with something else (the floor, Danger) measure both sides the same way.
 */
import { spawnSync } from "node:child_process";

export interface Sample {
  /** User + system CPU, ms. */
  cpu: number;
  /** Wall time, ms. */
  wall: number;
  /** Peak RSS, KiB. */
  rssKiB: number;
  code: number | null;
  stdout: string;
}

export function timedRun(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Sample {
  const result = spawnSync("/usr/bin/time", ["-f", "\n%e %U %S %M", command, ...args], {
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const [wall, user, system, rss] = (result.stderr.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
  if (![wall, user, system, rss].every(Number.isFinite)) throw new Error(`no timing from GNU time: ${result.stderr.slice(-500)}`);
  return { cpu: (user! + system!) * 1000, wall: wall! * 1000, rssKiB: rss!, code: result.status, stdout: result.stdout };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export const min = (xs: readonly number[]): number => Math.min(...xs);

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
