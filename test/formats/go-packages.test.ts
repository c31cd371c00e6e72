import { describe, expect, it } from "vitest";
import { codeSource } from "../../src/formats/source/code-model.js";
import { goExportedStrings, goImports, goModulePath, goPackageDir, goPackageName } from "../../src/formats/source/go-packages.js";

const go = (text: string) => codeSource("pkg/x.go", text)!;

describe("Go packages", () => {
  it("reads single and grouped imports with the name the file uses for each", () => {
    const src = go(
      [
        "package main",
        "",
        'import nats "github.com/nats-io/go-nats"',
        "import (",
        '\t"fmt" // printing',
        '\tk "gopkg.in/confluentinc/confluent-kafka-go.v1/kafka"',
        '\t_ "github.com/lib/pq"',
        '\t"github.com/acme/shop/src/checkout/kafka"',
        '\t"github.com/go-chi/chi/v5"',
        ")",
      ].join("\n"),
    );
    expect(goImports(src)).toEqual([
      { name: "nats", path: "github.com/nats-io/go-nats" },
      { name: "fmt", path: "fmt" },
      { name: "k", path: "gopkg.in/confluentinc/confluent-kafka-go.v1/kafka" },
      { name: "kafka", path: "github.com/acme/shop/src/checkout/kafka" },
      { name: "chi", path: "github.com/go-chi/chi/v5" },
    ]);
    expect(["github.com/nats-io/nats.go", "gopkg.in/yaml.v3", "github.com/rabbitmq/amqp091-go"].map(goPackageName)).toEqual([
      "nats",
      "yaml",
      "amqp091",
    ]);
  });

  it("maps an import of the module to its directory, not a dependency's", () => {
    expect(goModulePath("// shop\nmodule github.com/acme/shop/src/checkout\n\ngo 1.21\n")).toBe("github.com/acme/shop/src/checkout");
    expect(goPackageDir("github.com/acme/shop/src/checkout/kafka", "github.com/acme/shop/src/checkout", "src/checkout")).toBe("src/checkout/kafka");
    expect(goPackageDir("github.com/acme/shop/src/checkoutx/kafka", "github.com/acme/shop/src/checkout", "src/checkout")).toBeUndefined();
    expect(goPackageDir("github.com/acme/tool/internal/bus", "github.com/acme/tool", "")).toBe("internal/bus");
  });

  it("keeps the exported strings of a package's top level, not locals or unexported names", () => {
    const src = go(
      [
        "package kafka",
        "",
        "const OrdersTopic string = `orders`",
        'const internalTopic = "internal"',
        "var (",
        '\tTopic   = "orders"',
        '\tGroupID = "accounting"',
        ")",
        "",
        "func f() {",
        '\tLocal := "x"',
        "}",
      ].join("\n"),
    );
    expect([...goExportedStrings(src)]).toEqual([
      ["OrdersTopic", "orders"],
      ["Topic", "orders"],
      ["GroupID", "accounting"],
    ]);
  });
});
