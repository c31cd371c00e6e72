/**
 * Which rule must judge a file, by its path alone: a file that cannot be read (over the size limit, binary)
 * is then a gap in the review, not something to pass over. Content cannot decide here (it is what could
 * not be read), so this errs on the side of judging: every YAML file is read by the Kubernetes rules. Test
 * recordings, fixtures, snapshots, vendored and generated files are judged by none (`isNeverJudged`).
 */
import { isAvroPath, isGraphqlPath, isProtoPath, isThriftPath } from "../contracts/kinds.js";
import { migrationFramework, schemaFileKind } from "../migrations/frameworks.js";
import { isDocumentation, isLockfile, isNeverJudged } from "./noise.js";
import { basename, extension, isYamlPath } from "./paths.js";

/** What a rule judges `path` as, for the message ("a database migration (destructive-migration)"); undefined: no rule must. */
export function judgedAs(path: string): string | undefined {
  if (isLockfile(path) || isDocumentation(path) || isNeverJudged(path)) return undefined;
  // The framework is a guess without the text (goose and plain SQL share a layout): named generically.
  if (migrationFramework(path) !== undefined || /\/versions\/[^/]+\.py$/.test(path)) return "a database migration (destructive-migration)";
  const schema = schemaFileKind(path);
  if (schema !== undefined) return `a ${schema} (destructive-migration)`;
  if (isProtoPath(path)) return "a Protocol Buffers contract (breaking-api-change, breaking-event-change)";
  if (isGraphqlPath(path) || isThriftPath(path)) return "an API contract (breaking-api-change)";
  if (isAvroPath(path)) return "an Avro event contract (breaking-event-change)";
  if (/(openapi|swagger|asyncapi)[^/]*\.(ya?ml|json)$/i.test(basename(path))) return "an API contract (breaking-api-change, breaking-event-change)";
  if (isYamlPath(path)) return "a YAML file the Kubernetes and contract rules read (k8s-resource-limits, k8s-health-probes, breaking-api-change)";
  const ext = extension(path);
  if (ext === "tf" || path.endsWith(".tf.json")) return "Terraform (cost-allocation-tags)";
  return undefined;
}
