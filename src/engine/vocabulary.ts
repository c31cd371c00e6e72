/**
 * Stable ids shared by the config, the JSON output and the tests (README "How a review works" lists them).
 * Order matters: review types are listed strongest first, dimensions in checklist order.
 */

export const REVIEW_TYPES = [
  { id: "service-design", title: "Service design review" },
  { id: "decommission", title: "Decommission review" },
  { id: "contract", title: "Contract review" },
  { id: "data", title: "Data review" },
  { id: "production-readiness", title: "Production readiness review" },
  { id: "adr", title: "Architecture decision record" },
] as const;
export type ReviewTypeId = (typeof REVIEW_TYPES)[number]["id"];
export const REVIEW_TYPE_IDS = REVIEW_TYPES.map((t) => t.id) as [ReviewTypeId, ...ReviewTypeId[]];

export const DIMENSIONS = [
  { id: "boundary", title: "Boundary" },
  { id: "api-event", title: "API and events" },
  { id: "data-consistency", title: "Data and consistency" },
  { id: "reliability", title: "Reliability" },
  { id: "observability", title: "Observability" },
  { id: "security-privacy", title: "Security and privacy" },
  { id: "delivery-runtime", title: "Delivery and runtime" },
  { id: "cost-governance", title: "Cost and governance" },
] as const;
export type DimensionId = (typeof DIMENSIONS)[number]["id"];
export const DIMENSION_IDS = DIMENSIONS.map((d) => d.id) as [DimensionId, ...DimensionId[]];

/** Finding categories of an architecture review report (security, reliability, ...) plus `data`. */
export const CATEGORIES = ["security", "reliability", "scalability", "maintainability", "cost", "data"] as const;
export type Category = (typeof CATEGORIES)[number];

/** The prefix of a finding id by category (SEC-3f9a1c, DATA-f841a5), as in an architecture review report. */
export const CATEGORY_PREFIX: Record<Category, string> = {
  security: "SEC",
  reliability: "REL",
  scalability: "SCALE",
  maintainability: "MAINT",
  cost: "COST",
  data: "DATA",
};

export const SEVERITIES = ["error", "warning", "off"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function reviewTypeTitle(id: ReviewTypeId): string {
  return REVIEW_TYPES.find((t) => t.id === id)!.title;
}

export function dimensionTitle(id: DimensionId): string {
  return DIMENSIONS.find((d) => d.id === id)!.title;
}

/** Lower is stronger. */
export function reviewTypeRank(id: ReviewTypeId): number {
  return REVIEW_TYPE_IDS.indexOf(id);
}
