/** A term → datasets mapping file for loader tests, made the way a download makes it: from a clean_ckan_api's dataset_search_terms. */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, sqlString } from '../../../src/duckdb/index.js';
import { writeMappingFile as writeMapping } from '../../../src/sources/sourcegraph/index.js';

export interface TermDatasets {
  term: string;
  datasetIds: readonly string[];
}

/** Writes `<dir>/clean.db` (dataset_search_terms) and `<dir>/terms.parquet` from it; returns the mapping's path. */
export async function writeMappingFile(dir: string, terms: readonly TermDatasets[], name = 'terms.parquet'): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const pairs = path.join(dir, `${name}.pairs.ndjson`);
  fs.writeFileSync(pairs, terms.flatMap((t) => t.datasetIds.map((d) => `${JSON.stringify({ dataset_id: d, term: t.term })}\n`)).join(''));
  const clean = path.join(dir, `${name}.clean.db`);
  fs.rmSync(clean, { force: true });
  const db = await openDatabase(clean);
  try {
    await db.run(`CREATE TABLE dataset_search_terms (dataset_id VARCHAR, term VARCHAR)`);
    if (fs.statSync(pairs).size > 0) {
      await db.run(`INSERT INTO dataset_search_terms SELECT dataset_id, term FROM read_json(${sqlString(pairs)}, format = 'newline_delimited', columns = {dataset_id: 'VARCHAR', term: 'VARCHAR'})`);
    }
  } finally {
    await db.close();
  }
  const mapping = path.join(dir, name);
  await writeMapping(clean, mapping);
  fs.rmSync(pairs);
  fs.rmSync(clean);
  return mapping;
}
