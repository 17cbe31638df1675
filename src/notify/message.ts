/**
 * What a notification says: one plain-text message for every channel (a Slack-compatible
 * `text`, an email subject and body), naming the schedule, the tick, the failed step and
 * task with its error, and the run id.
 */

export interface NotificationEvent {
  kind: 'failed' | 'recovered';
  site: string;
  schedule: string;
  /** The tick served, ISO UTC. */
  tick: string;
  /** The schedule's time zone, to show the tick as its owner reads it. */
  timezone: string;
  /** The step command line that failed (failures only). */
  step?: string;
  exitCode?: number | null;
  /** The run id of the failed step's run log, or of the last step (recoveries). */
  runId?: string;
  /** The failed task id, from the child's run summary. */
  task?: string;
  error?: string;
  /** How many scheduled runs in a row had failed before this success (recoveries). */
  failuresBefore?: number;
  host: string;
}

export interface RenderedMessage {
  subject: string;
  text: string;
}

/** `2026-11-01 01:00 EDT (America/New_York)`: a tick as the schedule's owner reads it. */
export function localTime(iso: string, timezone: string): string {
  const format = (locale: string): Intl.DateTimeFormatPart[] => new Intl.DateTimeFormat(locale, {
    timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  }).formatToParts(new Date(iso));
  let parts = format('en-US');
  // en-US names American zones (EDT); en-GB names British and European ones (BST, CET)
  if (/^GMT[+-]/.test(parts.find((p) => p.type === 'timeZoneName')?.value ?? '')) parts = format('en-GB');
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')} (${timezone})`;
}

export function renderMessage(event: NotificationEvent): RenderedMessage {
  const what = `${event.site}/${event.schedule}`;
  const when = localTime(event.tick, event.timezone);
  if (event.kind === 'recovered') {
    const streak = event.failuresBefore !== undefined && event.failuresBefore > 0 ? ` after ${event.failuresBefore} failed run${event.failuresBefore === 1 ? '' : 's'}` : '';
    const lines = [`mallard: ${what} succeeded again${streak}.`, `tick: ${event.tick} = ${when}`];
    if (event.runId !== undefined) lines.push(`run id: ${event.runId}`);
    lines.push(`host: ${event.host}`);
    return { subject: `${what} succeeded again (tick ${event.tick})`, text: lines.join('\n') };
  }
  const lines = [`mallard: ${what} FAILED.`, `tick: ${event.tick} = ${when}`];
  if (event.step !== undefined) lines.push(`step: ${event.step} (exit code ${event.exitCode ?? 'none: killed'})`);
  if (event.task !== undefined) lines.push(`failed task: ${event.task}`);
  if (event.error !== undefined) lines.push(`error: ${event.error}`);
  lines.push(`run id: ${event.runId ?? 'none (the step wrote no run log)'}`);
  lines.push(`host: ${event.host}`);
  if (event.runId !== undefined) lines.push(`details: ./cli.sh runs show ${event.runId}`);
  const subject = `${what} FAILED at tick ${event.tick}${event.task === undefined ? '' : `: ${event.task}`}`;
  return { subject, text: lines.join('\n') };
}
