import { createRequire } from "node:module";

/**
 * Node's `require`, for CommonJS parsers that few reviews need (protobufjs, avsc): they are loaded
 * synchronously on first use, so a review without such files never pays for loading them.
 */
export const lazyRequire = createRequire(import.meta.url);
