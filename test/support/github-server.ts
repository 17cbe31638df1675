/**
 * A local GitHub REST API for tests: real HTTP on 127.0.0.1 (port 0) serving
 * `GET /repos/{owner}/{repo}` and `GET /repositories/{id}` like api.github.com: x-ratelimit-*
 * headers on every answer and a quota that 304s do not spend (a 403 "API rate limit
 * exceeded" when it is used up, refilled at the reset), weak ETags with 304 on
 * If-None-Match, 301 for renamed repositories to /repositories/{id}, 404 / 410 / 451 for
 * gone ones, and faults (secondary limits as 403/429 with Retry-After, 5xx, dropped sockets).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type GhBody = Record<string, unknown> & { id: number; full_name: string };

export type GhFault =
  | { kind: 'status'; status: number; message?: string }
  | { kind: 'secondary-limit'; status: 403 | 429; retryAfter?: string }
  | { kind: 'drop' };

export interface GhServerOptions {
  repos?: GhBody[];
  /** Old full name → repository id (answered 301). */
  renames?: Record<string, number>;
  /** Full name → 404, 410 or 451 (451: "Repository access blocked"). */
  gone?: Record<string, number>;
  limit?: number;
  /** Quota left at the start (default: limit). */
  remaining?: number;
  /** Seconds from a refill to the next reset (default 3600). */
  window?: number;
  /** The server's time in ms (default Date.now): pass the test's clock so resets line up. */
  now?: () => number;
}

export interface GhRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface GithubTestServer {
  readonly url: string;
  readonly requests: GhRequest[];
  /** Quota left. */
  readonly remaining: number;
  /** Replaces a repository's body (its ETag changes with it). */
  setRepo(body: GhBody): void;
  schedule(...faults: GhFault[]): void;
  pendingFaults(): number;
  close(): Promise<void>;
}

export function etagOf(body: unknown): string {
  return `W/"${createHash('sha256').update(JSON.stringify(body)).digest('hex')}"`;
}

/** A repository body shaped like GitHub's (the fields mallard reads and a few more). */
export function makeRepoBody(id: number, fullName: string, extra: Record<string, unknown> = {}): GhBody {
  const [owner = '', name = ''] = fullName.split('/');
  return {
    id, node_id: `R_${id}`, name, full_name: fullName, private: false,
    owner: { login: owner, id: id * 10, type: 'User' },
    html_url: `https://github.com/${fullName}`, description: `repo ${fullName}`, fork: false,
    created_at: '2020-01-02T03:04:05Z', updated_at: '2024-05-06T07:08:09Z', pushed_at: '2024-05-06T07:08:09Z',
    homepage: null, size: 100, stargazers_count: id % 100, watchers_count: id % 100, language: 'Python',
    forks_count: id % 7, archived: false, disabled: false, open_issues_count: 0,
    license: { key: 'mit', name: 'MIT License', spdx_id: 'MIT', url: 'https://api.github.com/licenses/mit', node_id: 'L' },
    topics: ['open-data'], visibility: 'public', default_branch: 'main',
    ...extra,
  };
}

export async function startGithubServer(opts: GhServerOptions = {}): Promise<GithubTestServer> {
  const now = opts.now ?? Date.now;
  const limit = opts.limit ?? 5000;
  const windowS = opts.window ?? 3600;
  const quota = { remaining: opts.remaining ?? limit, resetS: Math.floor(now() / 1000) + windowS };
  const byName = new Map<string, GhBody>();
  const byId = new Map<number, GhBody>();
  for (const body of opts.repos ?? []) setRepo(body);
  const renames = new Map(Object.entries(opts.renames ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const gone = new Map(Object.entries(opts.gone ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const faults: GhFault[] = [];
  const requests: GhRequest[] = [];
  let base = '';

  function setRepo(body: GhBody): void {
    byName.set(body.full_name.toLowerCase(), body);
    byId.set(body.id, body);
  }

  function send(res: http.ServerResponse, path: string, req: http.IncomingMessage, status: number, body: unknown, headers: Record<string, string> = {}, spend = true): void {
    if (now() / 1000 >= quota.resetS) {
      quota.remaining = limit;
      quota.resetS = Math.floor(now() / 1000) + windowS;
    }
    if (spend && status !== 304) quota.remaining = Math.max(0, quota.remaining - 1);
    requests.push({ path, headers: req.headers, status });
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(quota.remaining),
      'x-ratelimit-reset': String(quota.resetS),
      'x-ratelimit-used': String(limit - quota.remaining),
      'x-ratelimit-resource': 'core',
      ...headers,
    });
    res.end(status === 304 ? undefined : JSON.stringify(body));
  }

  const error = (message: string) => ({ message, documentation_url: 'https://docs.github.com/rest' });

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const fault = faults.shift();
    if (fault?.kind === 'drop') return void res.destroy();
    if (fault?.kind === 'status') return send(res, path, req, fault.status, error(fault.message ?? `status ${fault.status}`));
    if (fault?.kind === 'secondary-limit') {
      return send(res, path, req, fault.status, error('You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'), fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}, false);
    }
    if (now() / 1000 < quota.resetS && quota.remaining <= 0) {
      return send(res, path, req, 403, error('API rate limit exceeded for 127.0.0.1.'), {}, false);
    }
    const byRepo = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
    const byRepoId = /^\/repositories\/(\d+)$/.exec(path);
    const key = byRepo ? `${decodeURIComponent(byRepo[1] ?? '')}/${decodeURIComponent(byRepo[2] ?? '')}`.toLowerCase() : '';
    const body = byRepo ? byName.get(key) : byRepoId ? byId.get(Number(byRepoId[1])) : undefined;
    if (body) {
      const etag = etagOf(body);
      if (req.headers['if-none-match'] === etag) return send(res, path, req, 304, undefined, { etag });
      return send(res, path, req, 200, body, { etag, 'last-modified': 'Mon, 06 May 2024 07:08:09 GMT' });
    }
    const renamedTo = renames.get(key);
    if (renamedTo !== undefined) {
      const location = `${base}/repositories/${renamedTo}`;
      return send(res, path, req, 301, { message: 'Moved Permanently', url: location, documentation_url: 'https://docs.github.com/rest' }, { location });
    }
    const goneStatus = gone.get(key);
    if (goneStatus !== undefined) return send(res, path, req, goneStatus, error(goneStatus === 451 ? 'Repository access blocked' : goneStatus === 410 ? 'Gone' : 'Not Found'));
    send(res, path, req, 404, error('Not Found'));
  }

  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    get remaining() {
      return quota.remaining;
    },
    setRepo,
    schedule: (...f) => void faults.push(...f),
    pendingFaults: () => faults.length,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
