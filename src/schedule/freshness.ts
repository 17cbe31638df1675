/**
 * Freshness of published artifacts, like dbt source freshness: for each artifact name of a
 * site, the age of its latest complete artifact (from its manifest's createdAt) against
 * `freshness.warn_after` / `error_after` (per name under `freshness.artifacts`, else the
 * site-wide values). A name listed under `freshness.artifacts` that was never published is
 * an error: something that should exist does not.
 */
import type { FreshnessThresholds, SiteConfig } from '../config/index.js';
import { durationMs } from '../config/index.js';
import { listArtifacts } from '../store/index.js';

export type FreshnessStatus = 'ok' | 'warn' | 'error' | 'unchecked';

export interface FreshnessRow {
  site: string;
  name: string;
  status: FreshnessStatus;
  /** ISO time the latest artifact was made; absent when none was published. */
  latestAt?: string;
  ageMs?: number;
  warnAfter?: string;
  errorAfter?: string;
  path?: string;
  message: string;
}

export interface FreshnessReport {
  site: string;
  rows: FreshnessRow[];
  worst: FreshnessStatus;
}

const RANK: Record<FreshnessStatus, number> = { unchecked: 0, ok: 1, warn: 2, error: 3 };

export async function checkFreshness(artifactsDir: string, config: SiteConfig, now: number): Promise<FreshnessReport> {
  const site = config.site;
  const latest = new Map<string, { at: number; path: string }>();
  for (const a of await listArtifacts(artifactsDir, { site })) {
    const at = Date.parse(a.manifest.createdAt);
    const seen = latest.get(a.name);
    if (seen === undefined || at > seen.at) latest.set(a.name, { at, path: a.path });
  }
  const names = [...new Set([...latest.keys(), ...Object.keys(config.freshness.artifacts)])].sort();
  const rows = names.map((name) => row(site, name, thresholdsFor(config, name), latest.get(name), now));
  const worst = rows.reduce<FreshnessStatus>((w, r) => (RANK[r.status] > RANK[w] ? r.status : w), 'unchecked');
  return { site, rows, worst };
}

function thresholdsFor(config: SiteConfig, name: string): FreshnessThresholds {
  const own = config.freshness.artifacts[name] ?? {};
  const warn = own.warn_after ?? config.freshness.warn_after;
  const error = own.error_after ?? config.freshness.error_after;
  return { ...(warn === undefined ? {} : { warn_after: warn }), ...(error === undefined ? {} : { error_after: error }) };
}

function row(site: string, name: string, t: FreshnessThresholds, latest: { at: number; path: string } | undefined, now: number): FreshnessRow {
  const limits = { ...(t.warn_after === undefined ? {} : { warnAfter: t.warn_after }), ...(t.error_after === undefined ? {} : { errorAfter: t.error_after }) };
  if (latest === undefined) {
    return { site, name, status: 'error', ...limits, message: 'never published (listed under freshness.artifacts)' };
  }
  const ageMs = now - latest.at;
  const base = { site, name, latestAt: new Date(latest.at).toISOString(), ageMs, path: latest.path, ...limits };
  if (t.error_after !== undefined && ageMs > durationMs(t.error_after)) return { ...base, status: 'error', message: `older than error_after ${t.error_after}` };
  if (t.warn_after !== undefined && ageMs > durationMs(t.warn_after)) return { ...base, status: 'warn', message: `older than warn_after ${t.warn_after}` };
  if (t.warn_after === undefined && t.error_after === undefined) return { ...base, status: 'unchecked', message: 'no warn_after / error_after set' };
  return { ...base, status: 'ok', message: 'fresh' };
}
