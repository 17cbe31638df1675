/**
 * The stage files the pipeline writes and reads back — searches.json, repos.json and each
 * load report — as zod schemas, read through the store's state-file reader: a malformed one is
 * ERR_STATE_FILE naming the file and what to do, never a TypeError in a task.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { withAtomicPath } from '../engine/index.js';
import { absoluteArtifactPath, readStateFileSync, requireStateFileSync, type StateFileSpec } from '../store/index.js';

/**
 * searches.json's format (1: every term repeated with its dataset ids; 2: requests with their
 * terms, the mapping in its own file; 3: requests with their term counts, which terms each
 * covered in the coverage file requests.parquet).
 */
export const SEARCHES_VERSION = 3;

/** A request as searches.json 3 lists it: its terms are in the coverage file. */
const requestSummarySchema = z.object({ file: z.string().min(1), termCount: z.number().int().positive(), searchedAt: z.string() });

/** What searches.json and plan.json both say of the terms searched. */
const searchTermsFields = {
  site: z.string(),
  /** The clean_ckan_api artifact the terms came from (relative to the artifacts dir). */
  source: z.string(),
  options: z.string(),
  /** The term → datasets mapping (Parquet: term, dataset_id), beside this file. */
  mapping: z.string().min(1),
  /** Distinct terms searched, and the datasets they stand for. */
  terms: z.number().int().nonnegative(),
  datasets: z.number().int().nonnegative(),
};

const searchesManifestSchema = z.object({
  version: z.literal(SEARCHES_VERSION),
  ...searchTermsFields,
  /** Which terms each request covered (Parquet: request, file, pos, term, searched_at), beside this file. */
  coverage: z.string().min(1),
  /** Every request whose result covers terms (result file), how many, and when it was searched. */
  requests: z.array(requestSummarySchema),
});

/**
 * What an earlier download recorded that a rerun reuses and maxAge checks, in any version of
 * searches.json: the requests (with their terms in 1 and 2; in the coverage file in 3).
 */
const searchesCoverageSchema = z.looseObject({
  options: z.string(),
  coverage: z.string().min(1).optional(),
  requests: z.array(z.looseObject({ file: z.string().min(1), searchedAt: z.string(), terms: z.array(z.string()).optional() })),
});

/** plan.json's format (1: reused requests listed with their terms; 2: with their term counts). */
const searchPlanSchema = z.object({
  version: z.literal(2),
  stage: z.literal('search'),
  ...searchTermsFields,
  createdAt: z.string(),
  /**
   * Earlier requests whose results are still fresh (sourcegraph.maxAge), narrowed to the terms
   * still wanted, with how many they cover (which ones: the previous coverage file's rows of the
   * mapping's terms, each term's first; the new coverage file lists them).
   */
  reused: z.array(requestSummarySchema),
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
 * The last coverage parsed from each searches.json, kept while the file's size, mtime and inode
 * stay the same: one run consults it several times (the download's outputs, the maxAge checks of
 * both tasks, the rerun's reuse); a searches.json of format 1 or 2 lists about a million terms at
 * portal scale.
 */
const coverageCache = new Map<string, { stamp: string; value: SearchesCoverage | undefined }>();

/** The options and coverage of a searches.json of any version (what a rerun reuses and what maxAge checks). */
export function readSearchesCoverage(file: string): SearchesCoverage | undefined {
  let stamp: string;
  try {
    const st = fs.statSync(file);
    stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    coverageCache.delete(file);
    return readStateFileSync(file, SEARCHES_COVERAGE);
  }
  const hit = coverageCache.get(file);
  if (hit?.stamp === stamp) return hit.value;
  const value = readStateFileSync(file, SEARCHES_COVERAGE);
  coverageCache.set(file, { stamp, value });
  return value;
}

/**
 * searches.json of the current version, for the loader (an older one makes the download run
 * again first: its task version changed). Small: the terms are in the coverage file.
 */
export function requireSearchesManifest(file: string): SearchesManifest {
  return requireStateFileSync(file, SEARCHES);
}

/**
 * Writes plan.json (atomically) a batch at a time, so no one string holds every term of a
 * portal-scale plan; the text is JSON.stringify(plan)'s, with batches last.
 */
export async function writeSearchPlan(file: string, plan: SearchPlanFile): Promise<void> {
  const { batches, ...rest } = plan;
  const head = JSON.stringify({ ...rest, batches: [] });
  await withAtomicPath(file, async (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      let buf = `${head.slice(0, -2)}`;
      for (let i = 0; i < batches.length; i++) {
        buf += `${i === 0 ? '' : ','}${JSON.stringify(batches[i])}`;
        if (buf.length > 1 << 20) {
          fs.writeSync(fd, buf);
          buf = '';
        }
      }
      fs.writeSync(fd, `${buf}]}\n`);
    } finally {
      fs.closeSync(fd);
    }
  }, { durable: false });
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

/**
 * The artifact a load report says its run published (a file in `artifactsDir`), when there is a
 * report. Reports name it relative to the artifacts directory, so a directory moved or restored
 * elsewhere still names its own copy; an older report's absolute path is read by its
 * `read_only/...` part (it named the directory the run had, which may be gone or another).
 */
export function publishedByReport(file: string, artifactsDir: string): string | undefined {
  const published = readStateFileSync(file, LOAD_REPORT)?.published;
  if (published === undefined) return undefined;
  if (!path.isAbsolute(published)) return absoluteArtifactPath(artifactsDir, published);
  const at = published.lastIndexOf(`${path.sep}read_only${path.sep}`);
  return at < 0 ? published : path.join(artifactsDir, published.slice(at + 1));
}
