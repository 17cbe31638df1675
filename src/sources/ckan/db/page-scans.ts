/**
 * The page scans of a CKAN load: how the load walks the page files, in chunks of consecutive
 * pages (bounded in bytes and in files), each read by one scanning statement per table (or stage), so memory stays flat however many
 * pages there are. Also: how a DuckDB error about a page becomes ERR_PAGE_FILE naming the file,
 * and the fast-then-tolerant scan of the keys (a line that is not an object is read by from_json).
 */
import { MallardError, errorMessage } from '../../../engine/errors.js';
import { firstLine, type DuckDbHandle } from '../../../duckdb/index.js';
import type { PageFileRow, PageScan } from './load-sql.js';

/**
 * Bytes of page files per chunk. The staged lists of a chunk are a temporary table (DuckDB spills
 * it past memory_limit); larger chunks are faster (every statement runs once more per chunk, and
 * a small stage is scanned by fewer threads). Measured here: 20,000 packages (141 MB) loaded in
 * ~2.3 s in one chunk and ~3.0 s in three chunks of 64 MB; 100,000 packages (707 MB) in chunks
 * of 256 MB peak at ~670 MB RSS (bench:ckan-load).
 */
export const CHUNK_BYTES = 256 * 1024 * 1024;
/** Files per chunk: an order-preserving scan holds buffers per file until it ends. */
export const CHUNK_FILES = 128;

const PAGE_READ_ERROR = /JSON|No files found|Could not read|Cannot open file|No such file/i;
const STRUCTURE_ERROR = /JSON transform error/i;

/** Consecutive pages in chunks of at most `maxBytes` (a larger page is a chunk of its own) and `maxFiles`. */
export function chunkPages(files: readonly PageFileRow[], maxBytes = CHUNK_BYTES, maxFiles = CHUNK_FILES): PageScan[] {
  const chunks: PageScan[] = [];
  let current: string[] = [];
  let names: string[] = [];
  let bytes = 0;
  let firstPage = 0;
  files.forEach((f, page) => {
    if (current.length > 0 && (bytes + f.bytes > maxBytes || current.length >= maxFiles)) {
      chunks.push({ files: current, names, firstPage, bytes });
      current = [];
      names = [];
      bytes = 0;
    }
    if (current.length === 0) firstPage = page;
    current.push(f.file);
    names.push(f.name);
    bytes += f.bytes;
  });
  if (current.length > 0) chunks.push({ files: current, names, firstPage, bytes });
  return chunks;
}

function pageError(message: string, file: string, cause?: unknown): MallardError {
  return new MallardError('ERR_PAGE_FILE', message, {
    cause,
    context: { file },
    suggestions: ['a page file must hold one CKAN package JSON object per line: delete the bad page so that it is downloaded again'],
  });
}

/**
 * A DuckDB error about reading a page (bad JSON, missing file) as ERR_PAGE_FILE naming the file;
 * other errors, and a structure that does not fit (see isStructureError), unchanged.
 */
export function pageReadError(err: unknown, scan: PageScan): unknown {
  const duckdb = err instanceof MallardError && err.cause !== undefined ? errorMessage(err.cause) : errorMessage(err);
  if (!PAGE_READ_ERROR.test(duckdb) || STRUCTURE_ERROR.test(duckdb)) return err;
  const named = /file "([^"]+)"/.exec(duckdb)?.[1];
  const reason = firstLine(duckdb.replace(/^[A-Za-z ]+ Error: /, ''), 300);
  const first = scan.files[0] as string;
  return pageError(`cannot load the CKAN page ${named ?? `chunk starting at ${first}`}: ${reason}`, named ?? first, err);
}

/** True for DuckDB's error about a line whose structure does not fit the declared columns. */
export function isStructureError(err: unknown): boolean {
  return STRUCTURE_ERROR.test(errorMessage(err instanceof MallardError && err.cause !== undefined ? err.cause : err));
}

/** Runs a statement reading the scan's pages; read errors name the file. */
export async function runOnPages(db: DuckDbHandle, scan: PageScan, sql: string): Promise<void> {
  await db.run(sql).catch((err: unknown) => {
    throw pageReadError(err, scan);
  });
}

/**
 * Runs the fast statement of a scan outside a transaction; when a line's structure does not fit,
 * runs the tolerant one instead (the fast one failed as a whole, so it left nothing behind).
 */
export async function runScan(db: DuckDbHandle, scan: PageScan, fast: (s: PageScan) => string, tolerant: (s: PageScan) => string): Promise<void> {
  try {
    await runOnPages(db, scan, fast(scan));
  } catch (err) {
    if (!isStructureError(err)) throw err;
    await runOnPages(db, scan, tolerant(scan));
  }
}
