/**
 * Loading many raw files in bounded memory: files grouped into chunks whose total size is a
 * fraction of duckdb.memoryLimit (one read_json per chunk; DuckDB holds a chunk's parsed rows and
 * per-file buffers at once), and lookup lists staged as NDJSON and read in one statement.
 * Shared by the Sourcegraph and GitHub loaders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DUCKDB_SHARE, sqlString, type DuckDbHandle } from '../duckdb/index.js';
import { MallardError } from '../engine/errors.js';

/** Most files one read_json reads: each open file costs DuckDB a buffer until the statement ends. */
export const MAX_FILES_PER_CHUNK = 2000;

/** DuckDB's memory_limit under duckdb.memoryLimit (its DUCKDB_SHARE; the rest is the process's headroom). */
const duckDbBytes = (memoryLimitBytes: number): number => Math.floor(memoryLimitBytes * DUCKDB_SHARE);

/** Bytes of input per chunk under duckdb.memoryLimit: an eighth of DuckDB's memory_limit, at least 4 MiB. */
export function chunkBytes(memoryLimitBytes: number): number {
  return Math.max(4 * 2 ** 20, Math.floor(duckDbBytes(memoryLimitBytes) / 8));
}

export interface FileChunk {
  files: string[];
  /** The largest file of the chunk, in bytes (read_json's maximum_object_size must hold it). */
  largest: number;
}

/**
 * The largest raw file loadable under DuckDB's memory_limit: an eighth of it. read_json holds the
 * file's text (twice, in its buffers) and its parsed rows at once: measured here at a 256 MB
 * memory_limit, a 34 MB result file loads (peak RSS 460 MB) and a 51 MB one runs out of memory.
 */
export const LOADABLE_SHARE = 8;

/** The largest raw file loadable under duckdb.memoryLimit `memoryLimitBytes` (an eighth of DuckDB's share of it). */
export function largestLoadable(memoryLimitBytes: number): number {
  return Math.floor(duckDbBytes(memoryLimitBytes) / LOADABLE_SHARE);
}

/** maximum_object_size for a chunk: its largest file with room to spare (read_json allocates twice this). */
export function objectSizeFor(chunk: FileChunk): number {
  return Math.max(1 << 16, Math.ceil(chunk.largest * 1.01) + 4096);
}

/**
 * `files` in order, grouped so each group stays under chunkBytes(limit) (a bigger file alone) and
 * MAX_FILES_PER_CHUNK. `tooBig(file, size)` is thrown for a file larger than `maxFileBytes`.
 */
export function chunkFiles(
  files: readonly string[],
  memoryLimitBytes: number,
  maxFileBytes: number,
  tooBig: (file: string, size: number) => Error,
  /** Bytes a file weighs beyond its size (e.g. the rows inserted from it), by index; default none. */
  extraBytes: (index: number) => number = () => 0,
): FileChunk[] {
  const budget = chunkBytes(memoryLimitBytes);
  const chunks: FileChunk[] = [];
  let current: FileChunk = { files: [], largest: 0 };
  let bytes = 0;
  for (const [i, file] of files.entries()) {
    const size = fs.statSync(file).size;
    if (size > maxFileBytes) throw tooBig(file, size);
    const weight = size + extraBytes(i);
    if (current.files.length > 0 && (bytes + weight > budget || current.files.length >= MAX_FILES_PER_CHUNK)) {
      chunks.push(current);
      current = { files: [], largest: 0 };
      bytes = 0;
    }
    current.files.push(file);
    current.largest = Math.max(current.largest, size);
    bytes += weight;
  }
  if (current.files.length > 0) chunks.push(current);
  return chunks;
}

export function fileTooLargeError(file: string, size: number, memoryLimitBytes: number, perRecordMax: number): MallardError {
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const cap = Math.min(perRecordMax, largestLoadable(memoryLimitBytes));
  const raise = perRecordMax > largestLoadable(memoryLimitBytes);
  return new MallardError('ERR_INPUT_TOO_LARGE', `${file} is ${mib(size)}: a raw file may be at most ${mib(cap)}${raise ? ` under duckdb.memoryLimit ${mib(memoryLimitBytes)} (an eighth of DuckDB's ${DUCKDB_SHARE * 100}% of it)` : ''}`, {
    context: { file, bytes: size, maxBytes: cap },
    suggestions: raise ? [`raise duckdb.memoryLimit in the site config to at least ${mib(Math.ceil((size * LOADABLE_SHARE) / DUCKDB_SHARE))}`] : ['search it again with fewer terms per request (sourcegraph.termsPerQuery) or narrower filters'],
  });
}

/** Creates temp table `table` from rows written as NDJSON to a scratch file (removed after). */
export async function loadRows(db: DuckDbHandle, table: string, columns: string, scratchDir: string, rows: () => Iterable<Record<string, unknown>>): Promise<void> {
  fs.mkdirSync(scratchDir, { recursive: true });
  const file = path.join(scratchDir, `${table}.${process.pid}.ndjson`);
  try {
    const fd = fs.openSync(file, 'w');
    try {
      let buf = '';
      for (const row of rows()) {
        buf += `${JSON.stringify(row)}\n`;
        if (buf.length > 1 << 20) {
          fs.writeSync(fd, buf);
          buf = '';
        }
      }
      fs.writeSync(fd, buf);
    } finally {
      fs.closeSync(fd);
    }
    await db.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', maximum_object_size = 1048576, columns = ${columns})`);
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(scratchDir, { recursive: true, force: true });
  }
}
