/** Every table of a DuckDB file, rows sorted, without the columns that say when a run happened: what two runs of the same inputs must agree on. */
import { readDb } from '../support/ckan-db.js';

export type Row = Record<string, unknown>;
/** Columns that say when a load, a search or a fetch ran: different in any two runs (paths are compared relative to the artifacts directory). */
export const RUN_COLUMNS = new Set(['loaded_at', 'searched_at', 'checked_at', 'fetched_at']);

export async function tables(file: string): Promise<Record<string, Row[]>> {
  return readDb(file, async (db) => {
    const names = (await db.all(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1`)).map((r) => String(r['table_name']));
    const out: Record<string, Row[]> = {};
    for (const t of names) out[t] = (await db.all(`SELECT * FROM "${t}" ORDER BY ALL`)).map((r) => JSON.parse(JSON.stringify(r, (k, v) => (RUN_COLUMNS.has(k) ? undefined : typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? v.replace(/^.*\/(step-\d+|single|final)\//, '<artifacts>/') : v))) as Row);
    return out;
  });
}

export const dup = (keys: string[]): string[] => keys.filter((k, i) => keys.indexOf(k) !== i);
