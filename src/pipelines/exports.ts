/**
 * Exports of a published database: chosen tables as CSV (header, comma) and Parquet in a
 * folder named like the artifact, read_only/<site>/<name>_<ts>/<table>.csv|.parquet, with
 * exports.json listing each file (rows, bytes, sha256). Written in a hidden folder renamed
 * into place at the end; every file is read-only (0444). The store's listings ignore folders.
 */
import { partialPathFor } from '../engine/atomic-file.js';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { openDatabase, sqlIdentifier, sqlString } from '../duckdb/index.js';
import { MallardError } from '../engine/index.js';
import { ARTIFACT_MODE, DB_SUFFIX, sha256File } from '../store/index.js';

export type ExportFormat = 'csv' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'parquet'];
export const EXPORTS_INDEX = 'exports.json';

export interface ExportedFile {
  /** Relative to the artifacts directory, forward slashes. */
  path: string;
  table: string;
  format: ExportFormat;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ExportIndex {
  /** The artifact exported (relative to the artifacts directory). */
  artifact: string;
  createdAt: string;
  files: ExportedFile[];
}

/** read_only/<site>/<name>_<ts>.db → read_only/<site>/<name>_<ts>/ */
export function exportDirFor(artifactPath: string): string {
  return artifactPath.endsWith(DB_SUFFIX) ? artifactPath.slice(0, -DB_SUFFIX.length) : `${artifactPath}.exports`;
}

function copySql(table: string, file: string, format: ExportFormat): string {
  const options = format === 'csv' ? "FORMAT csv, HEADER true, DELIMITER ','" : 'FORMAT parquet, COMPRESSION zstd';
  return `COPY (SELECT * FROM ${sqlIdentifier(table)}) TO ${sqlString(file)} (${options})`;
}

async function writeTables(artifactPath: string, tmp: string, tables: readonly string[]): Promise<Array<{ table: string; format: ExportFormat; file: string; rows: number }>> {
  const db = await openDatabase(artifactPath, { readOnly: true });
  const written: Array<{ table: string; format: ExportFormat; file: string; rows: number }> = [];
  try {
    for (const table of tables) {
      const rows = Number((await db.all(`SELECT count(*)::BIGINT AS n FROM ${sqlIdentifier(table)}`))[0]?.['n'] ?? 0);
      for (const format of EXPORT_FORMATS) {
        const file = path.join(tmp, `${table}.${format}`);
        await db.run(copySql(table, file, format));
        written.push({ table, format, file, rows });
      }
    }
  } finally {
    await db.close();
  }
  return written;
}

/** Writes the exports of `tables` of the published `artifactPath`; ERR_PUBLISH when its folder exists already. */
export async function exportArtifactTables(artifactsDir: string, artifactPath: string, tables: readonly string[], now: Date): Promise<ExportIndex> {
  const final = exportDirFor(artifactPath);
  if (await fsp.stat(final).catch(() => undefined)) {
    throw new MallardError('ERR_PUBLISH', `exports of ${artifactPath} already exist at ${final}`, { context: { dir: final } });
  }
  const tmp = partialPathFor(final);
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp, { recursive: true });
  const rel = (f: string): string => path.relative(artifactsDir, f).split(path.sep).join('/');
  try {
    const files: ExportedFile[] = [];
    for (const w of await writeTables(artifactPath, tmp, tables)) {
      const finalFile = path.join(final, path.basename(w.file));
      const bytes = (await fsp.stat(w.file)).size;
      files.push({ path: rel(finalFile), table: w.table, format: w.format, rows: w.rows, bytes, sha256: (await sha256File(w.file)).sha256 });
      await fsp.chmod(w.file, ARTIFACT_MODE);
    }
    const index: ExportIndex = { artifact: rel(artifactPath), createdAt: now.toISOString(), files };
    const indexFile = path.join(tmp, EXPORTS_INDEX);
    await fsp.writeFile(indexFile, JSON.stringify(index, null, 2) + '\n', { mode: ARTIFACT_MODE });
    await fsp.rename(tmp, final);
    return index;
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
