/**
 * The shape of a site config file, as zod schemas, and the parsed type with defaults filled.
 * Every object is strict: an unknown key is an error (typo detection). Tokens never live in
 * the file: only the NAME of the environment variable that holds one (`tokenEnv`).
 */
import { z } from 'zod';
import { emailNotifySchema, freshnessSchema, scheduleSchema, schedulesSchema, type FreshnessConfig, type ScheduleConfig } from './schedule-schema.js';

/** Site names: used in artifact paths, so lowercase letters, digits and single dashes. */
export const SITE_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOKEN_PREFIXES = /^(ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|sgp_|glpat-|xox[abp]-)/;
const GCS_BUCKET_PATTERN = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Whether a string looks like a secret value rather than the name of a variable. */
export function looksLikeTokenValue(value: string): boolean {
  if (TOKEN_PREFIXES.test(value)) return true;
  // Variable names are words; a long run mixing lowercase and digits is a credential.
  return value.length >= 32 && /[a-z]/.test(value) && /[0-9]/.test(value) && !value.includes('_');
}

function httpUrl() {
  return z
    .url({ protocol: /^https?$/, error: (iss) => (iss.code === 'invalid_format' ? 'Invalid URL (expected http:// or https://)' : undefined) })
    .refine((v) => { const u = URL.parse(v); return !u || (u.username === '' && u.password === ''); }, {
      message: 'must not contain credentials: put the token in an environment variable named by tokenEnv',
    })
    .refine((v) => { const u = URL.parse(v); return !u || (u.search === '' && u.hash === ''); }, {
      message: 'must not have a query string or fragment',
    })
    .transform((v) => v.replace(/\/+$/, ''));
}

function tokenEnv(defaultName: string) {
  return z
    .string()
    .regex(ENV_NAME_PATTERN, 'must be the NAME of an environment variable (letters, digits, underscores)')
    .refine((v) => !looksLikeTokenValue(v), {
      message: 'looks like a token value: tokenEnv takes the NAME of the environment variable holding it (e.g. GITHUB_TOKEN), set in the shell or .env',
    })
    .default(defaultName);
}

const positiveInt = (max: number) => z.int().min(1).max(max);
/** A duration like 30d, 12h or 1d12h (converted by the stage that uses it). */
const duration = (defaultValue: string) =>
  z.string().regex(/^(?:\d+[smhdw])+$/, 'must be a duration like 30d, 12h or 1d12h (units s, m, h, d, w)').default(defaultValue);
const rate = () => z.number().positive().max(1000);

export const ckanSchema = z.strictObject({
  url: httpUrl().refine((v) => { const u = URL.parse(v); return !u || /\/api(?:\/\d+)?\/action\/*$/.test(u.pathname); }, {
    message: 'must be the base of the CKAN Action API, ending in /api/3/action (e.g. https://data.gov.uk/api/3/action)',
  }),
  rows: positiveInt(10_000).default(1000),
  sort: z.string().min(1).default('id asc'),
  q: z.string().min(1).default('*:*'),
  fq: z.string().min(1).optional(),
  concurrency: positiveInt(32).default(2),
  requestsPerSecond: rate().default(5),
  maxDatasets: positiveInt(1_000_000_000).default(5_000_000),
  incremental: z.boolean().default(false),
  overlapMinutes: z.int().min(0).max(10_080).default(60),
  reconcileEveryDays: z.number().min(0).max(3650).default(7),
});

export const sourcegraphSchema = z.strictObject({
  url: httpUrl().default('https://sourcegraph.com'),
  tokenEnv: tokenEnv('SOURCEGRAPH_TOKEN'),
  concurrency: positiveInt(32).default(2),
  requestsPerSecond: rate().default(2),
  includeForks: z.boolean().default(false),
  includeArchived: z.boolean().default(false),
  timeoutSeconds: positiveInt(3600).default(60),
  maxAge: duration('30d'),
  termsPerQuery: positiveInt(1000).default(100),
  maxQueryLength: z.int().min(200).max(100_000).default(4000),
});

export const githubSchema = z.strictObject({
  url: httpUrl().default('https://api.github.com'),
  tokenEnv: tokenEnv('GITHUB_TOKEN'),
  concurrency: positiveInt(32).default(4),
  maxAge: duration('30d'),
});

export const httpSchema = z.strictObject({
  timeoutMs: positiveInt(600_000).default(30_000),
  retries: z.int().min(0).max(20).default(3),
  userAgent: z.string().min(1).optional(),
});

export const modelsSchema = z.strictObject({
  shrinkTolerance: z.number().min(0).max(1).default(0.1),
});

export const gcsSchema = z.strictObject({
  bucket: z.string().regex(GCS_BUCKET_PATTERN, 'must be a GCS bucket name (lowercase letters, digits, dashes, dots, underscores)').optional(),
  prefix: z.string().transform((v) => v.replace(/^\/+|\/+$/g, '')).optional(),
});

/** Same grammar as src/duckdb's MEMORY_LIMIT_PATTERN (config may not import duckdb). */
const MEMORY_LIMIT = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)\s*$/i;

export const duckdbSchema = z.strictObject({
  memoryLimit: z
    .string()
    .regex(MEMORY_LIMIT, "must be a size like '1GB' or '512MiB', or a share of the machine's RAM like '25%'")
    .refine((v) => !v.trim().endsWith('%') || (Number.parseFloat(v) > 0 && Number.parseFloat(v) <= 100), { message: 'a percentage must be between 0 and 100' })
    .default('25%'),
});

export const siteConfigSchema = z.strictObject({
  site: z.string().regex(SITE_NAME_PATTERN, 'must be lowercase letters, digits and dashes (e.g. data-gov-uk)').max(64),
  ckan: ckanSchema,
  sourcegraph: sourcegraphSchema.prefault({}),
  github: githubSchema.prefault({}),
  http: httpSchema.prefault({}),
  models: modelsSchema.prefault({}),
  duckdb: duckdbSchema.prefault({}),
  gcs: gcsSchema.prefault({}),
  schedules: schedulesSchema.default({}),
  freshness: freshnessSchema.prefault({}),
});

/** The keys each section accepts, for "did you mean" hints on unknown keys. */
export const SECTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(siteConfigSchema.shape),
  ckan: Object.keys(ckanSchema.shape),
  sourcegraph: Object.keys(sourcegraphSchema.shape),
  github: Object.keys(githubSchema.shape),
  http: Object.keys(httpSchema.shape),
  models: Object.keys(modelsSchema.shape),
  duckdb: Object.keys(duckdbSchema.shape),
  gcs: Object.keys(gcsSchema.shape),
  'schedules.*': Object.keys(scheduleSchema.shape),
  'schedules.*.notify': ['webhook', 'webhookEnv', 'email'],
  'schedules.*.notify.email': Object.keys(emailNotifySchema.shape),
  freshness: Object.keys(freshnessSchema.shape),
  'freshness.artifacts.*': ['warn_after', 'error_after'],
};

export interface CkanConfig {
  /** Base of the CKAN Action API, without trailing slash: https://data.gov.uk/api/3/action */
  url: string;
  /** Page size of package_search (the portal may lower it silently). */
  rows: number;
  /** A stable sort for paging (the default order drifts while paging). */
  sort: string;
  q: string;
  fq?: string;
  concurrency: number;
  requestsPerSecond: number;
  /** The most datasets a crawl takes, whatever the portal claims. */
  maxDatasets: number;
  /** download-datasets-info fetches only what changed since the last complete crawl (--since auto). */
  incremental: boolean;
  /** How far each incremental crawl reaches back before the previous crawl's start. */
  overlapMinutes: number;
  /** Incremental crawls list ids to mark deleted datasets this often (0 = every time). */
  reconcileEveryDays: number;
}

export interface SourcegraphConfig {
  url: string;
  /** Name of the environment variable holding the access token. */
  tokenEnv: string;
  concurrency: number;
  requestsPerSecond: number;
  includeForks: boolean;
  includeArchived: boolean;
  timeoutSeconds: number;
  /** A term whose last result is older than this is searched again (30d). */
  maxAge: string;
  /** Most exact terms joined with OR in one request (1 = one search per term). */
  termsPerQuery: number;
  /** Longest query of a batch, in characters once URL-encoded. */
  maxQueryLength: number;
}

export interface GithubConfig {
  url: string;
  /** Name of the environment variable holding the access token. */
  tokenEnv: string;
  concurrency: number;
  /** A repository last asked about longer ago than this is asked again, conditionally (30d). */
  maxAge: string;
}

export interface HttpConfig {
  timeoutMs: number;
  retries: number;
  userAgent?: string;
}

export interface ModelsConfig {
  /** Largest accepted drop in a model's row count against the previous build (0.1 = 10%). */
  shrinkTolerance: number;
}

export interface DuckdbConfig {
  /** memory_limit of each database build: '1GB', '512MiB' or '25%' of the machine's RAM (DuckDB spills past it). */
  memoryLimit: string;
}

export interface GcsConfig {
  bucket?: string;
  /** Object name prefix, without leading or trailing slash. */
  prefix?: string;
}

/** A validated site config with every default filled in. */
export interface SiteConfig {
  site: string;
  ckan: CkanConfig;
  sourcegraph: SourcegraphConfig;
  github: GithubConfig;
  http: HttpConfig;
  models: ModelsConfig;
  duckdb: DuckdbConfig;
  gcs: GcsConfig;
  /** Named schedules (run-scheduled, schedule render/list/status). */
  schedules: Record<string, ScheduleConfig>;
  /** Age thresholds of published artifacts (the freshness command). */
  freshness: FreshnessConfig;
}
