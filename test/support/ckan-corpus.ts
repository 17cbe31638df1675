/**
 * A seeded generator of realistic synthetic CKAN packages (package_search `results` items),
 * shaped after the recorded responses in ../shared/fixtures/ckan: mostly CKAN 2.9 packages of
 * 2-10 kB (a few with 30-60 resources), and the variance real portals show: titles and notes as
 * objects keyed by language, resource `size` as number / numeric string / null / junk,
 * `extras` missing, `organization` null, zone-less timestamps with microseconds.
 * The same (n, seed) always gives the same packages, byte for byte.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type CkanPackage = Record<string, unknown> & { id: string; resources?: Record<string, unknown>[] };

/** A small fast PRNG (mulberry32): deterministic for a seed, on every platform. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('data transport budget health school water air quality census population spending ' +
  'contracts payments council energy housing crime road traffic flood river survey monthly annual ' +
  'register public open statistics regional national licence environment planning agriculture ' +
  'transparency purchase card transactions emissions weather station boundary map services').split(' ');
const FORMATS = ['CSV', 'XLSX', 'XLS', 'JSON', 'PDF', 'HTML', 'ZIP', 'GeoJSON', 'XML', 'WMS', 'API', ''];
const MIMETYPES: Record<string, string | null> = { CSV: 'text/csv', JSON: 'application/json', PDF: 'application/pdf', HTML: 'text/html', ZIP: 'application/zip', XML: 'application/xml' };
const LICENSES = [['cc-by', 'Creative Commons Attribution'], ['odc-odbl', 'Open Data Commons Open Database License (ODbL)'], ['uk-ogl', 'UK Open Government Licence (OGL)'], ['notspecified', 'License not specified'], ['cc-zero', 'Creative Commons CCZero']];
const LANGS = [['en', 'fr'], ['fr', 'de', 'it', 'en'], ['pt-BR', 'es'], ['de', 'fr'], ['nl', 'en']];
const ORG_COUNT = 40;
const GROUP_NAMES = ['economy', 'environment', 'health', 'transport', 'government', 'society', 'education'];
const BASE_MS = Date.UTC(2014, 0, 1);
const SPAN_MS = 10 * 365 * 24 * 3600 * 1000;

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

function uuid(r: Rand): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

function words(r: Rand, n: number): string {
  return Array.from({ length: n }, () => pick(r, WORDS)).join(' ');
}

/** A zone-less ISO timestamp with microseconds, as CKAN writes them (UTC). */
function timestamp(r: Rand, fromMs = BASE_MS): string {
  const ms = fromMs + Math.floor(r() * (BASE_MS + SPAN_MS - fromMs));
  return new Date(ms).toISOString().replace('Z', '') + String(int(r, 0, 999)).padStart(3, '0');
}

function multilingual(r: Rand, text: string): string | Record<string, string> {
  if (r() >= 0.06) return text;
  const langs = pick(r, LANGS);
  return Object.fromEntries(langs.map((lang) => [lang, `${text} (${lang})`]));
}

function resourceSize(r: Rand): unknown {
  const x = r();
  if (x < 0.55) return null;
  if (x < 0.75) return int(r, 0, 80_000_000);
  if (x < 0.9) return String(int(r, 0, 80_000_000));
  if (x < 0.93) return int(r, 5_000_000_000, 12_000_000_000);
  if (x < 0.96) return `${(r() * 900).toFixed(1)} MB`;
  if (x < 0.98) return '';
  return (r() * 1e6).toFixed(2);
}

function resourceCount(r: Rand): number {
  const x = r();
  if (x < 0.05) return 0;
  if (x < 0.55) return 1;
  if (x < 0.95) return int(r, 2, 8);
  return int(r, 15, 50);
}

function makeResource(r: Rand, pkgId: string, position: number, created: string): Record<string, unknown> {
  const format = pick(r, FORMATS);
  const id = uuid(r);
  return {
    cache_last_updated: null, cache_url: null, created: timestamp(r, Date.parse(created + 'Z')),
    datastore_active: r() < 0.3, description: r() < 0.4 ? '' : words(r, int(r, 5, 40)),
    format, hash: r() < 0.7 ? '' : uuid(r).replaceAll('-', ''), id,
    last_modified: r() < 0.6 ? null : timestamp(r), metadata_modified: timestamp(r),
    mimetype: MIMETYPES[format] ?? null, mimetype_inner: r() < 0.1 ? 'null' : null,
    name: words(r, int(r, 2, 8)), package_id: pkgId, position, resource_type: null,
    size: resourceSize(r), state: 'active',
    url: `https://data.example.org/dataset/${pkgId}/resource/${id}/download/file-${position}.${format.toLowerCase() || 'bin'}`,
    url_type: r() < 0.5 ? 'upload' : null,
  };
}

function makeOrganization(orgIndex: number): Record<string, unknown> {
  const r = createRandom(1000 + orgIndex);
  return {
    id: uuid(r), name: `org-${orgIndex}`, title: `Organisation ${orgIndex} ${words(r, 2)}`, type: 'organization',
    description: words(r, int(r, 20, 120)), image_url: r() < 0.5 ? '' : `https://data.example.org/uploads/group/logo-${orgIndex}.png`,
    created: timestamp(r), is_organization: true, approval_status: 'approved', state: 'active',
  };
}

function makeExtras(r: Rand): Record<string, unknown>[] | undefined {
  const x = r();
  if (x < 0.12) return undefined;
  if (x < 0.45) return [];
  return Array.from({ length: int(r, 1, 26) }, (_, i) => ({
    key: i === 0 ? 'harvest_object_id' : `${pick(r, WORDS)}_${i}`,
    value: r() < 0.1 ? JSON.stringify([words(r, 2)]) : words(r, int(r, 1, 6)),
  }));
}

/** One package; `index` only seeds it, so packages are independent of n. */
export function makePackage(seed: number, index: number, orgs: readonly Record<string, unknown>[]): CkanPackage {
  const r = createRandom((seed * 1_000_003 + index * 7919) >>> 0);
  const id = uuid(r);
  const created = timestamp(r);
  const modified = timestamp(r, Date.parse(created + 'Z'));
  const org = r() < 0.05 ? null : pick(r, orgs);
  const tags = Array.from({ length: int(r, 0, 12) }, (_, i) => {
    const name = `${pick(r, WORDS)}-${i}`;
    return { display_name: name, id: uuid(r), name, state: 'active', vocabulary_id: null };
  });
  const groups = r() < 0.7 ? [] : Array.from({ length: int(r, 1, 3) }, (_, i) => {
    const name = GROUP_NAMES[(index + i) % GROUP_NAMES.length] as string;
    return { description: words(r, 10), display_name: name, id: uuid(r), image_display_url: '', name, title: name };
  });
  const resources = Array.from({ length: resourceCount(r) }, (_, i) => makeResource(r, id, i, created));
  const [licenseId, licenseTitle] = pick(r, LICENSES) as [string, string];
  const pkg: CkanPackage = {
    author: r() < 0.3 ? null : words(r, 2), author_email: null, creator_user_id: uuid(r), id,
    isopen: licenseId !== 'notspecified', license_id: licenseId, license_title: licenseTitle,
    maintainer: words(r, 2), maintainer_email: r() < 0.5 ? null : `contact${index}@example.org`,
    metadata_created: created, metadata_modified: modified, name: `${words(r, 3).replaceAll(' ', '-')}-${index}`,
    notes: multilingual(r, words(r, int(r, 10, 200))), num_resources: resources.length, num_tags: tags.length,
    organization: org, owner_org: org === null ? null : org['id'], private: false, state: 'active',
    title: multilingual(r, words(r, int(r, 3, 10))), type: 'dataset', url: r() < 0.6 ? null : 'https://www.example.org/',
    version: r() < 0.7 ? null : `${int(r, 1, 5)}.0`, resources, tags, groups,
    relationships_as_object: [], relationships_as_subject: [], revision_id: uuid(r),
  };
  const extras = makeExtras(r);
  if (extras !== undefined) pkg['extras'] = extras;
  return pkg;
}

/** Packages one by one (constant memory for large corpora). */
export function* iteratePackages(n: number, seed: number): Generator<CkanPackage> {
  const orgs = Array.from({ length: ORG_COUNT }, (_, i) => makeOrganization(i));
  for (let i = 0; i < n; i += 1) yield makePackage(seed, i, orgs);
}

export function generatePackages(n: number, seed: number): CkanPackage[] {
  return [...iteratePackages(n, seed)];
}

/** `page_<start zero-padded to 9 digits>.ndjson`, the HTTP client's page file name. */
export function pageFileName(start: number): string {
  return `page_${String(start).padStart(9, '0')}.ndjson`;
}

/**
 * Writes the packages as NDJSON page files (one package per line, `rowsPerPage` per file) and
 * returns their paths in page order.
 */
export async function writePageFiles(dir: string, packages: Iterable<CkanPackage>, rowsPerPage: number): Promise<string[]> {
  if (!Number.isInteger(rowsPerPage) || rowsPerPage < 1) throw new RangeError(`rowsPerPage must be a positive integer, got ${rowsPerPage}`);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let lines: string[] = [];
  const flush = async (): Promise<void> => {
    const file = path.join(dir, pageFileName(files.length * rowsPerPage));
    await writeFile(file, lines.join(''));
    files.push(file);
    lines = [];
  };
  for (const pkg of packages) {
    lines.push(JSON.stringify(pkg) + '\n');
    if (lines.length === rowsPerPage) await flush();
  }
  if (lines.length > 0) await flush();
  return files;
}
