import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { outboundCallTimeout } from "../../src/rules/outbound-call-timeout.js";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

async function flaggedLines(path: string, text: string, severity: "warning" | "error" = "warning") {
  const config = defaultConfig();
  config.rules["outbound-call-timeout"] = { severity, options: {} };
  const report = await reviewChange(changeFromTrees({}, { [path]: text }), config, { rules: [outboundCallTimeout], triggers: [] });
  return report.findings.map((f) => [f.line, f.severity]);
}

describe("outbound-call-timeout", () => {
  const invalid: [string, string, number][] = [
    ["a.ts", "await fetch(url);", 1],
    ["a.ts", "await fetch(url, { method: 'POST' });", 1],
    ["a.ts", "const r = await axios.get(url);", 1],
    ["a.ts", "await axios.post(url, body, { headers });", 1],
    ["a.ts", "await axios({ url, method: 'get' });", 1],
    ["a.js", "const http = require('http');\nhttp.get('http://x', (res) => {});", 2],
    ["app.module.ts", 'import { HttpModule } from "@nestjs/axios";\n@Module({ imports: [HttpModule], providers: [] })', 2],
    ["app.module.ts", 'import { HttpModule } from "@nestjs/axios";\n@Module({\n  imports: [HttpModule.register({ maxRedirects: 3 })],\n})', 3],
    ["a.py", "r = requests.get(url)", 1],
    ["a.py", "r = requests.request('GET', url, headers=h)", 1],
    ["a.py", "with requests.Session() as s:\n    s.post(url, json=body)", 2],
    ["a.py", "self.session = requests.Session()\nself.session.get(url)", 2],
    ["a.py", "client = httpx.Client(timeout=None)", 1],
    ["a.py", "urllib.request.urlopen(url)", 1],
    ["a.py", "import http.client\nconn = http.client.HTTPSConnection('api.example.com')", 2],
    ["a.py", "http = urllib3.PoolManager(retries=3)", 1],
    ["a.go", 'resp, err := http.Post(u, "application/json", body)', 1],
    ["a.go", "c := http.Client{Transport: t}", 1],
    ["A.java", "RestTemplate t = new RestTemplate();", 1],
    ["A.kt", "val client = WebClient.builder().baseUrl(url).build()", 1],
  ];
  it.each(invalid)("flags %s: %s", async (path, text, line) => {
    expect((await flaggedLines(path, text)).map(([l]) => l)).toEqual([line]);
  });

  const valid: [string, string][] = [
    ["a.ts", "await fetch(url, { signal: AbortSignal.timeout(2000) });"],
    ["a.ts", "await fetch(url, init); // options built elsewhere"],
    ["a.ts", "axios.defaults.timeout = 3000;\nawait axios.get(url);"],
    ["a.ts", "await client.get(url); // an instance: its defaults decide"],
    ["a.ts", "const s = `fetch(${url})`;"],
    ["a.ts", "await got(url); // not the got library: no import"],
    ["app.module.ts", 'import { HttpModule } from "@nestjs/axios";\n@Module({ imports: [HttpModule.register({ timeout: 5000 })] })'],
    ["app.module.ts", 'import { HttpModule } from "@nestjs/axios";\n@Module({ imports: [HttpModule.registerAsync({ useFactory: () => cfg })] })'],
    ["a.py", "requests.get(url, timeout=(3.05, 27))"],
    ["a.py", "requests.post(url, **options)"],
    ["a.py", "# requests.get(url)"],
    ["a.py", "cache.get(key)"],
    ["a.py", "httpx.post(url, json=body)"],
    ["a.py", "urlopen(url, timeout=10)"],
    ["a.py", "import http.client\nconn = http.client.HTTPSConnection('api.example.com', timeout=5)"],
    ["a.py", "http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=5.0))"],
    ["a.go", "c := &http.Client{\n\tTimeout: 3 * time.Second,\n}"],
    ["a.go", "http.DefaultClient.Timeout = 10 * time.Second"],
    ["A.java", "HttpClient c = HttpClient.newBuilder()\n    .connectTimeout(Duration.ofSeconds(2))\n    .build();"],
    ["A.java", "RestTemplate t = new RestTemplate(factory);"],
    ["A.java", "RestTemplate t = new RestTemplate();\nt.setRequestFactory(factoryWithTimeouts);"],
  ];
  it.each(valid)("accepts %s: %s", async (path, text) => {
    expect(await flaggedLines(path, text)).toEqual([]);
  });

  it("keeps ambiguous findings as warnings when the rule is raised to error", async () => {
    const text = "await fetch(url);\nr = 1;\n";
    expect(await flaggedLines("a.ts", text, "error")).toEqual([[1, "warning"]]);
    expect(await flaggedLines("a.py", "requests.get(url)\n", "error")).toEqual([[1, "error"]]);
  });

  it("reads a multi-line call to its closing parenthesis", async () => {
    const text = "requests.post(\n    url,\n    json=body,\n    timeout=5,\n)\nrequests.post(\n    url,\n    json=body,\n)\n";
    expect(await flaggedLines("a.py", text)).toEqual([[6, "warning"]]);
  });

  it("gives two identical calls distinct ids", async () => {
    const report = await reviewChange(changeFromTrees({}, { "a.go": "http.Get(u)\nhttp.Get(u)\n" }), defaultConfig(), {
      rules: [outboundCallTimeout],
      triggers: [],
    });
    expect(report.findings.map((f) => f.line)).toEqual([1, 2]);
    expect(new Set(report.findings.map((f) => f.id)).size).toBe(2);
  });
});

describe("outbound-call-timeout on broken input", () => {
  it("notes a call it cannot read to the end instead of guessing", async () => {
    const report = await reviewChange(changeFromTrees({}, { "a.py": "import requests\nrequests.get(\n    url,\n" }), defaultConfig(), {
      rules: [outboundCallTimeout],
      triggers: [],
    });
    expect(report.findings).toEqual([]);
    expect(report.notes.map(noteText)).toEqual([
      "outbound-call-timeout: a.py:2: could not find the end of this call (unbalanced brackets); it was not judged",
    ]);
  });

  it("says nothing of an unreadable call no detector could judge (a Python file that never names requests)", async () => {
    const report = await reviewChange(changeFromTrees({}, { "cache.py": "import redis\nvalue = cache.get(\n    key,\n" }), defaultConfig(), {
      rules: [outboundCallTimeout],
      triggers: [],
    });
    expect(report.findings).toEqual([]);
    expect(report.notes.map(noteText)).toEqual([]);
  });
});
