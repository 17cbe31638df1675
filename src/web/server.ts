/**
 * `ui`: a local web server on 127.0.0.1 over one artifacts directory. It lists the runs,
 * shows any run as its report (live over server-sent events while the log grows), and
 * serves files under the artifacts directory and nothing else. No login: loopback only,
 * and requests naming another host (DNS rebinding) are refused.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { MallardError, errorMessage } from '../engine/index.js';
import { buildReportData, renderReportHtml, type ReportData } from '../report/index.js';
import { runList } from './history.js';
import { renderRunsPage } from './pages.js';
import { safeJoin } from './safe-path.js';
import { streamLog } from './tail.js';

export interface UiServerOptions {
  artifactsDir: string;
  /** 0 picks a free port. */
  port: number;
  /** How many runs the start page lists (default 50). */
  limit?: number;
}

export interface UiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const RUN_ID = /^[\w][\w.-]*$/;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.json': 'application/json', '.jsonl': 'application/x-ndjson', '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8', '.png': 'image/png', '.parquet': 'application/vnd.apache.parquet',
};

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const artifactsDir = path.resolve(opts.artifactsDir);
  const runsDir = path.join(artifactsDir, 'runs');
  const streams = new Set<{ close(): void }>();
  const cache = new Map<string, { key: string; data: ReportData }>();
  const server = http.createServer((req, res) => {
    handle(req, res, { artifactsDir, runsDir, limit: opts.limit ?? 50, streams, cache }).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `mallard ui: ${errorMessage(err)}\n`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new MallardError(err.code === 'EADDRINUSE' ? 'ERR_USAGE' : 'ERR_UI', `cannot listen on ${HOST}:${opts.port}: ${err.message}`, {
        cause: err,
        context: { port: opts.port },
        suggestions: err.code === 'EADDRINUSE' ? ['another program (maybe another `mallard ui`) uses that port: pick another with --port, or --port 0 for any free one'] : [],
      })),
    );
    server.listen(opts.port, HOST, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${HOST}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Ctx {
  artifactsDir: string;
  runsDir: string;
  limit: number;
  streams: Set<{ close(): void }>;
  /** Report data of the last few logs, while their size and mtime stay the same. */
  cache: Map<string, { key: string; data: ReportData }>;
}

const CACHED_REPORTS = 3;

async function reportData(ctx: Ctx, file: string): Promise<ReportData> {
  const st = fs.statSync(file);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = ctx.cache.get(file);
  if (hit?.key === key) return hit.data;
  const data = await buildReportData(file, { artifactsDir: ctx.artifactsDir });
  ctx.cache.delete(file);
  if (ctx.cache.size >= CACHED_REPORTS) ctx.cache.delete(ctx.cache.keys().next().value as string);
  ctx.cache.set(file, { key, data });
  return data;
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: Ctx): Promise<void> {
  if (!loopbackHost(req.headers.host)) return send(res, 403, 'text/plain; charset=utf-8', 'mallard ui answers only to 127.0.0.1 and localhost\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'only GET\n');
  const rawPath = (req.url ?? '/').split('?')[0] as string;
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const parts = rawPath.split('/').filter((p) => p !== '');
  if (rawPath === '/') return send(res, 200, TYPES['.html'] as string, renderRunsPage({ runs: runList(ctx.runsDir, ctx.limit), runsDir: ctx.runsDir, apiUrl: '/api/runs' }));
  if (rawPath === '/api/runs') return sendJson(res, { runsDir: ctx.runsDir, apiUrl: '/api/runs', runs: runList(ctx.runsDir, ctx.limit) });
  if (parts[0] === 'files') return serveFile(res, ctx.artifactsDir, rawPath.slice('/files/'.length));
  if (parts[0] === 'runs' && parts.length === 2) return runPage(res, ctx, decodeURIComponent(parts[1] as string));
  if (parts[0] === 'api' && parts[1] === 'runs' && parts.length === 4) {
    const file = logFile(ctx, decodeURIComponent(parts[2] as string));
    if (file === undefined) return notFound(res);
    if (parts[3] === 'data') return sendJson(res, await reportData(ctx, file));
    if (parts[3] === 'events') return events(req, res, ctx, file, query);
  }
  return notFound(res);
}

function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.replace(/:\d+$/, '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

/** The log of a run id (`latest` is the newest), or undefined: nothing outside runs/. */
function logFile(ctx: Ctx, runId: string): string | undefined {
  if (runId === 'latest') {
    const newest = runList(ctx.runsDir, 1)[0];
    return newest === undefined ? undefined : path.join(ctx.runsDir, `${newest.runId}.jsonl`);
  }
  if (!RUN_ID.test(runId) || runId.includes('..')) return undefined;
  const file = path.join(ctx.runsDir, `${runId}.jsonl`);
  return fs.existsSync(file) ? file : undefined;
}

async function runPage(res: http.ServerResponse, ctx: Ctx, runId: string): Promise<void> {
  const file = logFile(ctx, runId);
  if (file === undefined) return notFound(res);
  const id = path.basename(file, '.jsonl');
  if (runId === 'latest') {
    res.writeHead(302, { location: `/runs/${encodeURIComponent(id)}`, 'cache-control': 'no-store' });
    return void res.end();
  }
  const data = await reportData(ctx, file);
  const base = `/api/runs/${encodeURIComponent(id)}`;
  send(res, 200, TYPES['.html'] as string, renderReportHtml(data, { live: { eventsUrl: `${base}/events`, dataUrl: `${base}/data`, indexUrl: '/' } }));
}

function events(req: http.IncomingMessage, res: http.ServerResponse, ctx: Ctx, file: string, query: URLSearchParams): void {
  const header = req.headers['last-event-id'];
  const resume = Number(Array.isArray(header) ? header[0] : header ?? query.get('from') ?? 0);
  const handle = streamLog(file, Number.isSafeInteger(resume) && resume >= 0 ? resume : 0, res);
  ctx.streams.add(handle);
  res.on('close', () => ctx.streams.delete(handle));
}

function serveFile(res: http.ServerResponse, root: string, rawRelative: string): void {
  const file = safeJoin(root, rawRelative);
  if (file === undefined) return notFound(res);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return notFound(res);
  }
  if (!st.isFile()) return notFound(res);
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': st.size, 'x-content-type-options': 'nosniff' });
  fs.createReadStream(file).pipe(res);
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function sendJson(res: http.ServerResponse, value: unknown): void {
  send(res, 200, 'application/json', JSON.stringify(value));
}

function notFound(res: http.ServerResponse): void {
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}
