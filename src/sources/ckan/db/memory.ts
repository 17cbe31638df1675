/**
 * Keeping a CKAN load inside its memory limit. DuckDB spills scans, joins and temporary tables
 * past `memory_limit`, but it writes a table one row group at a time and must hold a whole row
 * group of `raw` JSON to write it: 16,384 packages of ~7 KB are ~115 MB, 16,384 of 60 KB are
 * 1 GB. So the row group size follows the packages' size (estimated from a sample of the pages)
 * and the limit, down to DuckDB's minimum of 2,048 rows. That sets the per-record limit: at a
 * limit of L, packages averaging up to L / 4,096 bytes (64 KB at 256 MB) load. Parsing takes
 * memory per thread too (loadThreadsFor): large packages load on fewer threads.
 */
import { open } from 'node:fs/promises';
import { MallardError, errorMessage } from '../../../engine/errors.js';

/** DuckDB's smallest row group (a multiple of its vector size). */
export const MIN_ROW_GROUP = 2048;
/** The largest row group a CKAN load uses (what it always used before sizes were considered). */
export const MAX_ROW_GROUP = 16384;
/** Bytes read from the start of each sampled page to estimate the package size. */
const SAMPLE_BYTES = 4 * 1024 * 1024;
const SAMPLE_FILES = 8;

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, TIB: 1024 ** 4 };

/** Bytes of a DuckDB memory setting ("256MB", "1GiB", "2 GB"); undefined when it is not one. */
export function parseMemoryLimit(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?I?B)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNITS[(m[2] as string).toUpperCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}

/** The average bytes per package line, from the first few MB of up to 8 page files spread over the list. */
export async function estimateLineBytes(files: readonly { file: string; bytes: number }[]): Promise<number> {
  const nonEmpty = files.filter((f) => f.bytes > 0);
  if (nonEmpty.length === 0) return 0;
  const step = Math.max(1, Math.floor(nonEmpty.length / SAMPLE_FILES));
  let bytes = 0;
  let lines = 0;
  for (let i = 0; i < nonEmpty.length && i / step < SAMPLE_FILES; i += step) {
    const { file, bytes: size } = nonEmpty[i] as { file: string; bytes: number };
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      const seen = buffer.subarray(0, bytesRead);
      let n = 0;
      for (let at = seen.indexOf(10); at !== -1; at = seen.indexOf(10, at + 1)) n += 1;
      bytes += bytesRead;
      lines += n === 0 ? 1 : n; // a line longer than the sample counts as one line of the sample's size (at least)
    } finally {
      await handle.close();
    }
  }
  return lines === 0 ? 0 : Math.ceil(bytes / lines);
}

/**
 * Rows per row group so that one row group of raw JSON takes at most a sixth of the limit: the
 * datasets are written by two threads at once, each holding a row group and its compressed copy,
 * beside the scan's buffers. (Smaller row groups also made the 100,000-package load
 * faster at 400MB: less spilling, and no merging of row groups at the checkpoint.)
 */
export function rowGroupSizeFor(limitBytes: number | undefined, lineBytes: number): number {
  if (limitBytes === undefined || lineBytes <= 0) return MAX_ROW_GROUP;
  const rows = Math.floor(limitBytes / 6 / lineBytes / MIN_ROW_GROUP) * MIN_ROW_GROUP;
  return Math.min(MAX_ROW_GROUP, Math.max(MIN_ROW_GROUP, rows));
}

/**
 * Memory one DuckDB thread of the load takes per byte of average package: its JSON functions
 * parse a vector (2,048 lines) at a time into an arena, a few times the text (measured with
 * DuckDB 1.5.5 at 256 MB on 2 threads: packages of 12 KB load, of 16 KB run out of memory; on
 * one thread packages of 60 KB load).
 */
export const PARSE_BYTES_PER_LINE_BYTE = 4 * MIN_ROW_GROUP;

/**
 * DuckDB threads for a load: as many as the machine has (`cores`) while each thread's parsing
 * (PARSE_BYTES_PER_LINE_BYTE per byte of package) fits in the limit, at least one. The usual
 * crawl (~7 KB packages) keeps every thread at 256 MB and above; large packages (many resources)
 * load on fewer threads instead of running out of memory.
 */
export function loadThreadsFor(limitBytes: number | undefined, lineBytes: number, cores: number): number {
  if (limitBytes === undefined || lineBytes <= 0) return Math.max(1, cores);
  return Math.max(1, Math.min(cores, Math.floor(limitBytes / (lineBytes * PARSE_BYTES_PER_LINE_BYTE))));
}

/** The largest average package size (bytes) a limit loads: a smallest row group in half of it. */
export function maxLineBytesFor(limitBytes: number): number {
  return Math.floor(limitBytes / 2 / MIN_ROW_GROUP);
}

export const ERR_CKAN_LOAD_MEMORY = 'ERR_CKAN_LOAD_MEMORY';

function kb(bytes: number): string {
  return `${Math.round(bytes / 1024)} KB`;
}

/** The packages are too large for the limit to load: said before DuckDB tries. */
export function packagesTooLargeError(limit: string, lineBytes: number, limitBytes: number): MallardError {
  return new MallardError(ERR_CKAN_LOAD_MEMORY, `the CKAN pages hold packages of ~${kb(lineBytes)} on average, more than a memory limit of ${limit} can load (at most ~${kb(maxLineBytesFor(limitBytes))}: DuckDB writes at least 2,048 packages at a time)`, {
    context: { memoryLimit: limit, averagePackageBytes: lineBytes },
    suggestions: [`raise duckdb.memoryLimit in the site config (at least ${Math.ceil((lineBytes * 2 * MIN_ROW_GROUP) / 1e6)}MB for these pages)`],
  });
}

/** DuckDB's out-of-memory error as one that names the setting to raise; other errors unchanged. */
export function outOfMemoryError(err: unknown, limit: string): unknown {
  if (err instanceof MallardError && err.code === ERR_CKAN_LOAD_MEMORY) return err;
  const text = errorMessage(err instanceof MallardError && err.cause !== undefined ? err.cause : err);
  if (!/Out of Memory|failed to pin block|could not allocate/i.test(text)) return err;
  return new MallardError(ERR_CKAN_LOAD_MEMORY, `the CKAN load ran out of memory at a limit of ${limit}: ${text.split('\n')[0]}`, {
    cause: err,
    context: { memoryLimit: limit },
    suggestions: ['raise duckdb.memoryLimit in the site config (DuckDB spills to artifacts/work/ past it, but must hold one row group of raw JSON at a time)'],
  });
}
