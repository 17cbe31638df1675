/**
 * The SQL of sourcegraph_api.db: the schema (and its version), the declared columns of a result
 * file, the temp tables of a load and the statements filling `requests`, `searches` and
 * `matches` from one chunk of result files (db.ts runs them).
 */
import { sqlString } from '../../duckdb/index.js';

const LINE = 'STRUCT(line BIGINT, preview VARCHAR, terms INTEGER[])';
const MATCH = `STRUCT(type VARCHAR, repository VARCHAR, repositoryId BIGINT, path VARCHAR, "commit" VARCHAR, branch VARCHAR, language VARCHAR, repoStars BIGINT, lines ${LINE}[], pathTerms INTEGER[])`;
const SKIPPED = 'STRUCT(reason VARCHAR, title VARCHAR, message VARCHAR, severity VARCHAR)';

/** The declared columns of a result file (see README: the result file). */
export const RESULT_COLUMNS: Readonly<Record<string, string>> = {
  searchedAt: 'VARCHAR',
  terms: 'VARCHAR[]',
  query: 'VARCHAR',
  matches: `${MATCH}[]`,
  matchesReceived: 'BIGINT',
  linesReceived: 'BIGINT',
  matchCount: 'BIGINT',
  repositoriesCount: 'BIGINT',
  durationMs: 'BIGINT',
  complete: 'BOOLEAN',
  limitHit: 'BOOLEAN',
  exhaustive: 'BOOLEAN',
  skipped: `${SKIPPED}[]`,
  alerts: 'JSON',
};

export function columnsSql(): string {
  return `{${Object.entries(RESULT_COLUMNS).map(([k, v]) => `${k}: ${sqlString(v)}`).join(', ')}}`;
}

/** Bumped whenever SOURCEGRAPH_SCHEMA or what fills it changes: an incremental build needs a previous one of the same version. */
export const SOURCEGRAPH_SCHEMA_VERSION = 2;

/**
 * `requests` holds what is the request's own (its query of up to 4,000 characters, skipped and
 * alerts JSON) once per request; `searches` names it by `request` (version 1 repeated it on
 * every term's row, and a chunk's sort of those rows ran DuckDB past its limit).
 */
export const SOURCEGRAPH_SCHEMA = `
CREATE TABLE requests (
  request VARCHAR NOT NULL, query VARCHAR, request_terms INTEGER, skipped JSON, alerts JSON, duration_ms BIGINT);
CREATE TABLE searches (
  term VARCHAR NOT NULL, dataset_id VARCHAR NOT NULL, request VARCHAR, request_terms INTEGER,
  match_count BIGINT, results_received BIGINT, lines_received BIGINT, repositories_count BIGINT,
  complete BOOLEAN, limit_hit BOOLEAN, exhaustive BOOLEAN,
  skipped_reasons VARCHAR[], searched_at TIMESTAMP, file VARCHAR);
CREATE TABLE matches (
  term VARCHAR NOT NULL, dataset_id VARCHAR NOT NULL, type VARCHAR, repository VARCHAR, repository_id BIGINT,
  path VARCHAR, "commit" VARCHAR, branch VARCHAR, language VARCHAR, line_number BIGINT, preview VARCHAR, repo_stars BIGINT);`;

/** Largest result file read (DuckDB reads one JSON object whole; it buffers about twice this). */
export const MAX_RESULT_BYTES = 128 * 1024 * 1024;

/** The load's temp tables: a chunk's files, their attributed matches, the mapping, the coverage, the terms to reload, a chunk's coverage rows. */
export const [STAGE, ATT, TERMS, COVER, RELOAD, CHUNK] = ['sg_stage', 'sg_att', 'sg_terms', 'sg_cover', 'sg_reload', 'sg_chunk'] as const;

/**
 * The statements filling searches and matches from one chunk's stage, for the terms of `cover`:
 * first the chunk's own (file, term, dataset) rows, so the joins below hash a chunk's share of
 * the million-term coverage, not all of it for every chunk.
 */
export function insertSql(cover: string = COVER): string[] {
  return [
    `CREATE OR REPLACE TEMP TABLE ${CHUNK} AS
SELECT c.file, c.term, t.dataset_id FROM ${cover} c JOIN ${TERMS} t ON t.term = c.term
WHERE c.file IN (SELECT filename FROM ${STAGE})`,
    `CREATE OR REPLACE TEMP TABLE ${ATT} AS
WITH m AS (SELECT filename, terms AS rterms, unnest(matches) AS x, generate_subscripts(matches, 1) AS pos FROM ${STAGE}),
l AS (SELECT filename, rterms, pos, x, unnest(x.lines) AS l FROM m),
by_line AS (SELECT filename, rterms, pos, x, l, unnest(l.terms) AS k FROM l),
by_path AS (SELECT filename, rterms, pos, x, unnest(x.pathTerms) AS k FROM m)
SELECT filename, rterms[k + 1] AS term, pos, x.type AS type, x, l.line AS line, l.preview AS preview FROM by_line
UNION ALL
SELECT filename, rterms[k + 1], pos, CASE WHEN x.type = 'content' THEN 'path' ELSE x.type END, x, NULL, NULL FROM by_path`,
    `INSERT INTO matches
SELECT a.term, t.dataset_id, a.type, a.x.repository, a.x.repositoryId, a.x.path, a.x."commit", a.x.branch, a.x.language,
  a.line, a.preview, a.x.repoStars
FROM ${ATT} a JOIN ${CHUNK} t ON t.file = a.filename AND t.term = a.term
ORDER BY a.filename, a.term, t.dataset_id, a.pos, a.line NULLS FIRST`,
    `INSERT INTO searches
WITH per AS (
  SELECT filename, term, count(*) FILTER (WHERE line IS NOT NULL) AS lines, count(*) FILTER (WHERE line IS NULL) AS lineless,
    count(DISTINCT pos) AS results, count(DISTINCT x.repository) AS repos
  FROM ${ATT} GROUP BY filename, term)
SELECT t.term, t.dataset_id, parse_filename(s.filename), len(s.terms),
  CASE WHEN len(s.terms) = 1 THEN s.matchCount ELSE coalesce(p.lines + p.lineless, 0) END,
  coalesce(p.results, 0), coalesce(p.lines, 0),
  CASE WHEN len(s.terms) = 1 THEN coalesce(s.repositoriesCount, p.repos, 0) ELSE coalesce(p.repos, 0) END,
  s.complete, s.limitHit, s.exhaustive, coalesce(list_transform(s.skipped, x -> x.reason), []),
  try_cast(s.searchedAt AS TIMESTAMPTZ)::TIMESTAMP, s.filename
FROM ${STAGE} s JOIN ${CHUNK} t ON t.file = s.filename
LEFT JOIN per p ON p.filename = s.filename AND p.term = t.term
ORDER BY s.filename, t.term, t.dataset_id`,
    // One row per request that fills searches rows (an incremental build first deletes the reloaded requests' rows).
    `INSERT INTO requests
SELECT parse_filename(s.filename), s.query, len(s.terms), to_json(coalesce(s.skipped, [])), coalesce(s.alerts, '[]'), s.durationMs
FROM ${STAGE} s WHERE s.filename IN (SELECT file FROM ${CHUNK})
ORDER BY s.filename`,
  ];
}
