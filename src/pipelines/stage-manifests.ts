/**
 * The stage files the pipeline writes and reads back — searches.json, repos.json and each
 * load report — as zod schemas, read through the store's state-file reader: a malformed one is
 * ERR_STATE_FILE naming the file and what to do, never a TypeError in a task.
 */
import { z } from 'zod';
import { readStateFileSync, requireStateFileSync, type StateFileSpec } from '../store/index.js';

const searchesManifestSchema = z.object({
  site: z.string(),
  /** The clean_ckan_api artifact the terms came from (relative to the artifacts dir). */
  source: z.string(),
  options: z.string(),
  /** Which request (result file) covered which terms, and when it was searched. */
  requests: z.array(z.object({ file: z.string().min(1), terms: z.array(z.string()), searchedAt: z.string() })),
  /** Each term with its datasets and the result file of the request that covered it. */
  searches: z.array(z.object({ term: z.string(), datasetIds: z.array(z.string()).readonly(), file: z.string() })),
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
/** raw/<site>/github/repos.json: the repositories an enrichment covered, for the loader. */
export type ReposManifest = z.infer<typeof reposManifestSchema>;

const SEARCHES: StateFileSpec<SearchesManifest> = {
  what: 'the searches manifest',
  schema: searchesManifestSchema,
  remedy: 'delete that file and rerun download-sourcegraph-results: result files already on disk are reused',
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

export function readSearchesManifest(file: string): SearchesManifest | undefined {
  return readStateFileSync(file, SEARCHES);
}

export function requireSearchesManifest(file: string): SearchesManifest {
  return requireStateFileSync(file, SEARCHES);
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
