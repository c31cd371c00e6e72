/**
 * Terraform resources and provider defaults, read with formats/terraform/hcl.ts (@cdktf/hcl2json). It
 * gives values, not positions, so block lines come from the source text (`resource "type" "name" {`).
 */
import { isRecord } from "../../engine/structured.js";
import { closingBrace, escapeRegExp, parseHcl } from "./hcl.js";

export interface TerraformResource {
  type: string;
  name: string;
  /** 1-based line of the `resource "type" "name"` header. */
  line: number;
  body: Record<string, unknown>;
}

export interface TerraformFile {
  resources: TerraformResource[];
  /** Tag keys set by `provider "aws" { default_tags { tags = {...} } }` and google `default_labels`. */
  providerDefaults: { aws: Set<string>; google: Set<string> };
  /** True when a provider default is an expression whose keys cannot be read (`default_tags { tags = var.tags }`). */
  providerDefaultsOpaque: { aws: boolean; google: boolean };
}

const BLOCK_HEADER = /^[ \t]*(resource|provider)[ \t]+"?([\w-]+)"?(?:[ \t]+"?([\w-]+)"?)?[ \t]*\{/gm;

/**
 * Parses the `resource` and `provider` blocks of one .tf file (each on its own: HCL parsing time grows
 * with file size, and the rule needs nothing else); falls back to the whole file when the blocks
 * cannot be cut out. Throws TerraformParseError with the position HCL reported.
 */
export async function parseTerraform(path: string, text: string): Promise<TerraformFile> {
  const resources: TerraformResource[] = [];
  const providers: Record<string, unknown>[] = [];
  const blocks: { kind: string; start: number; line: number; end: number }[] = [];
  let cut = true;
  for (const m of text.matchAll(BLOCK_HEADER)) {
    const open = m.index + m[0].length - 1;
    const end = closingBrace(text, open);
    if (end === undefined) {
      cut = false;
      break;
    }
    blocks.push({ kind: m[1]!, start: m.index, line: text.slice(0, m.index).split("\n").length, end });
  }
  if (cut) {
    for (const block of blocks) {
      const json = await parseHcl(path, text.slice(block.start, block.end + 1), block.line - 1);
      collect(json, block.line);
    }
  } else {
    collect(await parseHcl(path, text, 0));
  }
  const file: TerraformFile = {
    resources: resources.sort((a, b) => a.line - b.line),
    providerDefaults: { aws: new Set(), google: new Set() },
    providerDefaultsOpaque: { aws: false, google: false },
  };
  for (const provider of providers) {
    for (const block of asList(provider.aws)) {
      for (const defaults of asList(block.default_tags)) {
        collectKeys(defaults.tags, file.providerDefaults.aws, () => (file.providerDefaultsOpaque.aws = true));
      }
    }
    for (const block of asList(provider.google).concat(asList(provider["google-beta"]))) {
      collectKeys(block.default_labels, file.providerDefaults.google, () => (file.providerDefaultsOpaque.google = true));
    }
  }
  return file;

  function collect(json: Record<string, unknown>, line?: number): void {
    if (isRecord(json.provider)) providers.push(json.provider);
    if (!isRecord(json.resource)) return;
    const lines = line === undefined ? text.split("\n") : [];
    for (const [type, byName] of Object.entries(json.resource)) {
      if (!isRecord(byName)) continue;
      for (const [name, bodies] of Object.entries(byName)) {
        const body = Array.isArray(bodies) ? bodies[0] : bodies;
        resources.push({ type, name, line: line ?? headerLine(lines, type, name), body: isRecord(body) ? body : {} });
      }
    }
  }
}

function headerLine(lines: string[], type: string, name: string): number {
  const header = new RegExp(`^\\s*resource\\s+"?${escapeRegExp(type)}"?\\s+"?${escapeRegExp(name)}"?\\s*\\{`);
  const index = lines.findIndex((l) => header.test(l));
  return index < 0 ? 1 : index + 1;
}

function asList(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}

/** Keys of a literal map; for an expression, the keys written literally in it (`merge(local.x, { team = "a" })`). */
export function literalKeys(value: unknown): { keys: Set<string>; opaque: boolean } {
  const keys = new Set<string>();
  if (isRecord(value)) {
    for (const key of Object.keys(value)) keys.add(key);
    return { keys, opaque: false };
  }
  if (typeof value === "string" && value.includes("${")) {
    for (const m of value.matchAll(/[{,]\s*"?([\w.:/-]+)"?\s*=(?!=)/g)) keys.add(m[1]!);
    // Any reference (var., local., module., data., a function of them) may add keys we cannot see.
    return { keys, opaque: /\b(var|local|module|data)\.[\w-]/.test(value) };
  }
  return { keys, opaque: false };
}

function collectKeys(value: unknown, into: Set<string>, onOpaque: () => void): void {
  const { keys, opaque } = literalKeys(value);
  for (const key of keys) into.add(key);
  if (opaque) onOpaque();
}

/**
 * Resource types that take tags/labels, by provider. Not exhaustive: a resource that already sets its
 * tag attribute is judged whatever its type, and `resourceTypes` adds more.
 */
export const TAGGABLE_TYPES: readonly string[] = [
  // AWS (tags)
  "aws_instance",
  "aws_launch_template",
  "aws_autoscaling_group",
  "aws_ebs_volume",
  "aws_eip",
  "aws_ami",
  "aws_s3_bucket",
  "aws_efs_file_system",
  "aws_fsx_*",
  "aws_backup_vault",
  "aws_db_instance",
  "aws_rds_cluster",
  "aws_rds_cluster_instance",
  "aws_dynamodb_table",
  "aws_elasticache_cluster",
  "aws_elasticache_replication_group",
  "aws_redshift_cluster",
  "aws_docdb_cluster",
  "aws_neptune_cluster",
  "aws_opensearch_domain",
  "aws_elasticsearch_domain",
  "aws_memorydb_cluster",
  "aws_keyspaces_table",
  "aws_lambda_function",
  "aws_ecs_cluster",
  "aws_ecs_service",
  "aws_ecs_task_definition",
  "aws_eks_cluster",
  "aws_eks_node_group",
  "aws_ecr_repository",
  "aws_batch_compute_environment",
  "aws_sfn_state_machine",
  "aws_apprunner_service",
  "aws_elastic_beanstalk_environment",
  "aws_sqs_queue",
  "aws_sns_topic",
  "aws_kinesis_stream",
  "aws_kinesis_firehose_delivery_stream",
  "aws_msk_cluster",
  "aws_mq_broker",
  "aws_cloudwatch_log_group",
  "aws_cloudwatch_event_bus",
  "aws_vpc",
  "aws_subnet",
  "aws_nat_gateway",
  "aws_internet_gateway",
  "aws_lb",
  "aws_alb",
  "aws_elb",
  "aws_lb_target_group",
  "aws_vpc_endpoint",
  "aws_transit_gateway",
  "aws_cloudfront_distribution",
  "aws_api_gateway_rest_api",
  "aws_apigatewayv2_api",
  "aws_route53_zone",
  "aws_globalaccelerator_accelerator",
  "aws_kms_key",
  "aws_secretsmanager_secret",
  "aws_sagemaker_endpoint",
  "aws_sagemaker_notebook_instance",
  "aws_glue_job",
  "aws_emr_cluster",
  "aws_athena_workgroup",
  "aws_codebuild_project",
  "aws_workspaces_workspace",
  // Google Cloud (labels)
  "google_compute_instance",
  "google_compute_instance_template",
  "google_compute_disk",
  "google_compute_image",
  "google_compute_address",
  "google_compute_forwarding_rule",
  "google_storage_bucket",
  "google_sql_database_instance",
  "google_container_cluster",
  "google_container_node_pool",
  "google_cloud_run_service",
  "google_cloud_run_v2_service",
  "google_cloud_run_v2_job",
  "google_cloudfunctions_function",
  "google_cloudfunctions2_function",
  "google_pubsub_topic",
  "google_pubsub_subscription",
  "google_bigquery_dataset",
  "google_bigquery_table",
  "google_redis_instance",
  "google_spanner_instance",
  "google_bigtable_instance",
  "google_dataproc_cluster",
  "google_filestore_instance",
  "google_alloydb_cluster",
  "google_memcache_instance",
  "google_artifact_registry_repository",
  "google_kms_crypto_key",
  "google_secret_manager_secret",
  "google_dataflow_job",
  "google_vertex_ai_endpoint",
  // Azure (tags)
  "azurerm_resource_group",
  "azurerm_kubernetes_cluster",
  "azurerm_kubernetes_cluster_node_pool",
  "azurerm_storage_account",
  "azurerm_linux_virtual_machine",
  "azurerm_windows_virtual_machine",
  "azurerm_virtual_machine",
  "azurerm_linux_virtual_machine_scale_set",
  "azurerm_windows_virtual_machine_scale_set",
  "azurerm_managed_disk",
  "azurerm_virtual_network",
  "azurerm_public_ip",
  "azurerm_lb",
  "azurerm_application_gateway",
  "azurerm_nat_gateway",
  "azurerm_firewall",
  "azurerm_frontdoor",
  "azurerm_cdn_profile",
  "azurerm_dns_zone",
  "azurerm_postgresql_flexible_server",
  "azurerm_mysql_flexible_server",
  "azurerm_mssql_server",
  "azurerm_mssql_database",
  "azurerm_cosmosdb_account",
  "azurerm_redis_cache",
  "azurerm_servicebus_namespace",
  "azurerm_eventhub_namespace",
  "azurerm_key_vault",
  "azurerm_container_registry",
  "azurerm_service_plan",
  "azurerm_app_service_plan",
  "azurerm_linux_web_app",
  "azurerm_windows_web_app",
  "azurerm_linux_function_app",
  "azurerm_windows_function_app",
  "azurerm_function_app",
  "azurerm_container_app",
  "azurerm_container_app_environment",
  "azurerm_container_group",
  "azurerm_log_analytics_workspace",
  "azurerm_application_insights",
  "azurerm_search_service",
  "azurerm_data_factory",
  "azurerm_databricks_workspace",
  "azurerm_synapse_workspace",
  "azurerm_api_management",
  "azurerm_signalr_service",
];

export type CloudProvider = "aws" | "google" | "azurerm";

export function providerOf(type: string): CloudProvider | undefined {
  if (type.startsWith("aws_")) return "aws";
  if (type.startsWith("google_")) return "google";
  if (type.startsWith("azurerm_")) return "azurerm";
  return undefined;
}

/**
 * The tag/label attribute a resource carries its cost-allocation keys in, as a value to read keys from.
 * Returns undefined when the resource does not set it.
 */
export function resourceTags(resource: TerraformResource): { attribute: string; value: unknown; keys: Set<string>; opaque: boolean } | undefined {
  const body = resource.body;
  const provider = providerOf(resource.type);
  if (provider === "aws" && resource.type === "aws_autoscaling_group") {
    // Auto Scaling groups take repeated `tag { key = ... value = ... }` blocks.
    const blocks = asList(body.tag);
    if (blocks.length > 0) {
      const keys = new Set(blocks.map((b) => b.key).filter((k): k is string => typeof k === "string"));
      return { attribute: "tag", value: blocks, keys, opaque: blocks.some((b) => typeof b.key !== "string") };
    }
  }
  const candidates =
    provider === "google"
      ? resource.type === "google_container_cluster"
        ? ["resource_labels"]
        : resource.type === "google_sql_database_instance"
          ? ["settings.user_labels"]
          : ["labels"]
      : ["tags"];
  for (const attribute of candidates) {
    let value: unknown = body;
    for (const key of attribute.split("."))
      value = isRecord(value) ? value[key] : Array.isArray(value) && isRecord(value[0]) ? value[0][key] : undefined;
    if (Array.isArray(value) && value.length === 1 && isRecord(value[0])) value = value[0];
    if (value === undefined) continue;
    const { keys, opaque } = literalKeys(value);
    return { attribute, value, keys, opaque };
  }
  return undefined;
}

export function tagAttributeName(type: string): string {
  if (type === "google_container_cluster") return "resource_labels";
  if (type === "google_sql_database_instance") return "settings.user_labels";
  return providerOf(type) === "google" ? "labels" : "tags";
}
