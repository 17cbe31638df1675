/**
 * The synthetic portal of the portal-scale benchmark: n realistic CKAN packages (the test corpus
 * generator: 2-10 kB, ~4 resources each, portal variance), held compactly for the loopback CKAN
 * server (each package as its JSON text plus the few keys the server filters and sorts on), and a
 * planned change: 1% of the datasets modified (half of them with a new resource URL, a new search
 * term), a few new and a few deleted. The search terms each dataset will have (the rules of
 * models/ckan_clean/dataset_search_terms) are derived here so the code corpus can reference a
 * known share of them before the pipeline runs.
 */
import { iteratePackages, makePackage, type CkanPackage } from '../../test/support/ckan-corpus.js';

/** A package as the server holds it: keys it filters and sorts on, the rest as JSON text. */
export class ServedPackage {
  constructor(readonly id: string, readonly name: string, readonly metadata_modified: string, private readonly json: string) {}
  /** package_search answers with the whole package. */
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

export function serve(pkg: CkanPackage): ServedPackage {
  return new ServedPackage(pkg.id, String(pkg['name']), String(pkg['metadata_modified']), JSON.stringify(pkg));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A URL as dataset_search_terms searches it: no scheme or user info, host lower case, no trailing slash. */
function bareUrl(url: string): string | undefined {
  if (!/^https?:\/\/[^/?#]+\/[^?#]*[^/?#]/.test(url)) return undefined;
  const bare = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?/, '');
  const host = /^[^/?#]*/.exec(bare)?.[0] ?? '';
  return host.toLowerCase() + bare.slice(host.length).replace(/\/+$/, '');
}

/** The terms ckan_clean gives a package (shared-URL exclusion aside: generated URLs are unique). */
export function packageTerms(pkg: CkanPackage, siteHost: string): string[] {
  const name = String(pkg['name'] ?? '');
  const terms = [`${siteHost}/dataset/${name || pkg.id}`];
  if (UUID.test(pkg.id)) terms.push(pkg.id.toLowerCase());
  if (name.length >= 20 && name.includes('-') && name !== pkg.id) terms.push(name);
  for (const r of pkg.resources ?? []) {
    const url = typeof r['url'] === 'string' ? bareUrl(r['url'].trim()) : undefined;
    if (url !== undefined) terms.push(url);
    if (typeof r['id'] === 'string' && UUID.test(r['id'])) terms.push(r['id'].toLowerCase());
  }
  return terms;
}

export interface PortalChange {
  /** Indexes of the base packages edited (a new title; half also a new resource URL). */
  modified: number[];
  deleted: number[];
  added: CkanPackage[];
}

export interface Portal {
  served: ServedPackage[];
  resources: number;
  /** Every term of the first run's portal and of the changed one (the corpus may reference any). */
  terms: string[];
  change: PortalChange;
  /** The portal after the change, at `at` (ms). */
  changed(at: number): ServedPackage[];
}

const CKAN_TIME = (ms: number): string => new Date(ms).toISOString().replace('Z', '') + '000';

function edit(pkg: CkanPackage, newUrl: boolean, at: number): CkanPackage {
  const resources = (pkg.resources ?? []).map((r) => ({ ...r }));
  const last = resources.at(-1);
  if (newUrl && last !== undefined && typeof last['url'] === 'string') last['url'] = last['url'].replace(/(\.[a-z]+)?$/, '-v2$1');
  return { ...pkg, title: `${typeof pkg['title'] === 'string' ? pkg['title'] : 'dataset'} (revised)`, metadata_modified: CKAN_TIME(at), resources };
}

/** Evenly spread, deterministic indexes: `count` of `n`; shift 1 puts them half way between (and one past) those of shift 0. */
function spread(n: number, count: number, shift: 0 | 1): number[] {
  const step = n / Math.max(1, count);
  return Array.from({ length: count }, (_, i) => Math.min(n - 1, Math.floor(i * step + (shift * step) / 2) + shift));
}

export function makePortal(n: number, seed: number, siteHost: string): Portal {
  const served: ServedPackage[] = [];
  const terms: string[] = [];
  const modified = new Set(spread(n, Math.max(1, Math.round(n / 100)), 0));
  const deleted = new Set(spread(n, Math.max(1, Math.round(n / 2000)), 1).filter((i) => !modified.has(i)));
  const edits = new Map<number, CkanPackage>();
  let resources = 0;
  let index = 0;
  for (const pkg of iteratePackages(n, seed)) {
    served.push(serve(pkg));
    resources += pkg.resources?.length ?? 0;
    terms.push(...packageTerms(pkg, siteHost));
    if (modified.has(index)) {
      const edited = edit(pkg, index % 2 === 0, 0);
      edits.set(index, edited);
      terms.push(...packageTerms(edited, siteHost));
    }
    index += 1;
  }
  const orgs = [JSON.parse(JSON.stringify(served[0]))['organization'] ?? null].filter((o) => o !== null);
  const added = Array.from({ length: Math.max(1, Math.round(n / 2000)) }, (_, i) => makePackage(seed, n + i, orgs.length > 0 ? orgs : [{ id: 'org', name: 'org' }]));
  for (const pkg of added) terms.push(...packageTerms(pkg, siteHost));
  const change: PortalChange = { modified: [...modified], deleted: [...deleted], added };
  return {
    served, resources, terms: [...new Set(terms)], change,
    changed(at) {
      const out: ServedPackage[] = [];
      served.forEach((p, i) => {
        if (deleted.has(i)) return;
        const edited = edits.get(i);
        out.push(edited === undefined ? p : serve({ ...edited, metadata_modified: CKAN_TIME(at - 60_000 + (i % 1000)) }));
      });
      for (const pkg of added) out.push(serve({ ...pkg, metadata_modified: CKAN_TIME(at - 30_000) }));
      return out;
    },
  };
}
