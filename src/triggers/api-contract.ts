import type { TriggerModule } from "../engine/types.js";
import { codeRouteHits } from "../formats/contracts/code-contracts.js";
import { contractHits } from "../formats/contracts/contract-files.js";

/**
 * API contract: a change to a synchronous interface other teams call — an OpenAPI/Swagger document
 * (recognised by its `openapi:`/`swagger:` key wherever it lives, including the fragments of a split
 * spec), GraphQL SDL, a gRPC `.proto` with a `service` (or messages next to one), Thrift services, RAML.
 *
 * Review type `contract`. Dimensions:
 * - `api-event`: compatibility, idempotency of commands, error shape, pagination and deprecation are
 *   exactly what an API change must answer;
 * - `security-privacy`: a new or changed operation needs authentication, object-level authorization and
 *   no leak of internal or personal fields.
 * Runtime, cost and data questions belong to the triggers that see those files.
 *
 * Routes declared in code count too (Spring, JAX-RS, Express, Fastify, NestJS, FastAPI, Flask, Django, Rails,
 * Go, ASP.NET Core, code-first GraphQL): an API
 * route added, removed or with its declared request/response shape changed (see formats/contracts/code-contracts.ts).
 */
export const apiContract: TriggerModule = {
  meta: {
    id: "api-contract",
    title: "API contract change",
    description: "Changes an API contract (OpenAPI/Swagger, GraphQL schema, gRPC service, or an API route declared in code) that clients depend on.",
    reviewType: "contract",
    dimensions: ["api-event", "security-privacy"],
    // The API items only: no event ownership, deduplication or dead-letter questions for a synchronous API.
    checklist: ["api-compatibility", "api-idempotency", "api-errors", "api-pagination", "api-deprecation", "security-authn", "security-authz"],
  },
  async detect(ctx) {
    return [...(await contractHits(ctx)).api, ...(await codeRouteHits(ctx))];
  },
};
