/**
 * sourcegraph_api.db from result files: one read_json over every file (explicit columns, never
 * row by row), into `searches` (one row per term and dataset) and `matches` (one row per term,
 * dataset, match and matched line). Built atomically: the old database stays until the rename.
 */
import { buildDatabaseAtomically, sqlString, sqlStringList, type DatabaseRegistry, type DuckDbHandle } from '../../duckdb/index.js';

/** What a term was searched for: the datasets it stands for. */
export interface SearchedTerm {
  term: string;
  datasetIds: readonly string[];
}

export interface SourcegraphLoadSummary {
  files: number;
  searches: number;
  matches: number;
  /** Terms with a result file but no dataset (left out). */
  unmatchedTerms: number;
}

const LINE = 'STRUCT(line BIGINT, preview VARCHAR)';
const MATCH = `STRUCT(type VARCHAR, repository VARCHAR, repositoryId BIGINT, path VARCHAR, "commit" VARCHAR, branch VARCHAR, language VARCHAR, repoStars BIGINT, lines ${LINE}[])`;
const SKIPPED = 'STRUCT(reason VARCHAR, title VARCHAR, message VARCHAR, severity VARCHAR)';

/** The declared columns of a result file (see README: the result file). */
export const RESULT_COLUMNS: Readonly<Record<string, string>> = {
  term: 'VARCHAR',
  query: 'VARCHAR',
  searchedAt: 'VARCHAR',
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

function columnsSql(): string {
  return `{${Object.entries(RESULT_COLUMNS).map(([k, v]) => `${k}: ${sqlString(v)}`).join(', ')}}`;
}

export const SOURCEGRAPH_SCHEMA = `
CREATE TABLE searches (
  term VARCHAR NOT NULL, dataset_id VARCHAR NOT NULL, query VARCHAR,
  match_count BIGINT, results_received BIGINT, lines_received BIGINT, repositories_count BIGINT,
  complete BOOLEAN, limit_hit BOOLEAN, exhaustive BOOLEAN,
  skipped_reasons VARCHAR[], skipped JSON, alerts JSON, searched_at TIMESTAMP, duration_ms BIGINT, file VARCHAR);
CREATE TABLE matches (
  term VARCHAR NOT NULL, dataset_id VARCHAR NOT NULL, type VARCHAR, repository VARCHAR, repository_id BIGINT,
  path VARCHAR, "commit" VARCHAR, branch VARCHAR, language VARCHAR, line_number BIGINT, preview VARCHAR, repo_stars BIGINT);`;

/** Largest result file read (DuckDB reads one JSON object whole; it buffers about twice this). */
export const MAX_RESULT_BYTES = 128 * 1024 * 1024;

const STAGE = 'sg_stage';
const TERMS = 'sg_terms';

async function loadTerms(db: DuckDbHandle, terms: readonly SearchedTerm[]): Promise<void> {
  await db.run(`CREATE TEMP TABLE ${TERMS} (term VARCHAR, dataset_id VARCHAR)`);
  const pairs = terms.flatMap((t) => t.datasetIds.map((d) => `(${sqlString(t.term)}, ${sqlString(d)})`));
  for (let i = 0; i < pairs.length; i += 1000) await db.run(`INSERT INTO ${TERMS} VALUES ${pairs.slice(i, i + 1000).join(', ')}`);
}

/** The statements filling searches and matches from the stage (every file read once). */
export function insertSql(): string[] {
  return [
    `INSERT INTO searches
SELECT s.term, t.dataset_id, s.query, s.matchCount, s.matchesReceived, s.linesReceived, s.repositoriesCount,
  s.complete, s.limitHit, s.exhaustive, coalesce(list_transform(s.skipped, x -> x.reason), []), to_json(coalesce(s.skipped, [])),
  coalesce(s.alerts, '[]'), try_cast(s.searchedAt AS TIMESTAMPTZ)::TIMESTAMP, s.durationMs, s.filename
FROM ${STAGE} s JOIN ${TERMS} t ON t.term = s.term
ORDER BY s.term, t.dataset_id`,
    `INSERT INTO matches
SELECT m.term, t.dataset_id, m.x.type, m.x.repository, m.x.repositoryId, m.x.path, m.x."commit", m.x.branch, m.x.language,
  l.line, l.preview, m.x.repoStars
FROM (SELECT term, unnest(matches) AS x, generate_subscripts(matches, 1) AS pos FROM ${STAGE}) m
JOIN ${TERMS} t ON t.term = m.term
LEFT JOIN LATERAL (SELECT unnest(CASE WHEN len(coalesce(m.x.lines, [])) = 0 THEN [NULL::${LINE}] ELSE m.x.lines END) AS l) ON true
ORDER BY m.term, t.dataset_id, m.pos, l.line`,
  ];
}

async function countOf(db: DuckDbHandle, sql: string): Promise<number> {
  const rows = await db.all(`SELECT (${sql})::BIGINT AS n`);
  return Number(rows[0]?.['n'] ?? 0);
}

/**
 * Builds `finalPath` (sourcegraph_api.db) from the result files and the term → datasets map;
 * replaces the file only on success.
 */
export async function buildSourcegraphApiDatabase(
  finalPath: string,
  files: readonly string[],
  terms: readonly SearchedTerm[],
  options: { registry?: DatabaseRegistry } = {},
): Promise<SourcegraphLoadSummary> {
  return buildDatabaseAtomically(
    finalPath,
    async (db) => {
      await db.run(SOURCEGRAPH_SCHEMA);
      await loadTerms(db, terms);
      if (files.length === 0) return { files: 0, searches: 0, matches: 0, unmatchedTerms: 0 };
      await db.run(`CREATE TEMP TABLE ${STAGE} AS SELECT * FROM read_json(${sqlStringList(files)}, format = 'unstructured', filename = true,
  maximum_object_size = ${MAX_RESULT_BYTES}, columns = ${columnsSql()})`);
      for (const sql of insertSql()) await db.run(sql);
      return {
        files: files.length,
        searches: await countOf(db, 'SELECT count(*) FROM searches'),
        matches: await countOf(db, 'SELECT count(*) FROM matches'),
        unmatchedTerms: await countOf(db, `SELECT count(*) FROM ${STAGE} WHERE term NOT IN (SELECT term FROM ${TERMS})`),
      };
    },
    { registry: options.registry, settings: { memory_limit: '1GB' } },
  );
}
