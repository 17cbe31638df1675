/**
 * The benchmark's own correctness checks, read from the artifacts a round published: the terms
 * searched (clean_ckan_api.dataset_search_terms), the matches loaded (sourcegraph_api.matches)
 * against the true set for exactly those terms, the datasets loaded, usage.db built; and, after
 * the reconcile pass, the deleted datasets marked and no longer searched.
 */
import { openDatabase } from '../../src/duckdb/index.js';
import { listArtifacts } from '../../src/store/index.js';
import { matchKey } from './corpus.js';

async function latest(artifactsDir: string, site: string, name: string): Promise<string> {
  const found = (await listArtifacts(artifactsDir, { site, name })).at(-1);
  if (found === undefined) throw new Error(`no ${name} artifact was published under ${artifactsDir}`);
  return found.absolutePath;
}

async function rows(file: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const db = await openDatabase(file, { readOnly: true });
  try {
    return await db.all(sql);
  } finally {
    await db.close();
  }
}

export interface RoundCheck {
  /** Distinct terms searched (what one search per term would cost in requests). */
  terms: number;
  trueMatches: number;
  found: number;
  missing: number;
  extra: number;
  liveDatasets: number;
  revisedDatasets: number;
  datasetsOk: boolean;
  usageRows: number;
}

export async function checkRound(artifactsDir: string, site: string, truth: (terms: string[]) => Set<string>, expect: { datasets: number; modified?: number }): Promise<RoundCheck> {
  const clean = await latest(artifactsDir, site, 'clean_ckan_api');
  const terms = (await rows(clean, 'SELECT DISTINCT term FROM dataset_search_terms WHERE term IS NOT NULL AND term <> \'\'')).map((r) => String(r['term']));
  const [counts] = await rows(clean, "SELECT count(*) FILTER (deleted_at IS NULL)::INTEGER AS live, count(*) FILTER (title LIKE '% (revised)')::INTEGER AS revised FROM datasets");
  const sg = await latest(artifactsDir, site, 'sourcegraph_api');
  const found = new Set((await rows(sg, 'SELECT DISTINCT term, repository, path, line_number::INTEGER AS line FROM matches')).map((r) => matchKey(String(r['term']), r['repository'], r['path'], r['line'])));
  const expected = truth(terms);
  let missing = 0;
  for (const m of expected) if (!found.has(m)) missing += 1;
  let extra = 0;
  for (const m of found) if (!expected.has(m)) extra += 1;
  const usage = await latest(artifactsDir, site, 'usage');
  const [u] = await rows(usage, 'SELECT count(*)::INTEGER AS n FROM dataset_usage WHERE repositories > 0');
  const live = Number(counts?.['live'] ?? 0);
  const revised = Number(counts?.['revised'] ?? 0);
  return {
    terms: terms.length, trueMatches: expected.size, found: found.size, missing, extra,
    liveDatasets: live, revisedDatasets: revised,
    datasetsOk: live === expect.datasets && revised === (expect.modified ?? 0),
    usageRows: Number(u?.['n'] ?? 0),
  };
}

export async function checkDeletions(artifactsDir: string, site: string, deletedIds: string[]): Promise<{ expected: number; marked: number; searched: number; ok: boolean }> {
  const clean = await latest(artifactsDir, site, 'clean_ckan_api');
  const marked = (await rows(clean, 'SELECT id FROM datasets WHERE deleted_at IS NOT NULL')).map((r) => String(r['id']));
  const gone = new Set(deletedIds);
  const list = deletedIds.map((id) => `'${id.replaceAll("'", "''")}'`).join(',');
  const [s] = await rows(clean, `SELECT count(*)::INTEGER AS n FROM dataset_search_terms WHERE dataset_id IN (${list || "''"})`);
  const searched = Number(s?.['n'] ?? 0);
  const ok = marked.length === gone.size && marked.every((id) => gone.has(id)) && searched === 0;
  return { expected: gone.size, marked: marked.length, searched, ok };
}
