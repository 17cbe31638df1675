/** schedule list: a site's schedules with their next ticks. */
import { Flags } from '@oclif/core';
import { localTime, notifyChannels } from '../../src/notify/index.js';
import { isoTick, resolveSteps, tickSource } from '../../src/schedule/index.js';
import { commandCatalog, parseNow } from '../schedule-support.js';
import { SiteCommand } from '../site-command.js';

export interface ScheduleListEntry {
  name: string;
  cron: string;
  timezone: string;
  maxLate?: string;
  run: string[];
  notify: string[];
  nextTicks: string[];
}

export class ScheduleList extends SiteCommand {
  static override summary = "List a site's schedules with their next ticks (in UTC and in the schedule's zone).";
  static override description = 'Reads `schedules:` from the site config, checks every step names a mallard command, and shows each schedule\'s cron expression, zone, steps, notification channels and next ticks (--count). `--now` shows the ticks after another time, e.g. across a daylight-saving change.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --count 5 --now 2026-03-28T00:00:00Z',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    count: Flags.integer({ description: 'How many next ticks to show.', default: 3, min: 1, max: 100 }),
    now: Flags.string({ description: 'Show the ticks after this ISO time instead of now.' }),
  };

  async run(): Promise<{ site: string; schedules: ScheduleListEntry[] }> {
    const { flags } = await this.parse(ScheduleList);
    const loaded = await this.loadConfig(flags);
    resolveSteps(loaded, commandCatalog(this.config));
    const now = parseNow(flags.now);
    const schedules = Object.entries(loaded.config.schedules).map(([name, s]): ScheduleListEntry => ({
      name, cron: s.cron, timezone: s.timezone, ...(s.maxLate === undefined ? {} : { maxLate: s.maxLate }), run: s.run,
      notify: notifyChannels(s.notify, process.env).map((c) => {
        const what = c.channel === 'email' ? `email to ${s.notify?.email?.to.join(', ') ?? ''}` : 'webhook';
        return c.problem === undefined ? what : `${what} (${c.problem}: it would not be sent)`;
      }),
      nextTicks: tickSource(s).next(flags.count, now).map(isoTick),
    }));
    if (!this.jsonEnabled()) this.log(render(loaded.config.site, schedules));
    return { site: loaded.config.site, schedules };
  }
}

function render(site: string, list: ScheduleListEntry[]): string {
  if (list.length === 0) return `site ${site} has no schedules (add them under \`schedules:\` in its config)`;
  const lines: string[] = [];
  for (const s of list) {
    lines.push(`${s.name}: "${s.cron}" in ${s.timezone}${s.maxLate === undefined ? '' : `, maxLate ${s.maxLate}`}${s.notify.length > 0 ? `; notifies by ${s.notify.join(' and ')}` : ''}`);
    s.run.forEach((r, i) => lines.push(`  ${i + 1}. ${r}`));
    for (const t of s.nextTicks) lines.push(`  next: ${t}  (${localTime(t, s.timezone)})`);
  }
  return lines.join('\n');
}
