/**
 * Whether insert-datasets-info may build ckan_api incrementally, from the previous published
 * ckan_api: what that load read is recorded in its manifest (`build.loaded`: the base crawl,
 * each page file with its size, mtime and sha256, each listing), and the new load may start
 * from it only when that is the beginning of what it must read now, unchanged, and the database
 * is the one published (store/trust.ts). Otherwise the load is full, and says why. A page whose
 * mtime changed but not its size (an artifacts directory restored from the bucket, or copied
 * without its mtimes) is the same page when its sha256 is the one recorded.
 */
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { errorMessage } from '../engine/index.js';
import type { PreviousCkanApi } from '../sources/ckan/db/index.js';
import type { LoadPlan } from '../sources/ckan/increments.js';
import { absoluteArtifactPath, artifactHasher, checkArtifact, latestArtifactInfo, relativeArtifactPath } from '../store/index.js';

/** `sha256` is absent in manifests written before it was recorded: such a page must keep its mtime. */
const loadedPageSchema = z.object({ file: z.string(), bytes: z.number(), mtimeMs: z.number(), sha256: z.string().optional() });
type LoadedPage = z.infer<typeof loadedPageSchema>;
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

/** What a load of `plan` reads, as recorded in the manifest, but the pages' sha256 (withPageDigests). */
export function loadedInputs(artifactsDir: string, rawSchema: string, base: string, plan: LoadPlan, invalid: number): LoadedInputs {
  const pages = plan.pages.map((file) => {
    const info = fs.statSync(file);
    return { file: relativeArtifactPath(artifactsDir, file), bytes: info.size, mtimeMs: info.mtimeMs };
  });
  const listings = plan.reconciles.map((r) => ({ files: r.files.map((f) => relativeArtifactPath(artifactsDir, f)), listedAt: r.listedAt, afterPages: r.afterPages }));
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
  const page = await firstChangedPage(artifactsDir, before.pages, now.pages);
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

/** The index of the first page the previous load read that is not the page now (samePage), or -1. */
async function firstChangedPage(artifactsDir: string, before: readonly LoadedPage[], now: readonly LoadedPage[]): Promise<number> {
  for (let i = 0; i < before.length; i += 1) {
    if (!(await samePage(artifactsDir, before[i] as LoadedPage, now[i]))) return i;
  }
  return -1;
}

/**
 * The same file, size and mtime; or, when only the mtime differs, the same sha256 (hashed through
 * the artifacts directory's cached hasher: `sync-artifacts --pull` leaves the digests of what it
 * restored there, so a restore costs no hashing here).
 */
async function samePage(artifactsDir: string, before: LoadedPage, now: LoadedPage | undefined): Promise<boolean> {
  if (now === undefined || before.file !== now.file || before.bytes !== now.bytes) return false;
  if (before.mtimeMs === now.mtimeMs) return true;
  if (before.sha256 === undefined) return false;
  const hasher = await artifactHasher(artifactsDir);
  return (await hasher.sha256(absoluteArtifactPath(artifactsDir, now.file))) === before.sha256;
}

/**
 * `inputs` with each page's sha256, for the manifest, through the artifacts directory's cached
 * hasher: a page is hashed once in its life (~0.6 s a GB, on a first load), after that its
 * digest comes from the cache while its size, mtime and inode stay.
 */
export async function withPageDigests(artifactsDir: string, inputs: LoadedInputs): Promise<LoadedInputs> {
  const hasher = await artifactHasher(artifactsDir);
  const pages: LoadedPage[] = [];
  for (const page of inputs.pages) {
    pages.push({ ...page, sha256: await hasher.sha256(absoluteArtifactPath(artifactsDir, page.file)) });
  }
  await hasher.save();
  return { ...inputs, pages };
}
