import { z } from "zod";
import { defineRule, type ReviewView, type TriggerHit } from "../engine/types.js";
import { asArray, isRecord, type StructuredDoc } from "../engine/structured.js";
import { CODEOWNERS_PATHS, ownersOf, parseCodeowners } from "../formats/codeowners/codeowners.js";
import { basename, dirname } from "../formats/common/paths.js";

/** A field path such as `spec.owner` or `metadata.annotations["pagerduty.com/service-id"]`. */
const fieldPath = z
  .string()
  .min(1)
  .refine((p) => parseFieldPath(p) !== undefined, {
    message: 'use dotted keys, with ["..."] for keys holding dots: metadata.annotations["pagerduty.com/service-id"]',
  });

const options = z
  .object({
    /** Catalog file names looked up in the service directory, then in each parent up to the root. */
    catalogFiles: z
      .array(z.string().min(1))
      .min(1)
      .default(["catalog-info.yaml", "catalog-info.yml"])
      .describe("Catalog file names looked up in the service directory, then in each parent up to the root."),
    /** Where the owning team is named (any one set counts). */
    owner: z.array(fieldPath).min(1).default(["spec.owner"]).describe("Catalog fields naming the owning team (any one set counts)."),
    /** Where the on-call rota or escalation is named (Backstage PagerDuty/Opsgenie plugin annotations). */
    onCall: z
      .array(fieldPath)
      .min(1)
      .default([
        'metadata.annotations["pagerduty.com/service-id"]',
        'metadata.annotations["pagerduty.com/integration-key"]',
        'metadata.annotations["opsgenie.com/team"]',
        'metadata.annotations["opsgenie.com/component-selector"]',
        'metadata.annotations["splunk.com/on-call-routing-key"]',
        "spec.oncall",
      ])
      .describe("Catalog fields naming the on-call rota or escalation (any one set counts)."),
    /** Where the runbook is linked; a `metadata.links` entry whose title, type or url says runbook/playbook counts too. */
    runbook: z
      .array(fieldPath)
      .min(1)
      .default(['metadata.annotations["runbook"]', 'metadata.annotations["archgate.io/runbook"]', "spec.runbook"])
      .describe("Catalog fields linking the runbook; a link or annotation that says runbook/playbook always counts."),
    /**
     * Where the service tier (criticality) is set. `spec.lifecycle` is not in the default: Backstage
     * requires it on every component and it says how mature a component is, not how critical.
     */
    tier: z
      .array(fieldPath)
      .min(1)
      .default([
        "metadata.labels.tier",
        'metadata.labels["service-tier"]',
        "metadata.annotations.tier",
        'metadata.annotations["archgate.io/tier"]',
        "spec.tier",
      ])
      .describe("Catalog fields setting the service tier (criticality); add `spec.lifecycle` to accept it."),
    /** Require a CODEOWNERS entry (with owners) covering the service's files. */
    codeowners: z.boolean().default(true).describe("Require a CODEOWNERS entry with owners covering the service."),
  })
  .strict();

type Options = z.output<typeof options>;

/** Splits `a.b["c.d/e"]` into ["a", "b", "c.d/e"]; undefined when malformed. */
export function parseFieldPath(path: string): string[] | undefined {
  const parts: string[] = [];
  const re = /\.?(?:([A-Za-z0-9_$-]+)|\["([^"]+)"\]|\['([^']+)'\])/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = re.exec(path)) !== null) {
    parts.push(match[1] ?? match[2] ?? match[3]!);
    consumed = re.lastIndex;
  }
  return consumed === path.length && parts.length > 0 ? parts : undefined;
}

function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const key of parseFieldPath(path) ?? []) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function isFilled(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

interface Service {
  root: string;
  /** The service's name: the workload, compose service, chart or Component the trigger named, else the directory's name. */
  name: string;
  hit: TriggerHit;
}

/** The unit a new-service hit names ("adds Deployment cart in k8s/cart.yaml" -> cart, "adds Argo CD Application guestbook …" -> guestbook); undefined for a service directory. */
export function unitName(hit: TriggerHit): string | undefined {
  return /^adds (?:compose service|Helm chart|catalog Component|Kustomize app|Argo CD [A-Z]\w*|Flux [A-Z]\w*|(?!service directory)[A-Z]\w*) ([^\s(]+)/.exec(
    hit.reason,
  )?.[1];
}

/**
 * One service per directory: a hit inside another hit's directory belongs to that service. A new
 * Component added to a catalog file at the root stands for itself (one root catalog lists many).
 */
function servicesOf(hits: readonly TriggerHit[], catalogFiles: readonly string[]): Service[] {
  const services: Service[] = [];
  // Outermost first; within a directory the file that made it a service (Dockerfile, manifest) before its catalog entry.
  const isCatalog = (hit: TriggerHit) => (catalogFiles.includes(basename(hit.file)) ? 1 : 0);
  const sorted = [...hits].sort(
    (a, b) => dirname(a.file).split("/").length - dirname(b.file).split("/").length || isCatalog(a) - isCatalog(b) || a.file.localeCompare(b.file),
  );
  for (const hit of sorted) {
    const root = dirname(hit.file);
    const unit = unitName(hit);
    // Inside a new service directory: part of that service (its manifests, chart, catalog entry).
    if (services.some((s) => s.root !== "" && (root === s.root || root.startsWith(`${s.root}/`)) && (unitName(s.hit) === undefined || !unit)))
      continue;
    // Several workloads in one manifests folder are several services; the same unit twice is one.
    const name = unit ?? basename(root);
    // A workload and a directory of the same name (deploy/k8s/payments.yaml, services/payments/) are one service,
    // at home in its directory: that is where its catalog entry belongs.
    const same = services.findIndex((s) => s.name === name && (s.root === root || unit !== undefined || unitName(s.hit) !== undefined));
    if (same >= 0) {
      if (unit === undefined && unitName(services[same]!.hit) !== undefined) services[same] = { root, name, hit };
      continue;
    }
    services.push({ root, name, hit });
  }
  return services;
}

interface CatalogEntity {
  file: string;
  doc: StructuredDoc;
  value: Record<string, unknown>;
}

const ENTITY_KINDS = new Set(["Component", "Resource", "System", "API"]);

export const serviceOwnership = defineRule({
  meta: {
    id: "service-ownership",
    title: "New service without ownership metadata",
    category: "maintainability",
    defaultSeverity: "warning",
    description:
      "A new service (as the new-service trigger sees it) comes without catalog metadata naming its owner, on-call, runbook and tier, or without a CODEOWNERS entry covering it.",
    options,
    messages: {
      noCatalogEntry: "new service {{service}} has no catalog entry ({{catalogFiles}}) naming its owner, on-call, runbook and tier",
      catalogEntryIncomplete: "catalog entry {{entry}}of new service {{service}} names no {{missing}}",
      noCodeownersFile: "new service {{service}} has no CODEOWNERS entry (no CODEOWNERS file in {{paths}})",
      unownedByCodeowners: "new service {{service}} is left unowned by {{file}}:{{line}} (`{{pattern}}` without owners is the last matching pattern)",
      noCodeownersEntry: "new service {{service}} has no CODEOWNERS entry in {{file}}",
    },
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const services = servicesOf(ctx.triggerHits("new-service"), opts.catalogFiles);
    if (services.length === 0) return;
    const headPaths = new Set(await ctx.paths("head"));
    const codeowners = opts.codeowners ? await readCodeowners(ctx, headPaths) : undefined;

    for (const service of services) {
      const label = unitName(service.hit) ? `${service.name} (${service.hit.file})` : service.root === "" ? "the repository root" : service.root;
      const entity = await findCatalogEntity(ctx, headPaths, service, opts);
      if (entity === "unreadable") {
        // The catalog file exists but does not parse: a problem was recorded; nothing to judge here.
      } else if (!entity) {
        ctx.report({
          messageId: "noCatalogEntry",
          data: { service: label, catalogFiles: opts.catalogFiles.join(" or ") },
          file: service.hit.file,
          line: service.hit.line ?? 1,
          remediation: `Add ${service.root === "" ? "" : `${service.root}/`}${opts.catalogFiles[0]} (a Backstage Component) with spec.owner, an on-call annotation (pagerduty.com/service-id or opsgenie.com/team), a runbook link and a tier label.`,
          key: `${service.root}:catalog`,
        });
      } else {
        const missing: string[] = [];
        if (!opts.owner.some((p) => isFilled(valueAt(entity.value, p)))) missing.push("owner");
        if (!opts.onCall.some((p) => isFilled(valueAt(entity.value, p)))) missing.push("on-call");
        if (!opts.runbook.some((p) => isFilled(valueAt(entity.value, p))) && !hasRunbookLink(entity.value)) missing.push("runbook");
        if (!opts.tier.some((p) => isFilled(valueAt(entity.value, p)))) missing.push("tier");
        if (missing.length > 0) {
          const name = isRecord(entity.value.metadata) ? String(entity.value.metadata.name ?? "") : "";
          ctx.report({
            messageId: "catalogEntryIncomplete",
            data: { entry: name ? `"${name}" ` : "", service: label, missing: missing.join(", ") },
            file: entity.file,
            line: entity.doc.lineOf(["metadata", "name"]),
            remediation: remediationFor(missing),
            key: `${service.root}:catalog-fields`,
          });
        }
      }

      if (codeowners) {
        const probe = service.hit.file;
        const entry = codeowners.entries.length > 0 ? ownersOf(codeowners.entries, probe) : undefined;
        if (!codeowners.file) {
          ctx.report({
            messageId: "noCodeownersFile",
            data: { service: label, paths: CODEOWNERS_PATHS.join(", ") },
            file: service.hit.file,
            line: service.hit.line ?? 1,
            remediation: `Add .github/CODEOWNERS with a line such as \`/${service.root}/ @org/team\`.`,
            key: `${service.root}:codeowners`,
          });
        } else if (!entry || entry.owners.length === 0) {
          ctx.report({
            ...(entry
              ? { messageId: "unownedByCodeowners", data: { service: label, file: codeowners.file, line: entry.line, pattern: entry.pattern } }
              : { messageId: "noCodeownersEntry", data: { service: label, file: codeowners.file } }),
            file: service.hit.file,
            line: service.hit.line ?? 1,
            remediation: `Add \`/${service.root}/ @org/team\` to ${codeowners.file}, after any broader pattern (the last matching pattern wins).`,
            key: `${service.root}:codeowners`,
          });
        }
      }
    }
  },
});

function remediationFor(missing: string[]): string {
  const how: Record<string, string> = {
    owner: "spec.owner: <team>",
    "on-call": "metadata.annotations: pagerduty.com/service-id or opsgenie.com/team",
    runbook: "metadata.links: [{title: Runbook, url: ...}]",
    tier: "metadata.labels.tier: <tier>",
  };
  return `Add ${missing.map((m) => how[m]).join("; ")} to the catalog entry.`;
}

function hasRunbookLink(entity: Record<string, unknown>): boolean {
  const metadata = isRecord(entity.metadata) ? entity.metadata : {};
  if (isRecord(metadata.annotations) && Object.entries(metadata.annotations).some(([k, v]) => /runbook|playbook/i.test(k) && isFilled(v)))
    return true;
  return asArray(metadata.links).some(
    (link) =>
      isRecord(link) && isFilled(link.url) && [link.title, link.type, link.url].some((v) => typeof v === "string" && /runbook|playbook/i.test(v)),
  );
}

async function readCodeowners(ctx: ReviewView, headPaths: Set<string>): Promise<{ file?: string; entries: ReturnType<typeof parseCodeowners> }> {
  for (const path of CODEOWNERS_PATHS) {
    if (!headPaths.has(path)) continue;
    const text = await ctx.text("head", path);
    if (text === undefined) continue;
    return { file: path, entries: parseCodeowners(text) };
  }
  return { entries: [] };
}

/**
 * The catalog entity describing `service`: the nearest catalog file (service directory first, then its
 * parents) holding a Component whose name is the directory's name, or the only entity of a file in
 * the service directory itself.
 */
async function findCatalogEntity(
  ctx: ReviewView,
  headPaths: Set<string>,
  service: Service,
  opts: Options,
): Promise<CatalogEntity | "unreadable" | undefined> {
  const serviceName = service.name;
  const hitIsCatalog = opts.catalogFiles.includes(basename(service.hit.file));
  for (let dir: string | undefined = service.root; dir !== undefined; dir = dir === "" ? undefined : dirname(dir)) {
    for (const name of opts.catalogFiles) {
      const file = dir === "" ? name : `${dir}/${name}`;
      if (!headPaths.has(file)) continue;
      const parsed = await ctx.structured("head", file);
      if (!parsed) continue;
      if (parsed.errors.length > 0) {
        const e = parsed.errors[0]!;
        ctx.problem({ file, line: e.line, column: e.column, message: `${file}:${e.line}: catalog file does not parse (${e.message})` });
        return "unreadable";
      }
      const entities = parsed.docs.flatMap((doc) =>
        isRecord(doc.value) && typeof doc.value.kind === "string" && ENTITY_KINDS.has(doc.value.kind) ? [{ file, doc, value: doc.value }] : [],
      );
      // The hit itself may be a new catalog entry: judge the entity it points at.
      if (hitIsCatalog && file === service.hit.file && service.hit.line !== undefined) {
        const atHit = entities.filter((e) => e.doc.startLine <= service.hit.line!).at(-1);
        if (atHit) return atHit;
      }
      const byName = entities.find((e) => isRecord(e.value.metadata) && e.value.metadata.name === serviceName);
      if (byName) return byName;
      if (dir === service.root && entities.length > 0) return entities.find((e) => e.value.kind === "Component") ?? entities[0];
    }
  }
  return undefined;
}
