/**
 * An incremental parser of server-sent events (the WHATWG `text/event-stream` format):
 * bytes go in as they arrive, split anywhere (even inside a UTF-8 character or between
 * the CR and LF of a line end), and whole events come out. It holds at most one event
 * and one unfinished line, so memory is bounded by `maxEventBytes`, never by the stream.
 */
import { MallardError } from '../../engine/errors.js';
import { ERR_SOURCEGRAPH_RESPONSE } from './errors.js';

export interface SseEvent {
  /** The `event:` field; `message` when the event had none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` field seen, if any. */
  id?: string;
}

export interface SseParserOptions {
  /** Largest event (data plus the line being read), in UTF-16 code units. Default 64 Mi. */
  maxEventBytes?: number;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxEventBytes: number;
  private buffer = '';
  private skipLeadingLf = false;
  private atStart = true;
  private eventType = '';
  private dataLines: string[] = [];
  private dataSize = 0;
  private lastId: string | undefined;
  private unterminated: SseEvent | undefined;

  constructor(opts: SseParserOptions = {}) {
    this.maxEventBytes = opts.maxEventBytes ?? 64 * 1024 * 1024;
  }

  /** Feeds a chunk; returns the events it completed, in order. */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.atStart && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.atStart = false;
    }
    return this.consume(text);
  }

  /**
   * Ends the stream: returns what the last bytes completed. An event not closed by a
   * blank line is dropped, as the format requires (a cut stream never yields half an event).
   */
  end(): SseEvent[] {
    const events = this.consume(this.decoder.decode());
    this.unterminated = this.buffer === '' ? this.dispatch() : undefined;
    this.buffer = '';
    this.resetEvent();
    return events;
  }

  /**
   * After end(): the event whose lines all arrived whole but whose closing blank line did
   * not (a stream whose last bytes are `event: done\ndata: {}\n`). Not an event by the
   * format's rules; a caller may still accept one it can tell is whole, like `done`.
   */
  unterminatedEvent(): SseEvent | undefined {
    return this.unterminated;
  }

  private consume(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    if (this.skipLeadingLf && text.length > 0) {
      if (text.charCodeAt(0) === 0x0a) start = 1;
      this.skipLeadingLf = false;
    }
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      const line = this.buffer + text.slice(start, i);
      this.buffer = '';
      if (c === 0x0d) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = i + 1;
      const event = this.line(line);
      if (event) events.push(event);
    }
    if (start < text.length) {
      this.buffer += text.slice(start);
      this.checkSize(this.buffer.length);
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 0x3a) return undefined; // ':' comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'event') this.eventType = value;
    else if (field === 'data') {
      this.dataLines.push(value);
      this.dataSize += value.length + 1;
      this.checkSize(0);
    } else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    if (this.dataLines.length === 0) {
      this.resetEvent();
      return undefined;
    }
    const event: SseEvent = { event: this.eventType || 'message', data: this.dataLines.join('\n') };
    if (this.lastId !== undefined) event.id = this.lastId;
    this.resetEvent();
    return event;
  }

  private resetEvent(): void {
    this.eventType = '';
    this.dataLines = [];
    this.dataSize = 0;
  }

  private checkSize(pendingLine: number): void {
    if (this.dataSize + pendingLine <= this.maxEventBytes) return;
    throw new MallardError(ERR_SOURCEGRAPH_RESPONSE, `a server-sent event is larger than ${this.maxEventBytes} characters`, {
      retryable: false,
      context: { maxEventBytes: this.maxEventBytes },
      suggestions: ['the server sent one huge event or a stream without line breaks: check the URL points at a Sourcegraph instance'],
    });
  }
}
