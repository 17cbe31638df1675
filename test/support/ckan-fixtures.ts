/**
 * The real CKAN responses recorded from public portals, read from ../shared/fixtures/ckan
 * (never copied into the project; see ./fixtures.ts). Each test that reads them is skipped
 * when the folder is absent, and fails under CI=true.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturePath, fixturesSkip } from './fixtures.js';
import type { CkanPackage } from './ckan-server.js';

export { repoRoot } from './fixtures.js';

export const CKAN_FIXTURES_DIR = fixturePath('ckan');

/** A reason to skip, for `test(name, { skip: ckanFixturesMissing() }, ...)`; false when the fixtures are there (throws under CI=true when not). */
export function ckanFixturesMissing(): string | false {
  return fixturesSkip(CKAN_FIXTURES_DIR);
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
