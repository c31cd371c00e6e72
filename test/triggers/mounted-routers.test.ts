/**
 * Express/Fastify routers mounted from other files: a route's full path joins every mount prefix on the way
 * (app.js -> routes/v1/index.js -> routes/v1/auth.route.js), on each side of the change.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { codeSource } from "../../src/formats/source/code-model.js";
import { resolveRelativeModule, routerMounts } from "../../src/formats/source/router-mounts.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import { FIXTURES, loadScenario } from "../helpers/fixtures.js";

async function review(scenario: string) {
  const s = loadScenario(join(FIXTURES, scenario));
  const report = await reviewChange(s.change, s.config);
  return {
    hits: report.triggers.find((t) => t.id === "api-contract")?.hits ?? [],
    breaks: report.findings
      .filter((f) => f.rule === "breaking-api-change")
      .map((f) => `${f.file}:${f.line} ${f.message.split(":")[0]}: ${f.message.split(": ")[1]}`),
  };
}

describe("router mounts", () => {
  it("reads use() of imported routers (not destructured middleware), { path, route } lists walked by forEach, and fastify register prefixes", () => {
    const mounts = (path: string, text: string) => routerMounts(codeSource(path, text)!);
    expect(
      mounts(
        "src/app.js",
        [
          "const express = require('express');", // 1
          "const routes = require('./routes/v1');", // 2
          "const { authLimiter } = require('./middlewares/rateLimiter');", // 3
          "const app = express();", // 4
          "app.use('/v1/auth', authLimiter);", // 5
          "app.use('/v1', routes);", // 6
          "app.use(config.prefix, require('./routes/admin'));", // 7
        ].join("\n"),
      ),
    ).toEqual([
      { prefix: "/v1", specifier: "./routes/v1", line: 6 },
      { prefix: undefined, specifier: "./routes/admin", line: 7 },
    ]);
    expect(
      mounts(
        "src/routes/v1/index.js",
        [
          "const express = require('express');", // 1
          "const authRoute = require('./auth.route');", // 2
          "const router = express.Router();", // 3
          "const defaultRoutes = [", // 4
          "  { path: '/auth', route: authRoute },", // 5
          "];", // 6
          "defaultRoutes.forEach((route) => { router.use(route.path, route.route); });", // 7
        ].join("\n"),
      ),
    ).toEqual([{ prefix: "/auth", specifier: "./auth.route", line: 5 }]);
    expect(
      mounts(
        "src/server.ts",
        [
          "import Fastify from 'fastify';",
          "import orders from './routes/orders.js';",
          "const app = Fastify();",
          "app.register(orders, { prefix: '/v1/orders' });",
        ].join("\n"),
      ),
    ).toEqual([{ prefix: "/v1/orders", specifier: "./routes/orders.js", line: 4 }]);
  });

  it("resolves relative specifiers to index files, extensions and TypeScript sources imported by their .js name", () => {
    const files = new Set(["src/routes/v1/index.js", "src/routes/orders.ts"]);
    expect(resolveRelativeModule("src/app.js", "./routes/v1", (p) => files.has(p))).toBe("src/routes/v1/index.js");
    expect(resolveRelativeModule("src/app.ts", "./routes/orders.js", (p) => files.has(p))).toBe("src/routes/orders.ts");
    expect(resolveRelativeModule("src/app.ts", "../../outside", (p) => files.has(p))).toBeUndefined();
  });
});

describe("full paths of mounted routes", () => {
  it("names a renamed auth route by its full path in the node-express-boilerplate layout", async () => {
    const { hits, breaks } = await review("rules/breaking-api-change/fire/express-mounted-router-refresh-tokens-renamed");
    expect(hits).toEqual([
      {
        file: "src/routes/v1/auth.route.js",
        line: 10,
        reason: "adds route POST /v1/auth/refresh-tokens; removes route POST /v1/auth/refreshTokens (Express) in src/routes/v1/auth.route.js",
      },
    ]);
    expect(breaks).toEqual(["src/routes/v1/auth.route.js:10 Breaking API change: POST /v1/auth/refreshTokens"]);
  });

  it("a route moved to a router mounted higher up under the same full path is no removal", async () => {
    const { hits, breaks } = await review("rules/breaking-api-change/pass/express-refund-route-moved-to-router-mounted-higher");
    expect(hits).toEqual([
      { file: "src/routes/refunds.js", line: 7, reason: "adds route GET /v1/refunds/:refundId (Express) in src/routes/refunds.js" },
    ]);
    expect(breaks).toEqual([]);
  });

  it("remounting an unchanged router changes its routes' paths, reported at the mount line of app.js", async () => {
    const { hits, breaks } = await review("rules/breaking-api-change/fire/express-orders-router-remounted-in-app-js");
    expect(hits).toEqual([
      {
        file: "src/app.js",
        line: 8,
        reason:
          "adds routes GET /v1/purchase-orders, POST /v1/purchase-orders, GET /v1/purchase-orders/:orderId; removes routes GET /v1/orders, POST /v1/orders, GET /v1/orders/:orderId (Express) in src/app.js",
      },
    ]);
    expect(breaks).toEqual(["src/app.js:8 Breaking API change: GET /v1/orders (and POST /v1/orders, GET /v1/orders/:orderId)"]);
  });

  it("a codemod rewriting imports in files that mount no router reads no base version of them; a removed mount is still found", async () => {
    const body = "export function handler(req, res) {\n  res.send(log('ok'));\n}\n";
    const base: Record<string, string> = {};
    const head: Record<string, string> = {};
    for (let i = 0; i < 5; i++) {
      base[`src/handlers/h${i}.js`] = `import { log } from "./legacy/log";\n${body}`;
      head[`src/handlers/h${i}.js`] = `import { log } from "./log";\n${body}`;
    }
    base["src/routes/orders.js"] =
      "const router = require('express').Router();\nrouter.get('/:id', (req, res) => res.send());\nmodule.exports = router;\n";
    head["src/routes/orders.js"] = base["src/routes/orders.js"];
    base["src/app.js"] =
      "const express = require('express');\nconst orders = require('./routes/orders');\nconst app = express();\napp.use('/v1/orders', orders);\n";
    head["src/app.js"] = "const express = require('express');\nconst app = express();\n";
    const change = changeFromTrees(base, head);
    const read = change.read.bind(change);
    const baseReads: string[] = [];
    change.read = (side, path, options) => {
      if (side === "base") baseReads.push(path);
      return read(side, path, options);
    };
    const report = await reviewChange(change, defaultConfig());
    expect(baseReads.filter((p) => p.startsWith("src/handlers/"))).toEqual([]);
    expect(baseReads).toContain("src/app.js");
    expect(report.findings.filter((f) => f.rule === "breaking-api-change").map((f) => `${f.file}:${f.line}`)).toEqual(["src/app.js:4"]);
  });
});
