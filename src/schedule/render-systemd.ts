/**
 * A schedule as a systemd user timer and service: OnCalendar with the schedule's time zone
 * (a second OnCalendar line when cron's day-of-month OR day-of-week rule needs it),
 * Persistent=true (a tick missed while the machine was off runs once at boot, and
 * run-scheduled decides whether it is still on time), and a randomised delay. The service
 * is a oneshot calling run-scheduled, so systemd never starts it twice at once.
 */
import { compactList, parseCronFields, type CronFields } from './cron-fields.js';
import type { RenderTarget } from './render.js';

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The OnCalendar values equivalent to a cron expression in a zone. */
export function onCalendar(expression: string, timezone: string): string[] {
  const f = parseCronFields(expression);
  const time = `${list(f.hour, 0, 23)}:${list(f.minute, 0, 59)}:00`;
  const month = list(f.month, 1, 12);
  const dom = list(f.dayOfMonth, 1, 31);
  const dow = f.dayOfWeek.length === 7 ? '' : `${dayList(f)} `;
  if (!f.domAny && !f.dowAny) {
    // cron runs when EITHER day field matches; systemd ANDs them: one line each
    return [`${dayList(f)} *-${month}-* ${time} ${timezone}`, `*-${month}-${dom} ${time} ${timezone}`];
  }
  return [`${f.dowAny ? '' : dow}*-${month}-${f.domAny ? '*' : dom} ${time} ${timezone}`];
}

function list(values: readonly number[], min: number, max: number): string {
  return values.length === max - min + 1 ? '*' : compactList(values);
}

function dayList(f: CronFields): string {
  return f.dayOfWeek.map((d) => DAY_NAMES[d]).join(',');
}

/** systemd quoting: words with spaces or quotes in double quotes; % doubled (specifier escape). */
function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, '%%');
  return /^[\w@+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/(["\\])/g, '\\$1')}"`;
}

export function unitName(target: RenderTarget): string {
  return `mallard-${target.site}-${target.name}`;
}

export function renderSystemd(target: RenderTarget, opts: { randomDelaySec: number }): { timer: string; service: string; timerFile: string; serviceFile: string } {
  const unit = unitName(target);
  const calendar = onCalendar(target.schedule.cron, target.schedule.timezone);
  const what = `mallard: ${target.site} schedule ${target.name} (${target.schedule.cron}, ${target.schedule.timezone})`.replace(/%/g, '%%');
  const timer = [
    '[Unit]',
    `Description=${what}`,
    '',
    '[Timer]',
    ...calendar.map((c) => `OnCalendar=${c}`),
    'Persistent=true',
    `RandomizedDelaySec=${opts.randomDelaySec}`,
    'AccuracySec=1s',
    `Unit=${unit}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  const service = [
    '[Unit]',
    `Description=${what}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `WorkingDirectory=${systemdWord(target.cwd)}`,
    `ExecStart=${target.command.map(systemdWord).join(' ')}`,
    'Nice=10',
    '',
  ].join('\n');
  return { timer, service, timerFile: `${unit}.timer`, serviceFile: `${unit}.service` };
}
