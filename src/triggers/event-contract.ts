import type { TriggerModule } from "../engine/types.js";
import { codeEventHits } from "../formats/contracts/code-contracts.js";
import { contractHits } from "../formats/contracts/contract-files.js";

/**
 * Event contract: a change to what services publish or consume asynchronously — AsyncAPI documents,
 * Avro schemas, Protobuf message files without a gRPC service, event JSON Schemas (under event/schema
 * directories or named as events) and CloudEvents envelopes.
 *
 * Review type `contract`. Dimensions:
 * - `api-event`: schema ownership, versioning, deduplication key, ordering and dead-letter policy;
 * - `data-consistency`: events carry state between services, so the consistency promise and the
 *   compensation on failure must be stated;
 * - `security-privacy`: an event is broadcast to every consumer, so sensitive fields must be minimised.
 *
 * Events declared in code count too: a producer or consumer of a topic, queue or subject added or removed
 * (Kafka, RabbitMQ, NATS, SNS/SQS with literal names), and published event classes added, removed or with
 * fields added, removed or retyped (see formats/contracts/code-contracts.ts).
 */
export const eventContract: TriggerModule = {
  meta: {
    id: "event-contract",
    title: "Event contract change",
    description:
      "Changes an event or message contract (AsyncAPI, Avro, Protobuf messages, event JSON Schema, or a topic or published event class declared in code) that consumers depend on.",
    reviewType: "contract",
    dimensions: ["api-event", "data-consistency", "security-privacy"],
    // The event items: compatibility and deprecation of the schema, its owner, deduplication and ordering,
    // poison messages, what state the event promises, who may produce and consume it, and personal data
    // reaching every consumer.
    checklist: [
      "api-compatibility",
      "api-deprecation",
      "event-ownership",
      "event-dedup",
      "event-dlq",
      "data-consistency-promise",
      "security-authn",
      "security-pii",
    ],
  },
  async detect(ctx) {
    return [...(await contractHits(ctx)).event, ...(await codeEventHits(ctx))];
  },
};
