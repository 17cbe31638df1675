/**
 * Loading many raw files in bounded memory: files grouped into chunks whose total size is a
 * fraction of duckdb.memoryLimit (one read_json per chunk; DuckDB holds a chunk's parsed rows and
 * per-file buffers at once), and lookup lists staged as NDJSON and read in one statement.
 * Shared by the Sourcegraph and GitHub loaders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sqlString, type DuckDbHandle } from '../../duckdb/index.js';

/** Most files one read_json reads: each open file costs DuckDB a buffer until the statement ends. */
export const MAX_FILES_PER_CHUNK = 2000;

/** Bytes of input per chunk under a memory limit: an eighth of it, at least 4 MiB. */
export function chunkBytes(memoryLimitBytes: number): number {
  return Math.max(4 * 2 ** 20, Math.floor(memoryLimitBytes / 8));
}

/** `files` in order, grouped so each group stays under chunkBytes(limit) (a bigger file alone) and MAX_FILES_PER_CHUNK. */
export function chunkFiles(files: readonly string[], memoryLimitBytes: number): string[][] {
  const budget = chunkBytes(memoryLimitBytes);
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const file of files) {
    const size = fs.statSync(file).size;
    if (current.length > 0 && (bytes + size > budget || current.length >= MAX_FILES_PER_CHUNK)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Creates temp table `table` from rows written as NDJSON to a scratch file (removed after). */
export async function loadRows(db: DuckDbHandle, table: string, columns: string, scratchDir: string, rows: () => Iterable<Record<string, unknown>>): Promise<void> {
  fs.mkdirSync(scratchDir, { recursive: true });
  const file = path.join(scratchDir, `${table}.${process.pid}.ndjson`);
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
    fs.closeSync(fd);
    await db.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${columns})`);
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(scratchDir, { recursive: true, force: true });
  }
}
