/**
 * A local Sourcegraph for tests: real HTTP on 127.0.0.1 (port 0) speaking the stream search
 * protocol (`GET /.api/search/stream?q=…&v=V3`, server-sent events filters, progress, matches,
 * alert, error, done) over a code corpus. Queries are parsed and evaluated like a real instance
 * does (sourcegraph-query.ts): quoted literal patterns, `OR` of them, count:all, fork/archived
 * filters, case:yes; a match limit (`matchLimit`, 500 without count:all) cuts the answer and says
 * so in progress.skipped. The corpus is files (`files`), or matches per term (`corpus`, turned
 * into files whose matched lines contain the term), whose entries may add skipped reasons,
 * alerts or an error to any query searching that term. Faults are injected per request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { evaluate, limitTo, parseQuery, type ParsedQuery, type SgFile } from './sourcegraph-query.js';

export type { SgFile } from './sourcegraph-query.js';

/** A raw stream API match; `fork` / `archived` mark matches hidden unless the query asks. */
export type SgMatch = Record<string, unknown> & { repository: string; fork?: boolean; archived?: boolean };

export interface SgCorpusEntry {
  matches: SgMatch[];
  /** Extra progress.skipped entries (e.g. a shard-match-limit) for any query with this term. */
  skipped?: Array<Record<string, unknown>>;
  alerts?: Array<Record<string, unknown>>;
  /** An `error` event with this message instead of matches. */
  error?: string;
}

export type SgFault =
  /** Answers normally (lets a later fault hit a later request). */
  | { kind: 'pass' }
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
  | { kind: 'raw'; body: string; status?: number; contentType?: string }
  /** Answers in full, `done` included, then keeps the response open (never ends it). */
  | { kind: 'linger' };

export interface SgRequest {
  query: string;
  /** The first pattern of the query (undefined when it does not parse). */
  term: string | undefined;
  patterns: string[];
  headers: http.IncomingHttpHeaders;
  params: URLSearchParams;
}

export interface SgServerOptions {
  corpus?: Record<string, SgCorpusEntry>;
  files?: SgFile[];
  /** Most matched lines one search returns with count:all before reporting a limit (default: no limit). */
  matchLimit?: number;
  /** Lines sent cut to this many characters (their match offsets still those of the whole line). */
  previewMax?: number;
  /** Queries longer than this many characters are refused with 414 (as a proxy's URL limit does). */
  maxQueryChars?: number;
  /** Matches per `matches` event (default 3). */
  batchSize?: number;
  /** Body written in pieces of this many bytes (default: one write per event). */
  chunkSize?: number;
  /** Line ends: `\n` (default) or `\r\n`. */
  lineEnd?: '\n' | '\r\n';
  /**
   * For large corpora (benchmarks): the files that may match the query, a superset of those that
   * do (e.g. from an n-gram index); they are evaluated exactly as the whole corpus would be.
   */
  candidates?: (query: ParsedQuery) => readonly SgFile[];
}

export interface SourcegraphTestServer {
  readonly url: string;
  readonly requests: SgRequest[];
  /** TCP connections accepted so far (requests over a kept-alive connection share one). */
  readonly connections: number;
  corpus: Record<string, SgCorpusEntry>;
  files: SgFile[];
  schedule(...faults: SgFault[]): void;
  pendingFaults(): number;
  close(): Promise<void>;
}

export const STREAM_PATH = '/.api/search/stream';

/** The first quoted pattern of a query, unquoted; undefined when the query does not parse. */
export function termOfQuery(query: string): string | undefined {
  try {
    return parseQuery(query).patterns[0];
  } catch {
    return undefined;
  }
}

function sse(event: string, data: unknown, lineEnd: string): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return `event: ${event}${lineEnd}${text.split('\n').map((l) => `data: ${l}`).join(lineEnd)}${lineEnd}${lineEnd}`;
}

/** A line holding `term` (as found by a search for it): the recorded line when it does, else the line with the term appended. */
function withTerm(text: string, term: string): string {
  return text.toLowerCase().includes(term.toLowerCase()) ? text : `${text} // ${term}`;
}

/** The files a per-term corpus stands for: every matched line of a term contains it. */
export function filesFromCorpus(corpus: Record<string, SgCorpusEntry>): SgFile[] {
  const files = new Map<string, { f: SgFile; lines: Map<number, string> }>();
  for (const [term, entry] of Object.entries(corpus)) {
    for (const m of entry.matches) {
      const { type: _t, path: p, repository, lineMatches, fork, archived, hunks: _h, ...meta } = m;
      const filePath = typeof p === 'string' ? p : '';
      const key = `${repository}\0${filePath}`;
      let file = files.get(key);
      if (!file) {
        file = { f: { repository, path: filePath, lines: [], meta, ...(fork ? { fork } : {}), ...(archived ? { archived } : {}) }, lines: new Map() };
        files.set(key, file);
      }
      for (const lm of Array.isArray(lineMatches) ? (lineMatches as Array<{ line: string; lineNumber: number }>) : []) {
        file.lines.set(lm.lineNumber, withTerm(file.lines.get(lm.lineNumber) ?? lm.line, term));
      }
    }
  }
  return [...files.values()].map(({ f, lines }) => {
    const numbers = [...lines.keys()];
    const first = numbers.length === 0 ? 0 : Math.min(...numbers);
    const last = numbers.length === 0 ? -1 : Math.max(...numbers);
    return { ...f, firstLine: first, lines: Array.from({ length: last - first + 1 }, (_, i) => lines.get(first + i) ?? '') };
  });
}

interface Corpus {
  terms: Record<string, SgCorpusEntry>;
  files: SgFile[];
}

function excluded(ev: { hiddenForks: number; hiddenArchived: number }): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (ev.hiddenForks > 0) out.push({ reason: 'excluded-fork', title: `${ev.hiddenForks} forked`, message: 'By default we exclude forked repositories.', severity: 'info' });
  if (ev.hiddenArchived > 0) out.push({ reason: 'excluded-archive', title: `${ev.hiddenArchived} archived`, message: 'By default we exclude archived repositories.', severity: 'info' });
  return out;
}

/** The events a real instance would send for this query over this corpus. */
export function streamEvents(query: string, corpus: Corpus, opts: SgServerOptions = {}): string[] {
  const lineEnd = opts.lineEnd ?? '\n';
  const events = [sse('progress', { done: false, matchCount: 0, durationMs: 1, skipped: [] }, lineEnd)];
  let parsed: ParsedQuery;
  try {
    parsed = parseQuery(query);
  } catch (err) {
    return [...events, sse('error', { message: `invalid query: ${(err as Error).message}` }, lineEnd), sse('done', {}, lineEnd)];
  }
  const entries = parsed.patterns.flatMap((p) => (corpus.terms[p] ? [corpus.terms[p]] : []));
  for (const alert of entries.flatMap((e) => e.alerts ?? [])) events.push(sse('alert', alert, lineEnd));
  const failed = entries.find((e) => e.error !== undefined);
  if (failed) return [...events, sse('error', { message: failed.error }, lineEnd), sse('done', {}, lineEnd)];
  const limit = parsed.countAll ? (opts.matchLimit ?? Number.POSITIVE_INFINITY) : Math.min(500, opts.matchLimit ?? 500);
  const files = opts.candidates ? opts.candidates(parsed) : corpus.files;
  const { ev, limited } = limitTo(evaluate(parsed, files, opts.previewMax), limit);
  const skipped = [...entries.flatMap((e) => e.skipped ?? [])];
  if (limited) skipped.push({ reason: 'shard-match-limit', title: 'result limit hit', message: `only the first ${limit} results`, severity: 'info' });
  skipped.push(...excluded(ev));
  const batchSize = opts.batchSize ?? 3;
  for (let i = 0; i < ev.matches.length; i += batchSize) events.push(sse('matches', ev.matches.slice(i, i + batchSize), lineEnd));
  events.push(sse('filters', [{ value: 'lang:go', label: 'Go', count: ev.matches.length, exhaustive: true, kind: 'lang' }], lineEnd));
  const repos = new Set(ev.matches.map((m) => m['repository'])).size;
  events.push(sse('progress', { done: true, repositoriesCount: repos, matchCount: ev.matchCount, durationMs: 5, skipped }, lineEnd));
  events.push(sse('done', {}, lineEnd));
  return events;
}

export async function startSourcegraphServer(opts: SgServerOptions = {}): Promise<SourcegraphTestServer> {
  const faults: SgFault[] = [];
  const requests: SgRequest[] = [];
  let terms = opts.corpus ?? {};
  let files = opts.files ?? [];
  let corpus: Corpus = { terms, files: [...files, ...filesFromCorpus(terms)] };
  const rebuild = (): void => void (corpus = { terms, files: [...files, ...filesFromCorpus(terms)] });
  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  let connections = 0;
  server.on('connection', () => void (connections += 1));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== STREAM_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const query = url.searchParams.get('q') ?? '';
    let patterns: string[] = [];
    try {
      patterns = parseQuery(query).patterns;
    } catch {
      /* answered with an error event */
    }
    requests.push({ query, term: patterns[0], patterns, headers: req.headers, params: url.searchParams });
    if (opts.maxQueryChars !== undefined && query.length > opts.maxQueryChars) return void res.writeHead(414, { 'content-type': 'text/plain' }).end('URI Too Long');
    const fault = faults.shift();
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.kind === 'hang') return void req.resume();
    if (fault?.kind === 'rate-limit') return void res.writeHead(429, { 'retry-after': fault.retryAfter, 'content-type': 'text/plain' }).end('rate limited');
    if (fault?.kind === 'status') return void res.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers }).end(fault.body ?? `status ${fault.status}`);
    if (fault?.kind === 'raw') return void res.writeHead(fault.status ?? 200, { 'content-type': fault.contentType ?? 'text/event-stream' }).end(fault.body);
    const events = streamEvents(query, corpus, opts);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const cutAt = fault?.kind === 'cut' || fault?.kind === 'drop' ? (fault.afterEvents ?? 2) : events.length;
    await writeEvents(res, events.slice(0, cutAt), opts.chunkSize);
    if (fault?.kind === 'drop') res.destroy();
    else if (fault?.kind !== 'linger') res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get connections() {
      return connections;
    },
    get corpus() {
      return terms;
    },
    set corpus(value) {
      terms = value;
      rebuild();
    },
    get files() {
      return files;
    },
    set files(value) {
      files = value;
      rebuild();
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
