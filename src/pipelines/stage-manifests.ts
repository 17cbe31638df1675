/**
 * The stage files the pipeline writes and reads back — searches.json, repos.json and each
 * load report — as zod schemas, read through the store's state-file reader: a malformed one is
 * ERR_STATE_FILE naming the file and what to do, never a TypeError in a task.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { readStateFileSync, requireStateFileSync, type StateFileSpec } from '../store/index.js';

/** searches.json's format (1: every term repeated with its dataset ids; 2: requests only, the mapping in its own file). */
export const SEARCHES_VERSION = 2;

const requestCoverageSchema = z.object({ file: z.string().min(1), terms: z.array(z.string()), searchedAt: z.string() });

const searchesManifestSchema = z.object({
  version: z.literal(SEARCHES_VERSION),
  site: z.string(),
  /** The clean_ckan_api artifact the terms came from (relative to the artifacts dir). */
  source: z.string(),
  options: z.string(),
  /** The term → datasets mapping (Parquet: term, dataset_id), beside this file. */
  mapping: z.string().min(1),
  /** Distinct terms searched, and the datasets they stand for. */
  terms: z.number().int().nonnegative(),
  datasets: z.number().int().nonnegative(),
  /** Which request (result file) covered which terms, and when it was searched: every term exactly once. */
  requests: z.array(requestCoverageSchema),
});

/** A request as listed without its terms (what the result-file listing and the maxAge checks need). */
const requestListingSchema = z.object({ file: z.string().min(1), searchedAt: z.string() });
/** searches.json (current version) read without the requests' terms: the loader reads those with DuckDB. */
const searchesListingSchema = searchesManifestSchema.extend({ requests: z.array(requestListingSchema) });
/** Any version's result files and when they were searched. */
const searchesFilesSchema = z.looseObject({ options: z.string(), requests: z.array(requestListingSchema) });

/** Drops every request's term list (and format 1's per-term list) while parsing: at portal scale they are a million strings. */
function withoutTerms(key: string, value: unknown): unknown {
  return (key === 'terms' && Array.isArray(value)) || key === 'searches' ? undefined : value;
}

/** What an earlier download recorded that a rerun reuses: any version of searches.json has it. */
const searchesCoverageSchema = z.looseObject({ options: z.string(), requests: z.array(requestCoverageSchema) });

const searchPlanSchema = z.object({
  version: z.literal(1),
  stage: z.literal('search'),
  site: z.string(),
  source: z.string(),
  options: z.string(),
  mapping: z.string().min(1),
  terms: z.number().int().nonnegative(),
  datasets: z.number().int().nonnegative(),
  createdAt: z.string(),
  /** Earlier requests whose results are still fresh (sourcegraph.maxAge), narrowed to the terms still wanted. */
  reused: z.array(requestCoverageSchema),
  /** The requests to make (the leaf tasks): each result file with its terms; a batch split at run time stays with its leaf. */
  batches: z.array(z.object({ file: z.string().min(1), terms: z.array(z.string()).min(1) })),
});

const reposManifestSchema = z.object({
  site: z.string(),
  /** The sourcegraph_api artifact they came from (relative to the artifacts dir). */
  source: z.string(),
  repos: z.array(z.object({ repository: z.string(), file: z.string().min(1) })),
  /** Repository names found that GitHub cannot have (skipped). */
  invalid: z.array(z.string()),
  /** The earliest checkedAt of the records (github.maxAge past it makes the enrichment run again). */
  oldestCheckedAt: z.string().optional(),
});

/** A load report's fields the pipeline reads back (the rest is for people). */
const loadReportSchema = z.looseObject({ published: z.string().optional() });

/** raw/<site>/sourcegraph/searches.json: what a download searched, for the loader. */
export type SearchesManifest = z.infer<typeof searchesManifestSchema>;
/** The part of a searches.json of any version that a rerun reuses. */
export type SearchesCoverage = z.infer<typeof searchesCoverageSchema>;
/** searches.json without the requests' terms (the loader reads them from the file with DuckDB). */
export type SearchesListing = z.infer<typeof searchesListingSchema>;
/** raw/<site>/sourcegraph/plan.json: the search stage's plan (docs/scale-out.md §1). */
export type SearchPlanFile = z.infer<typeof searchPlanSchema>;
/** raw/<site>/github/repos.json: the repositories an enrichment covered, for the loader. */
export type ReposManifest = z.infer<typeof reposManifestSchema>;

const SEARCHES: StateFileSpec<SearchesManifest> = {
  what: 'the searches manifest',
  schema: searchesManifestSchema,
  remedy: 'delete that file and rerun download-sourcegraph-results: result files already on disk are reused',
};
const SEARCHES_COVERAGE: StateFileSpec<SearchesCoverage> = { ...SEARCHES, schema: searchesCoverageSchema };
const SEARCHES_FILES: StateFileSpec<z.infer<typeof searchesFilesSchema>> = { ...SEARCHES, schema: searchesFilesSchema, reviver: withoutTerms };
const SEARCHES_LISTING: StateFileSpec<SearchesListing> = { ...SEARCHES, schema: searchesListingSchema, reviver: withoutTerms };
const SEARCH_PLAN: StateFileSpec<SearchPlanFile> = {
  what: 'the search plan',
  schema: searchPlanSchema,
  remedy: 'delete that file and rerun download-sourcegraph-results: it plans again, and result files already on disk are reused',
};
const REPOS: StateFileSpec<ReposManifest> = {
  what: 'the repositories manifest',
  schema: reposManifestSchema,
  remedy: 'delete that file and rerun enrich-github-repos: records already on disk are revalidated with ETags',
};
const LOAD_REPORT: StateFileSpec<z.infer<typeof loadReportSchema>> = {
  what: 'the load report',
  schema: loadReportSchema,
  remedy: 'delete that file: the stage then loads and publishes again',
};

/**
 * The last parse of each searches.json, kept while the file's size, mtime and inode stay the
 * same: one run consults it several times (the download's outputs, the maxAge checks of both
 * tasks, the rerun's reuse).
 */
const cache = new Map<string, { stamp: string; value: unknown }>();

function cachedRead<T>(file: string, spec: StateFileSpec<T>, kind: string): T | undefined {
  const key = `${kind}\u0000${file}`;
  let stamp: string;
  try {
    const st = fs.statSync(file);
    stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    cache.delete(key);
    return readStateFileSync(file, spec);
  }
  const hit = cache.get(key);
  if (hit?.stamp === stamp) return hit.value as T | undefined;
  const value = readStateFileSync(file, spec);
  cache.set(key, { stamp, value });
  return value;
}

/** The options and coverage (with terms) of a searches.json of any version: what a rerun of the download reuses. */
export function readSearchesCoverage(file: string): SearchesCoverage | undefined {
  return cachedRead(file, SEARCHES_COVERAGE, 'coverage');
}

/** The result files of a searches.json of any version and when each was searched, without the terms (parsed away). */
export function readSearchesFiles(file: string): z.infer<typeof searchesFilesSchema> | undefined {
  return cachedRead(file, SEARCHES_FILES, 'files');
}

/**
 * searches.json of the current version without the requests' terms, for the loader (which reads
 * them from the file with DuckDB); an older version makes the download run again first (its task
 * version changed).
 */
export function requireSearchesManifest(file: string): SearchesListing {
  return requireStateFileSync(file, SEARCHES_LISTING);
}

export function readSearchPlan(file: string): SearchPlanFile | undefined {
  return readStateFileSync(file, SEARCH_PLAN);
}

export function readReposManifest(file: string): ReposManifest | undefined {
  return readStateFileSync(file, REPOS);
}

export function requireReposManifest(file: string): ReposManifest {
  return requireStateFileSync(file, REPOS);
}

/** The artifact a load report says its run published, when there is a report. */
export function publishedByReport(file: string): string | undefined {
  return readStateFileSync(file, LOAD_REPORT)?.published;
}
