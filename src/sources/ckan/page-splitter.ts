/**
 * A streaming splitter for a package_search response: it reads the body byte by byte and
 * writes each element of `result.results` as one NDJSON line, holding at most one package
 * (plus the small rest of the envelope) in memory. Tokens are copied byte for byte (only
 * whitespace outside strings is dropped), so numbers, escapes and key order stay exactly
 * as the portal sent them. Each package is checked with JSON.parse; the envelope without
 * its results (the "skeleton") is parsed at the end and must say `success: true` with a
 * numeric `result.count` and an array `result.results`.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { checkSearchEnvelope, malformedError, notJsonObjectError, truncatedError, type AnswerOrigin } from './envelope.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = Buffer.from('\n');
/** A package larger than this is refused rather than held in memory. */
const MAX_PACKAGE_BYTES = 64 * 1024 * 1024;
/** The envelope without its results (help, facets, …) larger than this is refused. */
const MAX_SKELETON_BYTES = 16 * 1024 * 1024;

interface Frame {
  object: boolean;
  /** In an object: whether the next string is a key. */
  expectKey: boolean;
  /** In an object: the last key read (only tracked near the root). */
  key: string | undefined;
  /** This frame is the `result.results` array. */
  results: boolean;
  /** In result.results: what was last seen, to check the commas between packages. */
  last: 'open' | 'element' | 'comma';
}

export interface PageSummary {
  count: number;
  received: number;
  firstId?: string;
  lastId?: string;
}

/** Where the body comes from, for messages: the URL (redacted), status and content type. */
export type SplitterOptions = AnswerOrigin;

const enum Sink { Skeleton, Element, Drop }

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class CkanPageSplitter extends Transform {
  private readonly stack: Frame[] = [];
  private inString = false;
  private escaped = false;
  private keyParts: Buffer[] | undefined;
  private started = false;
  private ended = false;
  private sink: Sink = Sink.Skeleton;
  private elementParts: Buffer[] = [];
  private elementBytes = 0;
  private readonly skeletonParts: Buffer[] = [];
  private skeletonBytes = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private received = 0;
  private firstId: string | undefined;
  private lastId: string | undefined;
  private summaryValue: PageSummary | undefined;

  constructor(private readonly opts: SplitterOptions) {
    super();
  }

  /** What the page held; available once the stream has finished without error. */
  summary(): PageSummary {
    if (!this.summaryValue) throw new Error('CkanPageSplitter.summary() called before the body was complete');
    return this.summaryValue;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.scan(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.summaryValue = this.finishEnvelope();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  /** The chunk being scanned, and where its not-yet-copied run of bytes starts. */
  private chunk: Buffer = Buffer.alloc(0);
  private segStart = 0;
  private keyStart = 0;
  /** Index of the next backslash at or after the scan position in the chunk (chunk.length: none); -1 unknown. */
  private nextBackslash = -1;

  private scan(buf: Buffer): void {
    this.chunk = buf;
    this.segStart = 0;
    this.nextBackslash = -1;
    let i = 0;
    const n = buf.length;
    while (i < n) {
      if (this.inString) {
        i = this.scanString(buf, i);
        continue;
      }
      const c = buf[i]!;
      if (isWhitespace(c)) this.cut(i, i + 1);
      else this.structural(c, i);
      i++;
    }
    this.flushTo(n);
    if (this.inString && this.keyParts) {
      this.keyParts.push(buf.subarray(this.keyStart, n));
      this.keyStart = 0;
    }
    this.chunk = Buffer.alloc(0);
  }

  /** Sends the run of bytes up to `end` to the current sink. */
  private flushTo(end: number): void {
    if (end > this.segStart) this.append(this.chunk.subarray(this.segStart, end));
  }

  /** Sends the run up to `end` to the current sink and starts the next run at `next`. */
  private cut(end: number, next: number): void {
    this.flushTo(end);
    this.segStart = next;
  }

  /** Handles a byte outside strings that is not whitespace. */
  private structural(c: number, i: number): void {
    if (!this.started) this.start(c);
    if (this.ended) throw this.malformed('there is more after the end of the JSON document');
    const top = this.stack[this.stack.length - 1];
    if (top?.results) this.checkResultsSeparator(top, c);
    if (c === QUOTE) {
      this.inString = true;
      if (top?.object && top.expectKey && this.stack.length <= 2) this.keyParts = [];
      this.keyStart = i + 1;
    } else if (c === 0x7b || c === 0x5b) {
      this.onOpen(c === 0x7b, i, top);
    } else if (c === 0x7d || c === 0x5d) {
      this.onClose(c === 0x7d, i);
    } else if (c === 0x3a && top?.object) {
      top.expectKey = false;
    } else if (c === 0x2c && top?.object) {
      top.expectKey = true;
    }
  }

  private onOpen(object: boolean, i: number, top: Frame | undefined): void {
    if (top?.results) {
      // an element of result.results begins: it goes to its own buffer
      this.cut(i, i);
      this.sink = Sink.Element;
    }
    this.open(object);
    if (this.stack[this.stack.length - 1]!.results) {
      this.cut(i + 1, i + 1); // the '[' itself belongs to the skeleton
      this.sink = Sink.Drop;
    }
  }

  private onClose(object: boolean, i: number): void {
    const closed = this.close(object);
    const parent = this.stack[this.stack.length - 1];
    if (closed.results) {
      this.cut(i, i); // the ']' goes to the skeleton
      this.sink = Sink.Skeleton;
    } else if (parent?.results) {
      this.cut(i + 1, i + 1);
      this.emitElement();
      this.sink = Sink.Drop;
      parent.last = 'element';
    }
    if (this.stack.length === 0) this.ended = true;
  }

  /** Directly inside result.results only objects, separated by single commas, may appear. */
  private checkResultsSeparator(frame: Frame, c: number): void {
    if (c === 0x7b && frame.last !== 'element') return;
    if (c === 0x2c && frame.last === 'element') {
      frame.last = 'comma';
      return;
    }
    if (c === 0x5d && frame.last !== 'comma') return;
    if (c !== 0x7b && c !== 0x2c && c !== 0x5d) throw this.malformed(`result.results[${this.received}] is not an object`);
    throw this.malformed(`unexpected ${JSON.stringify(String.fromCharCode(c))} between the packages of result.results`);
  }

  /** Advances through a string from `i`; returns the index after what was consumed. */
  private scanString(buf: Buffer, i: number): number {
    if (this.escaped) {
      this.escaped = false;
      return i + 1;
    }
    const quote = buf.indexOf(QUOTE, i);
    if (this.nextBackslash < i) {
      const found = buf.indexOf(BACKSLASH, i);
      this.nextBackslash = found === -1 ? buf.length : found;
    }
    const backslash = this.nextBackslash < buf.length ? this.nextBackslash : -1;
    if (backslash !== -1 && (quote === -1 || backslash < quote)) {
      if (backslash + 1 >= buf.length) {
        this.escaped = true;
        return buf.length;
      }
      return backslash + 2;
    }
    if (quote === -1) return buf.length;
    this.inString = false;
    if (this.keyParts) {
      this.keyParts.push(buf.subarray(this.keyStart, quote));
      this.setKey(Buffer.concat(this.keyParts));
      this.keyParts = undefined;
    }
    return quote + 1;
  }

  private setKey(raw: Buffer): void {
    const top = this.stack[this.stack.length - 1]!;
    try {
      top.key = JSON.parse(`"${raw.toString('utf8')}"`) as string;
    } catch {
      throw this.malformed('an object key is not a valid JSON string');
    }
  }

  private start(c: number): void {
    this.started = true;
    if (c !== 0x7b) throw notJsonObjectError(this.opts, c);
  }

  private open(object: boolean): void {
    const parent = this.stack[this.stack.length - 1];
    const grand = this.stack[this.stack.length - 2];
    const results = !object && this.stack.length === 2 && grand?.key === 'result' && parent?.object === true && parent.key === 'results';
    this.stack.push({ object, expectKey: object, key: undefined, results, last: 'open' });
  }

  private close(object: boolean): Frame {
    const frame = this.stack.pop();
    if (!frame || frame.object !== object) throw this.malformed(`unexpected '${object ? '}' : ']'}'`);
    return frame;
  }

  private append(part: Buffer): void {
    if (this.sink === Sink.Element) {
      this.elementParts.push(part);
      this.elementBytes += part.length;
      if (this.elementBytes > MAX_PACKAGE_BYTES) throw this.malformed(`result.results[${this.received}] is larger than ${MAX_PACKAGE_BYTES} bytes`);
    } else if (this.sink === Sink.Skeleton) {
      this.skeletonParts.push(Buffer.from(part)); // a copy: the chunk itself is not kept
      this.skeletonBytes += part.length;
      if (this.skeletonBytes > MAX_SKELETON_BYTES) throw this.malformed(`the response outside result.results is larger than ${MAX_SKELETON_BYTES} bytes`);
    }
  }

  private emitElement(): void {
    const bytes = Buffer.concat(this.elementParts, this.elementBytes);
    this.elementParts = [];
    this.elementBytes = 0;
    let pkg: unknown;
    try {
      pkg = JSON.parse(this.decoder.decode(bytes));
    } catch (err) {
      throw this.malformed(`result.results[${this.received}] is not valid JSON: ${(err as Error).message}`);
    }
    const id = (pkg as { id?: unknown }).id;
    if (typeof id !== 'string' || id === '') throw this.malformed(`result.results[${this.received}] has no string "id"`);
    this.firstId ??= id;
    this.lastId = id;
    this.received++;
    this.push(bytes);
    this.push(NEWLINE);
  }

  private finishEnvelope(): PageSummary {
    if (!this.started) throw truncatedError(this.opts, 'the body is empty', this.received);
    if (!this.ended) throw truncatedError(this.opts, 'the body ends before the JSON document does', this.received);
    let envelope: unknown;
    try {
      envelope = JSON.parse(this.decoder.decode(Buffer.concat(this.skeletonParts, this.skeletonBytes)));
    } catch (err) {
      throw this.malformed(`the body is not valid JSON: ${(err as Error).message}`);
    }
    const { count } = checkSearchEnvelope(envelope, this.opts);
    const summary: PageSummary = { count, received: this.received };
    if (this.firstId !== undefined) summary.firstId = this.firstId;
    if (this.lastId !== undefined) summary.lastId = this.lastId;
    return summary;
  }

  private malformed(what: string): Error {
    return malformedError(this.opts, what, this.received);
  }
}
