/**
 * .NET Aspire AppHost programs are the deploy definition of an Aspire solution (its projects, containers and cloud
 * resources): a change to them is an infrastructure change, like a compose file's. Edits that leave the same resources
 * (using directives, the project types of resources renamed) are not, nor are application programs or AppHost tests.
 */
import { describe, expect, it } from "vitest";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import { noteText, type Report } from "../../src/engine/types.js";

type Tree = Record<string, string>;

async function review(base: Tree, head: Tree): Promise<Report> {
  return reviewChange(changeFromTrees(base, head), defaultConfig(), { rules: [] });
}

const infraHits = (report: Report) => report.triggers.find((t) => t.id === "infra-change")?.hits ?? [];

const appHostCsproj = [
  '<Project Sdk="Microsoft.NET.Sdk">',
  '  <Sdk Name="Aspire.AppHost.Sdk" Version="9.0.0" />',
  "  <PropertyGroup><OutputType>Exe</OutputType><IsAspireHost>true</IsAspireHost></PropertyGroup>",
  "</Project>",
  "",
].join("\n");

/** A shop's AppHost; `extra` lines go after the catalog project (line 9 on). */
const appHost = (catalogProject: string, extra: string[] = []) =>
  [
    "using Shop.AppHost;", // 1
    "", // 2
    "var builder = DistributedApplication.CreateBuilder(args);", // 3
    "", // 4
    'var redis = builder.AddRedis("redis");', // 5
    'var catalogDb = builder.AddPostgres("postgres").AddDatabase("catalogdb");', // 6
    "", // 7
    `var catalogApi = builder.AddProject<Projects.${catalogProject}>("catalog-api").WithReference(catalogDb);`, // 8
    ...extra,
    "", //
    "builder.Build().Run();",
    "",
  ].join("\n");

const base: Tree = {
  "src/Shop.AppHost/Shop.AppHost.csproj": appHostCsproj,
  "src/Shop.AppHost/Program.cs": appHost("Catalog_API"),
  "src/Catalog.API/Program.cs":
    'var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\napp.MapGet("/health", () => "ok");\napp.Run();\n',
};

describe("Aspire AppHost programs", () => {
  it("fires for a container resource added to the AppHost, at the first added line", async () => {
    const report = await review(base, {
      ...base,
      "src/Shop.AppHost/Program.cs": appHost("Catalog_API", ['var ollama = builder.AddContainer("ollama", "ollama/ollama").WithDataVolume();']),
    });
    expect(infraHits(report)).toEqual([
      { file: "src/Shop.AppHost/Program.cs", line: 9, reason: "changes Aspire AppHost program src/Shop.AppHost/Program.cs" },
    ]);
  });

  it("fires for an AppHost extension class (IDistributedApplicationBuilder) that wires a resource, and a changed model name", async () => {
    const extensions = (model: string) =>
      [
        "namespace Shop.AppHost;", // 1
        "", // 2
        "internal static class Extensions", // 3
        "{", // 4
        "    public static IDistributedApplicationBuilder AddOpenAI(this IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> api)", // 5
        "    {", // 6
        `        var openAI = builder.AddAzureOpenAI("openai").AddDeployment(new AzureOpenAIDeployment("embeddings", "${model}", "2"));`, // 7
        "        api.WithReference(openAI);", // 8
        "        return builder;", // 9
        "    }", // 10
        "}", // 11
        "",
      ].join("\n");
    const withExtensions = { ...base, "src/Shop.AppHost/Extensions.cs": extensions("text-embedding-ada-002") };
    const report = await review(withExtensions, { ...withExtensions, "src/Shop.AppHost/Extensions.cs": extensions("text-embedding-3-small") });
    expect(infraHits(report)).toEqual([
      { file: "src/Shop.AppHost/Extensions.cs", line: 7, reason: "changes Aspire AppHost program src/Shop.AppHost/Extensions.cs" },
    ]);
  });

  it("does not fire when only the project types of the same resources are renamed, or using directives change", async () => {
    const renamed = await review(base, { ...base, "src/Shop.AppHost/Program.cs": appHost("CatalogApi") });
    expect(infraHits(renamed)).toEqual([]);
    expect(renamed.notes.map(noteText)).toContain(
      "infra-change: Aspire AppHost edits that leave the same resources (using directives, renamed project types) were not counted: src/Shop.AppHost/Program.cs",
    );
    const usings = await review(base, {
      ...base,
      "src/Shop.AppHost/Program.cs": appHost("Catalog_API").replace("using Shop.AppHost;", "using Aspire.Hosting;"),
    });
    expect(infraHits(usings)).toEqual([]);
  });

  it("does not fire for an application's own Program.cs or for AppHost tests", async () => {
    const report = await review(base, {
      ...base,
      "src/Catalog.API/Program.cs": base["src/Catalog.API/Program.cs"]!.replace("app.Run();", 'app.MapGet("/ready", () => "ok");\napp.Run();'),
      "tests/Shop.AppHost.Tests/AppHostTests.cs":
        "public class AppHostTests\n{\n    [Fact]\n    public async Task Starts()\n    {\n        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Shop_AppHost>();\n        IDistributedApplicationBuilder b = appHost;\n    }\n}\n",
    });
    expect(infraHits(report)).toEqual([]);
  });
});
