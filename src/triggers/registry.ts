import type { TriggerModule } from "../engine/types.js";
import { apiContract } from "./api-contract.js";
import { eventContract } from "./event-contract.js";
import { infraChange } from "./infra-change.js";
import { newService } from "./new-service.js";
import { schemaMigration } from "./schema-migration.js";
import { serviceRetirement } from "./service-retirement.js";

/** Built-in trigger detectors, sorted by id (a meta-test checks the order and the fixtures). */
export const TRIGGERS: readonly TriggerModule[] = [apiContract, eventContract, infraChange, newService, schemaMigration, serviceRetirement];

export function triggerById(id: string): TriggerModule | undefined {
  return TRIGGERS.find((t) => t.id === id);
}
