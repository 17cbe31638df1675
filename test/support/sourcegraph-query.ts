/**
 * The subset of Sourcegraph's query language the loopback server understands, evaluated over a
 * code corpus the way a real instance does: quoted literal patterns (with `\"` `\\` `\n` escapes),
 * alternatives joined with `OR` inside one pair of parentheses, and the filters patternType:keyword,
 * count:all, fork:yes, archived:yes, case:yes (others are accepted and ignored). A pattern matches
 * a line containing it, a file whose path contains it, and a repository whose name contains it,
 * ignoring case unless case:yes. Anything else in a query is an error, as an unparsable query is.
 */
import { unquoteTerm } from '../../src/sources/sourcegraph/query.js';

export interface ParsedQuery {
  patterns: string[];
  forks: boolean;
  archived: boolean;
  countAll: boolean;
  caseSensitive: boolean;
}

/** One file of the corpus: its lines (0-based), and what the API reports with it. */
export interface SgFile {
  repository: string;
  path: string;
  /** Lines from `firstLine` on (0-based; default 0). */
  lines: string[];
  firstLine?: number;
  fork?: boolean;
  archived?: boolean;
  /** More fields sent with each match of the file (repositoryID, repoStars, commit, branches, language). */
  meta?: Record<string, unknown>;
}

function readQuoted(q: string, start: number): { text: string; end: number } {
  let i = start + 1;
  while (i < q.length && q[i] !== '"') i += q[i] === '\\' ? 2 : 1;
  if (i >= q.length) throw new Error('unterminated quoted pattern');
  return { text: unquoteTerm(q.slice(start, i + 1)), end: i + 1 };
}

/** Parses a query; throws with the reason a real instance would give as an `error` event. */
export function parseQuery(q: string): ParsedQuery {
  const out: ParsedQuery = { patterns: [], forks: false, archived: false, countAll: false, caseSensitive: false };
  let i = 0;
  let depth = 0;
  let expectPattern = true;
  while (i < q.length) {
    const c = q[i] as string;
    if (c === ' ') i += 1;
    else if (c === '(' && depth === 0 && out.patterns.length === 0) [depth, i] = [1, i + 1];
    else if (c === ')' && depth === 1) [depth, i] = [2, i + 1];
    else if (c === '"') {
      if (!expectPattern || depth === 2) throw new Error('two patterns without OR between them');
      const { text, end } = readQuoted(q, i);
      out.patterns.push(text);
      [i, expectPattern] = [end, false];
    } else if (q.startsWith('OR ', i) && depth === 1 && !expectPattern) [i, expectPattern] = [i + 3, true];
    else {
      const m = /^([a-zA-Z]+):(\S+)/.exec(q.slice(i));
      if (!m) throw new Error(`unsupported query text at ${i}: ${q.slice(i, i + 20)}`);
      const [all, key, value] = m as unknown as [string, string, string];
      if (key === 'fork') out.forks = value === 'yes';
      else if (key === 'archived') out.archived = value === 'yes';
      else if (key === 'count') out.countAll = value === 'all';
      else if (key === 'case') out.caseSensitive = value === 'yes';
      i += all.length;
    }
  }
  if (depth === 1) throw new Error('unbalanced parentheses');
  if (out.patterns.length === 0 || expectPattern) throw new Error('a query needs a pattern');
  return out;
}

export interface Evaluation {
  matches: Array<Record<string, unknown>>;
  /** Matched lines plus one per path or repository match. */
  matchCount: number;
  hiddenForks: number;
  hiddenArchived: number;
}

function matcher(query: ParsedQuery): (text: string) => boolean {
  const fold = (s: string) => (query.caseSensitive ? s : s.toLowerCase());
  const patterns = query.patterns.map(fold);
  return (text) => {
    const hay = fold(text);
    return patterns.some((p) => hay.includes(p));
  };
}

/** Every occurrence of every pattern in `text` as [offset, length], overlapping ones merged (as Zoekt reports them). */
export function matchRanges(query: ParsedQuery, text: string): Array<[number, number]> {
  const fold = (s: string) => (query.caseSensitive ? s : s.toLowerCase());
  const hay = fold(text);
  const spans: Array<[number, number]> = [];
  for (const p of query.patterns.map(fold)) {
    for (let at = hay.indexOf(p); at !== -1; at = hay.indexOf(p, at + 1)) spans.push([at, at + p.length]);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of spans) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged.map(([start, end]) => [start, end - start]);
}

/** The matches of a query over the files: content matches with their lines, else path matches; then repository matches. */
export function evaluate(query: ParsedQuery, files: readonly SgFile[], previewMax = Number.POSITIVE_INFINITY): Evaluation {
  const hit = matcher(query);
  const ev: Evaluation = { matches: [], matchCount: 0, hiddenForks: 0, hiddenArchived: 0 };
  const repos = new Map<string, SgFile>();
  for (const f of files) {
    const first = f.firstLine ?? 0;
    const lines = f.lines.flatMap((text, n) => (hit(text) ? [{ line: text.slice(0, previewMax), lineNumber: first + n, offsetAndLengths: matchRanges(query, text) }] : []));
    const pathHit = hit(f.path);
    const repoHit = hit(f.repository);
    if (lines.length === 0 && !pathHit && !repoHit) continue;
    if (f.fork && !query.forks) { ev.hiddenForks += 1; continue; }
    if (f.archived && !query.archived) { ev.hiddenArchived += 1; continue; }
    if (repoHit && !repos.has(f.repository)) repos.set(f.repository, f);
    if (lines.length > 0) ev.matches.push({ type: 'content', path: f.path, repository: f.repository, ...f.meta, lineMatches: lines });
    else if (pathHit) ev.matches.push({ type: 'path', path: f.path, repository: f.repository, ...f.meta });
    else continue;
    ev.matchCount += Math.max(1, lines.length);
  }
  for (const [repository, f] of repos) {
    const { repositoryID, repoStars } = f.meta ?? {};
    ev.matches.push({ type: 'repo', repository, ...(repositoryID === undefined ? {} : { repositoryID }), ...(repoStars === undefined ? {} : { repoStars }) });
    ev.matchCount += 1;
  }
  return ev;
}

/** Cuts an evaluation at `limit` matched lines: what a search hitting its match limit sends. */
export function limitTo(ev: Evaluation, limit: number): { ev: Evaluation; limited: boolean } {
  if (ev.matchCount <= limit) return { ev, limited: false };
  const kept: Array<Record<string, unknown>> = [];
  let count = 0;
  for (const m of ev.matches) {
    const lines = Array.isArray(m['lineMatches']) ? (m['lineMatches'] as unknown[]) : [];
    const n = Math.max(1, lines.length);
    if (count + n > limit) {
      const room = limit - count;
      if (room > 0 && lines.length > 0) kept.push({ ...m, lineMatches: lines.slice(0, room) });
      count = limit;
      break;
    }
    kept.push(m);
    count += n;
  }
  return { ev: { ...ev, matches: kept, matchCount: count }, limited: true };
}
