import type { RuleModule } from "../engine/types.js";
import { plaintextSecret } from "./plaintext-secret.js";

/**
 * Every hard-constraint rule, sorted by id (a meta-test checks the order, the docs page and fixtures).
 * Add a rule: write src/rules/<id>.ts, docs/rules/<id>.md, test/rules/<id>.test.ts, then list it here.
 */
export const RULES: readonly RuleModule<any>[] = [plaintextSecret];

export function ruleById(id: string): RuleModule<any> | undefined {
  return RULES.find((r) => r.id === id);
}
