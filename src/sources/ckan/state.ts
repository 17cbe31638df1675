/**
 * The crawl's files that are read back, as zod schemas: crawl.json (the crawl manifest) and
 * page_<start>.json (one page's metadata). Read through the store's state-file reader, so a
 * malformed one is an error naming the file and what to do.
 */
import { z } from 'zod';
import { readStateFileSync, requireStateFileSync, type StateFileSpec } from '../../store/index.js';

const count = z.number().int().min(0);

export const ckanQuerySchema = z.object({
  baseUrl: z.string(),
  rows: z.number().int().min(1),
  sort: z.string(),
  q: z.string().optional(),
  fq: z.string().optional(),
  /** Fields returned (an id-only listing asks for "id"). */
  fl: z.string().optional(),
});

export const pageMetaSchema = z.object({
  start: count,
  rows: z.number().int().min(1),
  count,
  received: count,
  firstId: z.string().optional(),
  lastId: z.string().optional(),
  bytes: count,
  url: z.string(),
  /** The filter query of this page, when it had one. */
  fq: z.string().optional(),
  /** When the page was fetched (ISO, the run's clock). */
  fetchedAt: z.string().optional(),
});

export const crawlManifestSchema = z.object({
  site: z.string(),
  query: ckanQuerySchema,
  /** What the portal reported on the first page. */
  count,
  /** Rows the portal returns per full page (it may cap what was asked). */
  effectiveRows: z.number().int().min(1),
  pages: z.array(z.object({ file: z.string().min(1), start: count, received: count })),
  received: count,
  /** The lowest and highest count seen across pages (a portal changing mid-crawl shows here). */
  countRange: z.tuple([count, count]),
  /** When the first page was fetched (ISO): an incremental crawl asks for changes since then. */
  startedAt: z.string().optional(),
});

export type CkanQuery = z.infer<typeof ckanQuerySchema>;
export type PageMeta = z.infer<typeof pageMetaSchema>;
export type CrawlManifest = z.infer<typeof crawlManifestSchema>;

const REMEDY = 'delete that file and rerun download-datasets-info: what it described is fetched again, the other pages are kept';

const CRAWL_SPEC: StateFileSpec<CrawlManifest> = { what: 'the crawl manifest', schema: crawlManifestSchema, remedy: REMEDY };
const PAGE_SPEC: StateFileSpec<PageMeta> = { what: 'the page metadata', schema: pageMetaSchema, remedy: REMEDY };

/** crawl.json, validated; undefined when there is none yet. */
export function readCrawlManifest(file: string): CrawlManifest | undefined {
  return readStateFileSync(file, CRAWL_SPEC);
}

/** page_<start>.json, validated; missing is an error (the page task has just written it). */
export function readPageMetaFile(file: string): PageMeta {
  return requireStateFileSync(file, PAGE_SPEC);
}
