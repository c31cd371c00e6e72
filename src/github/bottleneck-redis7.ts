import Bottleneck from "bottleneck";

const RECOVERABLE = /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;
const PATCHED = Symbol.for("archgate.bottleneck-redis7");

/**
 * Probot's Redis option paces writes through Bottleneck 2.19.5 clustered on Redis. Its Lua scripts signal a
 * limiter whose settings key expired (`SETTINGS_KEY_NOT_FOUND`) or a client Redis no longer knows
 * (`UNKNOWN_CLIENT`), and Bottleneck recovers from both (re-initialises, re-registers) by comparing the
 * error's message exactly. Redis 7 prefixes such script errors with "ERR ", so the comparison fails and the
 * request that was being paced fails instead (SGrondin/bottleneck#205, #212; Bottleneck is no longer
 * released). This strips the prefix from those two errors only, on the ioredis connection class Probot
 * uses. Idempotent.
 */
export function patchBottleneckForRedis7(): void {
  const proto = Bottleneck.IORedisConnection.prototype as unknown as Record<PropertyKey, unknown> & {
    __scriptArgs__: (name: string, id: string, args: unknown[], cb: (err: Error | null, replies: unknown) => void) => unknown[];
  };
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const original = proto.__scriptArgs__;
  proto.__scriptArgs__ = function (this: unknown, name, id, args, cb) {
    return original.call(this, name, id, args, (err, replies) => {
      if (err && RECOVERABLE.test(err.message)) err.message = err.message.slice(4);
      cb(err, replies);
    });
  };
}
