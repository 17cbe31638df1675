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
import { z } from 'zod';
import { readStateFileSync, type StateFileSpec } from '../../store/index.js';
import type { CrawlManifest } from './tasks.js';

const count = z.number().int().min(0);
const fileName = z.string().min(1).refine((f) => !f.includes('/') && !f.includes('\\') && f !== '..', 'a file name inside the step\'s folder');
const isoTime = z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'an ISO time');

export const deltaStepSchema = z.object({
  kind: z.literal('delta'),
  /** Folder of its pages, relative to raw/<site>/ckan. */
  dir: z.string().min(1),
  /** The lower bound asked for (ISO). */
  since: isoTime,
  /** When its first page was fetched: the next delta asks from here (minus the overlap). */
  startedAt: isoTime,
  pages: z.array(fileName),
  received: count,
  /** The portal's total number of datasets when the delta ran. */
  total: count,
});

export const reconcileStepSchema = z.object({
  kind: z.literal('reconcile'),
  dir: z.string().min(1),
  /** When the listing's first page was fetched: datasets it lacks are marked deleted at this time. */
  listedAt: isoTime,
  files: z.array(fileName),
  ids: count,
});

export const incrementsSchema = z.object({
  /** The base crawl these steps apply to (its startedAt): a new base crawl starts over. */
  base: z.string(),
  steps: z.array(z.discriminatedUnion('kind', [deltaStepSchema, reconcileStepSchema])),
});

export type DeltaStep = z.infer<typeof deltaStepSchema>;
export type ReconcileStep = z.infer<typeof reconcileStepSchema>;
export type IncrementStep = DeltaStep | ReconcileStep;
export type Increments = z.infer<typeof incrementsSchema>;

const INCREMENTS_REMEDY = 'delete it and rerun download-datasets-info --refresh to crawl from scratch (or restore it from a backup: it lists the deltas and listings applied on top of the full crawl)';
const STEP_REMEDY = 'delete that folder and rerun download-datasets-info --since auto: the delta or listing is fetched again';

export const INCREMENTS_SPEC: StateFileSpec<Increments> = { what: 'the incremental crawl record', schema: incrementsSchema, remedy: INCREMENTS_REMEDY };
export const DELTA_SPEC: StateFileSpec<DeltaStep> = { what: 'the delta manifest', schema: deltaStepSchema, remedy: STEP_REMEDY };
export const LISTING_SPEC: StateFileSpec<ReconcileStep> = { what: 'the id listing manifest', schema: reconcileStepSchema, remedy: STEP_REMEDY };

export const INCREMENTS_FILE = 'increments.json';

/** The identity of a base crawl: when its first page was fetched (older manifests: the file's mtime). */
export function baseId(crawlDir: string, manifest: CrawlManifest): string {
  return manifest.startedAt ?? new Date(fs.statSync(path.join(crawlDir, 'crawl.json')).mtimeMs).toISOString();
}

/**
 * The steps recorded for this base crawl (none when the file is missing or belongs to another
 * base). A malformed increments.json is ERR_STATE_FILE naming it.
 */
export function readIncrements(crawlDir: string, base: string): Increments {
  const parsed = readStateFileSync(path.join(crawlDir, INCREMENTS_FILE), INCREMENTS_SPEC);
  if (parsed === undefined || parsed.base !== base) return { base, steps: [] };
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

