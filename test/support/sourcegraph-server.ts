/**
 * A local Sourcegraph for tests: real HTTP on 127.0.0.1 (port 0) speaking the stream search
 * protocol (`GET /.api/search/stream?q=…&v=V3`, server-sent events filters, progress,
 * matches, alert, error, done) over a corpus of matches per term. The term is read back
 * out of the quoted query, so a test also checks the client's quoting. Forks and archived
 * repositories are left out unless the query asks (`fork:yes`, `archived:yes`), with the
 * skipped reasons a real instance gives. Faults are injected per request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { unquoteTerm } from '../../src/sources/sourcegraph/query.js';

/** A raw stream API match; `fork` / `archived` mark matches hidden unless the query asks. */
export type SgMatch = Record<string, unknown> & { repository: string; fork?: boolean; archived?: boolean };

export interface SgCorpusEntry {
  matches: SgMatch[];
  /** Extra progress.skipped entries (e.g. a shard-match-limit). */
  skipped?: Array<Record<string, unknown>>;
  alerts?: Array<Record<string, unknown>>;
  /** An `error` event with this message instead of matches. */
  error?: string;
}

export type SgFault =
  /** Sends the first `afterEvents` events (default 2), then ends the response cleanly: no `done`. */
  | { kind: 'cut'; afterEvents?: number }
  /** Sends the first `afterEvents` events, then destroys the socket. */
  | { kind: 'drop'; afterEvents?: number }
  | { kind: 'rate-limit'; retryAfter: string }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Waits before answering normally (keep it small). */
  | { kind: 'slow'; delayMs: number }
  /**
   * Never answers: the request is held until the client gives up and closes the connection
   * (its timeout) or the server closes. Unlike `slow`, no server-side timer can race the
   * client's timeout, so a test of timeouts does not depend on how loaded the machine is.
   */
  | { kind: 'hang' }
  /** Exactly this body (e.g. a recorded stream). */
  | { kind: 'raw'; body: string; status?: number; contentType?: string };

export interface SgRequest {
  query: string;
  term: string | undefined;
  headers: http.IncomingHttpHeaders;
  params: URLSearchParams;
}

export interface SgServerOptions {
  corpus?: Record<string, SgCorpusEntry>;
  /** Matches per `matches` event (default 3). */
  batchSize?: number;
  /** Body written in pieces of this many bytes (default: one write per event). */
  chunkSize?: number;
  /** Line ends: `\n` (default) or `\r\n`. */
  lineEnd?: '\n' | '\r\n';
}

export interface SourcegraphTestServer {
  readonly url: string;
  readonly requests: SgRequest[];
  corpus: Record<string, SgCorpusEntry>;
  schedule(...faults: SgFault[]): void;
  pendingFaults(): number;
  close(): Promise<void>;
}

export const STREAM_PATH = '/.api/search/stream';

/** The quoted term at the start of a query, unquoted; undefined when the query has none. */
export function termOfQuery(query: string): string | undefined {
  const m = /^"((?:[^"\\]|\\.)*)"/su.exec(query);
  return m ? unquoteTerm(m[0]) : undefined;
}

function sse(event: string, data: unknown, lineEnd: string): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return `event: ${event}${lineEnd}${text.split('\n').map((l) => `data: ${l}`).join(lineEnd)}${lineEnd}${lineEnd}`;
}

/** The events a real instance would send for this query over this corpus entry. */
export function streamEvents(query: string, entry: SgCorpusEntry | undefined, batchSize: number, lineEnd = '\n'): string[] {
  const forks = /(^|\s)fork:yes(\s|$)/.test(query);
  const archived = /(^|\s)archived:yes(\s|$)/.test(query);
  const all = entry?.matches ?? [];
  const shown = all.filter((m) => (forks || !m.fork) && (archived || !m.archived));
  const skipped: Array<Record<string, unknown>> = [...(entry?.skipped ?? [])];
  const hiddenForks = all.filter((m) => m.fork && !forks).length;
  const hiddenArchived = all.filter((m) => m.archived && !archived).length;
  if (hiddenForks > 0) skipped.push({ reason: 'excluded-fork', title: `${hiddenForks} forked`, message: 'By default we exclude forked repositories.', severity: 'info' });
  if (hiddenArchived > 0) skipped.push({ reason: 'excluded-archive', title: `${hiddenArchived} archived`, message: 'By default we exclude archived repositories.', severity: 'info' });
  const events = [sse('progress', { done: false, matchCount: 0, durationMs: 1, skipped: [] }, lineEnd)];
  for (const alert of entry?.alerts ?? []) events.push(sse('alert', alert, lineEnd));
  if (entry?.error !== undefined) {
    events.push(sse('error', { message: entry.error }, lineEnd), sse('done', {}, lineEnd));
    return events;
  }
  for (let i = 0; i < shown.length; i += batchSize) {
    const batch = shown.slice(i, i + batchSize).map(({ fork: _f, archived: _a, ...m }) => m);
    events.push(sse('matches', batch, lineEnd));
  }
  events.push(sse('filters', [{ value: 'lang:go', label: 'Go', count: shown.length, exhaustive: true, kind: 'lang' }], lineEnd));
  const matchCount = shown.reduce((n, m) => n + (Array.isArray(m.lineMatches) && m.lineMatches.length > 0 ? m.lineMatches.length : 1), 0);
  const repos = new Set(shown.map((m) => m.repository)).size;
  events.push(sse('progress', { done: true, repositoriesCount: repos, matchCount, durationMs: 5, skipped }, lineEnd));
  events.push(sse('done', {}, lineEnd));
  return events;
}

export async function startSourcegraphServer(opts: SgServerOptions = {}): Promise<SourcegraphTestServer> {
  const faults: SgFault[] = [];
  const requests: SgRequest[] = [];
  const state = { corpus: opts.corpus ?? {} };
  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== STREAM_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const query = url.searchParams.get('q') ?? '';
    const term = termOfQuery(query);
    requests.push({ query, term, headers: req.headers, params: url.searchParams });
    const fault = faults.shift();
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.kind === 'hang') return void req.resume();
    if (fault?.kind === 'rate-limit') return void res.writeHead(429, { 'retry-after': fault.retryAfter, 'content-type': 'text/plain' }).end('rate limited');
    if (fault?.kind === 'status') return void res.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers }).end(fault.body ?? `status ${fault.status}`);
    if (fault?.kind === 'raw') return void res.writeHead(fault.status ?? 200, { 'content-type': fault.contentType ?? 'text/event-stream' }).end(fault.body);
    const events = streamEvents(query, term === undefined ? undefined : state.corpus[term], opts.batchSize ?? 3, opts.lineEnd ?? '\n');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const cutAt = fault?.kind === 'cut' || fault?.kind === 'drop' ? (fault.afterEvents ?? 2) : events.length;
    await writeEvents(res, events.slice(0, cutAt), opts.chunkSize);
    if (fault?.kind === 'drop') res.destroy();
    else res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get corpus() {
      return state.corpus;
    },
    set corpus(value) {
      state.corpus = value;
    },
    schedule: (...f) => void faults.push(...f),
    pendingFaults: () => faults.length,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function writeEvents(res: http.ServerResponse, events: string[], chunkSize: number | undefined): Promise<void> {
  for (const event of events) {
    if (chunkSize === undefined) {
      res.write(event);
      continue;
    }
    const bytes = Buffer.from(event, 'utf8');
    for (let i = 0; i < bytes.length; i += chunkSize) {
      res.write(bytes.subarray(i, i + chunkSize));
      await new Promise((r) => setImmediate(r));
    }
  }
}

/** `n` content matches of `term` in repositories github.com/org<k>/repo<k> (k < repos), stars 10·k. */
export function generateMatches(term: string, n: number, repos = Math.max(1, Math.ceil(n / 2))): SgMatch[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i % repos;
    return {
      type: 'content',
      path: `src/file_${i}.py`,
      repositoryID: 1000 + k,
      repository: `github.com/org${k}/repo${k}`,
      repoStars: 10 * k,
      branches: [''],
      commit: `${String(i).padStart(4, '0')}${'c'.repeat(36)}`,
      hunks: null,
      lineMatches: [{ line: `url = "${term}"`, lineNumber: i, offsetAndLengths: [[7, term.length]] }],
      language: 'Python',
    };
  });
}
