import type { ApiBreak } from "../openapi/diff.js";

/** A breaking change found by any of the API checkers (OpenAPI, GraphQL, gRPC), before exemptions and de-duplication. */
export interface ContractBreak extends ApiBreak {
  /** Where the finding came from, when not our own OpenAPI diff. */
  source?: string;
}
