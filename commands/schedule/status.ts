/** schedule status: expected ticks against run records for the last N days. */
import { Args, Flags } from '@oclif/core';
import { formatMs, readRecords, recordsFile, scheduleNamed, scheduleStatus, type ScheduleStatus, type TickStatus } from '../../src/schedule/index.js';
import { parseNow } from '../schedule-support.js';
import { SiteCommand } from '../site-command.js';

export class ScheduleStatusCommand extends SiteCommand {
  static override summary = 'Expected ticks against run records: ran, failed, missed, late, overlapped, for the last N days.';
  static override description = 'For each schedule of the site (or the one named), every tick its cron expression named in the window, and what happened to it according to <artifacts-dir>/runs/schedules/<site>.jsonl: ran, failed (with the failed step and task), late or overlapped (skipped by run-scheduled and recorded), missed (no record: nothing called run-scheduled, or it never got that far), running, interrupted (the process died), or due (less than 15 minutes old). Exits 1 when the window holds a failed, missed or interrupted tick.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --days 30',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --json',
  ];
  static override enableJsonFlag = true;
  static override args = { schedule: Args.string({ description: 'Only this schedule.', required: false }) };
  static override flags = {
    days: Flags.integer({ description: 'How many days back to look.', default: 7, min: 1, max: 3660 }),
    limit: Flags.integer({ description: 'Show at most this many ticks per schedule (newest first).', default: 50, min: 1 }),
    now: Flags.string({ description: 'End the window at this ISO time instead of now.' }),
  };

  async run(): Promise<{ site: string; schedules: ScheduleStatus[] }> {
    const { args, flags } = await this.parse(ScheduleStatusCommand);
    const loaded = await this.loadConfig(flags);
    const names = args.schedule === undefined ? Object.keys(loaded.config.schedules) : [args.schedule];
    const records = readRecords(recordsFile(this.artifactsDir(flags['artifacts-dir']), loaded.config.site));
    const now = parseNow(flags.now);
    const schedules = names.map((n) => scheduleStatus(n, scheduleNamed(loaded, n), records, { now, days: flags.days }));
    if (!this.jsonEnabled()) this.log(schedules.map((s) => render(s, flags.limit)).join('\n\n') || `site ${loaded.config.site} has no schedules`);
    const bad = schedules.some((s) => s.counts.failed + s.counts.missed + s.counts.interrupted > 0);
    process.exitCode = bad ? 1 : 0;
    return { site: loaded.config.site, schedules };
  }
}

const ORDER: TickStatus[] = ['ran', 'failed', 'missed', 'late', 'overlapped', 'interrupted', 'running', 'due'];

function render(s: ScheduleStatus, limit: number): string {
  const counts = ORDER.filter((k) => s.counts[k] > 0).map((k) => `${s.counts[k]} ${k}`).join(', ') || 'no ticks';
  const partial = s.truncated ? ` (the latest ${s.ticks.length} ticks only)` : '';
  const lines = [`${s.schedule} ("${s.cron}" in ${s.timezone}), ${s.from} .. ${s.to}: ${counts}${partial}${s.nextTick ? `; next ${s.nextTick}` : ''}`];
  for (const t of s.ticks.slice(0, limit)) {
    const delay = t.startDelayMs === undefined ? '' : ` started +${formatMs(t.startDelayMs)}`;
    const took = t.durationMs === undefined ? '' : `, took ${Math.round(t.durationMs / 1000)}s`;
    lines.push(`  ${t.tick}  ${t.status.padEnd(11)}${delay}${took}${t.reason ? `  ${t.reason}` : ''}${t.runIds.length > 0 ? `  runs: ${t.runIds.join(' ')}` : ''}`);
  }
  if (s.ticks.length > limit) lines.push(`  ... ${s.ticks.length - limit} older ticks (--limit)`);
  return lines.join('\n');
}
