/**
 * The real CKAN responses recorded from public portals, read from ../shared/fixtures/ckan
 * (never copied into the project). Tests skip when the folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CkanPackage } from './ckan-server.js';

/** The repository root: the nearest folder up from here whose package.json is mallard's. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mallard') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the mallard repository root');
    dir = parent;
  }
}

export const CKAN_FIXTURES_DIR = path.resolve(repoRoot(), '..', 'shared', 'fixtures', 'ckan');

/** A reason to skip, for `test(name, { skip: ckanFixturesMissing() }, ...)`; false when the fixtures are there. */
export function ckanFixturesMissing(): string | false {
  return existsSync(CKAN_FIXTURES_DIR) ? false : `no CKAN fixtures at ${CKAN_FIXTURES_DIR}`;
}

/** The fixture file names (no SOURCES.md). */
export function ckanFixtureNames(): string[] {
  return readdirSync(CKAN_FIXTURES_DIR).filter((f) => f.endsWith('.json')).sort();
}

/** A fixture's exact bytes, as the portal sent them. */
export function ckanFixtureText(name: string): string {
  return readFileSync(path.join(CKAN_FIXTURES_DIR, name), 'utf8');
}

export function ckanFixture(name: string): { success: boolean; result?: unknown; error?: unknown } {
  return JSON.parse(ckanFixtureText(name)) as { success: boolean; result?: unknown; error?: unknown };
}

/** The package_search fixtures that hold results. */
export function packageSearchFixtureNames(): string[] {
  return ckanFixtureNames().filter((name) => name.includes('__package_search'));
}

/** Every recorded package (package_search results and package_show results), each id once. */
export function fixturePackages(): CkanPackage[] {
  const byId = new Map<string, CkanPackage>();
  for (const name of ckanFixtureNames()) {
    const doc = ckanFixture(name);
    if (!doc.success || typeof doc.result !== 'object' || doc.result === null) continue;
    const result = doc.result as { results?: CkanPackage[]; id?: string };
    const packages = Array.isArray(result.results) ? result.results : typeof result.id === 'string' ? [result as CkanPackage] : [];
    for (const pkg of packages) if (!byId.has(pkg.id)) byId.set(pkg.id, pkg);
  }
  return [...byId.values()];
}
