/** schedule render: what runs a schedule, for systemd, cron or GitHub Actions. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { writeFileAtomicSync } from '../../src/engine/index.js';
import { cronLogFile, renderCron, renderGithubActions, renderSystemd, resolveSteps, unitName } from '../../src/schedule/index.js';
import { parseDuration } from '../../src/store/index.js';
import { commandCatalog, machineZone, renderTarget, SCHEDULER_KINDS } from '../schedule-support.js';
import { SiteCommand } from '../site-command.js';

export interface RenderedFile {
  file: string;
  text: string;
}

export class ScheduleRender extends SiteCommand {
  static override summary = 'Print (or write with --out) the systemd timer, crontab line or GitHub Actions workflow that runs a schedule.';
  static override description = `Every form calls \`./cli.sh run-scheduled <schedule>\` with this site, which serves each tick once whatever calls it.
- systemd: a user timer (OnCalendar in the schedule's zone, Persistent=true so a tick missed while the machine was off runs once at boot, a randomised delay) and a oneshot service (never started twice at once). Install with \`schedule install\`.
- cron: a crontab block between "# BEGIN/END mallard <site>/<schedule>" markers, with CRON_TZ when the schedule's zone differs from the machine's; output appended to artifacts/runs/schedules/<site>-<schedule>.cron.log.
- github-actions: a workflow with the schedule and its time zone (minute 0 moved a few minutes later: GitHub delays runs at :00), workflow_dispatch (with an optional "now" for a missed tick), one concurrency group per site that never cancels a running job, and steps that restore artifacts and run records from the bucket, run, push them back and upload the run logs.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --as systemd',
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --as cron',
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --as github-actions --out .github/workflows',
  ];
  static override enableJsonFlag = true;
  static override args = { schedule: Args.string({ description: 'Name of the schedule (under `schedules:` in the site config).', required: true }) };
  static override flags = {
    as: Flags.string({ description: 'What to render for.', options: [...SCHEDULER_KINDS], required: true }),
    out: Flags.string({ description: 'Write the file(s) into this directory instead of printing them.' }),
    'random-delay': Flags.string({ description: 'systemd: spread the start by up to this much (RandomizedDelaySec).', default: '2m' }),
  };

  async run(): Promise<{ files: RenderedFile[]; written: boolean }> {
    const { args, flags } = await this.parse(ScheduleRender);
    const loaded = await this.loadConfig(flags);
    resolveSteps(loaded, commandCatalog(this.config), [args.schedule]);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir']);
    const target = renderTarget(loaded, args.schedule, { ...(flags.site ? { siteFlag: flags.site } : {}), artifactsDir, cwd: process.cwd() });
    const files: RenderedFile[] = [];
    if (flags.as === 'systemd') {
      const units = renderSystemd(target, { randomDelaySec: Math.round(parseDuration(flags['random-delay'], '--random-delay') / 1000) });
      files.push({ file: units.serviceFile, text: units.service }, { file: units.timerFile, text: units.timer });
    } else if (flags.as === 'cron') {
      files.push({ file: `${unitName(target)}.cron`, text: renderCron(target, { machineZone: machineZone(), logFile: cronLogFile(artifactsDir, target.site, target.name) }) });
    } else {
      files.push({ file: `${unitName(target)}.yml`, text: renderGithubActions(target, { nodeVersion: '24' }) });
    }
    if (flags.out !== undefined) {
      mkdirSync(flags.out, { recursive: true });
      for (const f of files) writeFileAtomicSync(path.join(flags.out, f.file), f.text);
      if (!this.jsonEnabled()) this.log(files.map((f) => `wrote ${path.join(flags.out!, f.file)}`).join('\n'));
      return { files, written: true };
    }
    if (!this.jsonEnabled()) this.log(files.length === 1 ? files[0]!.text.trimEnd() : files.map((f) => `# ${f.file}\n${f.text}`).join('\n').trimEnd());
    return { files, written: false };
  }
}
