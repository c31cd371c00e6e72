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

  close(): void {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      child.stdin.end();
      child.kill();
    }
    this.fail(new CatFileError("git cat-file was closed", ""));
  }

  private request(command: string, contents: boolean): Promise<ObjectInfo | RawObject | undefined> {
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
          const all = body.parts.length === 1 ? body.parts[0]! : Buffer.concat(body.parts, body.size + 1);
          body.waiter.resolve({ type: body.type, bytes: all.subarray(0, body.size) });
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

/** What a Change reads of one blob it knows: its id and size. */
export interface KnownBlob {
  oid: string;
  size: number;
}

/** Bytes asked for ahead are kept up to this much; past it the oldest unread ones are dropped (and read again if asked). */
const MAX_AHEAD_BYTES = 16 * 1024 * 1024;
const MIN_WINDOW = 256 * 1024;
const MAX_WINDOW = 4 * 1024 * 1024;
/** Blobs asked for ahead and passed over by more than this many positions are dropped. */
const BEHIND = 64;

/**
 * Read-ahead over the blobs a review is expected to read, in the order it is expected to read them (the
 * changed files' listing): the first read of one of them asks git for it and for the next ones up to a
 * window, which doubles while reads keep finding their blob already asked for (up to 4 MB), and starts
 * over small where a read jumps. So a review that reads most changed files costs a few dozen requests
 * instead of one per file, and holds at most a few MB of bytes not read yet.
 */
export class ReadAhead {
  private readonly position = new Map<string, number>();
  /** Per position: 0 not asked for, 1 asked for, 2 handed out. */
  private readonly state: Uint8Array;
  private readonly ahead = new Map<string, { at: number; size: number; object: Promise<RawObject | undefined> }>();
  private aheadBytes = 0;
  private next = 0;
  private window = MIN_WINDOW;

  constructor(
    private readonly cat: CatFile,
    private readonly blobs: readonly KnownBlob[],
  ) {
    blobs.forEach((b, i) => {
      if (!this.position.has(b.oid)) this.position.set(b.oid, i);
    });
    this.state = new Uint8Array(blobs.length);
  }

  /** A blob's bytes: from the read-ahead when it was asked for, else asked for now (starting a read-ahead when it is in the list). */
  contents(oid: string): Promise<RawObject | undefined> {
    let entry = this.ahead.get(oid);
    if (!entry) {
      const at = this.position.get(oid);
      if (at === undefined || this.state[at] === 2) return this.cat.contents(oid);
      // A jump: a new run from here.
      this.window = MIN_WINDOW;
      this.next = at;
      this.extend(at);
      entry = this.ahead.get(oid)!;
    }
    this.ahead.delete(oid);
    this.aheadBytes -= entry.size;
    this.state[entry.at] = 2;
    this.dropBehind(entry.at);
    if (this.aheadBytes < this.window / 2) {
      this.window = Math.min(this.window * 2, MAX_WINDOW);
      this.extend(entry.at);
    }
    return entry.object;
  }

  /** Asks for the blobs from `at` on that were not asked for, until `window` bytes are ahead. */
  private extend(at: number): void {
    let i = Math.max(at, this.next);
    for (; i < this.blobs.length && (this.aheadBytes < this.window || i === at); i++) {
      if (this.state[i] !== 0) continue;
      const blob = this.blobs[i]!;
      if (this.position.get(blob.oid) !== i) continue; // the same bytes at an earlier position
      this.state[i] = 1;
      const object = this.cat.contents(blob.oid);
      object.catch(() => undefined); // a read of it gets the failure; one never read is no unhandled rejection
      this.ahead.set(blob.oid, { at: i, size: blob.size, object });
      this.aheadBytes += blob.size;
    }
    this.next = i;
    // Past the cap, the oldest asked for and not read are dropped (a read of one of them asks again).
    for (const [oid, entry] of this.ahead) {
      if (this.aheadBytes <= MAX_AHEAD_BYTES) break;
      this.drop(oid, entry);
    }
  }

  private dropBehind(at: number): void {
    for (const [oid, entry] of this.ahead) {
      if (entry.at >= at - BEHIND) break;
      this.drop(oid, entry);
    }
  }

  private drop(oid: string, entry: { at: number; size: number; object: Promise<RawObject | undefined> }): void {
    this.ahead.delete(oid);
    this.aheadBytes -= entry.size;
    this.state[entry.at] = 0;
  }
}
