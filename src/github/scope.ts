import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What a review carries to the GitHub requests it sends, whatever the call path between them: its budget's
 * signal (budget.ts), its fence on the pull request's lock (coordination.ts, Redis mode), whether a request
 * is a GraphQL read (octokit.ts). One AsyncLocalStorage for all of them: while a storage is in use, Node
 * copies its slot onto every promise the process makes, so each storage more is that work again on every
 * promise of every request (three storages were about 3 % of the server's CPU per delivery).
 */
export class ScopeKey<V> {
  declare private readonly value: V;
  constructor(readonly name: string) {}
}

type Scope = ReadonlyMap<ScopeKey<unknown>, unknown>;

const storage = new AsyncLocalStorage<Scope>();

/** Runs `task` with `key` set to `value` in scope (what else is in scope stays). */
export function runInScope<V, T>(key: ScopeKey<V>, value: V, task: () => T): T {
  const inner = new Map(storage.getStore());
  inner.set(key as ScopeKey<unknown>, value);
  return storage.run(inner, task);
}

/** The value `key` has in the scope the code runs in, if any. */
export function fromScope<V>(key: ScopeKey<V>): V | undefined {
  return storage.getStore()?.get(key as ScopeKey<unknown>) as V | undefined;
}
