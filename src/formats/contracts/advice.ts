/**
 * How to make a breaking contract change safe, in the terms of the contract's format: a GraphQL break is told to
 * deprecate first (`@deprecated`), not to add `/vN` paths; a gRPC one to `reserved`; an Avro one about defaults.
 * Pure: the file (and for events the format word in the break) in, one remediation out.
 */

const MIGRATION_PLAN = "or describe how clients migrate in a PR description section with the configured migration-plan heading.";

/** The contract format of an API file, by its extension: OpenAPI unless it is GraphQL SDL or Protobuf. */
export function apiFormatOf(file: string): "graphql" | "grpc" | "openapi" {
  if (/\.(graphqls?|gql)$/i.test(file)) return "graphql";
  if (/\.proto$/i.test(file)) return "grpc";
  return "openapi";
}

/** Remediation for a breaking API change in `file`. */
export function apiRemediation(file: string): string {
  switch (apiFormatOf(file)) {
    case "graphql":
      return (
        'Deprecate first: keep the field, argument or enum value and mark it `@deprecated(reason: "use … instead")`, add the replacement next to it, ' +
        "remove it only once clients stopped querying it (check the operation logs); new arguments get a default or stay nullable; " +
        MIGRATION_PLAN
      );
    case "grpc":
      return (
        "Keep the wire contract: never change a field's number or type; when a field or enum value goes, `reserved` its number and name so neither is reused; " +
        "add new RPCs and fields instead of changing existing ones, or publish a new package version (`acme.orders.v2`) next to the old one; " +
        MIGRATION_PLAN
      );
    default:
      return (
        "Keep the old contract working (add new fields, parameters or paths instead of changing existing ones; mark what goes `deprecated: true` with an `x-sunset` date first), " +
        "or publish the change as a new major version (new /vN paths or a major info.version bump), " +
        MIGRATION_PLAN
      );
  }
}

/** Remediation for a breaking event change, by the schema language the break names (Avro, Protobuf, AsyncAPI, JSON Schema). */
export function eventRemediation(file: string, what: string): string {
  const plan = "or describe the rollout order (consumers or producers first) in a PR description section with the configured migration-plan heading.";
  if (/\.avsc$/i.test(file) || /^Avro\b|\bAvro\b/.test(what)) {
    return (
      "Evolve the Avro schema compatibly: give every added field a `default` (and make new unions nullable with `null` first), " +
      "keep removed fields' readers working by giving them a default before removing them, use `aliases` to rename, never change a field's type; " +
      `or publish a new subject or topic version and move consumers; ${plan}`
    );
  }
  if (/\.proto$/i.test(file)) {
    return (
      "Evolve the Protobuf message compatibly: never change a field's number or type, `reserved` the numbers and names of removed fields and enum values, " +
      `add new fields with new numbers; or publish a new message type or topic version; ${plan}`
    );
  }
  if (/^AsyncAPI\b/.test(what)) {
    return (
      "Keep the channel and its messages: add a new message or channel version (e.g. `orders.v2`) next to the old one and mark the old one `deprecated: true`, " +
      "add payload fields as optional, and remove the old channel once no consumer subscribes; " +
      plan
    );
  }
  return (
    "Evolve the schema compatibly: add optional properties rather than required ones, keep existing properties and their types, " +
    `publish an incompatible schema under a new event type or topic version; ${plan}`
  );
}
