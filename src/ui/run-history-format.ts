/** Text views of the run history: the `runs` table and the `runs show` report. */
import { formatSummary, type RunRecord } from '../engine/index.js';
import { formatDuration, isoSeconds, listSome, oneLine, plural, table, withCode } from './format.js';
import type { RunDetail, RunList } from './run-history.js';

/** `running` in the log means "no end written": still going, or the process died. */
export function statusLabel(status: RunRecord['status']): string {
  return status === 'running' ? 'unfinished' : status;
}

/** What the run was asked for: its command line, else its requested tasks. */
export function askedFor(r: Pick<RunRecord, 'command' | 'roots'>): string {
  if (r.command !== undefined && r.command !== '') return r.command;
  return r.roots.length === 0 ? '-' : listSome(r.roots, 2);
}

export function formatRunList(list: RunList): string {
  if (list.runs.length === 0) return `No runs recorded in ${list.runsDir} yet.`;
  const rows = list.runs.map((r) => [
    r.runId,
    statusLabel(r.status),
    r.startedAt === undefined ? '-' : isoSeconds(r.startedAt),
    r.durationMs === undefined ? '-' : formatDuration(r.durationMs),
    String(r.counts?.ran ?? '-'),
    String(r.counts?.alreadyComplete ?? '-'),
    String(r.counts?.failed ?? '-'),
    String(r.counts?.skipped ?? '-'),
    oneLine(askedFor(r), 120),
  ]);
  return table(['RUN', 'STATUS', 'STARTED', 'DURATION', 'RAN', 'COMPLETE', 'FAILED', 'SKIPPED', 'ASKED FOR'], rows);
}

export function formatRunDetail(d: RunDetail): string {
  const lines = [`run ${d.runId}${d.scope === undefined ? '' : ` (site ${d.scope})`}: ${statusLabel(d.status)}`];
  if (d.command !== undefined) lines.push(`command:   ${d.command}`);
  if (d.roots.length > 0) lines.push(`asked for: ${listSome(d.roots, 5)}`);
  if (d.startedAt !== undefined) lines.push(`started:   ${isoSeconds(d.startedAt)}${d.workers === undefined ? '' : ` with ${plural(d.workers, 'worker')}`}`);
  lines.push(`log:       ${d.file}`, '');
  if (d.summary !== undefined) lines.push(formatSummary(d.summary));
  else lines.push(...unfinished(d));
  if (d.failures.length > 0) {
    lines.push('', `failures (${d.events.failed}):`);
    for (const f of d.failures) lines.push(`  ${isoSeconds(f.at)} ${f.id} (${plural(f.attempt, 'attempt')}): ${oneLine(withCode(f.error, f.code), 500)}`);
    if (d.moreFailures > 0) lines.push(`  ... and ${d.moreFailures} more in the log`);
  }
  if (d.retried.length > 0) {
    lines.push('', `retried (${plural(d.retried.length, 'task')}, ${plural(d.events.retries, 'retry', 'retries')}):`);
    for (const r of d.retried) lines.push(`  ${r.id}: ${plural(r.retries, 'retry', 'retries')}, last error: ${oneLine(withCode(r.lastError, r.code), 300)}`);
    if (d.moreRetried > 0) lines.push(`  ... and ${plural(d.moreRetried, 'retry', 'retries')} of other tasks in the log`);
  }
  return lines.join('\n');
}

function unfinished(d: RunDetail): string[] {
  const e = d.events;
  const last = d.lastEventAt === undefined ? '' : `; last event ${isoSeconds(d.lastEventAt)}`;
  return [
    `No end recorded: the run is still going, or its process died${last}.`,
    `So far: ${e.started} started, ${e.done} done, ${e.failed} failed, ${e.skipped} skipped, ${plural(e.retries, 'retry', 'retries')}.`,
  ];
}
