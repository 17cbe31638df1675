/**
 * One search request (one term, or several exact terms joined with OR), streamed from
 * `/.api/search/stream` straight into its result file: events are parsed as they arrive and each
 * match is attributed to the request's terms and written out at once, so memory holds one event,
 * never the whole result. The file is a temp file renamed into place only when the stream ended
 * with `done`; a cut stream is an ERR_SOURCEGRAPH_INCOMPLETE error (retried by the HTTP client),
 * never a result. A request of several terms whose answer cannot be proven complete and fully
 * attributed (a limit, a skipped shard, an alert, an error event, a line no term explains) is
 * written with `split: true`: the caller searches its halves instead.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { withAtomicPath, writeFileAtomic } from '../../engine/atomic-file.js';
import { headerSecrets, readSnippet, redactUrl, statusError, type HttpClient, type OnRetry } from '../../http/index.js';
import { badResponseError, incompleteStreamError, searchFailedError } from './errors.js';
import { END_GRACE_MS, endOrDestroy, MatchSink, readEvents, type StreamState } from './event-stream.js';
import { LIMIT_REASONS, type SearchAlert, type SkippedReason } from './matches.js';
import { buildBatchQuery, streamSearchUrl, type QueryOptions } from './query.js';
import { discard, ResultWriter } from './result-writer.js';

export interface RequestParams extends QueryOptions {
  /** The instance, e.g. https://sourcegraph.com */
  baseUrl: string;
  /** The exact terms of the request (one: a plain per-term search). */
  terms: readonly string[];
  /** Sent as `Authorization: token <token>`; anonymous without. */
  token?: string;
  /** Limit for one try of the whole stream, in ms (got's request timeout). Default: none beyond the client's idle timeouts. */
  timeoutMs?: number;
  /** Largest single event, in characters. Default 64 Mi. */
  maxEventBytes?: number;
}

export interface SearchParams extends Omit<RequestParams, 'terms'> {
  term: string;
}

/** What a search file holds besides `matches` (see README for the whole file). */
export interface SearchSummary {
  terms: string[];
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
  /** Lines and matches none of the terms explains (always 0 for one term). */
  unexplained: number;
  /** The `error` event's message of a request of several terms (one term: an ERR_SOURCEGRAPH_SEARCH). */
  error?: string;
  /** Several terms and the answer is not provably theirs, whole: search the halves instead. */
  split: boolean;
  attempts: number;
}

export interface SearchFileResult extends SearchSummary {
  path: string;
  bytes: number;
}

/** Streams the search for `params.term` into `destPath` (atomically), retrying per the client's policy (each retry told to `opts.onRetry`). */
export async function searchToFile(client: HttpClient, params: SearchParams, destPath: string, opts: { onRetry?: OnRetry } = {}): Promise<SearchFileResult> {
  const { term, ...rest } = params;
  return searchRequestToFile(client, { ...rest, terms: [term] }, destPath, opts);
}

/** Streams one request (its terms joined with OR) into `destPath` (atomically), retrying per the client's policy (each retry told to `opts.onRetry`). */
export async function searchRequestToFile(client: HttpClient, params: RequestParams, destPath: string, opts: { onRetry?: OnRetry } = {}): Promise<SearchFileResult> {
  const query = buildBatchQuery(params.terms, params);
  const url = streamSearchUrl(params.baseUrl, query);
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (params.token) headers.authorization = `token ${params.token}`;
  const extraSecrets = [...headerSecrets(headers), ...(params.token ? [params.token] : [])];
  // Its folder is made with the temp file (withAtomicPath in searchOnce): not once more per request.
  const dest = path.resolve(destPath);
  const shownUrl = client.redact(redactUrl(url));
  const runOpts = opts.onRetry ? { extraSecrets, onRetry: opts.onRetry } : { extraSecrets };
  return client.run(url, (attempt) => searchOnce({ client, params, query, url, shownUrl, headers, extraSecrets, dest, attempt }), runOpts);
}

/** Statuses a server gives a query it will not take (too long, too complex): a request of several terms is split. */
export const REJECTED_QUERY_STATUSES: ReadonlySet<number> = new Set([400, 413, 414, 431]);

/**
 * The result file of a request of several terms the server refused (REJECTED_QUERY_STATUSES):
 * no matches, `split: true`, the refusal in `error`. Written atomically like any result.
 */
export async function writeRejectedRequest(destPath: string, terms: readonly string[], query: string, searchedAt: string, error: string): Promise<void> {
  const dest = path.resolve(destPath);
  await mkdir(path.dirname(dest), { recursive: true });
  const rest = { matchesReceived: 0, linesReceived: 0, matchCount: 0, complete: true, limitHit: false, exhaustive: false, skipped: [], alerts: [], unexplained: 0, error, split: true, attempts: 1 };
  await writeFileAtomic(dest, `{"searchedAt":${JSON.stringify(searchedAt)},"terms":${JSON.stringify(terms)},"query":${JSON.stringify(query)},"matches":[\n],${JSON.stringify(rest).slice(1)}\n`);
}

interface AttemptInput {
  client: HttpClient;
  params: RequestParams;
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
    await writer.write(`{"searchedAt":${JSON.stringify(searchedAt)},"terms":${JSON.stringify(params.terms)},"query":${JSON.stringify(input.query)},"url":${JSON.stringify(input.shownUrl)},"matches":[`);
    const state = await readEvents(request, new MatchSink(writer, params.terms), params.maxEventBytes, input.shownUrl);
    // Everything needed was read: end the request, so that its timeout does not run on during our
    // own disk work; after `done` the server ends the response at once, and a response read to its
    // end leaves its connection to the next request (a destroyed one is closed: a new TCP and TLS
    // handshake per request).
    await endOrDestroy(request, state.done ? END_GRACE_MS : 0);
    if (state.error !== undefined && params.terms.length === 1) throw searchFailedError(input.shownUrl, params.terms[0] as string, state.error);
    if (!state.done) throw incompleteStreamError(input.shownUrl, params.terms.join(' OR '), state.events);
    const summary = summarize(input, searchedAt, state);
    const { terms: _t, query: _q, url: _u, searchedAt: _s, ...rest } = summary;
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

function summarize(input: AttemptInput, searchedAt: string, state: StreamState): SearchSummary {
  const skipped = state.progress?.skipped ?? [];
  const { sink } = state;
  const limitHit = skipped.some((s) => LIMIT_REASONS.has(s.reason));
  const exhaustive = skipped.every((s) => s.reason.startsWith('excluded-'));
  const several = input.params.terms.length > 1;
  const summary: SearchSummary = {
    terms: [...input.params.terms],
    query: input.query,
    url: input.shownUrl,
    searchedAt,
    matchesReceived: sink.matches,
    linesReceived: sink.lines,
    matchCount: state.progress?.matchCount ?? sink.lines + sink.nonContent,
    complete: true,
    limitHit,
    exhaustive,
    skipped,
    alerts: state.alerts,
    unexplained: sink.unexplained,
    split: several && (limitHit || !exhaustive || state.alerts.length > 0 || sink.unexplained > 0 || state.error !== undefined),
    attempts: input.attempt,
  };
  if (state.error !== undefined) summary.error = state.error;
  if (state.progress?.repositoriesCount !== undefined) summary.repositoriesCount = state.progress.repositoriesCount;
  if (state.progress?.durationMs !== undefined) summary.durationMs = state.progress.durationMs;
  return summary;
}
