import { createRequire } from "node:module";

/**
 * Node's `require`, for CommonJS parsers that few reviews need (yaml, protobufjs, avsc): they are loaded
 * synchronously on first use, so a review without such files never pays for loading them. (Loading code
 * is not I/O on the change: the engine stays pure.)
 */
export const lazyRequire = createRequire(import.meta.url);
