import { describe, expect, it } from "vitest";
import { MEMBER_OR_PRINT_CALL, MemberCallScanner } from "../../src/formats/source/member-calls.js";

type Found = [number, string, string | undefined, string | undefined, string | undefined];

function byRegex(text: string, from = 0): Found[] {
  const re = new RegExp(MEMBER_OR_PRINT_CALL.source, "g");
  re.lastIndex = from;
  const out: Found[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) out.push([m.index, m[0], m[1], m[2], m[3]]);
  return out;
}

function byScanner(text: string, from = 0): Found[] {
  const scanner = new MemberCallScanner(text);
  scanner.lastIndex = from;
  const out: Found[] = [];
  for (let m = scanner.exec(); m; m = scanner.exec()) out.push([m.index, m[0], m[1], m[2], m[3]]);
  return out;
}

describe("MemberCallScanner", () => {
  it.each<[string, Found[]]>([
    ["logger.info(user.email)", [[0, "logger.info(", "logger", "info", undefined]]],
    ["this.log?.warn (x)", [[5, "log?.warn (", "log", "warn", undefined]]],
    [
      "getLogger().info(a); getLogger( ) . debug(b)",
      [
        [0, "getLogger().info(", "getLogger", "info", undefined],
        [21, "getLogger( ) . debug(", "getLogger", "debug", undefined],
      ],
    ],
    // The call that names a method consumes it: `logger` here is a method, not the receiver of `.info(`.
    ["ctx.logger().info(email)", [[0, "ctx.logger(", "ctx", "logger", undefined]]],
    ["values\n  ?.map(v => v)\n  .filter(Boolean)", [[0, "values\n  ?.map(", "values", "map", undefined]]],
    [
      'print(email); println (x); fmt.Println("a")',
      [
        [0, "print(", undefined, undefined, "print"],
        [14, "println (", undefined, undefined, "println"],
        [27, "fmt.Println(", "fmt", "Println", undefined],
      ],
    ],
    // At the same offset the member call wins over the bare print.
    ["print().flush()", [[0, "print().flush(", "print", "flush", undefined]]],
    [
      "1abc.info(x); a..b(c); a ? .b(c); x.print(y); $log.info(z)",
      [
        [34, "x.print(", "x", "print", undefined],
        [46, "$log.info(", "$log", "info", undefined],
      ],
    ],
  ])("finds in %j what the regex finds", (text, expected) => {
    expect(byScanner(text)).toEqual(expected);
    expect(byRegex(text)).toEqual(expected);
  });

  it("agrees with the regex on generated texts, from any offset", () => {
    // Names, blanks and punctuation, weighted so that most texts hold calls, near-calls and chains.
    const pieces = [
      ...["logger", "log", "a1", "$x", "_y", "print", "println", "1abc", "getLogger", "info", "é"],
      ...[".", ".", "?.", "?", "(", "(", ")", "()", "( )", " ", " ", "\n", "\t", "\u00a0", "\u2028", ";", ",", "=", "7", '"'],
      ...["logger.info(", "a?.b(", "x ( ) . y (", "getLogger().warn(", "print(", "println (", "x.print(", "v\n  ?.map("],
    ];
    let seed = 11;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let matches = 0;
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: 4 + (n % 60) }, () => pieces[next(pieces.length)]).join("");
      const expected = byRegex(text);
      matches += expected.length;
      expect(byScanner(text)).toEqual(expected);
      const from = next(text.length + 1);
      expect(byScanner(text, from)).toEqual(byRegex(text, from));
      // lastIndex moved back after a search from further on: what a regex finds from there.
      const later = from + next(text.length + 1 - from);
      const scanner = new MemberCallScanner(text);
      const regex = new RegExp(MEMBER_OR_PRINT_CALL.source, "g");
      scanner.lastIndex = regex.lastIndex = later;
      expect(scanner.exec()?.index).toBe(regex.exec(text)?.index);
      scanner.lastIndex = regex.lastIndex = from;
      expect(scanner.exec()?.index).toBe(regex.exec(text)?.index);
    }
    // The generated texts hold calls of every kind, not only misses.
    expect(matches).toBeGreaterThan(3000);
  });
});
