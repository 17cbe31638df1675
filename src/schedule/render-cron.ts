/**
 * A schedule as a crontab block between markers (so install and remove touch only it):
 * CRON_TZ for the schedule's zone when it differs from the machine's (cronie honours it;
 * cron daemons that do not run the line in the machine's zone, so keep them equal there),
 * the expression as configured, and the command with its output appended to a log file.
 */
import path from 'node:path';
import { shellWord, type RenderTarget } from './render.js';

export function cronMarkers(target: Pick<RenderTarget, 'site' | 'name'>): { begin: string; end: string } {
  return { begin: `# BEGIN mallard ${target.site}/${target.name}`, end: `# END mallard ${target.site}/${target.name}` };
}

export function renderCron(target: RenderTarget, opts: { machineZone: string; logFile: string }): string {
  const { begin, end } = cronMarkers(target);
  const zone = target.schedule.timezone;
  const command = `cd ${shellWord(target.cwd)} && ${target.command.map(shellWord).join(' ')} >> ${shellWord(opts.logFile)} 2>&1`;
  const lines = [begin, `# ${target.schedule.description ?? `schedule ${target.name} of site ${target.site}`}: ${target.schedule.cron} in ${zone}; run-scheduled skips a tick that already ran`];
  if (zone !== opts.machineZone) {
    lines.push(`# the machine's zone is ${opts.machineZone}: CRON_TZ (cronie) makes this line follow ${zone}, and applies to the lines after it too`);
    lines.push(`CRON_TZ=${zone}`);
  }
  // % ends the command in crontab syntax: escape it
  lines.push(`${expandNickname(target.schedule.cron)} ${command.replace(/%/g, '\\%')}`, end);
  return lines.join('\n') + '\n';
}

function expandNickname(expr: string): string {
  const map: Record<string, string> = { '@midnight': '@daily', '@annually': '@yearly' };
  return map[expr.trim().toLowerCase()] ?? expr.trim();
}

/** The default cron log: beside the schedule records. */
export function cronLogFile(artifactsDir: string, site: string, name: string): string {
  return path.join(artifactsDir, 'runs', 'schedules', `${site}-${name}.cron.log`);
}

/** `text` with the block of this schedule replaced by `block` (or removed when undefined). */
export function replaceCronBlock(text: string, target: Pick<RenderTarget, 'site' | 'name'>, block: string | undefined): string {
  const { begin, end } = cronMarkers(target);
  const lines = text.split('\n');
  const out: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.trim() === begin) inside = true;
    else if (inside && line.trim() === end) inside = false;
    else if (!inside) out.push(line);
  }
  let kept = out.join('\n').replace(/\n+$/, '');
  if (kept !== '') kept += '\n';
  return block === undefined ? kept : kept + block;
}
