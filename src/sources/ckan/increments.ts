/**
 * The on-disk state of incremental crawls, beside the base crawl (crawl.json and its pages):
 *
 *   raw/<site>/ckan/increments.json            the steps applied on top of the base, in order
 *   raw/<site>/ckan/deltas/<since>/page_*.ndjson   the datasets modified since <since> (+ delta.json)
 *   raw/<site>/ckan/reconcile/<since>/ids_*.ndjson  an id-only listing of the portal (+ listing.json)
 *
 * The load reads the base pages, then every delta's pages in step order (the same dataset's
 * newest version wins: latest metadata_modified, then the later page), and marks as deleted the
 * datasets missing from a listing made after their last appearance.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MallardError } from '../../engine/index.js';
import type { CrawlManifest } from './tasks.js';

export interface DeltaStep {
  kind: 'delta';
  /** Folder of its pages, relative to raw/<site>/ckan. */
  dir: string;
  /** The lower bound asked for (ISO). */
  since: string;
  /** When its first page was fetched: the next delta asks from here (minus the overlap). */
  startedAt: string;
  pages: string[];
  received: number;
  /** The portal's total number of datasets when the delta ran. */
  total: number;
}

export interface ReconcileStep {
  kind: 'reconcile';
  dir: string;
  /** When the listing's first page was fetched: datasets it lacks are marked deleted at this time. */
  listedAt: string;
  files: string[];
  ids: number;
}

export type IncrementStep = DeltaStep | ReconcileStep;

export interface Increments {
  /** The base crawl these steps apply to (its startedAt): a new base crawl starts over. */
  base: string;
  steps: IncrementStep[];
}

export const INCREMENTS_FILE = 'increments.json';

/** The identity of a base crawl: when its first page was fetched (older manifests: the file's mtime). */
export function baseId(crawlDir: string, manifest: CrawlManifest): string {
  return manifest.startedAt ?? new Date(fs.statSync(path.join(crawlDir, 'crawl.json')).mtimeMs).toISOString();
}

/** The steps recorded for this base crawl (none when the file is missing or belongs to another base). */
export function readIncrements(crawlDir: string, base: string): Increments {
  const file = path.join(crawlDir, INCREMENTS_FILE);
  let parsed: Increments;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Increments;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { base, steps: [] };
    throw new MallardError('ERR_CRAWL_STATE', `${file} is not readable JSON`, {
      cause: err, context: { file }, suggestions: ['delete it and rerun download-datasets-info --refresh to crawl from scratch'],
    });
  }
  if (parsed.base !== base || !Array.isArray(parsed.steps)) return { base, steps: [] };
  return parsed;
}

/** When the last complete crawl (the base or the latest delta) started. */
export function lastCrawlStart(base: string, increments: Increments): string {
  const deltas = increments.steps.filter((s): s is DeltaStep => s.kind === 'delta');
  return deltas.at(-1)?.startedAt ?? base;
}

/** When the deleted datasets were last looked for (the base crawl counts as a full listing). */
export function lastListing(base: string, increments: Increments): string {
  const listings = increments.steps.filter((s): s is ReconcileStep => s.kind === 'reconcile');
  return listings.at(-1)?.listedAt ?? base;
}

/** `since` of the next delta: the last complete crawl's start minus the overlap, in Solr's form (ms, Z). */
export function nextSince(base: string, increments: Increments, overlapMs: number): string {
  return new Date(Date.parse(lastCrawlStart(base, increments)) - overlapMs).toISOString();
}

/** A folder name for a time: 20261201T215512.123Z. */
export function stampOf(iso: string): string {
  return iso.replace(/[-:]/g, '');
}

/** The order the load reads: base pages, then each delta's; and each listing with the number of pages before it. */
export interface LoadPlan {
  pages: string[];
  reconciles: Array<{ files: string[]; listedAt: string; afterPages: number }>;
  /** The portal's total at the latest delta (undefined without deltas). */
  total?: number;
}

export function loadPlan(crawlDir: string, manifest: CrawlManifest, increments: Increments): LoadPlan {
  const pages = manifest.pages.map((p) => path.join(crawlDir, p.file));
  const reconciles: LoadPlan['reconciles'] = [];
  let total: number | undefined;
  for (const step of increments.steps) {
    if (step.kind === 'delta') {
      pages.push(...step.pages.map((f) => path.join(crawlDir, step.dir, f)));
      total = step.total;
    } else {
      reconciles.push({ files: step.files.map((f) => path.join(crawlDir, step.dir, f)), listedAt: step.listedAt, afterPages: pages.length });
    }
  }
  return { pages, reconciles, ...(total === undefined ? {} : { total }) };
}

/** Every file the increments refer to (their stamps make the load rerun when one changes). */
export function incrementFiles(crawlDir: string, increments: Increments): string[] {
  return increments.steps.flatMap((s) => (s.kind === 'delta' ? s.pages : s.files).map((f) => path.join(crawlDir, s.dir, f)));
}

/** Parses "7d", "12h", "30m", "45s", "0" into milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[(m[2] ?? 'd') as 'ms'];
  return Math.round(Number(m[1]) * unit);
}
