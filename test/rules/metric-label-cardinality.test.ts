import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { metricLabelCardinality } from "../../src/rules/metric-label-cardinality.js";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

async function flagged(path: string, text: string, options: Record<string, unknown> = {}) {
  const config = defaultConfig();
  config.rules["metric-label-cardinality"] = {
    severity: "warning",
    options: metricLabelCardinality.meta.options!.parse(options) as Record<string, unknown>,
  };
  const report = await reviewChange(changeFromTrees({}, { [path]: text }), config, { rules: [metricLabelCardinality], triggers: [] });
  return report.findings.map((f) => [f.line, f.message]);
}

describe("metric-label-cardinality", () => {
  const invalid: [string, string, number, string][] = [
    ["a.ts", "new Counter({ name: 'x', help: 'y', labelNames: ['userId'] });", 1, "userId"],
    ["a.ts", "histogram.labels({ email: u.email }).observe(1);", 1, "email"],
    ["a.js", "c.inc({ labels: { userId: u.id }, exemplarLabels: { traceId: t } });", 1, "userId"],
    ["a.ts", "statsClient.increment('hits', 1, ['ip:' + req.ip]);", 1, "ip"],
    ["a.py", "C = Counter('x', 'y', labelnames=['session_id'])", 1, "session_id"],
    ["a.py", "REQS.labels(method='GET', request_id=rid).inc()", 1, "request_id"],
    ["a.py", "counter.add(1, {'user.id': uid})", 1, "user.id"],
    ["a.go", 'v := promauto.NewGaugeVec(opts, []string{"account_id"})', 1, "account_id"],
    ["a.go", 'counter.Add(ctx, 1, metric.WithAttributes(attribute.String("http.url", u)))', 1, "http.url"],
    ["a.go", 'statsd.Incr("hits", []string{"order_id:" + id}, 1)', 1, "order_id"],
    ["A.java", 'Tags tags = Tags.of("region", r, "traceId", t);', 1, "traceId"],
    ["A.kt", 'Metrics.timer("checkout", "correlationId", id)', 1, "correlationId"],
  ];
  it.each(invalid)("flags %s: %s", async (path, text, line, label) => {
    const found = await flagged(path, text);
    expect(found.map(([l]) => l)).toEqual([line]);
    expect(found[0]![1]).toContain(`\`${label}\``);
  });

  const valid: [string, string][] = [
    ["a.ts", "new Counter({ name: 'x', help: 'y', labelNames: ['route', 'method', 'status'] });"],
    ["a.ts", "const c = new Counter(); // labelNames: ['userId']"],
    ["a.ts", "cache.set('userId', id); map.set(key, { userId });"],
    ["a.ts", "ordersCounter.add(1, { currency });"],
    ["a.ts", "list.add(1, userId, email);"],
    ["a.js", "c.inc({ labels: { code: '200' }, exemplarLabels: { traceId: 'traceA' } });"],
    ["a.go", 'h.(prometheus.ExemplarObserver).ObserveWithExemplar(s, prometheus.Labels{"traceID": id})'],
    ["a.go", 'func getExemplarFn(ctx context.Context) prometheus.Labels {\n\treturn prometheus.Labels{"traceID": id}\n}'],
    ["a.py", "REQS.labels(method='GET', view=view).inc()"],
    ["a.py", "statsd.increment('hits', tags=['endpoint:search', 'env:prod'])"],
    ["a.go", 'v := prometheus.NewCounterVec(opts, []string{"queue", "outcome"})'],
    ["A.java", 'Counter.builder("x").tag("channel", c).register(registry);'],
    ["A.java", 'registry.counter("orders", "channel", order.userId());'],
  ];
  it.each(valid)("accepts %s: %s", async (path, text) => {
    expect(await flagged(path, text)).toEqual([]);
  });

  it("uses the configured unbounded and allowed label names", async () => {
    const text = "new Counter({ name: 'x', help: 'y', labelNames: ['tenant_id', 'path'] });";
    expect((await flagged("a.ts", text)).map(([, m]) => m)).toEqual([
      "labelNames include `path` (path): every distinct value creates a new time series",
    ]);
    expect((await flagged("a.ts", text, { unboundedLabels: ["tenantId", "path"], allowedLabels: ["path"] })).map(([, m]) => m)).toEqual([
      "labelNames include `tenant_id` (tenantId): every distinct value creates a new time series",
    ]);
  });
});

describe("metric-label-cardinality on broken input", () => {
  it("notes a metric declaration it cannot read to the end", async () => {
    const report = await reviewChange(changeFromTrees({}, { "m.ts": "new Counter({ labelNames: ['user_id'],\n" }), defaultConfig(), {
      rules: [metricLabelCardinality],
      triggers: [],
    });
    expect(report.findings).toEqual([]);
    expect(report.notes.map(noteText)).toEqual([
      "metric-label-cardinality: m.ts:1: could not find the end of this call (unbalanced brackets); it was not judged",
    ]);
  });
});
