/**
 * A local CKAN portal for tests: real HTTP on 127.0.0.1 (port 0) serving the Action API's
 * package_search over an in-memory corpus, like a real portal: rows/start/sort/q/fq/fl (fq with Solr ranges on metadata_modified and id), rows
 * silently capped at a maximum, CKAN's error envelopes, and faults injected per test
 * (500s, 429 with Retry-After, dropped connections, cut bodies, HTML pages, slow answers).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export type CkanPackage = { id: string; name?: string; title?: unknown; notes?: unknown; metadata_modified?: string } & Record<string, unknown>;

/** A fault answers one request in place of the normal answer. */
export type Fault =
  /** This status with this body (default: a plain-text reason). */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** 429 Too Many Requests with this Retry-After (seconds or an HTTP date). */
  | { kind: 'rate-limit'; retryAfter: string }
  /** The normal answer's headers and first `fraction` of its body, then the socket is destroyed. */
  | { kind: 'drop'; fraction?: number }
  /** The normal answer's first `fraction` of its body, ended cleanly (a complete HTTP message holding cut JSON). */
  | { kind: 'truncate'; fraction?: number }
  /** A maintenance page: status 200, text/html. */
  | { kind: 'html' }
  /** Waits before answering normally (keep it small: <= 200 ms). */
  | { kind: 'slow'; delayMs: number }
  /**
   * Sends half the body, waits `delayMs`, then the rest (an idle socket mid-body; keep it
   * small). Without `delayMs` the rest never comes: the response idles until the client gives
   * up, so a test of the client's timeout cannot race a server timer.
   */
  | { kind: 'stall'; delayMs?: number }
  /** Never answers: the request is held until the client closes the connection (its timeout). */
  | { kind: 'hang' }
  /** CKAN's error envelope with `success: false`. */
  | { kind: 'ckan-error'; status: number; type: string; message: string }
  /** Exactly this answer. */
  | { kind: 'raw'; status: number; body: string | Buffer; headers?: Record<string, string> };

export interface ScheduledFault {
  fault: Fault;
  /** Only requests for which this is true take the fault (default: any package_search request). */
  match?: (query: URLSearchParams, path: string) => boolean;
  /** How many requests take it (default 1). */
  times?: number;
}

export interface CkanServerOptions {
  packages?: CkanPackage[];
  /** Rows above this are silently lowered, like CKAN's ckan.search.rows_max (default 1000). */
  maxRows?: number;
  /** Gzip JSON answers when the client accepts it (default true). */
  gzip?: boolean;
  /** How an unknown action is answered: CKAN's not-found envelope (default), or CKAN 2.9's 400 with a bare JSON string. */
  unknownAction?: 'not-found-envelope' | 'bad-request-string';
  /** Pretty-print JSON answers (newlines and indentation), as some portals and proxies do. */
  pretty?: boolean;
  /** Actions this portal does not know (answered as unknown actions), e.g. ['package_search']. */
  disabledActions?: string[];
  /** The count package_search reports, from the true number of matches (a lying portal: `() => 1e9`). */
  reportCount?: (matching: number) => number;
}

export interface RequestRecord {
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

export interface CkanTestServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The Action API base: <url>/api/3/action */
  readonly actionUrl: string;
  packages: CkanPackage[];
  /** Requests per path. */
  readonly counts: Map<string, number>;
  readonly requests: RequestRecord[];
  /** Adds faults; each request takes the first scheduled fault that matches it. */
  schedule(...faults: Array<Fault | ScheduledFault>): void;
  /** Faults scheduled and not yet taken. */
  pendingFaults(): number;
  count(path: string): number;
  close(): Promise<void>;
}

export const PACKAGE_SEARCH_PATH = '/api/3/action/package_search';
const KNOWN_ACTIONS = new Set(['package_search', 'package_show', 'package_list', 'status_show', 'help_show']);

type SortKey = { field: 'id' | 'name' | 'metadata_modified'; desc: boolean };

function parseSort(sort: string | null): SortKey[] | undefined {
  const text = sort ?? 'score desc, metadata_modified desc';
  const keys: SortKey[] = [];
  for (const part of text.split(',')) {
    const [field, dir = 'asc'] = part.trim().split(/\s+/);
    if (field === 'score') continue; // every package scores the same here
    if (field !== 'id' && field !== 'name' && field !== 'metadata_modified') return undefined;
    if (dir !== 'asc' && dir !== 'desc') return undefined;
    keys.push({ field, desc: dir === 'desc' });
  }
  return keys;
}

function compareBy(keys: SortKey[]): (a: CkanPackage, b: CkanPackage) => number {
  return (a, b) => {
    for (const key of keys) {
      const x = String(a[key.field] ?? '');
      const y = String(b[key.field] ?? '');
      if (x !== y) return (x < y ? -1 : 1) * (key.desc ? -1 : 1);
    }
    return 0;
  };
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);
}

function matchesQ(pkg: CkanPackage, q: string | null): boolean {
  if (!q || q === '*:*') return true;
  const needle = q.toLowerCase();
  return [pkg.name, pkg.title, pkg.notes].some((v) => textOf(v).toLowerCase().includes(needle));
}

/** A Solr-like time or text for range comparisons: CKAN timestamps are zone-less UTC, Solr keeps milliseconds. */
function rangeKey(field: string, value: string): string | number {
  if (field !== 'metadata_modified' && field !== 'metadata_created') return value;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? value : ms;
}

function matchesRange(field: string, actual: string, range: string): boolean {
  const m = /^([[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])$/.exec(range);
  if (!m) return false;
  const [, open, low, high, close] = m as unknown as [string, string, string, string, string];
  const a = rangeKey(field, actual);
  if (low !== '*') {
    const l = rangeKey(field, low.replace(/^"|"$/g, ''));
    if (open === '[' ? a < l : a <= l) return false;
  }
  if (high !== '*') {
    const h = rangeKey(field, high.replace(/^"|"$/g, ''));
    if (close === ']' ? a > h : a >= h) return false;
  }
  return true;
}

const FQ_CLAUSE = /\+?\(?([A-Za-z_]+):(\[[^\]}]*[\]}]|\{[^\]}]*[\]}]|"[^"]*"|[^\s)]+)\)?/g;

/**
 * `field:value` filters, space separated (or joined by AND, `+` prefixes and parentheses
 * ignored); `organization:x` matches the organization's name; `field:[a TO b]` and `{a TO b]`
 * are Solr ranges (timestamps compared as UTC instants at millisecond precision, text as text).
 */
function matchesFq(pkg: CkanPackage, fq: string | null): boolean {
  if (!fq) return true;
  return [...fq.matchAll(FQ_CLAUSE)].every(([, field, raw]) => {
    const actual = field === 'organization' ? (pkg.organization as { name?: string } | null | undefined)?.name : pkg[field!];
    if (/^[[{]/.test(raw!)) return actual !== undefined && actual !== null && matchesRange(field!, textOf(actual), raw!);
    return textOf(actual) === raw!.replace(/^"|"$/g, '');
  });
}

/** Only the fields of `fl` (comma or space separated), as CKAN answers with `fl`. */
function pickFields(pkg: CkanPackage, fl: string | null): CkanPackage | Record<string, unknown> {
  if (!fl) return pkg;
  return Object.fromEntries(fl.split(/[\s,]+/).filter(Boolean).map((f) => [f, pkg[f]]));
}

function intParam(query: URLSearchParams, name: string, fallback: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

interface Answer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

function envelope(baseUrl: string, action: string, payload: object): object {
  return { help: `${baseUrl}/api/3/action/help_show?name=${action}`, ...payload };
}

export async function startCkanServer(options: CkanServerOptions = {}): Promise<CkanTestServer> {
  const counts = new Map<string, number>();
  const requests: RequestRecord[] = [];
  const faults: Array<Required<Pick<ScheduledFault, 'fault' | 'times'>> & Pick<ScheduledFault, 'match'>> = [];
  const timers = new Set<NodeJS.Timeout>();
  const maxRows = options.maxRows ?? 1000;
  let baseUrl = '';

  const state = { packages: options.packages ?? [] };
  const stringify = (value: unknown): string => (options.pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value));

  const json = (status: number, value: unknown): Answer => ({ status, body: stringify(value), contentType: 'application/json;charset=utf-8' });

  const packageSearch = (query: URLSearchParams): Answer => {
    const rows = intParam(query, 'rows', 10);
    const start = intParam(query, 'start', 0);
    if (rows === undefined || start === undefined) {
      const errors: Record<string, string[]> = {};
      if (rows === undefined) errors.rows = ['Invalid integer'];
      if (start === undefined) errors.start = ['Invalid integer'];
      return json(409, envelope(baseUrl, 'package_search', { success: false, error: { __type: 'Validation Error', ...errors } }));
    }
    const sortKeys = parseSort(query.get('sort'));
    if (!sortKeys) {
      return json(400, envelope(baseUrl, 'package_search', {
        success: false,
        error: { __type: 'Search Query Error', message: `Search Query is invalid: "Invalid sort: ${query.get('sort')}"` },
      }));
    }
    const matching = state.packages.filter((p) => matchesQ(p, query.get('q')) && matchesFq(p, query.get('fq')));
    const sorted = [...matching].sort(compareBy(sortKeys));
    const results = sorted.slice(start, start + Math.min(rows, maxRows)).map((p) => pickFields(p, query.get('fl')));
    const count = options.reportCount ? options.reportCount(matching.length) : matching.length;
    return json(200, envelope(baseUrl, 'package_search', {
      success: true,
      result: { count, sort: query.get('sort') ?? 'score desc, metadata_modified desc', facets: {}, results, search_facets: {} },
    }));
  };

  const answerFor = (path: string, query: URLSearchParams): Answer => {
    const match = /^\/api\/(?:3\/)?action\/([^/]+)$/.exec(path);
    if (!match) return { status: 404, body: '<html><body><h1>404 Not Found</h1></body></html>', contentType: 'text/html; charset=utf-8' };
    const action = match[1]!;
    if (options.disabledActions?.includes(action)) return unknownAction(action);
    if (action === 'package_search') return packageSearch(query);
    if (action === 'package_show') {
      const pkg = state.packages.find((p) => p.id === query.get('id') || p.name === query.get('id'));
      return pkg
        ? json(200, envelope(baseUrl, action, { success: true, result: pkg }))
        : json(404, envelope(baseUrl, action, { success: false, error: { __type: 'Not Found Error', message: 'Not found' } }));
    }
    if (KNOWN_ACTIONS.has(action)) return json(200, envelope(baseUrl, action, { success: true, result: null }));
    return unknownAction(action);
  };

  const unknownAction = (action: string): Answer => {
    if (options.unknownAction === 'bad-request-string') return json(400, `Bad request - Action name not known: ${action}`);
    return json(404, envelope(baseUrl, action, { success: false, error: { __type: 'Not Found Error', message: `Not found: action ${action}` } }));
  };

  const takeFault = (path: string, query: URLSearchParams): Fault | undefined => {
    const index = faults.findIndex((f) => (f.match ? f.match(query, path) : path === PACKAGE_SEARCH_PATH));
    if (index === -1) return undefined;
    const entry = faults[index]!;
    entry.times -= 1;
    if (entry.times <= 0) faults.splice(index, 1);
    return entry.fault;
  };

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const send = (req: http.IncomingMessage, res: http.ServerResponse, answer: Answer): void => {
    const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    let body: Buffer = Buffer.from(answer.body, 'utf8');
    const headers: Record<string, string | number> = { 'content-type': answer.contentType, ...answer.headers };
    if ((options.gzip ?? true) && acceptsGzip && answer.contentType.startsWith('application/json')) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    res.writeHead(answer.status, headers);
    res.end(body);
  };

  const applyFault = (req: http.IncomingMessage, res: http.ServerResponse, fault: Fault, normal: () => Answer): void => {
    switch (fault.kind) {
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers });
        res.end(fault.body ?? http.STATUS_CODES[fault.status] ?? 'error');
        return;
      case 'rate-limit':
        res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': fault.retryAfter });
        res.end('Too Many Requests');
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!DOCTYPE html>\n<html><head><title>Down for maintenance</title></head><body><p>Back soon.</p></body></html>\n');
        return;
      case 'ckan-error':
        send(req, res, json(fault.status, envelope(baseUrl, 'package_search', { success: false, error: { __type: fault.type, message: fault.message } })));
        return;
      case 'raw':
        res.writeHead(fault.status, { 'content-type': 'application/json;charset=utf-8', ...fault.headers });
        res.end(fault.body);
        return;
      case 'slow':
        later(fault.delayMs, () => send(req, res, normal()));
        return;
      case 'hang':
        req.resume();
        return;
      default:
        partial(res, fault, normal());
    }
  };

  /** Faults that send part of a body (uncompressed, chunked, no content-length). */
  const partial = (res: http.ServerResponse, fault: Extract<Fault, { kind: 'drop' | 'truncate' | 'stall' }>, answer: Answer): void => {
    const body = Buffer.from(answer.body, 'utf8');
    const cut = Math.floor(body.length * (fault.kind === 'stall' ? 0.5 : (fault.fraction ?? 0.5)));
    res.writeHead(answer.status, { 'content-type': answer.contentType });
    if (fault.kind === 'truncate') {
      res.end(body.subarray(0, cut));
    } else if (fault.kind === 'drop') {
      res.write(body.subarray(0, cut), () => res.socket?.destroy());
    } else {
      res.write(body.subarray(0, cut));
      if (fault.delayMs === undefined) return;
      later(fault.delayMs, () => {
        if (!res.destroyed) res.end(body.subarray(cut));
      });
    }
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    const normal = (): Answer => answerFor(url.pathname, url.searchParams);
    const fault = takeFault(url.pathname, url.searchParams);
    if (fault) applyFault(req, res, fault, normal);
    else send(req, res, normal());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    actionUrl: `${baseUrl}/api/3/action`,
    get packages() {
      return state.packages;
    },
    set packages(value: CkanPackage[]) {
      state.packages = value;
    },
    counts,
    requests,
    schedule: (...items) => {
      for (const item of items) {
        const entry = 'fault' in item ? item : { fault: item };
        faults.push({ fault: entry.fault, match: entry.match, times: entry.times ?? 1 });
      }
    },
    pendingFaults: () => faults.length,
    count: (path) => counts.get(path) ?? 0,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
