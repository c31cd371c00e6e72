/**
 * One long-lived `git cat-file --batch-command --buffer` process, used as a pipeline: requests are written
 * together (those made in one turn of the event loop go in one write, followed by `flush`), and the answers
 * are cut out of git's output as it streams, in the order asked, without a round trip per object.
 * Contents stay bytes: callers decode them when, and only if, they need text.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

export interface ObjectInfo {
  oid: string;
  type: string;
  size: number;
}

export interface RawObject {
  type: string;
  bytes: Buffer;
}

interface Waiter {
  contents: boolean;
  resolve(value: ObjectInfo | RawObject | undefined): void;
  reject(error: unknown): void;
}

export class CatFileError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "CatFileError";
  }
}

const closedError = () => new CatFileError("git cat-file was closed", "");

export class CatFile {
  private child?: ChildProcessWithoutNullStreams;
  /** Requests sent and not answered yet, oldest first (from `first` on). */
  private waiters: Waiter[] = [];
  private first = 0;
  /** Requests of this turn, written together when it ends. */
  private outgoing: string[] = [];
  private queued: Waiter[] = [];
  /** A header line split across chunks: its pieces so far. */
  private line: Buffer[] = [];
  /** The contents being received. */
  private body?: { waiter: Waiter; type: string; size: number; parts: Buffer[]; received: number };
  private stderr = "";
  /** Set by `close`: no request is sent after it, and none starts a new process. */
  private closed = false;

  constructor(
    private readonly repo: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** An object's type and size, or undefined when git does not know the name. */
  info(name: string): Promise<ObjectInfo | undefined> {
    return this.request(`info ${name}\n`, false) as Promise<ObjectInfo | undefined>;
  }

  /** An object's type and bytes, or undefined when git does not know the name. */
  contents(name: string): Promise<RawObject | undefined> {
    return this.request(`contents ${name}\n`, true) as Promise<RawObject | undefined>;
  }

  /**
   * Ends the process for good. Requests not answered yet fail, those of this turn not yet written included, and
   * later ones fail at once: a read-ahead that asked in the same turn as `close` had its requests written by a new
   * process that nobody closed, and the command waited for it forever.
   */
  close(): void {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      child.stdin.end();
      child.kill();
    }
    const error = closedError();
    const unsent = this.queued;
    this.outgoing = [];
    this.queued = [];
    this.fail(error);
    for (const w of unsent) w.reject(error);
  }

  private request(command: string, contents: boolean): Promise<ObjectInfo | RawObject | undefined> {
    if (this.closed) return Promise.reject(closedError());
    if (/[\n\r]/.test(command.slice(0, -1))) return Promise.reject(new CatFileError(`not an object name: ${JSON.stringify(command)}`, ""));
    return new Promise((resolve, reject) => {
      this.queued.push({ contents, resolve, reject });
      this.outgoing.push(command);
      if (this.outgoing.length === 1) setImmediate(() => this.send());
    });
  }

  private send(): void {
    const commands = this.outgoing;
    const waiters = this.queued;
    this.outgoing = [];
    this.queued = [];
    if (commands.length === 0) return;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = this.start();
    } catch (error) {
      for (const w of waiters) w.reject(error);
      return;
    }
    for (const w of waiters) this.waiters.push(w);
    commands.push("flush\n");
    child.stdin.write(commands.join(""));
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn("git", ["-C", this.repo, "cat-file", "--batch-command", "--buffer"], { env: this.env });
    this.child = child;
    this.stderr = "";
    this.line = [];
    this.body = undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      if (this.child === child) this.receive(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    child.stdin.on("error", () => undefined); // git exiting early: reported by `close` below
    const fail = (error: Error) => {
      if (this.child !== child) return; // a process already closed
      this.child = undefined;
      this.fail(error);
    };
    child.on("error", fail);
    child.on("close", (code) => fail(new CatFileError(`git cat-file exited (${code}): ${this.stderr.trim()}`, this.stderr)));
    return child;
  }

  /** Fails every request not answered yet; the next request starts a new process. */
  private fail(error: Error): void {
    const waiters = this.waiters.slice(this.first);
    this.waiters = [];
    this.first = 0;
    if (this.body) waiters.unshift(this.body.waiter);
    this.body = undefined;
    this.line = [];
    for (const w of waiters) w.reject(error);
  }

  private next(): Waiter | undefined {
    const waiter = this.waiters[this.first];
    if (!waiter) return undefined;
    this.first++;
    if (this.first > 1024 && this.first * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.first);
      this.first = 0;
    }
    return waiter;
  }

  /** Cuts answers out of git's output: a header line, then for `contents` the object's bytes and a newline. */
  private receive(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const body = this.body;
      if (body) {
        const take = Math.min(body.size + 1 - body.received, chunk.length - at);
        body.parts.push(chunk.subarray(at, at + take));
        body.received += take;
        at += take;
        if (body.received === body.size + 1) {
          this.body = undefined;
          // Copied out of git's chunks (the newline after the bytes left out): a small blob that kept a view of its
          // chunk kept the whole 64 KB chunk alive, about 4 bytes held per blob byte in the read-ahead.
          body.waiter.resolve({ type: body.type, bytes: Buffer.concat(body.parts, body.size) });
        }
        continue;
      }
      const nl = chunk.indexOf(10, at);
      if (nl === -1) {
        this.line.push(chunk.subarray(at));
        return;
      }
      const piece = chunk.subarray(at, nl);
      const line = (this.line.length > 0 ? Buffer.concat([...this.line, piece]) : piece).toString("utf8");
      this.line = [];
      at = nl + 1;
      this.header(line);
    }
  }

  /** `<oid> <type> <size>`, or `<name> missing` (or `ambiguous`) for a name git does not resolve to one object. */
  private header(line: string): void {
    const waiter = this.next();
    if (!waiter) {
      this.child?.kill();
      this.fail(new CatFileError(`unexpected output of git cat-file: ${JSON.stringify(line.slice(0, 100))}`, this.stderr));
      return;
    }
    const fields = line.split(" ");
    const size = Number(fields[2]);
    if (fields.length !== 3 || !/^[0-9a-f]{40,64}$/.test(fields[0]!) || !Number.isInteger(size)) {
      waiter.resolve(undefined);
      return;
    }
    const type = fields[1]!;
    if (!waiter.contents) waiter.resolve({ oid: fields[0]!, type, size });
    else this.body = { waiter, type, size, parts: [], received: 0 };
  }
}

/** What a Change reads of one blob it knows: its id, its size and its kind (e.g. side and extension). */
export interface KnownBlob {
  oid: string;
  size: number;
  /** Blobs of a kind that reads keep passing over are left out of the read-ahead until reads ask for that kind again. */
  kind?: string;
}

/** Bytes asked for ahead are kept up to this much; past it the oldest unread ones are dropped (and read again if asked). */
const MAX_AHEAD_BYTES = 16 * 1024 * 1024;
const MIN_WINDOW = 256 * 1024;
const MAX_WINDOW = 4 * 1024 * 1024;
/** Blobs asked for ahead and passed over by more than this many positions are dropped. */
const BEHIND = 64;
/** A read at most this many positions after the last one starts a run (reads further away are read alone). */
const NEAR = 4;
/** How fast the interest in a kind of blob follows the reads, and the interest below which the kind is not read ahead. */
const LEARNING = 0.2;
const WANTED = 0.25;

/**
 * Read-ahead over the blobs a review is expected to read, in the order it is expected to read them (the
 * changed files' listing): the first read of one of them asks git for it and for the next ones up to a
 * window (a run), which doubles while reads keep finding their blob already asked for (up to 4 MB), and a
 * read elsewhere starts a new run, small again. Blobs of the run that reads pass over are dropped, kinds of
 * blobs that reads keep passing over (the base versions of source files, say) are left out until reads ask
 * for them, and all blobs asked for and not read are capped at 16 MB. So a review that reads most changed files costs a few
 * dozen requests instead of one per file, and holds a few MB of bytes it has not read yet.
 */
export class ReadAhead {
  private readonly position = new Map<string, number>();
  /** Per position: 0 not asked for, 1 asked for, 2 handed out. */
  private readonly state: Uint8Array;
  private readonly ahead = new Map<string, AheadEntry>();
  private aheadBytes = 0;
  /** The current run: its blobs in order (from `runFirst` on), the bytes of them not read yet, and where it goes on. */
  private run: AheadEntry[] = [];
  private runFirst = 0;
  /** Blobs of the run before this index are behind the last read. */
  private runPassed = 0;
  private runBytes = 0;
  private next = 0;
  private window = MIN_WINDOW;
  /** The position of the last read. */
  private last = -1;
  /** Per kind of blob: how often reads took the ones asked for ahead (1) or passed over them (0), recent ones weighing most. */
  private readonly interest = new Map<string | undefined, number>();

  private wanted(kind: string | undefined): number {
    return this.interest.get(kind) ?? 1;
  }

  private learn(kind: string | undefined, read: 0 | 1): void {
    this.interest.set(kind, this.wanted(kind) * (1 - LEARNING) + read * LEARNING);
  }

  constructor(
    private readonly cat: CatFile,
    private readonly blobs: readonly KnownBlob[],
  ) {
    blobs.forEach((b, i) => {
      if (!this.position.has(b.oid)) this.position.set(b.oid, i);
    });
    this.state = new Uint8Array(blobs.length);
  }

  /** A blob's bytes: from the read-ahead when it was asked for, else asked for now (starting a run when it is in the list). */
  contents(oid: string): Promise<RawObject | undefined> {
    let entry = this.ahead.get(oid);
    if (!entry) {
      const at = this.position.get(oid);
      if (at === undefined || this.state[at] === 2) return this.cat.contents(oid);
      const last = this.last;
      this.last = at;
      const kind = this.blobs[at]!.kind;
      const skipped = this.wanted(kind) < WANTED;
      this.learn(kind, 1);
      // A read far from the last one is read alone, and so is one the run left out for its kind; one just
      // after the last goes on with the run (just past its end: reads outran it) or starts a new one.
      if (at <= last || at > last + NEAR || (at < this.next && skipped)) return this.cat.contents(oid);
      if (at >= this.next && this.run.length > 0) this.window = Math.min(this.window * 2, MAX_WINDOW);
      else {
        this.run = [];
        this.runFirst = 0;
        this.runPassed = 0;
        this.runBytes = 0;
        this.window = MIN_WINDOW;
      }
      this.next = at;
      this.extend(at);
      entry = this.ahead.get(oid)!;
    } else this.learn(entry.kind, 1);
    const object = entry.object!;
    this.take(entry);
    this.last = entry.at;
    if (entry.run === this.run) {
      // Blobs of this run that reads passed over no longer count as ahead; far behind, they are dropped.
      for (; this.runPassed < this.run.length && this.run[this.runPassed]!.at < entry.at; this.runPassed++) {
        const passed = this.run[this.runPassed]!;
        if (!passed.passed && this.ahead.get(passed.oid) === passed) {
          this.runBytes -= passed.size;
          this.learn(passed.kind, 0);
        }
        passed.passed = true;
      }
      while (this.runFirst < this.runPassed && this.run[this.runFirst]!.at < entry.at - BEHIND) {
        const passed = this.run[this.runFirst++]!;
        if (this.ahead.get(passed.oid) === passed) {
          this.take(passed);
          this.state[passed.at] = 0;
        }
      }
      if (this.runBytes < this.window / 2) {
        this.window = Math.min(this.window * 2, MAX_WINDOW);
        this.extend();
      }
    }
    return object;
  }

  private take(entry: AheadEntry): void {
    // Its run still lists it (until the run is trimmed): the bytes must not stay reachable through it.
    entry.object = undefined;
    this.ahead.delete(entry.oid);
    this.aheadBytes -= entry.size;
    if (entry.run === this.run && !entry.passed) this.runBytes -= entry.size;
    entry.passed = true;
    this.state[entry.at] = 2;
  }

  /** Asks for the blobs from `next` on that were not asked for, until the run has `window` bytes not read. */
  private extend(wanted?: number): void {
    let i = this.next;
    for (; i < this.blobs.length && (this.runBytes < this.window || i === wanted); i++) {
      if (this.state[i] !== 0) continue;
      const blob = this.blobs[i]!;
      if (this.position.get(blob.oid) !== i) continue; // the same bytes at an earlier position
      if (i !== wanted && this.wanted(blob.kind) < WANTED) continue; // reads pass over its kind
      this.state[i] = 1;
      const object = this.cat.contents(blob.oid);
      object.catch(() => undefined); // a read of it gets the failure; one never read is no unhandled rejection
      const entry: AheadEntry = { oid: blob.oid, at: i, size: blob.size, kind: blob.kind, object, run: this.run };
      this.ahead.set(blob.oid, entry);
      this.run.push(entry);
      this.aheadBytes += blob.size;
      this.runBytes += blob.size;
    }
    this.next = i;
    // Past the cap, the oldest asked for and not read are dropped (a read of one of them asks again).
    for (const entry of this.ahead.values()) {
      if (this.aheadBytes <= MAX_AHEAD_BYTES) break;
      this.take(entry);
      this.state[entry.at] = 0;
    }
    if (this.runFirst > 1024) {
      this.run.splice(0, this.runFirst);
      this.runPassed -= this.runFirst;
      this.runFirst = 0;
    }
  }
}

interface AheadEntry {
  oid: string;
  at: number;
  size: number;
  kind: string | undefined;
  /** The bytes asked for; undefined once handed out or dropped. */
  object: Promise<RawObject | undefined> | undefined;
  /** The run that asked for it. */
  run: AheadEntry[];
  /** Read, or behind the last read of its run. */
  passed?: boolean;
}
