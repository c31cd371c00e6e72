/**
 * api-contract on Go routes declared on a registration function's router group, whose prefix is given by the
 * file that calls it (a gin RealWorld layout: `hello.go` groups `/api` and calls
 * `articles.ArticlesRegister(v1.Group("/articles"))`; articles/routers.go declares `router.POST("/:slug/comments")`).
 */
import { describe, expect, it } from "vitest";

import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import type { TriggerHit } from "../../src/engine/types.js";

type Tree = Record<string, string>;

async function apiHits(base: Tree, head: Tree): Promise<TriggerHit[]> {
  const report = await reviewChange(changeFromTrees(base, head), defaultConfig(), { rules: [] });
  return report.triggers.find((t) => t.id === "api-contract")?.hits ?? [];
}

const lines = (...l: string[]) => `${l.join("\n")}\n`;

const hello = lines(
  "package main",
  "",
  "import (",
  '\t"gopkg.in/gin-gonic/gin.v1"',
  "",
  '\t"golang-gin-starter-kit/articles"',
  '\t"golang-gin-starter-kit/middlewares"',
  ")",
  "",
  "func main() {",
  "\tr := gin.Default()",
  '\tv1 := r.Group("/api")',
  "\tv1.Use(middlewares.Auth(false))",
  '\tarticles.ArticlesAnonymousRegister(v1.Group("/articles"))',
  "\tv1.Use(middlewares.Auth(true))",
  '\tarticles.ArticlesRegister(v1.Group("/articles"))',
  "\tr.Run()",
  "}",
);

const routers = (...extra: string[]) =>
  lines(
    "package articles",
    "",
    'import "gopkg.in/gin-gonic/gin.v1"',
    "",
    "func ArticlesRegister(router *gin.RouterGroup) {",
    '\trouter.POST("/", ArticleCreate)',
    '\trouter.PUT("/:slug", ArticleUpdate)',
    ...extra,
    "}",
    "",
    "func ArticlesAnonymousRegister(router *gin.RouterGroup) {",
    '\trouter.GET("/", ArticleList)',
    '\trouter.GET("/:slug", ArticleRetrieve)',
    "}",
  );

describe("gin groups passed to a registration function of another package", () => {
  it("joins the caller's group prefix, in a GOPATH project without a go.mod", async () => {
    const base = { "hello.go": hello, "articles/routers.go": routers() };
    const head = { ...base, "articles/routers.go": routers('\trouter.POST("/:slug/comments", ArticleCommentCreate)') };
    expect(await apiHits(base, head)).toEqual([
      { file: "articles/routers.go", line: 8, reason: "adds route POST /api/articles/:slug/comments (gin) in articles/routers.go" },
    ]);
  });

  it("follows a module's cmd/ main through a registration chain, and a sub-group inside the function", async () => {
    const goMod = lines("module github.com/acme/blog", "", "go 1.21");
    const main = lines(
      "package main",
      "",
      "import (",
      '\t"github.com/gin-gonic/gin"',
      '\t"github.com/acme/blog/internal/api"',
      ")",
      "",
      "func main() {",
      "\tr := gin.New()",
      '\tapi.Register(r.Group("/api/v1"))',
      "}",
    );
    const apiPackage = lines(
      "package api",
      "",
      "import (",
      '\t"github.com/gin-gonic/gin"',
      '\t"github.com/acme/blog/internal/api/comments"',
      ")",
      "",
      "func Register(g *gin.RouterGroup) {",
      '\tcomments.Routes(g.Group("/comments"))',
      "}",
    );
    const commentRoutes = (verb: string) =>
      lines(
        "package comments",
        "",
        'import "github.com/gin-gonic/gin"',
        "",
        "func Routes(rg *gin.RouterGroup) {",
        '\tbyID := rg.Group("/:id")',
        `\tbyID.${verb}("", handle)`,
        "}",
      );
    const base = {
      "go.mod": goMod,
      "cmd/blog/main.go": main,
      "internal/api/register.go": apiPackage,
      "internal/api/comments/routes.go": commentRoutes("GET"),
    };
    const head = { ...base, "internal/api/comments/routes.go": commentRoutes("DELETE") };
    expect(await apiHits(base, head)).toEqual([
      {
        file: "internal/api/comments/routes.go",
        line: 7,
        reason: "adds route DELETE /api/v1/comments/:id; removes route GET /api/v1/comments/:id (gin) in internal/api/comments/routes.go",
      },
    ]);
  });

  it("stays quiet when only the caller's middleware or a handler changes", async () => {
    const base = { "hello.go": hello, "articles/routers.go": routers() };
    const head = {
      "hello.go": hello.replace("Auth(false)", "Auth(true)"),
      "articles/routers.go": `${routers()}\nfunc ArticleList(c *gin.Context) {}\n`,
    };
    expect(await apiHits(base, head)).toEqual([]);
  });

  it("keeps the paths as written when the caller's group prefix is not static", async () => {
    const dynamic = hello.replace('v1 := r.Group("/api")', 'v1 := r.Group(os.Getenv("API_PREFIX"))');
    const base = { "hello.go": dynamic, "articles/routers.go": routers() };
    const head = { ...base, "articles/routers.go": routers('\trouter.DELETE("/:slug", ArticleDelete)') };
    expect(await apiHits(base, head)).toEqual([
      { file: "articles/routers.go", line: 8, reason: "adds route DELETE /:slug (gin) in articles/routers.go" },
    ]);
  });
});
