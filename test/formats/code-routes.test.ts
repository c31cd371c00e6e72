import { describe, expect, it } from "vitest";
import { codeSource, isIgnoredForCodeContracts, normalizeRoutePath } from "../../src/formats/source/code-model.js";
import { extractRoutes, mayDeclareRoutes } from "../../src/formats/source/routes.js";

function routes(path: string, text: string) {
  const src = codeSource(path, text);
  if (!src) throw new Error(`no language for ${path}`);
  const found = extractRoutes(src);
  return {
    routes: found.routes.map((r) => ({ key: r.key, line: r.line, api: r.api, auth: r.auth, framework: r.framework })),
    unresolved: found.unresolved,
    signatures: found.routes.map((r) => r.signature),
  };
}

describe("mayDeclareRoutes", () => {
  // The hint as one regex with a multiline `^`, before it was split for speed: both must answer alike.
  const ONE_REGEX =
    /@(Rest)?Controller\b|@(Get|Post|Put|Delete|Patch|Request)Mapping\b|@Path\s*\(|\bexpress\b|\bfastify\b|@nestjs\/|\bfastapi\b|\bflask|\bRouter\s*\(|"net\/http"|gin-gonic|labstack\/echo|(go-chi|pressly)\/chi|gorilla\/mux|gofiber|\bMap(Get|Post|Put|Delete|Patch|Methods|Group)\b|\[\s*Http(Get|Post|Put|Delete|Patch)\b|\burlpatterns\b|django\.urls|rest_framework|routes\.draw|^\s*(resources?|namespace)\s+:|\bgql\s*`|\bGraphQLObjectType\b|\bbuildSchema\b|\btypeDefs\b|^\s*(import|from)\s+(graphene|strawberry)\b/m;
  const cases: [string, boolean][] = [
    ["resources :orders", true],
    ["Rails.application.routes.draw do\n  namespace :api do", true],
    ["  \n\t namespace  :admin", true],
    ["a\r  resource\t:photo", true],
    ["x\u2028 namespace :v1", true],
    ["x\u2029resources :users", true],
    ["\u00a0 resources :users", true],
    ["from graphene import ObjectType", true],
    ["y = 1\n  \n  from strawberry.types import Info", true],
    ["import strawberry", true],
    ["x resources :orders", false],
    ["# see resources :orders", false],
    ["ximport graphene", false],
    ["\n\nimport  strawberryfield", false],
    ["namespacex :", false],
    ["resourcess :", false],
    ["const resources = {}", false],
    ["export const api = fetch('/users')", false],
    ["import express from 'express';", true],
    ["@RestController\nclass OrderController {}", true],
    ['[HttpGet("{id}")]', true],
    ["const typeDefs = gql`type Query { a: Int }`", true],
  ];
  it.each(cases)("answers %j with %s, as the one-regex form did", (text, expected) => {
    expect(mayDeclareRoutes(text)).toBe(expected);
    expect(ONE_REGEX.test(text)).toBe(expected);
  });
});

describe("normalizeRoutePath", () => {
  it("spells path parameters of every framework the same way", () => {
    expect(normalizeRoutePath("/owners/{ownerId}/pets/{petId:int}")).toBe("/owners/{}/pets/{}");
    expect(normalizeRoutePath("/users/:userId/")).toBe("/users/{}");
    expect(normalizeRoutePath("api/alerts/<int:alert_id>")).toBe("/api/alerts/{}");
    expect(normalizeRoutePath("^api/(?P<pk>[0-9]+)/$")).toBe("/api/{}");
    expect(normalizeRoutePath("")).toBe("/");
  });
});

describe("isIgnoredForCodeContracts", () => {
  it("skips tests, examples, generated code and client SDKs but not services", () => {
    expect(isIgnoredForCodeContracts("order-service/src/test/java/OrderControllerTest.java")).toBe(true);
    expect(isIgnoredForCodeContracts("examples/todo/app.py")).toBe(true);
    expect(isIgnoredForCodeContracts("target/generated-sources/openapi/src/main/java/PetApi.java")).toBe(true);
    expect(isIgnoredForCodeContracts("frontend/src/api/users.ts")).toBe(true);
    expect(isIgnoredForCodeContracts("order-service/src/main/java/com/acme/web/OrderController.java")).toBe(false);
    expect(isIgnoredForCodeContracts("backend/app/api/routes/items.py")).toBe(false);
  });

  it("reads the directories under a JVM source root as a package name, not as an examples folder", () => {
    expect(isIgnoredForCodeContracts("order-service/src/main/java/com/example/orderservice/service/OrderEventProducer.java")).toBe(false);
    expect(isIgnoredForCodeContracts("src/main/java/org/springframework/samples/petclinic/owner/OwnerController.java")).toBe(false);
    expect(isIgnoredForCodeContracts("src/main/kotlin/com/example/demo/DemoController.kt")).toBe(false);
    expect(isIgnoredForCodeContracts("examples/kafka/src/main/java/com/acme/Producer.java")).toBe(true);
    expect(isIgnoredForCodeContracts("order-service/src/test/java/com/example/orderservice/OrderEventProducerTest.java")).toBe(true);
  });
});

describe("Spring routes", () => {
  it("joins class-level @RequestMapping prefixes, reads method lists and in-file constants", () => {
    const text = `package a;
@RestController
@RequestMapping(value = OrderController.BASE)
public class OrderController {
  static final String BASE = "/api/v1/orders";
  // @GetMapping("/commented-out")
  @GetMapping
  public List<Order> list() { return List.of(); }

  @RequestMapping(path = {"/{id}", "/by-id/{id}"}, method = {RequestMethod.PUT, RequestMethod.PATCH})
  public Order update(@PathVariable String id, @RequestBody OrderUpdate body) { return null; }

  @PreAuthorize("hasRole('ADMIN')")
  @DeleteMapping(path = "/{id}", produces = "application/json")
  public void delete(@PathVariable("id") String id) {}
}`;
    const found = routes("svc/src/main/java/a/OrderController.java", text);
    expect(found.routes).toEqual([
      { key: "GET /api/v1/orders", line: 7, api: true, auth: undefined, framework: "spring" },
      { key: "PUT /api/v1/orders/{}", line: 10, api: true, auth: undefined, framework: "spring" },
      { key: "PATCH /api/v1/orders/{}", line: 10, api: true, auth: undefined, framework: "spring" },
      { key: "PUT /api/v1/orders/by-id/{}", line: 10, api: true, auth: undefined, framework: "spring" },
      { key: "PATCH /api/v1/orders/by-id/{}", line: 10, api: true, auth: undefined, framework: "spring" },
      { key: "DELETE /api/v1/orders/{}", line: 14, api: true, auth: "required", framework: "spring" },
    ]);
    expect(found.signatures[1]).toBe("@PathVariable String id; @RequestBody OrderUpdate body");
    expect(found.signatures[5]).toBe('produces="application/json"; @PathVariable("id") String id');
  });

  it("marks @Controller views as pages and keeps ResponseEntity methods as API", () => {
    const text = `@Controller
class OwnerController {
  @GetMapping("/owners/new")
  public String initCreationForm(Model model) { return "owners/form"; }
  @GetMapping("/owners.json")
  public ResponseEntity<List<Owner>> json() { return null; }
}`;
    expect(routes("src/main/java/OwnerController.java", text).routes).toEqual([
      { key: "GET /owners/new", line: 3, api: false, auth: undefined, framework: "spring" },
      { key: "GET /owners.json", line: 5, api: true, auth: undefined, framework: "spring" },
    ]);
  });

  it("reads nothing from Feign clients and keeps a path made of another file's constant as unresolved", () => {
    expect(
      routes("a/InventoryClient.java", `@FeignClient("inventory")\ninterface InventoryClient {\n  @GetMapping("/stock")\n  Stock stock();\n}`).routes,
    ).toEqual([]);
    const found = routes("a/Api.java", `@RestController\nclass Api {\n  @PostMapping(Paths.ORDERS)\n  public Order create() { return null; }\n}`);
    expect(found.routes).toEqual([]);
    expect(found.unresolved).toEqual([{ method: "POST", line: 3 }]);
  });
});

describe("JAX-RS routes", () => {
  it("joins the class @Path with the method @Path", () => {
    const text = `import jakarta.ws.rs.*;
@Path("/api/products")
public class ProductResource {
  @GET
  public List<Product> list() { return null; }
  @POST
  @Path("{sku}/reserve")
  @RolesAllowed("clerk")
  public void reserve(@PathParam("sku") String sku, Reservation body) {}
}`;
    const found = routes("catalog/src/main/java/ProductResource.java", text);
    expect(found.routes).toEqual([
      { key: "GET /api/products", line: 4, api: true, auth: undefined, framework: "jax-rs" },
      { key: "POST /api/products/{}/reserve", line: 6, api: true, auth: "required", framework: "jax-rs" },
    ]);
    expect(found.signatures[1]).toBe('@PathParam("sku") String sku; Reservation body');
  });
});

describe("Express, Fastify and NestJS routes", () => {
  it("knows a Fastify plugin by its @fastify/* or fastify-plugin import (fastify/demo's TypeBox routes)", () => {
    const plugin = [
      "import { FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox'", // 1
      "const plugin: FastifyPluginAsyncTypebox = async (fastify) => {", // 2
      "  fastify.delete(", // 3
      "    '/:filename/image',", // 4
      "    { schema: { params: Type.Object({ filename: Type.String() }) } },", // 5
      "    async function (request, reply) {}", // 6
      "  )", // 7
      "}", // 8
      "export default plugin", // 9
    ].join("\n");
    expect(routes("src/routes/api/tasks/index.ts", plugin).routes.map((r) => `${r.key} ${r.line} ${r.framework}`)).toEqual([
      "DELETE /{}/image 3 fastify",
    ]);
  });

  it("reads router verbs and route chains in a file that imports express, with auth middleware", () => {
    const text = `const express = require('express');
const router = express.Router();
router.post('/v1/refunds', auth('manageRefunds'), createRefund);
router
  .route('/v1/refunds/:id')
  .get(getRefund)
  .delete(auth('manageRefunds'), deleteRefund);
app.get('env');
module.exports = router;`;
    expect(routes("src/routes/refund.route.js", text).routes).toEqual([
      { key: "POST /v1/refunds", line: 3, api: true, auth: "required", framework: "express" },
      { key: "GET /v1/refunds/{}", line: 6, api: true, auth: undefined, framework: "express" },
      { key: "DELETE /v1/refunds/{}", line: 7, api: true, auth: "required", framework: "express" },
    ]);
  });

  it("declares nothing in a file without the framework (an HTTP client) or through client receivers", () => {
    expect(routes("src/api.js", `const api = axios.create();\napi.post('/v1/refunds', body);`).routes).toEqual([]);
    expect(routes("src/server.js", `import express from 'express';\nconst r = await axios.get('/v1/x', cfg);`).routes).toEqual([]);
  });

  it("reads fastify.route objects", () => {
    const text = `import Fastify from 'fastify';
const app = Fastify();
app.route({ method: ['POST', 'PUT'], url: '/api/orders', schema: { body: OrderBody }, handler });`;
    expect(routes("src/server.ts", text).routes.map((r) => r.key)).toEqual(["POST /api/orders", "PUT /api/orders"]);
  });

  it("joins @Controller prefixes with handler paths and reads guards", () => {
    const text = `import { Controller, Get, Post, Body, UseGuards } from '@nestjs/common';
@Controller('invoices')
export class InvoicesController {
  @Get(':id')
  findOne(@Param('id') id: string) {}
  @Post()
  @UseGuards(JwtAuthGuard)
  create(@Body() dto: CreateInvoiceDto) {}
}`;
    const found = routes("apps/billing/src/invoices/invoices.controller.ts", text);
    expect(found.routes).toEqual([
      { key: "GET /invoices/{}", line: 4, api: true, auth: undefined, framework: "nestjs" },
      { key: "POST /invoices", line: 6, api: true, auth: "required", framework: "nestjs" },
    ]);
    expect(found.signatures[1]).toBe("@Body() dto: CreateInvoiceDto");
  });
});

describe("FastAPI and Flask routes", () => {
  it("joins APIRouter prefixes and reads client-visible parameters and auth dependencies", () => {
    const text = `from fastapi import APIRouter, Depends
router = APIRouter(prefix="/items", tags=["items"])

@router.get("/{id}", response_model=ItemPublic)
def read_item(session: SessionDep, id: uuid.UUID, q: str | None = None):
    return session.get(Item, id)

@router.post("/", status_code=201, dependencies=[Depends(get_current_active_superuser)])
async def create_item(item_in: ItemCreate, session: SessionDep):
    return item_in
`;
    const found = routes("backend/app/api/routes/items.py", text);
    expect(found.routes).toEqual([
      { key: "GET /items/{}", line: 4, api: true, auth: undefined, framework: "fastapi" },
      { key: "POST /items", line: 8, api: true, auth: "required", framework: "fastapi" },
    ]);
    expect(found.signatures[0]).toBe("response_model=ItemPublic; id: uuid.UUID; q: str | None = None");
  });

  it("tells Flask API views from pages and reads flask-restx resources", () => {
    const text = `from flask import Blueprint, jsonify, render_template
from flask_restx import Namespace, Resource
bp = Blueprint("accounts", __name__, url_prefix="/accounts")
ns = Namespace("projects")

@bp.route("/<int:id>", methods=["GET", "DELETE"])
def account(id):
    return jsonify(load(id))

@bp.route("/settings")
def settings():
    return render_template("settings.html")

@ns.route("/<project_id>")
class ProjectResource(Resource):
    def get(self, project_id):
        return load(project_id)

    @login_required
    def delete(self, project_id):
        remove(project_id)
`;
    expect(routes("app/views.py", text).routes).toEqual([
      { key: "GET /accounts/{}", line: 6, api: true, auth: undefined, framework: "flask" },
      { key: "DELETE /accounts/{}", line: 6, api: true, auth: undefined, framework: "flask" },
      { key: "GET /accounts/settings", line: 10, api: false, auth: undefined, framework: "flask" },
      { key: "GET /projects/{}", line: 14, api: true, auth: undefined, framework: "flask" },
      { key: "DELETE /projects/{}", line: 14, api: true, auth: "required", framework: "flask" },
    ]);
  });
});

describe("Go routes", () => {
  it("reads echo/gin groups, chi Route blocks and Go 1.22 ServeMux patterns, not HTTP client calls", () => {
    const gin = `import "github.com/gin-gonic/gin"
func routes(r *gin.Engine) {
	v1 := r.Group("/api/v1")
	v1.GET("/trainings/:uuid", get)
	admin := v1.Group("/admin")
	admin.POST("/reset", reset)
}`;
    expect(routes("internal/ports/http.go", gin).routes.map((r) => `${r.key} ${r.line} ${r.framework}`)).toEqual([
      "GET /api/v1/trainings/{} 4 gin",
      "POST /api/v1/admin/reset 6 gin",
    ]);
    const mux = `import "net/http"
func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/refunds/{id}", refund)
	http.HandleFunc("/healthz", health)
	resp, _ := http.Get("https://example.com/v1/x")
}`;
    expect(routes("cmd/api/main.go", mux).routes.map((r) => r.key)).toEqual(["POST /v1/refunds/{}", "ANY /healthz"]);
  });

  it("knows chi by its old import path github.com/pressly/chi (go-chi/chi before its move)", () => {
    const chi = `import (
	"net/http"
	"github.com/pressly/chi"
)
func router() http.Handler {
	r := chi.NewRouter()
	r.Route("/users", func(r chi.Router) {
		r.Get("/{userID}", getUser)
	})
	return r
}`;
    expect(routes("_examples/rest/main.go", chi).routes.map((r) => `${r.key} ${r.line} ${r.framework}`)).toEqual(["GET /users/{} 8 chi"]);
  });

  it("knows gin and echo by their gopkg.in import paths too (golang-gin-realworld-example-app's gin.v1)", () => {
    const gin = `import (
	"net/http"
	"gopkg.in/gin-gonic/gin.v1"
)
func ArticlesRegister(router *gin.RouterGroup) {
	router.POST("/:slug/comments", ArticleCommentCreate)
}`;
    expect(routes("articles/routers.go", gin).routes.map((r) => `${r.key} ${r.framework}`)).toEqual(["POST /{}/comments gin"]);
    const echo = `import "gopkg.in/labstack/echo.v3"
func NewHandler(e *echo.Echo) {
	e.GET("/articles", h.Fetch)
}`;
    expect(routes("delivery/http/handler.go", echo).routes.map((r) => `${r.key} ${r.framework}`)).toEqual(["GET /articles echo"]);
  });
});

describe("ASP.NET Core routes", () => {
  it("reads minimal-API groups with their authorization, and [ApiController] attribute routes", () => {
    const minimal = `var api = app.MapGroup("api/orders").RequireAuthorization();
api.MapPost("/", CreateOrder);
app.MapGet("/hello", () => "hi").AllowAnonymous();`;
    expect(routes("src/Ordering.API/Apis/OrdersApi.cs", minimal).routes).toEqual([
      { key: "POST /api/orders", line: 2, api: true, auth: "required", framework: "aspnet" },
      { key: "GET /hello", line: 3, api: true, auth: "public", framework: "aspnet" },
    ]);
    const controller = `[Route("api/v1/[controller]")]
[ApiController]
public class OrdersController : ControllerBase
{
    [HttpGet("{orderId:int}")]
    [AllowAnonymous]
    public async Task<ActionResult<Order>> GetOrderAsync(int orderId) { return Ok(); }

    [Route("cancel")]
    [HttpPut]
    public async Task<IActionResult> CancelOrderAsync([FromBody] CancelOrderCommand command) { return Ok(); }
}`;
    const found = routes("src/Ordering.API/Controllers/OrdersController.cs", controller);
    expect(found.routes).toEqual([
      { key: "GET /api/v1/orders/{}", line: 5, api: true, auth: "public", framework: "aspnet" },
      { key: "PUT /api/v1/orders/cancel", line: 10, api: true, auth: undefined, framework: "aspnet" },
    ]);
    expect(found.signatures[1]).toBe("[FromBody] CancelOrderCommand command");
  });
});

describe("Django and Rails routes", () => {
  it("writes Django url()/re_path() regexes as paths and takes DRF APIViews and ViewSets for API views (django-realworld-example-app)", () => {
    const urls = [
      "from django.conf.urls import include, url", // 1
      "from rest_framework.routers import DefaultRouter", // 2
      "from .views import ArticleViewSet, TagListAPIView, ProfileRetrieveAPIView, home", // 3
      "router = DefaultRouter(trailing_slash=False)", // 4
      "router.register(r'articles', ArticleViewSet)", // 5
      "urlpatterns = [", // 6
      "    url(r'^', include(router.urls)),", // 7
      "    url(r'^tags/?$', TagListAPIView.as_view()),", // 8
      "    url(r'^profiles/(?P<username>\\w+)/?$', ProfileRetrieveAPIView.as_view()),", // 9
      "    url(r'^$', home),", // 10
      "]", // 11
    ].join("\n");
    expect(routes("conduit/apps/articles/urls.py", urls).routes.map((r) => `${r.key} ${r.line} ${r.api}`)).toEqual([
      "ANY /tags 8 true",
      "ANY /profiles/{} 9 true",
      "ANY / 10 false",
      "ANY /articles 5 true",
      "ANY /articles/{} 5 true",
    ]);
  });

  it("prefixes Django lists by where they are included and expands DRF routers", () => {
    const text = `from django.urls import include, path
from rest_framework.routers import DefaultRouter
router = DefaultRouter()
router.register(r"tags", TagViewSet)
api_urls = [
    path("checks/<uuid:code>", views.single),
]
urlpatterns = [
    path("api/v1/", include(api_urls)),
    path("api/", include(router.urls)),
    path("projects/<uuid:code>/", views.project),
]`;
    expect(routes("hc/api/urls.py", text).routes.map((r) => `${r.key} ${r.line} ${r.api}`)).toEqual([
      "ANY /api/v1/checks/{} 6 true",
      "ANY /projects/{} 11 false",
      "ANY /api/tags 4 true",
      "ANY /api/tags/{} 4 true",
    ]);
  });

  it("expands resources, namespaces, member and collection blocks, and marks only API namespaces as API", () => {
    const text = `Rails.application.routes.draw do
  resources :stories, only: [:show, :update] do
    member do
      post :upvote
    end
  end
  get "/hottest" => "home#index", :format => "json"
  namespace :api do
    namespace :v1 do
      resource :me, only: [:show]
      match "search", to: "search#index", via: [:get, :post]
    end
  end
end`;
    expect(routes("config/routes.rb", text).routes.map((r) => `${r.key} ${r.line} ${r.api}`)).toEqual([
      "GET /stories/{} 2 false",
      "PATCH /stories/{} 2 false",
      "PUT /stories/{} 2 false",
      "POST /stories/{}/upvote 4 false",
      "GET /hottest 7 true",
      "GET /api/v1/me 10 true",
      "GET /api/v1/search 11 true",
      "POST /api/v1/search 11 true",
    ]);
  });
});

describe("code-first GraphQL", () => {
  it("reads root fields of SDL templates and graphql-js object types", () => {
    const sdl =
      "const typeDefs = gql`\n  type Query {\n    product(id: ID!): Product\n  }\n  extend type Mutation {\n    addProduct(name: String!): Product\n  }\n`;";
    expect(routes("server/schema.js", sdl).routes.map((r) => `${r.key} ${r.line}`)).toEqual(["QUERY /product 3", "MUTATION /addProduct 6"]);
    const js = `const { GraphQLObjectType, GraphQLString } = require('graphql');
const Query = new GraphQLObjectType({
  name: 'Query',
  fields: () => ({
    hello: { type: GraphQLString },
    user: { type: User, args: { id: { type: GraphQLID } } },
  }),
});`;
    expect(routes("src/schema.js", js).routes.map((r) => `${r.key} ${r.line}`)).toEqual(["QUERY /hello 5", "QUERY /user 6"]);
  });
});

describe("code-first GraphQL in Python", () => {
  it("reads graphene root fields, named as written, from classes passed to Schema or named like a root type", () => {
    const text = [
      "import graphene", // 1
      "from graphene_django.filter import DjangoFilterConnectionField", // 2
      "from .types import UserType, OrderNode", // 3
      "from .mutations import CreateOrder", // 4
      "", // 5
      "class OrdersQuery(graphene.ObjectType):", // 6
      "    order = graphene.Field(OrderNode, id=graphene.ID(required=True))", // 7
      "    all_orders = DjangoFilterConnectionField(OrderNode)", // 8
      "", // 9
      "    def resolve_order(self, info, id):", // 10
      "        return Order.objects.get(pk=id)", // 11
      "", // 12
      "class Root(OrdersQuery, graphene.ObjectType):", // 13
      "    me = graphene.Field(UserType)", // 14
      "", // 15
      "class Mutation(graphene.ObjectType):", // 16
      "    create_order = CreateOrder.Field()", // 17
      "", // 18
      "class OrderFilter(graphene.ObjectType):", // 19
      "    status = graphene.String()", // 20
      "", // 21
      "schema = graphene.Schema(query=Root, mutation=Mutation)", // 22
    ].join("\n");
    const found = routes("backend/shop/schema.py", text);
    expect(found.routes.map((r) => `${r.key} ${r.line}`)).toEqual([
      "QUERY /order 7",
      "QUERY /all_orders 8",
      "QUERY /me 14",
      "MUTATION /create_order 17",
    ]);
    expect(found.signatures[0]).toBe("graphene.Field(OrderNode, id=graphene.ID(required=True))");
  });

  it("reads strawberry resolvers, mutations and annotated fields, with their arguments and return types", () => {
    const text = [
      "import strawberry", // 1
      "from .types import Book, BookInput", // 2
      "", // 3
      "@strawberry.type", // 4
      "class Query:", // 5
      "    books: list[Book] = strawberry.field(resolver=get_books)", // 6
      "", // 7
      "    @strawberry.field", // 8
      "    def book_by_isbn(self, info, isbn: str) -> Book | None:", // 9
      "        return find(isbn)", // 10
      "", // 11
      "@strawberry.type", // 12
      "class Mutation:", // 13
      '    @strawberry.mutation(name="addBook")', // 14
      "    async def add_book(self, book: BookInput) -> Book:", // 15
      "        return await save(book)", // 16
      "", // 17
      "@strawberry.type", // 18
      "class Author:", // 19
      "    name: str", // 20
      "", // 21
      "schema = strawberry.Schema(query=Query, mutation=Mutation)", // 22
    ].join("\n");
    const found = routes("app/graphql/schema.py", text);
    expect(found.routes.map((r) => `${r.key} ${r.line}`)).toEqual(["QUERY /book_by_isbn 8", "QUERY /books 6", "MUTATION /addBook 14"]);
    expect(found.signatures).toEqual(["(isbn: str) -> Book | None", ": list[Book]", "(book: BookInput) -> Book"]);
  });

  it("declares nothing for object types that are not root types, nor without graphene or strawberry", () => {
    expect(routes("app/types.py", "import strawberry\n\n@strawberry.type\nclass Book:\n    title: str\n").routes).toEqual([]);
    expect(routes("app/models.py", "class Query:\n    users = Field(User)\n").routes).toEqual([]);
  });
});
