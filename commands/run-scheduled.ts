/** run-scheduled: the one command a timer calls; serves the schedule's current tick once. */
import { Args, Flags } from '@oclif/core';
import { redact } from '../src/config/index.js';
import { sendNotifications } from '../src/notify/index.js';
import { runScheduled, runStepChild, resolveSteps, scheduleNamed, stepArgv, type ScheduledOutcome } from '../src/schedule/index.js';
import { parseDuration } from '../src/store/index.js';
import { EXIT_LOCKED, EXIT_OK, EXIT_TASK_FAILED } from './render-error.js';
import { childEntry, commandCatalog, parseNow, scheduleSecrets } from './schedule-support.js';
import { SiteCommand } from './site-command.js';

export class RunScheduled extends SiteCommand {
  static override summary = "Run a schedule's steps for its current tick, once: what a timer (systemd, cron, GitHub Actions) calls.";
  static override description = `Works out the tick the schedule serves (the latest time its cron expression names at or before now, in its time zone) and its run key <schedule>@<tick>. Then, in order:
- that tick already succeeded: exits 0 and does nothing;
- the tick is older than maxLate (or --max-late): recorded as "skipped: late", exit 0;
- another run of the site holds its lock, or another scheduled run of the site is going on: recorded as "skipped: overlap", exit 0 (the next tick, or a rerun with --now, serves it);
- otherwise runs each step as a child process of this CLI with the site's --site/--config-file and --artifacts-dir added, stopping at the first failure; exit 0 when every step succeeded, 1 when one failed.

Records go to <artifacts-dir>/runs/schedules/<site>.jsonl (backed up by sync-artifacts with runs/). With notify: in the schedule, a failure sends a webhook (Slack-compatible JSON) and/or an email (SMTP_URL from the environment), once per streak of failures, and the first success after failures says so. Secrets never appear in records, messages or output.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --now 2026-03-29T02:30:00Z   # run a missed tick by hand',
    '<%= config.bin %> <%= command.id %> hourly --config-file ./portal.yaml --max-late 30m --json',
  ];
  static override enableJsonFlag = true;
  static override args = {
    schedule: Args.string({ description: 'Name of the schedule (a key under `schedules:` in the site config).', required: true }),
  };
  static override flags = {
    now: Flags.string({ description: 'Take this time (ISO 8601, e.g. 2026-03-29T02:30:00Z) as now: the tick served is the latest at or before it.' }),
    'max-late': Flags.string({ description: "Skip a tick older than this (e.g. 6h, 30m, 1d); default: the schedule's maxLate, else no limit." }),
  };

  async run(): Promise<ScheduledOutcome> {
    const { args, flags } = await this.parse(RunScheduled);
    const loaded = await this.loadConfig(flags);
    const schedule = scheduleNamed(loaded, args.schedule);
    const steps = resolveSteps(loaded, commandCatalog(this.config), [args.schedule]).get(args.schedule) ?? [];
    const now = parseNow(flags.now);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir'], 'write');
    const secrets = scheduleSecrets(loaded, process.env);
    const scrub = (text: string): string => redact(text, secrets);
    const interrupt = new AbortController();
    const onSignal = (signal: NodeJS.Signals): void => {
      process.stderr.write(`run-scheduled: ${signal}: stopping the running step\n`);
      interrupt.abort(signal);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const outcome = await runScheduled({
        loaded, name: args.schedule, schedule, steps, artifactsDir, now, signal: interrupt.signal, lockedExitCode: EXIT_LOCKED,
        ...(flags['max-late'] === undefined ? {} : { maxLateMs: parseDuration(flags['max-late'], '--max-late') }),
        runStep: (step, signal) => runStepChild(step.line, step.commandId, stepArgv(step, { site: loaded.config.site, ...(flags.site ? { siteFlag: flags.site } : {}), configFile: loaded.file, artifactsDir }), {
          entry: childEntry(), cwd: process.cwd(), env: { ...process.env, MALLARD_SCHEDULED_RUN: `${loaded.config.site}/${args.schedule}` },
          artifactsDir, site: loaded.config.site, redact: scrub, ...(signal === undefined ? {} : { signal }),
        }),
        notify: (event) => sendNotifications(schedule.notify, event, { env: process.env }),
        log: (line) => process.stderr.write(scrub(line) + '\n'),
      });
      if (!this.jsonEnabled()) this.log(scrub(describe(outcome)));
      process.exitCode = outcome.action === 'ran' && outcome.record.status === 'failed' ? EXIT_TASK_FAILED : EXIT_OK;
      return outcome;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

function describe(o: ScheduledOutcome): string {
  if (o.action === 'already-done') return `${o.key}: already succeeded (${o.record.endedAt ?? o.record.startedAt}); nothing to do.`;
  if (o.action === 'skipped') return `${o.key}: ${o.record.status} — ${o.record.reason ?? ''}`;
  const lines = [`${o.key}: ${o.record.status.toUpperCase()}${o.record.reason === undefined ? '' : ` (${o.record.reason})`}`];
  for (const s of o.record.steps) {
    const run = s.runId === undefined ? '' : ` (run ${s.runId})`;
    lines.push(`  ${s.exitCode === 0 ? 'ok    ' : 'FAILED'} ${s.command}${run}${s.error === undefined ? '' : `: ${s.failedTask === undefined ? '' : `${s.failedTask}: `}${s.error}`}`);
  }
  const notified = o.record.notified;
  if (notified !== undefined) {
    lines.push(`  notified (${notified.kind}): ${notified.channels.map((c) => `${c.channel} ${c.ok ? 'sent' : `FAILED: ${c.error ?? ''}`}`).join('; ') || 'no channel configured'}`);
  }
  return lines.join('\n');
}
