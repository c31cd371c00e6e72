/**
 * Calls on a named receiver (`logger.info(`, `log?.warn(`, `span.setAttribute(`, `getLogger().info(`) and bare
 * `print(` / `println(` calls in masked source text: what the logging rules read.
 */

/**
 * What the scanner finds, as one regex: group 1 the receiver, group 2 the method, group 3 a bare `print`/`println`.
 * Kept as the specification: MemberCallScanner gives the same matches, with the same offsets and groups, as a
 * global scan with it (test/formats/member-calls.test.ts checks that on generated texts).
 */
export const MEMBER_OR_PRINT_CALL =
  /(?<![\w$])([A-Za-z_$][\w$]*)\s*(?:\(\s*\))?\s*(?:\?\.|\.)\s*([A-Za-z_]\w*)\s*\(|(?<![\w$.])(print|println)\s*\(/g;

/** From a call's dot to its bracket: `.info(`, `. warn (`. */
const DOT_CALL = /\.\s*([A-Za-z_]\w*)\s*\(/g;
const PRINT_CALL = /(?<![\w$.])(print|println)\s*\(/g;
const WORD = /[\w$]/;
const BLANK = /\s/;
const RECEIVER_START = /[A-Za-z_$]/;

/**
 * The matches of MEMBER_OR_PRINT_CALL, found from the dots and `print` names instead of at every identifier: the
 * regex tried each identifier of a text as a receiver, and was the largest regex cost of reviewing 1,400 changed
 * TypeScript files. Used like a global regex: `exec()` gives the next match at or after `lastIndex` (which the caller
 * may move either way) and moves `lastIndex` past it; a match's text can hold no other match, so the order of
 * candidates by start is the regex's.
 */
export class MemberCallScanner {
  lastIndex = 0;
  private readonly dots = new RegExp(DOT_CALL.source, "g");
  private readonly prints = new RegExp(PRINT_CALL.source, "g");
  /** The next dot call found (undefined: not searched yet; null: none left), and where its search started. */
  private dot: RegExpExecArray | null | undefined;
  private dotSearchedFrom = 0;
  private print: RegExpExecArray | null | undefined;
  private printSearchedFrom = 0;

  constructor(private readonly text: string) {}

  exec(): RegExpExecArray | null {
    const text = this.text;
    const from = this.lastIndex;
    // A search found nothing between where it started and its match: that match stands for any later offset.
    if (this.dot === undefined || from < this.dotSearchedFrom || (this.dot !== null && this.dot.index < from)) {
      this.dotSearchedFrom = from;
      this.dots.lastIndex = from;
      this.dot = this.dots.exec(text);
    }
    let receiver = -1;
    while (this.dot) {
      receiver = this.receiverStart(this.dot.index);
      if (receiver >= from) break;
      this.dot = this.dots.exec(text);
    }
    if (this.print === undefined || from < this.printSearchedFrom || (this.print !== null && this.print.index < from)) {
      this.printSearchedFrom = from;
      this.prints.lastIndex = from;
      this.print = this.prints.exec(text);
    }
    const dot = this.dot;
    const print = this.print;
    // At the same offset the regex's first alternative (a member call) wins.
    if (dot && (!print || receiver <= print.index)) {
      const end = dot.index + dot[0].length;
      let nameEnd = receiver;
      while (nameEnd < text.length && WORD.test(text[nameEnd]!)) nameEnd++;
      this.lastIndex = end;
      return match(text, receiver, [text.slice(receiver, end), text.slice(receiver, nameEnd), dot[1]!, undefined]);
    }
    if (print) {
      this.lastIndex = print.index + print[0].length;
      return match(text, print.index, [print[0], undefined, undefined, print[1]!]);
    }
    this.lastIndex = 0;
    return null;
  }

  /** Where the receiver of the call whose dot is at `dot` starts, or -1 when no receiver precedes it. */
  private receiverStart(dot: number): number {
    const text = this.text;
    let at = dot - 1;
    if (text[at] === "?") at--; // `?.`
    while (at >= 0 && BLANK.test(text[at]!)) at--;
    if (text[at] === ")") {
      // `getLogger().info(`: an empty argument list only
      at--;
      while (at >= 0 && BLANK.test(text[at]!)) at--;
      if (text[at] !== "(") return -1;
      at--;
      while (at >= 0 && BLANK.test(text[at]!)) at--;
    }
    const last = at;
    while (at >= 0 && WORD.test(text[at]!)) at--;
    return at === last || !RECEIVER_START.test(text[at + 1]!) ? -1 : at + 1;
  }
}

function match(input: string, index: number, groups: (string | undefined)[]): RegExpExecArray {
  return Object.assign(groups, { index, input, groups: undefined }) as RegExpExecArray;
}
