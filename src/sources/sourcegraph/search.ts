/**
 * One exact-match search, streamed from `/.api/search/stream` straight into its result file:
 * events are parsed as they arrive and each match is written out at once, so memory holds
 * one event, never the whole result. The file is a temp file renamed into place only when
 * the stream ended with `done`; a cut stream is an ERR_SOURCEGRAPH_INCOMPLETE error
 * (retried by the HTTP client), never a result.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { withAtomicPath } from '../../engine/atomic-file.js';
import { headerSecrets, readSnippet, redactUrl, statusError, type HttpClient, type OnRetry } from '../../http/index.js';
import { badResponseError, incompleteStreamError, searchFailedError } from './errors.js';
import { LIMIT_REASONS, toAlert, toProgress, toStoredMatch, type ProgressInfo, type SearchAlert, type SkippedReason } from './matches.js';
import { buildSearchQuery, streamSearchUrl, type QueryOptions } from './query.js';
import { SseParser, type SseEvent } from './sse.js';

export interface SearchParams extends QueryOptions {
  /** The instance, e.g. https://sourcegraph.com */
  baseUrl: string;
  term: string;
  /** Sent as `Authorization: token <token>`; anonymous without. */
  token?: string;
  /** Limit for one try of the whole stream, in ms (got's request timeout). Default: none beyond the client's idle timeouts. */
  timeoutMs?: number;
  /** Largest single event, in characters. Default 64 Mi. */
  maxEventBytes?: number;
}

/** What a search file holds besides `matches` (see README for the whole file). */
export interface SearchSummary {
  term: string;
  query: string;
  /** Redacted. */
  url: string;
  /** ISO time the successful try started (from the client's clock). */
  searchedAt: string;
  /** Stored matches (files, repositories, commits) written. */
  matchesReceived: number;
  /** Matched lines written. */
  linesReceived: number;
  /** The server's final progress.matchCount (falls back to linesReceived + non-content matches). */
  matchCount: number;
  repositoriesCount?: number;
  durationMs?: number;
  /** Always true in a written file: the stream ended with `done`. */
  complete: true;
  /** A match, repository or display limit cut the result short (see `skipped`). */
  limitHit: boolean;
  /** Nothing was skipped except by default exclusions (forks, archived). */
  exhaustive: boolean;
  skipped: SkippedReason[];
  alerts: SearchAlert[];
  attempts: number;
}

export interface SearchFileResult extends SearchSummary {
  path: string;
  bytes: number;
}

/** Streams the search for `params.term` into `destPath` (atomically), retrying per the client's policy (each retry told to `opts.onRetry`). */
export async function searchToFile(client: HttpClient, params: SearchParams, destPath: string, opts: { onRetry?: OnRetry } = {}): Promise<SearchFileResult> {
  const query = buildSearchQuery(params.term, params);
  const url = streamSearchUrl(params.baseUrl, query);
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (params.token) headers.authorization = `token ${params.token}`;
  const extraSecrets = [...headerSecrets(headers), ...(params.token ? [params.token] : [])];
  const dest = path.resolve(destPath);
  await mkdir(path.dirname(dest), { recursive: true });
  const shownUrl = client.redact(redactUrl(url));
  const runOpts = opts.onRetry ? { extraSecrets, onRetry: opts.onRetry } : { extraSecrets };
  return client.run(url, (attempt) => searchOnce({ client, params, query, url, shownUrl, headers, extraSecrets, dest, attempt }), runOpts);
}

interface AttemptInput {
  client: HttpClient;
  params: SearchParams;
  query: string;
  url: string;
  shownUrl: string;
  headers: Record<string, string>;
  extraSecrets: string[];
  dest: string;
  attempt: number;
}

interface ResponseHead {
  statusCode: number;
  statusMessage?: string;
  headers: Record<string, string | string[] | undefined>;
}

async function searchOnce(input: AttemptInput): Promise<SearchFileResult> {
  const { client, params } = input;
  const searchedAt = new Date(client.clock.now()).toISOString();
  const got = await client.got();
  const request = got.stream(input.url, { headers: input.headers, ...(params.timeoutMs ? { timeout: { request: params.timeoutMs } } : {}) });
  try {
    const response = await new Promise<ResponseHead>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
    await checkResponse(input, request, response);
    return await withAtomicPath(input.dest, (tmp) => writeResult(input, request, searchedAt, tmp));
  } catch (err) {
    request.destroy();
    throw err;
  }
}

/** Writes the stream's matches and summary to `tmp`; the caller renames it into place. */
async function writeResult(input: AttemptInput, request: Readable, searchedAt: string, tmp: string): Promise<SearchFileResult> {
  const { params } = input;
  let out: WriteStream | undefined = createWriteStream(tmp, { flags: 'wx' });
  try {
    const writer = new ResultWriter(out);
    await writer.write(`{"term":${JSON.stringify(params.term)},"query":${JSON.stringify(input.query)},"url":${JSON.stringify(input.shownUrl)},"searchedAt":${JSON.stringify(searchedAt)},"matches":[`);
    const state = await readEvents(request, writer, params.maxEventBytes, input.shownUrl);
    // Everything needed was read: end the request, so that its timeout does not run on during our own disk work.
    request.destroy();
    if (state.error !== undefined) throw searchFailedError(input.shownUrl, params.term, state.error);
    if (!state.done) throw incompleteStreamError(input.shownUrl, params.term, state.events);
    const summary = summarize(input, searchedAt, state);
    const { term: _t, query: _q, url: _u, searchedAt: _s, ...rest } = summary;
    await writer.write(`\n],${JSON.stringify(rest).slice(1)}\n`);
    await writer.close();
    out = undefined;
    return { ...summary, path: input.dest, bytes: writer.bytes };
  } catch (err) {
    if (out) await discard(out);
    throw err;
  }
}

async function checkResponse(input: AttemptInput, request: Readable, response: ResponseHead): Promise<void> {
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const body = await readSnippet(request, 4096);
    throw statusError(input.client.context(input.url, 'GET', input.extraSecrets), response, body);
  }
  const rawType = response.headers['content-type'];
  const type = (Array.isArray(rawType) ? rawType[0] : rawType) ?? '';
  if (type !== '' && !/^text\/event-stream\b/i.test(type)) {
    const body = await readSnippet(request, 200);
    throw badResponseError(input.shownUrl, `answered ${response.statusCode} with ${type}, not an event stream`, { status: response.statusCode, body: input.client.redact(body) });
  }
}

interface StreamState {
  events: number;
  matches: number;
  lines: number;
  nonContent: number;
  progress?: ProgressInfo;
  alerts: SearchAlert[];
  error?: string;
  done: boolean;
}

async function readEvents(body: Readable, writer: ResultWriter, maxEventBytes: number | undefined, url: string): Promise<StreamState> {
  const parser = new SseParser(maxEventBytes === undefined ? {} : { maxEventBytes });
  const state: StreamState = { events: 0, matches: 0, lines: 0, nonContent: 0, alerts: [], done: false };
  for await (const chunk of body) {
    for (const event of parser.push(chunk as Buffer)) {
      await handleEvent(event, state, writer, url);
      if (state.done) return state;
    }
  }
  for (const event of parser.end()) {
    await handleEvent(event, state, writer, url);
    if (state.done) return state;
  }
  // `event: done` + `data: {}` whose final blank line is missing: the event is whole (its data is fixed).
  if (parser.unterminatedEvent()?.event === 'done') state.done = true;
  return state;
}

async function handleEvent(event: SseEvent, state: StreamState, writer: ResultWriter, url: string): Promise<void> {
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
  else await writeMatches(data, state, writer);
}

async function writeMatches(data: unknown, state: StreamState, writer: ResultWriter): Promise<void> {
  if (!Array.isArray(data)) return;
  for (const item of data) {
    const match = toStoredMatch(item);
    if (!match) continue;
    await writer.write(`${state.matches === 0 ? '' : ','}\n${JSON.stringify(match)}`);
    state.matches += 1;
    state.lines += match.lines.length;
    if (match.lines.length === 0) state.nonContent += 1;
  }
}

function summarize(input: AttemptInput, searchedAt: string, state: StreamState): SearchSummary {
  const skipped = state.progress?.skipped ?? [];
  const summary: SearchSummary = {
    term: input.params.term,
    query: input.query,
    url: input.shownUrl,
    searchedAt,
    matchesReceived: state.matches,
    linesReceived: state.lines,
    matchCount: state.progress?.matchCount ?? state.lines + state.nonContent,
    complete: true,
    limitHit: skipped.some((s) => LIMIT_REASONS.has(s.reason)),
    exhaustive: skipped.every((s) => s.reason.startsWith('excluded-')),
    skipped,
    alerts: state.alerts,
    attempts: input.attempt,
  };
  if (state.progress?.repositoriesCount !== undefined) summary.repositoriesCount = state.progress.repositoriesCount;
  if (state.progress?.durationMs !== undefined) summary.durationMs = state.progress.durationMs;
  return summary;
}

/** Writes text to a file stream, waiting when its buffer is full. */
class ResultWriter {
  bytes = 0;
  constructor(private readonly out: WriteStream) {}

  async write(text: string): Promise<void> {
    this.bytes += Buffer.byteLength(text);
    if (this.out.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.out.once('error', onError);
      this.out.once('drain', () => {
        this.out.off('error', onError);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}

/** Destroys a file stream whose writes may still be pending, swallowing their errors. */
async function discard(out: WriteStream): Promise<void> {
  out.on('error', () => undefined);
  if (out.closed) return;
  await new Promise<void>((resolve) => {
    out.once('close', () => resolve());
    out.destroy();
  });
}

