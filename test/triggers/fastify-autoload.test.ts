/**
 * Fastify apps that load their route plugins with `@fastify/autoload` (the fastify/demo layout): a route of
 * `routes/api/tasks/index.ts` is served under `/api/tasks`, after `options.prefix`; a plugin's own `autoPrefix`
 * replaces the directory part, and `dirNameRoutePrefix: false` drops it.
 */
import { describe, expect, it } from "vitest";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import { codeSource } from "../../src/formats/source/code-model.js";
import { autoloadMounts, autoPrefixOf } from "../../src/formats/source/router-mounts.js";

type Tree = Record<string, string>;

async function apiHits(base: Tree, head: Tree) {
  const report = await reviewChange(changeFromTrees(base, head), defaultConfig(), { rules: [] });
  return report.triggers.find((t) => t.id === "api-contract")?.hits ?? [];
}

/** src/app.ts of the fastify/demo layout; `routesOptions` goes inside the routes autoload's options. */
const app = (routesOptions = "{ ...opts }", extra = "") =>
  [
    "import path from 'node:path'", // 1
    "import fastifyAutoload from '@fastify/autoload'", // 2
    "import { FastifyInstance, FastifyPluginOptions } from 'fastify'", // 3
    "", // 4
    "export default async function serviceApp (fastify: FastifyInstance, opts: FastifyPluginOptions) {", // 5
    "  await fastify.register(fastifyAutoload, {", // 6
    "    dir: path.join(import.meta.dirname, 'plugins/external'),", // 7
    "    options: { ...opts }", // 8
    "  })", // 9
    "  fastify.register(fastifyAutoload, {", // 10
    "    dir: path.join(import.meta.dirname, 'routes'),", // 11
    "    autoHooks: true,", // 12
    `    options: ${routesOptions}${extra}`, // 13
    "  })", // 14
    "}", // 15
    "",
  ].join("\n");

/** src/routes/api/tasks/index.ts: a Fastify plugin with TypeBox routes; `more` adds routes from line 9. */
const tasks = (more: string[] = [], head = "") =>
  [
    "import { FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox'", // 1
    head, // 2
    "", // 3
    "const plugin: FastifyPluginAsyncTypebox = async (fastify) => {", // 4
    "  fastify.get('/:id', { schema: { params: Type.Object({ id: Type.Number() }) } }, async (request) => {", // 5
    "    return fastify.tasksRepository.findById(request.params.id)", // 6
    "  })", // 7
    "", // 8
    ...more,
    "}", //
    "",
    "export default plugin",
    "",
  ].join("\n");

const deleteImage = ["  fastify.delete('/:filename/image', async (request, reply) => {", "    return reply.code(204).send()", "  })"];

const base = (appText = app()): Tree => ({
  "package.json": JSON.stringify({ name: "demo", type: "module", dependencies: { fastify: "^5.0.0", "@fastify/autoload": "^6.0.0" } }),
  "src/app.ts": appText,
  "src/plugins/external/cors.ts": "import cors from '@fastify/cors'\nexport const autoConfig = { methods: ['GET', 'POST'] }\nexport default cors\n",
  "src/routes/api/tasks/index.ts": tasks(),
});

describe("@fastify/autoload route prefixes", () => {
  it("reads the autoloaded directories of src/app.ts, not a dir computed at run time", () => {
    const src = codeSource("src/app.ts", app())!;
    expect(autoloadMounts(src)).toEqual([
      { dir: "plugins/external", prefix: "", dirNamePrefix: true, line: 6 },
      { dir: "routes", prefix: "", dirNamePrefix: true, line: 10 },
    ]);
    const computed =
      "const autoload = require('@fastify/autoload')\nmodule.exports = async (app, opts) => {\n  app.register(autoload, { dir: path.join(__dirname, opts.routesDir) })\n}\n";
    expect(autoloadMounts(codeSource("app.js", computed)!)).toEqual([]);
    expect(autoPrefixOf(codeSource("src/routes/x.ts", "export const autoPrefix = '/batch'\n")!)).toBe("/batch");
  });

  it("names a new route by its full path under the autoloaded directories (fastify/demo 4470023)", async () => {
    const hits = await apiHits(base(), { ...base(), "src/routes/api/tasks/index.ts": tasks(deleteImage) });
    expect(hits).toEqual([
      {
        file: "src/routes/api/tasks/index.ts",
        line: 9,
        reason: "adds route DELETE /api/tasks/:filename/image (Fastify) in src/routes/api/tasks/index.ts",
      },
    ]);
  });

  it("puts options.prefix first, and a plugin's autoPrefix in place of its directories", async () => {
    const prefixed = base(app("{ prefix: '/v1' }"));
    expect(await apiHits(prefixed, { ...prefixed, "src/routes/api/tasks/index.ts": tasks(deleteImage) })).toEqual([
      {
        file: "src/routes/api/tasks/index.ts",
        line: 9,
        reason: "adds route DELETE /v1/api/tasks/:filename/image (Fastify) in src/routes/api/tasks/index.ts",
      },
    ]);
    const own = { ...base(), "src/routes/api/tasks/index.ts": tasks([], "export const autoPrefix = '/todo'") };
    expect(await apiHits(own, { ...own, "src/routes/api/tasks/index.ts": tasks(deleteImage, "export const autoPrefix = '/todo'") })).toEqual([
      {
        file: "src/routes/api/tasks/index.ts",
        line: 9,
        reason: "adds route DELETE /todo/:filename/image (Fastify) in src/routes/api/tasks/index.ts",
      },
    ]);
  });

  it("joins no directories with dirNameRoutePrefix: false", async () => {
    const flat = base(app("{ ...opts },\n    dirNameRoutePrefix: false"));
    expect(await apiHits(flat, { ...flat, "src/routes/api/tasks/index.ts": tasks(deleteImage) })).toEqual([
      { file: "src/routes/api/tasks/index.ts", line: 9, reason: "adds route DELETE /:filename/image (Fastify) in src/routes/api/tasks/index.ts" },
    ]);
  });

  it("fires nothing for a handler edit, nor for a plugin outside the route directories", async () => {
    const head = {
      ...base(),
      "src/routes/api/tasks/index.ts": tasks().replace("findById(request.params.id)", "findById(request.params.id, { withImage: true })"),
      "src/plugins/external/cors.ts":
        "import cors from '@fastify/cors'\nexport const autoConfig = { methods: ['GET', 'POST', 'PATCH'] }\nexport default cors\n",
    };
    expect(await apiHits(base(), head)).toEqual([]);
  });
});
