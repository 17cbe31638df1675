/** What the schedule commands share: the CLI's command catalog, the child entry and the secrets to scrub. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@oclif/core';
import type { LoadedConfig } from '../src/config/index.js';
import { MallardError } from '../src/engine/index.js';
import { scheduleNamed, type CommandCatalog, type RenderTarget } from '../src/schedule/index.js';

/** Every command of this CLI, and whether it takes --site and --config-file. */
export function commandCatalog(config: Config): CommandCatalog {
  return new Map(config.commands.map((c) => [c.id, { site: c.flags.site !== undefined, configFile: c.flags['config-file'] !== undefined }]));
}

/** How a step's child is started: this Node, this CLI's main.js. */
export function childEntry(): string[] {
  return [process.execPath, fileURLToPath(new URL('./main.js', import.meta.url))];
}

/** Values never to write in records or messages: tokens, the SMTP URL, webhook URLs from the environment. */
export function scheduleSecrets(loaded: LoadedConfig, env: NodeJS.ProcessEnv): string[] {
  const names = [loaded.config.github.tokenEnv, loaded.config.sourcegraph.tokenEnv, 'GITHUB_TOKEN', 'SOURCEGRAPH_TOKEN'];
  for (const s of Object.values(loaded.config.schedules)) {
    if (s.notify?.webhookEnv) names.push(s.notify.webhookEnv);
    if (s.notify?.email) names.push(s.notify.email.smtpEnv);
  }
  const values = names.map((n) => env[n]).filter((v): v is string => v !== undefined && v.length >= 4);
  for (const s of Object.values(loaded.config.schedules)) if (s.notify?.webhook) values.push(s.notify.webhook);
  return [...new Set(values)];
}

/** The project's cli.sh (dist/commands/ → two levels up), which timers call. */
export function cliScript(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli.sh');
}

/** What a renderer needs for one schedule: the command a timer runs, the project directory, the secrets' variable names. */
export function renderTarget(loaded: LoadedConfig, name: string, opts: { siteFlag?: string; artifactsDir: string; cwd: string }): RenderTarget {
  const schedule = scheduleNamed(loaded, name);
  const site = opts.siteFlag !== undefined ? ['--site', opts.siteFlag] : ['--config-file', loaded.file];
  const secretEnv = [loaded.config.sourcegraph.tokenEnv, loaded.config.github.tokenEnv];
  if (schedule.notify?.webhookEnv) secretEnv.push(schedule.notify.webhookEnv);
  if (schedule.notify?.email) secretEnv.push(schedule.notify.email.smtpEnv);
  return {
    site: loaded.config.site,
    name,
    schedule,
    cwd: opts.cwd,
    command: [cliScript(), 'run-scheduled', name, ...site, '--artifacts-dir', opts.artifactsDir],
    portableSiteArgs: opts.siteFlag !== undefined ? ['--site', opts.siteFlag] : ['--config-file', path.relative(opts.cwd, loaded.file).split(path.sep).join('/')],
    gcs: { ...(loaded.config.gcs.bucket ? { bucket: loaded.config.gcs.bucket } : {}), ...(loaded.config.gcs.prefix ? { prefix: loaded.config.gcs.prefix } : {}) },
    secretEnv: [...new Set(secretEnv)],
  };
}

export const SCHEDULER_KINDS = ['systemd', 'cron', 'github-actions'] as const;
export type SchedulerKind = (typeof SCHEDULER_KINDS)[number];

/** The machine's time zone (where cron runs its lines). */
export function machineZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** `--now <ISO time>` as milliseconds; the clock when not given. */
export function parseNow(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) {
    throw new MallardError('ERR_USAGE', `--now "${text}" is not an ISO 8601 time`, { suggestions: ['e.g. --now 2026-03-29T02:30:00Z or --now 2026-03-29T02:30:00+01:00'] });
  }
  return ms;
}
