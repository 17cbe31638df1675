/**
 * What the stream's events carry, reduced to what the pipeline keeps: one stored match
 * per matched file, repository or commit (repository, path, commit, 1-based line numbers
 * with a preview of each line, repo stars), the final progress, skipped reasons and alerts.
 */

/** One line of a content match. */
export interface MatchLine {
  /** 1-based (the stream API's lineNumber is 0-based). */
  line: number;
  preview: string;
  /** The matched [offset, length] ranges in the line, as the server gave them (kept only while attributing, never stored). */
  ranges?: Array<[number, number]>;
}

export interface StoredMatch {
  /** content | path | repo | symbol | commit | … as the API says. */
  type: string;
  /** e.g. github.com/owner/name */
  repository: string;
  repositoryId?: number;
  path?: string;
  commit?: string;
  branch?: string;
  language?: string;
  repoStars?: number;
  /** Matched lines (content matches); empty for path and repo matches. */
  lines: MatchLine[];
}

export interface SkippedReason {
  reason: string;
  title?: string;
  message?: string;
  severity?: string;
}

export interface SearchAlert {
  title?: string;
  description?: string;
  kind?: string;
}

export interface ProgressInfo {
  matchCount?: number;
  repositoriesCount?: number;
  durationMs?: number;
  skipped: SkippedReason[];
}

/** Skipped reasons that mean the result is cut short by a limit (not just a default exclusion). */
export const LIMIT_REASONS: ReadonlySet<string> = new Set(['document-match-limit', 'shard-match-limit', 'repository-limit', 'display']);

/** Previews longer than this are cut (minified files have megabyte lines). */
export const PREVIEW_MAX = 1000;

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `text` cut to PREVIEW_MAX characters. */
export function cutPreview(text: string): string {
  return text.length > PREVIEW_MAX ? text.slice(0, PREVIEW_MAX) : text;
}

function pairs(v: unknown): Array<[number, number]> {
  return arr(v).flatMap((p) => {
    const [o, l] = arr(p).map(num);
    return o === undefined || l === undefined ? [] : [[o, l] as [number, number]];
  });
}

function linesOf(raw: Json, preview: (text: string) => string, ranges: boolean): MatchLine[] {
  const out: MatchLine[] = [];
  for (const item of arr(raw.lineMatches)) {
    const m = obj(item);
    const n = num(m?.lineNumber);
    if (m && n !== undefined) out.push({ line: n + 1, preview: preview(str(m.line) ?? ''), ...(ranges ? { ranges: pairs(m.offsetAndLengths) } : {}) });
  }
  for (const item of arr(raw.chunkMatches)) out.push(...chunkLines(obj(item), preview, ranges));
  return out;
}

/** Chunk matches (`cm=true`): the content of a few lines and ranges in it; one line per range start. */
function chunkLines(chunk: Json | undefined, preview: (text: string) => string, ranges: boolean): MatchLine[] {
  if (!chunk) return [];
  const first = num(obj(chunk.contentStart)?.line) ?? 0;
  const contentLines = (str(chunk.content) ?? '').split('\n');
  const byLine = new Map<number, MatchLine>();
  for (const r of arr(chunk.ranges)) {
    const start = obj(obj(r)?.start);
    const end = obj(obj(r)?.end);
    const line = num(start?.line);
    if (line === undefined) continue;
    let out = byLine.get(line);
    if (!out) {
      out = { line: line + 1, preview: preview(contentLines[line - first] ?? ''), ...(ranges ? { ranges: [] } : {}) };
      byLine.set(line, out);
    }
    const col = num(start?.column) ?? 0;
    const endCol = num(end?.line) === line ? (num(end?.column) ?? col) : Number.POSITIVE_INFINITY;
    out.ranges?.push([col, endCol - col]);
  }
  return [...byLine.values()];
}

/**
 * A stored match for one element of a `matches` event; undefined when it names no repository.
 * `fullLines` keeps whole lines (for attribution; cut them with cutPreview before storing).
 */
export function toStoredMatch(item: unknown, fullLines = false): StoredMatch | undefined {
  const raw = obj(item);
  const repository = str(raw?.repository);
  if (!raw || repository === undefined) return undefined;
  const match: StoredMatch = { type: str(raw.type) ?? 'unknown', repository, lines: linesOf(raw, fullLines ? (t) => t : cutPreview, fullLines) };
  const repositoryId = num(raw.repositoryID);
  if (repositoryId !== undefined) match.repositoryId = repositoryId;
  const path = str(raw.path);
  if (path !== undefined) match.path = path;
  const commit = str(raw.commit) ?? str(raw.oid);
  if (commit !== undefined) match.commit = commit;
  const branch = arr(raw.branches).find((b) => typeof b === 'string' && b !== '');
  if (typeof branch === 'string') match.branch = branch;
  const language = str(raw.language);
  if (language !== undefined) match.language = language;
  const stars = num(raw.repoStars) ?? num(raw.stars);
  if (stars !== undefined) match.repoStars = stars;
  return match;
}

export function toProgress(data: unknown): ProgressInfo {
  const raw = obj(data) ?? {};
  const info: ProgressInfo = {
    skipped: arr(raw.skipped).flatMap((s) => {
      const o = obj(s);
      const reason = str(o?.reason);
      if (!o || reason === undefined) return [];
      const out: SkippedReason = { reason };
      for (const key of ['title', 'message', 'severity'] as const) {
        const v = str(o[key]);
        if (v !== undefined) out[key] = v;
      }
      return [out];
    }),
  };
  const matchCount = num(raw.matchCount);
  if (matchCount !== undefined) info.matchCount = matchCount;
  const repositoriesCount = num(raw.repositoriesCount);
  if (repositoriesCount !== undefined) info.repositoriesCount = repositoriesCount;
  const durationMs = num(raw.durationMs);
  if (durationMs !== undefined) info.durationMs = durationMs;
  return info;
}

export function toAlert(data: unknown): SearchAlert {
  const raw = obj(data) ?? {};
  const alert: SearchAlert = {};
  for (const key of ['title', 'description', 'kind'] as const) {
    const v = str(raw[key]);
    if (v !== undefined) alert[key] = v;
  }
  return alert;
}
