/**
 * The runs list of the `ui` start page: recent runs with their status, and per family how
 * long it took (wall time from first start to last end), read from each log once and kept
 * while the log does not change (size and mtime).
 */
import fs from 'node:fs';
import path from 'node:path';
import { listRuns, type RunRecord } from '../engine/index.js';
import { ReportBuilder, readLogFrom } from '../report/index.js';

export interface FamilyTime {
  spanMs: number;
  busyMs: number;
  ran: number;
  failed: number;
}

export interface RunListEntry {
  runId: string;
  url: string;
  status: RunRecord['status'];
  scope: string | null;
  startedAt: number | null;
  durationMs: number | null;
  counts: RunRecord['counts'] | null;
  command: string | null;
  /** Per family; null when the log could not be read. */
  families: Record<string, FamilyTime> | null;
}

const cache = new Map<string, { key: string; families: Record<string, FamilyTime> | null }>();
const MAX_CACHED = 200;

export function runList(runsDir: string, limit: number): RunListEntry[] {
  return listRuns(runsDir, limit).map((r) => ({
    runId: r.runId,
    url: `/runs/${encodeURIComponent(r.runId)}`,
    status: r.status,
    scope: r.scope ?? null,
    startedAt: r.startedAt ?? null,
    durationMs: r.durationMs ?? null,
    counts: r.counts ?? null,
    command: r.command ?? null,
    families: familyTimes(path.join(runsDir, `${r.runId}.jsonl`)),
  }));
}

function familyTimes(file: string): Record<string, FamilyTime> | null {
  let key: string;
  try {
    const st = fs.statSync(file);
    key = `${st.size}:${st.mtimeMs}`;
  } catch {
    return null;
  }
  const hit = cache.get(file);
  if (hit?.key === key) return hit.families;
  let families: Record<string, FamilyTime> | null = null;
  try {
    const builder = new ReportBuilder(path.basename(file, '.jsonl'));
    readLogFrom(file, 0, (e) => builder.take(e));
    families = {};
    for (const f of builder.finish().families) {
      families[f.name] = { spanMs: f.firstStart === null ? 0 : (f.lastEnd ?? f.firstStart) - f.firstStart, busyMs: f.busyMs, ran: f.counts.done, failed: f.counts.failed };
    }
  } catch {
    families = null;
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(file, { key, families });
  return families;
}
