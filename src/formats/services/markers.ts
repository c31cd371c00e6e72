/**
 * Deployable units: what makes a directory a service (a Dockerfile or package manifest plus an
 * entrypoint), compose services and Backstage catalog components. Pure: callers supply texts and path lists.
 */
import { isRecord, type StructuredFile } from "../../engine/structured.js";
import { isPackageManifest } from "../common/noise.js";
import { basename, extension } from "../common/paths.js";
import { isDockerfile } from "../infra/kinds.js";

/** A file that can make its directory a deployable unit. */
export function isServiceMarker(path: string): boolean {
  return isDockerfile(path) || isPackageManifest(path);
}

/**
 * Files (relative to a service directory) that start a process: main packages, app servers and
 * framework launchers. Library entry points (index.ts, lib.rs, __init__.py) are deliberately absent.
 */
const ENTRYPOINTS: RegExp[] = [
  /^(cmd\/[\w.-]+\/)?main\.go$/,
  /^(src\/)?([\w-]+\/)?(main|app|server|wsgi|asgi|manage|__main__)\.py$/,
  /^(src\/)?(server|app|main)\.(js|ts|mjs|cjs)$/,
  /^src\/main\.rs$/,
  /^src\/bin\/[\w-]+\.rs$/,
  /^src\/main\/(java|kotlin)\/.*(Application|Main)\.(java|kt)$/,
  /^([\w.-]+\/)?Program\.cs$/,
  /^config\.ru$/,
  /^bin\/rails$/,
  /^Procfile$/,
  /^lib\/[\w]+\/application\.ex$/,
];

/** The first entrypoint among `relativePaths` (paths relative to the service directory), if any. */
export function findEntrypoint(relativePaths: readonly string[]): string | undefined {
  return relativePaths.find((p) => ENTRYPOINTS.some((re) => re.test(p)));
}

/** True when a Dockerfile starts a process of its own (CMD or ENTRYPOINT). */
export function dockerfileHasEntrypoint(text: string): boolean {
  return /^\s*(CMD|ENTRYPOINT)\b/im.test(text);
}

/** True when a package manifest declares how to start the unit (npm start/serve script, Python script entry points). */
export function manifestHasEntrypoint(path: string, text: string): boolean {
  const name = basename(path);
  if (name === "package.json") {
    try {
      const pkg = JSON.parse(text) as unknown;
      if (!isRecord(pkg) || !isRecord(pkg.scripts)) return false;
      return typeof pkg.scripts.start === "string" || typeof pkg.scripts.serve === "string";
    } catch {
      return false;
    }
  }
  if (name === "pyproject.toml") return /^\[(project\.scripts|tool\.poetry\.scripts)\]/m.test(text);
  if (extension(path) === "csproj") return /Sdk="Microsoft\.NET\.Sdk\.(Web|Worker)"/.test(text);
  return false;
}

export interface ComposeService {
  name: string;
  /** Build context relative to the compose file's directory, when the service is built from this repository. */
  build?: string;
  /** Dockerfile path relative to the build context, when not the context's own Dockerfile. */
  dockerfile?: string;
  image?: string;
  line: number;
}

/** Services of a parsed compose file. */
export function composeServices(file: StructuredFile): ComposeService[] {
  const doc = file.docs[0];
  if (!doc || !isRecord(doc.value) || !isRecord(doc.value.services)) return [];
  return Object.entries(doc.value.services).map(([name, spec]) => {
    const service: ComposeService = { name, line: doc.lineOf(["services", name]) };
    if (isRecord(spec)) {
      if (typeof spec.build === "string") service.build = spec.build;
      else if (isRecord(spec.build)) {
        service.build = typeof spec.build.context === "string" ? spec.build.context : ".";
        if (typeof spec.build.dockerfile === "string") service.dockerfile = spec.build.dockerfile;
      }
      if (typeof spec.image === "string") service.image = spec.image;
    }
    return service;
  });
}

export interface CatalogComponent {
  name: string;
  type?: string;
  lifecycle?: string;
  line: number;
  lifecycleLine: number;
}

/** Backstage `kind: Component` entities of a parsed catalog file. */
export function catalogComponents(file: StructuredFile): CatalogComponent[] {
  const out: CatalogComponent[] = [];
  for (const doc of file.docs) {
    const value = doc.value;
    if (!isRecord(value) || value.kind !== "Component" || typeof value.apiVersion !== "string" || !value.apiVersion.startsWith("backstage.io/"))
      continue;
    const metadata = isRecord(value.metadata) ? value.metadata : {};
    const spec = isRecord(value.spec) ? value.spec : {};
    if (typeof metadata.name !== "string") continue;
    out.push({
      name: metadata.name,
      type: typeof spec.type === "string" ? spec.type : undefined,
      lifecycle: typeof spec.lifecycle === "string" ? spec.lifecycle : undefined,
      line: doc.lineOf(["kind"]),
      lifecycleLine: doc.lineOf(["spec", "lifecycle"]),
    });
  }
  return out;
}

/** Catalog components that are code libraries or docs rather than something deployed. */
export function isDeployableComponent(component: CatalogComponent): boolean {
  return component.type === undefined || !/^(library|documentation|docs|template)$/i.test(component.type);
}

/** Lifecycle values that mean the component is being retired. */
export function isRetiredLifecycle(lifecycle: string | undefined): boolean {
  return lifecycle !== undefined && /^(deprecated|retired|decommissioned|sunset|end-of-life|eol|archived)$/i.test(lifecycle);
}

/** Catalog descriptor files (catalog-info.yaml and the like). */
export function isCatalogPath(path: string): boolean {
  return /^catalog-info([._-][\w.-]*)?\.ya?ml$/i.test(basename(path)) || /(^|\/)\.?backstage\/.*\.ya?ml$/.test(path);
}

/**
 * Images teams run but do not build: databases, caches, brokers, proxies and base distributions, as
 * Docker Official Images (`postgres`, `library/redis`, `docker.io/library/mysql`) or under their
 * vendor's own name (`minio/minio`, `postgis/postgis`, `bitnami/redis`).
 */
const INFRASTRUCTURE_IMAGES = new Set([
  "postgres",
  "postgis",
  "mysql",
  "mariadb",
  "percona",
  "mongo",
  "mongodb",
  "redis",
  "valkey",
  "memcached",
  "cassandra",
  "couchdb",
  "couchbase",
  "neo4j",
  "influxdb",
  "clickhouse-server",
  "clickhouse",
  "elasticsearch",
  "opensearch",
  "kibana",
  "logstash",
  "solr",
  "rabbitmq",
  "kafka",
  "zookeeper",
  "nats",
  "eclipse-mosquitto",
  "activemq",
  "pulsar",
  "etcd",
  "consul",
  "vault",
  "nginx",
  "httpd",
  "haproxy",
  "traefik",
  "caddy",
  "envoy",
  "varnish",
  "squid",
  "minio",
  "registry",
  "adminer",
  "phpmyadmin",
  "mongo-express",
  "pgadmin4",
  "mailhog",
  "mailpit",
  "busybox",
  "alpine",
  "ubuntu",
  "debian",
  "pgautoupgrade",
]);
/** Publishers whose every image is someone else's software packaged for running. */
const VENDOR_NAMESPACES = new Set(["library", "bitnami", "bitnamilegacy", "confluentinc", "docker.elastic.co", "mcr.microsoft.com/mssql"]);
const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/**
 * True when an image reference names third-party infrastructure software (a database, cache, broker or
 * proxy image), not something this repository builds. Unknown or templated images are not third-party.
 */
export function isThirdPartyImage(reference: string): boolean {
  const value = reference
    .trim()
    .replace(/^["']|["']$/g, "")
    .replace(/@sha256:[0-9a-f]+$/i, "");
  if (!/^[\w.-]+(?::\d+)?(?:\/[\w.-]+)*(?::[\w.-]+)?$/.test(value)) return false;
  const parts = value
    .replace(/:[\w.-]+$/, "")
    .toLowerCase()
    .split("/");
  const registry = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!) ? parts.shift()! : undefined;
  const name = parts.at(-1)!;
  const namespace = parts.length > 1 ? parts.slice(0, -1).join("/") : undefined;
  if (registry !== undefined && (VENDOR_NAMESPACES.has(registry) || (namespace !== undefined && VENDOR_NAMESPACES.has(`${registry}/${namespace}`))))
    return true;
  if (registry !== undefined && !DOCKER_HUB.has(registry)) return false;
  if (namespace === undefined) return INFRASTRUCTURE_IMAGES.has(name);
  if (VENDOR_NAMESPACES.has(namespace)) return true;
  // The vendor's own image under its own name: minio/minio, postgis/postgis, pgautoupgrade/pgautoupgrade.
  return namespace === name && INFRASTRUCTURE_IMAGES.has(name);
}
