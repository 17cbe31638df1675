/**
 * Reading one search's event stream (`/.api/search/stream`): events parsed as they arrive
 * (SseParser), each match attributed to the request's terms and written at once (MatchSink),
 * progress, alerts and an error event kept for the summary; and ending the response once
 * `done` has come, so that its connection serves the next request (endOrDestroy).
 */
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { TermAttributor } from './attribute.js';
import { badResponseError } from './errors.js';
import { cutPreview, toAlert, toProgress, toStoredMatch, type ProgressInfo, type SearchAlert } from './matches.js';
import type { ResultWriter } from './result-writer.js';
import { SseParser, type SseEvent } from './sse.js';

export interface StreamState {
  events: number;
  progress?: ProgressInfo;
  alerts: SearchAlert[];
  error?: string;
  done: boolean;
  sink: MatchSink;
}

export async function readEvents(body: Readable, sink: MatchSink, maxEventBytes: number | undefined, url: string): Promise<StreamState> {
  const parser = new SseParser(maxEventBytes === undefined ? {} : { maxEventBytes });
  const state: StreamState = { events: 0, alerts: [], done: false, sink };
  // Not destroyed when the loop returns at `done`: endOrDestroy decides (see writeResult).
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    for (const event of parser.push(chunk as Buffer)) {
      await handleEvent(event, state, url);
      if (state.done) return state;
    }
  }
  for (const event of parser.end()) {
    await handleEvent(event, state, url);
    if (state.done) return state;
  }
  // `event: done` + `data: {}` whose final blank line is missing: the event is whole (its data is fixed).
  if (parser.unterminatedEvent()?.event === 'done') state.done = true;
  return state;
}

/** How long a response may take to end after its `done` event before it is destroyed. */
export const END_GRACE_MS = 1000;

/**
 * Lets `body` end by itself within `graceMs` (what is left after `done` is read and dropped), so
 * its connection can serve another request; else, or with no grace, destroys it.
 */
export async function endOrDestroy(body: Readable, graceMs: number): Promise<void> {
  if (body.readableEnded || body.destroyed) return;
  if (graceMs > 0) await finished(body.resume(), { writable: false, signal: AbortSignal.timeout(graceMs) }).catch(() => undefined);
  if (!body.readableEnded) body.destroy();
}

async function handleEvent(event: SseEvent, state: StreamState, url: string): Promise<void> {
  state.events += 1;
  if (event.event === 'done') {
    state.done = true;
    return;
  }
  if (!['matches', 'progress', 'alert', 'error'].includes(event.event)) return; // filters and anything new
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    throw badResponseError(url, `the "${event.event}" event is not JSON: ${event.data.slice(0, 120)}`);
  }
  if (event.event === 'progress') state.progress = toProgress(data);
  else if (event.event === 'alert') state.alerts.push(toAlert(data));
  else if (event.event === 'error') state.error = typeof (data as { message?: unknown })?.message === 'string' ? (data as { message: string }).message : event.data;
  else if (Array.isArray(data)) for (const item of data) await state.sink.add(item);
}

/** Attributes each match to the request's terms and writes it, previews cut. */
export class MatchSink {
  matches = 0;
  lines = 0;
  nonContent = 0;
  unexplained = 0;
  private readonly attributor: TermAttributor;

  constructor(private readonly writer: ResultWriter, terms: readonly string[]) {
    this.attributor = new TermAttributor(terms);
  }

  async add(item: unknown): Promise<void> {
    const stored = toStoredMatch(item, true);
    if (!stored) return;
    const { match, unexplained } = this.attributor.attribute(stored);
    this.unexplained += unexplained;
    for (const l of match.lines) {
      l.preview = cutPreview(l.preview);
      delete l.ranges;
    }
    await this.writer.write(`${this.matches === 0 ? '' : ','}\n${JSON.stringify(match)}`);
    this.matches += 1;
    this.lines += match.lines.length;
    if (match.lines.length === 0) this.nonContent += 1;
  }
}
