/**
 * The memory a stage may use: `duckdb.memoryLimit` of the site config ('1GB', '512MiB', '25%' of
 * the machine's RAM) is the budget of the whole process; DuckDB's `memory_limit` is
 * DUCKDB_SHARE of it, the rest is headroom for what DuckDB allocates outside its buffer manager
 * (JSON parsing, string heaps, the allocator's fragmentation) and for Node. Past its
 * memory_limit DuckDB spills to its temp_directory (set per build by buildDatabaseAtomically,
 * next to the database being built under artifacts/work/) instead of failing, for the operators
 * that can spill.
 */
import os from 'node:os';
import { MallardError } from '../engine/errors.js';

/** The default share of the machine's RAM one database build may use. */
export const DEFAULT_MEMORY_LIMIT = '25%';

/** What `duckdb.memoryLimit` accepts: a size with a unit (KB..TB, KiB..TiB) or a percentage of RAM. */
export const MEMORY_LIMIT_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)\s*$/i;

const UNITS: Readonly<Record<string, number>> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/** Smallest limit accepted: DuckDB cannot run a bulk load in less. */
export const MIN_MEMORY_LIMIT_BYTES = 128 * 2 ** 20;

/** `value` in bytes ('25%' is a quarter of `totalMemory`); ERR_CONFIG when it is not a size. */
export function memoryLimitBytes(value: string, totalMemory = os.totalmem()): number {
  const m = MEMORY_LIMIT_PATTERN.exec(value);
  if (!m) {
    throw new MallardError('ERR_CONFIG', `duckdb.memoryLimit: ${JSON.stringify(value)} is not a size`, {
      context: { key: 'duckdb.memoryLimit', value },
      suggestions: ["write a size like '1GB', '512MiB' or a share of the machine's RAM like '25%'"],
    });
  }
  const amount = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const bytes = unit === '%' ? (totalMemory * amount) / 100 : amount * (UNITS[unit] ?? 1);
  return Math.max(MIN_MEMORY_LIMIT_BYTES, Math.floor(bytes));
}

/**
 * The share of duckdb.memoryLimit given to DuckDB's memory_limit. Measured at 100,000 datasets
 * (duckdb.memoryLimit 1GB, 2026-12-02): with memory_limit at the whole 953 MiB, run-models
 * ckan_clean peaked at 1,412-1,534 MB RSS (its datasets model sorting the raw packages); at
 * 715 MiB, 1,154 MB; at 600 MiB, 992-1,150 MB. threads=1 (1,528 MB) and
 * preserve_insertion_order=false (1,457 MB) did not bring it down.
 */
export const DUCKDB_SHARE = 0.7;

/** DuckDB's memory_limit in bytes under `memoryLimit` (DUCKDB_SHARE of it, at least MIN_MEMORY_LIMIT_BYTES). */
export function duckDbLimitBytes(memoryLimit: string = DEFAULT_MEMORY_LIMIT, totalMemory = os.totalmem()): number {
  return Math.max(MIN_MEMORY_LIMIT_BYTES, Math.floor(memoryLimitBytes(memoryLimit, totalMemory) * DUCKDB_SHARE));
}

/** DuckDB's spelling of a byte count: whole MiB. */
export function duckDbSize(bytes: number): string {
  return `${Math.max(1, Math.floor(bytes / 2 ** 20))}MiB`;
}

/** The DuckDB settings of a build under `duckdb.memoryLimit` (memory_limit; the temp directory is per build). */
export function memorySettings(memoryLimit: string = DEFAULT_MEMORY_LIMIT, totalMemory = os.totalmem()): Record<string, string> {
  return { memory_limit: duckDbSize(duckDbLimitBytes(memoryLimit, totalMemory)) };
}
