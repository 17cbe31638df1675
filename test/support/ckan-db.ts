/**
 * Helpers for tests of the CKAN raw load: page files from package lists, a JavaScript oracle of
 * the expected load (dedupe rule and counts), and reading a built database.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseRegistry, openDatabase, type DuckDbHandle, type JsonRow } from '../../src/duckdb/index.js';
import { pageFileName, type CkanPackage } from './ckan-corpus.js';

/** Writes pages of raw lines (already serialized) as page files, in order; returns their paths. */
export async function writeRawPages(dir: string, pages: readonly (readonly string[])[], eol = '\n'): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let start = 0;
  for (const lines of pages) {
    const file = path.join(dir, pageFileName(start));
    await writeFile(file, lines.map((l) => l + eol).join(''));
    files.push(file);
    start += lines.length;
  }
  return files;
}

export async function writePackagePages(dir: string, pages: readonly (readonly unknown[])[]): Promise<string[]> {
  return writeRawPages(dir, pages.map((pkgs) => pkgs.map((p) => JSON.stringify(p))));
}

const ts = (v: unknown): number => (typeof v === 'string' && !Number.isNaN(Date.parse(`${v}Z`)) ? Date.parse(`${v}Z`) : -Infinity);

/** The packages the load keeps, in crawl order: per id the latest metadata_modified, then the later position. */
export function keptPackages(pages: readonly (readonly CkanPackage[])[]): CkanPackage[] {
  const flat = pages.flat().map((pkg, position) => ({ pkg, position }));
  const best = new Map<string, { pkg: CkanPackage; position: number }>();
  for (const entry of flat) {
    const id = entry.pkg.id;
    if (typeof id !== 'string' || id === '') continue;
    const current = best.get(id);
    const newer = current === undefined || ts(entry.pkg['metadata_modified']) >= ts(current.pkg['metadata_modified']);
    if (newer) best.set(id, entry);
  }
  return [...best.values()].sort((a, b) => a.position - b.position).map((e) => e.pkg);
}

const listLength = (pkg: CkanPackage, key: string): number => (Array.isArray(pkg[key]) ? (pkg[key] as unknown[]).length : 0);

/** The load summary of clean pages (nothing coerced), but packages, invalid and duplicates. */
export const NO_COERCIONS = { timestamps: 0, nonObjectItems: 0, nonListValues: 0, byField: {} };

export function expectedCounts(pages: readonly (readonly CkanPackage[])[]): Record<string, unknown> {
  const kept = keptPackages(pages);
  const sum = (key: string): number => kept.reduce((n, p) => n + listLength(p, key), 0);
  const orgs = new Set(kept.map((p) => (p['organization'] as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string' && id !== ''));
  return {
    datasets: kept.length, resources: sum('resources'), tags: sum('tags'), extras: sum('extras'),
    groups: sum('groups'), organizations: orgs.size, pages: pages.length, deleted: 0, coerced: NO_COERCIONS,
  };
}

/** Opens a built database read-only (own registry), runs `fn`, closes it. */
export async function readDb<T>(file: string, fn: (db: DuckDbHandle) => Promise<T>): Promise<T> {
  const db = await openDatabase(file, { readOnly: true, registry: new DatabaseRegistry() });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Every row of every CKAN table in stored order (no ORDER BY), for reproducibility checks. */
export async function dumpTables(db: DuckDbHandle): Promise<Record<string, JsonRow[]>> {
  const result: Record<string, JsonRow[]> = {};
  for (const table of ['datasets', 'resources', 'tags', 'extras', 'groups', 'organizations', 'pages']) {
    result[table] = await db.all(`SELECT * FROM ${table}`);
  }
  return result;
}
