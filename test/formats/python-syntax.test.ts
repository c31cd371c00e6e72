import { describe, expect, it } from "vitest";
import { allCalls, argument, parsePython, stringOf, tokenize, type PyCallNode } from "../../src/formats/migrations/python-syntax.js";
import { djangoColumn, djangoTypeChanges } from "../../src/formats/migrations/python.js";

const call = (source: string): PyCallNode => {
  const found = allCalls(parsePython(source))[0];
  if (!found) throw new Error("no call");
  return found;
};

describe("python-syntax: tokens", () => {
  it("reads prefixed and triple-quoted strings, drops comments and line continuations", () => {
    const text = 'x = rb"a\\n" + """two\nlines # not a comment""" # comment\ny = \\\n  f\'{z}\'\n';
    const tokens = tokenize(text).filter((t) => t.kind !== "newline");
    expect(tokens.map((t) => [t.kind, t.kind === "string" ? t.value : t.text])).toEqual([
      ["name", "x"],
      ["op", "="],
      ["string", "a\\n"],
      ["op", "+"],
      ["string", "two\nlines # not a comment"],
      ["name", "y"],
      ["op", "="],
      ["string", "{z}"],
    ]);
    expect(tokens[2]!.contentStart).toBe(7);
  });

  it("keeps newlines only outside brackets", () => {
    const kinds = tokenize("f(\n  1,\n  2)\ng()\n").map((t) => t.kind);
    expect(kinds.filter((k) => k === "newline")).toHaveLength(2);
  });
});

describe("python-syntax: call tree", () => {
  it("reads keyword arguments after comments, nested calls and their offsets", () => {
    const text =
      'migrations.AlterField(\n    model_name="site",\n    # why: a comment, with "quotes" and (brackets\n    field=models.BooleanField(default=False, db_default=False),\n)\n';
    const alter = call(text);
    expect(alter.callee).toBe("migrations.AlterField");
    expect(alter.args.map((a) => a.name)).toEqual(["model_name", "field"]);
    const field = argument(alter, "field") as PyCallNode;
    expect(field.kind).toBe("call");
    expect(field.callee).toBe("models.BooleanField");
    expect(argument(field, "db_default")?.text).toBe("False");
    expect(text.slice(field.start, field.end)).toBe("models.BooleanField(default=False, db_default=False)");
  });

  it("concatenates adjacent literals, reads lists, tuples and dicts", () => {
    const create = call('CreateModel("Order", [("id", models.AutoField()), ("n", models.IntegerField())], options={"db_table": "orders"})');
    expect(stringOf(argument(create, "name", 0))).toBe("Order");
    const fields = argument(create, "fields", 1);
    expect(fields?.kind).toBe("list");
    expect(fields?.kind === "list" ? fields.items.map((i) => i.kind) : []).toEqual(["tuple", "tuple"]);
    const options = argument(create, "options");
    expect(options?.kind === "dict" ? stringOf(options.entries[0]!.value) : undefined).toBe("orders");
    expect(stringOf(argument(call('RunSQL("DROP " "TABLE x")'), "sql", 0))).toBe("DROP TABLE x");
  });

  it("an f-string with a field is not a literal", () => {
    expect(stringOf(argument(call('RunSQL(f"DROP TABLE {name}")'), "sql", 0))).toBeUndefined();
  });

  it("module-level assignments are kept", () => {
    const module = parsePython('SQL = """\nDROP TABLE a;\n"""\n\nclass M:\n    x = 1\n');
    expect([...module.assignments.keys()]).toEqual(["SQL"]);
  });

  it("lambdas, subscripts and comprehensions do not end the argument list early", () => {
    const c = call("RunPython(lambda apps, schema: apps.get_model('a', 'b')[0], reverse_code=[x for x in (1, 2)], hints={'k': 1})");
    expect(c.args.map((a) => a.name ?? "-")).toEqual(["-", "reverse_code", "hints"]);
  });
});

describe("python-syntax: Django columns", () => {
  const column = (source: string) => djangoColumn(call(source));
  it("options that live only in Django change no column", () => {
    expect(
      djangoTypeChanges(
        column("models.BooleanField(default=False)"),
        column("models.BooleanField(default=False, db_default=False, help_text='x', blank=True)"),
      ),
    ).toBe(false);
  });
  it("widening is in place, narrowing and integer → bigint rewrite", () => {
    expect(djangoTypeChanges(column("models.CharField(max_length=50)"), column("models.CharField(max_length=100)"))).toBe(false);
    expect(djangoTypeChanges(column("models.CharField(max_length=50)"), column("models.TextField()"))).toBe(false);
    expect(djangoTypeChanges(column("models.CharField(max_length=100)"), column("models.CharField(max_length=50)"))).toBe(true);
    expect(djangoTypeChanges(column("models.IntegerField()"), column("models.BigIntegerField()"))).toBe(true);
    expect(djangoTypeChanges(column("models.SlugField()"), column("models.CharField(max_length=50)"))).toBe(false);
  });
  it("a foreign key keeps its column type while the target stays", () => {
    expect(
      djangoTypeChanges(
        column('models.OneToOneField("order.OrderLine", on_delete=models.CASCADE)'),
        column('models.OneToOneField("order.OrderLine", on_delete=models.CASCADE, db_constraint=False, null=True)'),
      ),
    ).toBe(false);
  });
});
