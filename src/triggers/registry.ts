import type { TriggerModule } from "../engine/types.js";

/** Built-in trigger detectors, sorted by id (a meta-test checks the order and the fixtures). */
export const TRIGGERS: readonly TriggerModule[] = [];

export function triggerById(id: string): TriggerModule | undefined {
  return TRIGGERS.find((t) => t.id === id);
}
