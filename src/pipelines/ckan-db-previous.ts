/**
 * Whether insert-datasets-info may build ckan_api incrementally, from the previous published
 * ckan_api: what that load read is recorded in its manifest (`build.loaded`: the base crawl,
 * each page file with its size and mtime, each listing), and the new load may start from it
 * only when that is the beginning of what it must read now, unchanged, and the database is
 * the one published (store/trust.ts). Otherwise the load is full, and says why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { errorMessage } from '../engine/index.js';
import type { PreviousCkanApi } from '../sources/ckan/db/index.js';
import type { LoadPlan } from '../sources/ckan/increments.js';
import { checkArtifact, latestArtifactInfo } from '../store/index.js';

const loadedPageSchema = z.object({ file: z.string(), bytes: z.number(), mtimeMs: z.number() });
const loadedListingSchema = z.object({ files: z.array(z.string()), listedAt: z.string(), afterPages: z.number() });

/** What a ckan_api load read, in its manifest's `build.loaded` (file names relative to the artifacts directory). */
export const loadedInputsSchema = z.object({
  rawSchema: z.string(),
  /** The base crawl's id (its startedAt): a new base crawl rewrites the pages. */
  base: z.string(),
  pages: z.array(loadedPageSchema),
  listings: z.array(loadedListingSchema),
  /** The load's `invalid` count. */
  invalid: z.number(),
});
export type LoadedInputs = z.infer<typeof loadedInputsSchema>;

function stored(artifactsDir: string, file: string): string {
  return path.relative(artifactsDir, file).split(path.sep).join('/');
}

/** What a load of `plan` reads, as recorded in the manifest. */
export function loadedInputs(artifactsDir: string, rawSchema: string, base: string, plan: LoadPlan, invalid: number): LoadedInputs {
  const pages = plan.pages.map((file) => {
    const info = fs.statSync(file);
    return { file: stored(artifactsDir, file), bytes: info.size, mtimeMs: info.mtimeMs };
  });
  const listings = plan.reconciles.map((r) => ({ files: r.files.map((f) => stored(artifactsDir, f)), listedAt: r.listedAt, afterPages: r.afterPages }));
  return { rawSchema, base, pages, listings, invalid };
}

/**
 * An incremental load keeps the replaced versions of datasets in the file as deleted rows
 * (sources/ckan/db INCREMENTAL_LOAD_SETTINGS: no vacuum); once they pass this share of the
 * datasets (`build.deadRows` of the manifest), the next load is full, which writes the file
 * without them. At 1% of the datasets replaced a day: a full load every 20 days, against every
 * copy and hash of the file up to 20% larger.
 */
export const COMPACT_DEAD_SHARE = 0.2;

export type PreviousDecision = { previous: PreviousCkanApi; from: string } | { previous: undefined; reason: string };

/** The previous ckan_api to start from, or why there is none (the load is then full). */
export async function previousCkanApi(artifactsDir: string, site: string, now: LoadedInputs): Promise<PreviousDecision> {
  const info = await latestArtifactInfo(artifactsDir, site, 'ckan_api');
  if (info === undefined) return { previous: undefined, reason: 'no ckan_api is published yet' };
  const parsed = loadedInputsSchema.safeParse(info.manifest.build?.['loaded']);
  if (!parsed.success) return { previous: undefined, reason: `${info.path} does not record what it loaded (built by an older version)` };
  const before = parsed.data;
  if (before.rawSchema !== now.rawSchema) return { previous: undefined, reason: `the raw schema changed (${before.rawSchema} -> ${now.rawSchema})` };
  if (before.base !== now.base) return { previous: undefined, reason: 'a new base crawl (download-datasets-info --refresh): its pages replace the old ones' };
  const page = before.pages.findIndex((p, i) => !isDeepStrictEqual(p, now.pages[i]));
  if (page >= 0) return { previous: undefined, reason: `${before.pages[page]?.file} changed or is gone since ${info.path} was loaded from it` };
  const listing = before.listings.findIndex((l, i) => !isDeepStrictEqual(l, now.listings[i]));
  if (listing >= 0) return { previous: undefined, reason: `the id listing ${before.listings[listing]?.files[0] ?? listing} changed or is gone since ${info.path} was loaded` };
  if (before.listings.some((l) => l.afterPages > before.pages.length)) return { previous: undefined, reason: `${info.path} records a listing after pages it did not load` };
  const deadRows = Number(info.manifest.build?.['deadRows'] ?? 0);
  const datasets = info.manifest.tables['datasets'] ?? 0;
  if (deadRows > COMPACT_DEAD_SHARE * datasets) {
    return { previous: undefined, reason: `${info.path} holds ${deadRows} replaced versions of datasets as deleted rows (${((100 * deadRows) / Math.max(1, datasets)).toFixed(1)}% of its ${datasets}, over ${100 * COMPACT_DEAD_SHARE}%): a full load writes the file without them` };
  }
  try {
    await checkArtifact(artifactsDir, info.absolutePath);
  } catch (err) {
    return { previous: undefined, reason: errorMessage(err) };
  }
  return { previous: { file: info.absolutePath, pages: before.pages.length, listings: before.listings.length, invalid: before.invalid }, from: info.path };
}
