/** schedule install / remove: a schedule as systemd user units or a crontab block on this machine. */
import { Args, Flags } from '@oclif/core';
import { splitCommandLine } from '../../src/config/index.js';
import {
  cronLogFile, defaultUnitDir, installCron, installSystemd, removeCron, removeSystemd, renderCron, renderSystemd, resolveSteps, unitName,
} from '../../src/schedule/index.js';
import { parseDuration } from '../../src/store/index.js';
import { commandCatalog, machineZone, renderTarget } from '../schedule-support.js';
import { SiteCommand } from '../site-command.js';

const sharedFlags = {
  as: Flags.string({ description: 'Where: systemd user units, or the user crontab.', options: ['systemd', 'cron'], required: true }),
  'unit-dir': Flags.string({ description: 'systemd: the unit directory (default: $XDG_CONFIG_HOME/systemd/user, i.e. ~/.config/systemd/user).' }),
  'no-systemctl': Flags.boolean({ description: 'systemd: only write or delete the unit files; do not call systemctl --user (daemon-reload, enable/disable --now).', default: false }),
  systemctl: Flags.string({ description: 'systemd: the systemctl program.', default: 'systemctl' }),
  'crontab-command': Flags.string({ description: 'cron: the crontab program, with any leading arguments (it is called with -l to read and - to write).', default: 'crontab' }),
};

export interface InstallOutcome {
  as: string;
  unit: string;
  files: string[];
  commands: string[];
  changed: boolean;
}

export class ScheduleInstall extends SiteCommand {
  static override summary = "Install a schedule on this machine: systemd user timer and service, or a block in the user's crontab.";
  static override description = 'Writes what `schedule render` prints. systemd: the units go into ~/.config/systemd/user (or --unit-dir), then `systemctl --user daemon-reload` and `systemctl --user enable --now <timer>` (for timers to run while you are logged out: `loginctl enable-linger`). cron: the schedule\'s block in `crontab -l` is replaced (or added at the end) and written back with `crontab -`; the rest of the crontab is kept as it is. Running it again updates the installed schedule.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --as systemd',
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --as cron',
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --as systemd --unit-dir /tmp/units --no-systemctl',
  ];
  static override enableJsonFlag = true;
  static override args = { schedule: Args.string({ description: 'Name of the schedule.', required: true }) };
  static override flags = { ...sharedFlags, 'random-delay': Flags.string({ description: 'systemd: RandomizedDelaySec.', default: '2m' }) };

  async run(): Promise<InstallOutcome> {
    const { args, flags } = await this.parse(ScheduleInstall);
    const loaded = await this.loadConfig(flags);
    resolveSteps(loaded, commandCatalog(this.config), [args.schedule]);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir']);
    const target = renderTarget(loaded, args.schedule, { ...(flags.site ? { siteFlag: flags.site } : {}), artifactsDir, cwd: process.cwd() });
    let outcome: InstallOutcome;
    if (flags.as === 'systemd') {
      const units = renderSystemd(target, { randomDelaySec: Math.round(parseDuration(flags['random-delay'], '--random-delay') / 1000) });
      const r = installSystemd(units, { unitDir: flags['unit-dir'] ?? defaultUnitDir(process.env), ...(flags['no-systemctl'] ? {} : { systemctl: flags.systemctl }) });
      outcome = { as: 'systemd', unit: unitName(target), ...r, changed: true };
    } else {
      const block = renderCron(target, { machineZone: machineZone(), logFile: cronLogFile(artifactsDir, target.site, target.name) });
      installCron(target, block, splitCommandLine(flags['crontab-command']));
      outcome = { as: 'cron', unit: `${target.site}/${target.name}`, files: [], commands: [`${flags['crontab-command']} -`], changed: true };
    }
    if (!this.jsonEnabled()) this.log(describe('installed', outcome));
    return outcome;
  }
}

export class ScheduleRemove extends SiteCommand {
  static override summary = 'Remove an installed schedule: its systemd user units, or its block in the user crontab.';
  static override description = 'The reverse of `schedule install`: systemd: `systemctl --user disable --now <timer>`, the unit files deleted, daemon-reload; cron: only this schedule\'s block between its markers is taken out of the crontab. Removing what is not installed is not an error.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --as systemd',
    '<%= config.bin %> <%= command.id %> nightly --site data-gov-uk --as cron',
  ];
  static override enableJsonFlag = true;
  static override args = { schedule: Args.string({ description: 'Name of the schedule.', required: true }) };
  static override flags = sharedFlags;

  async run(): Promise<InstallOutcome> {
    const { args, flags } = await this.parse(ScheduleRemove);
    const loaded = await this.loadConfig(flags);
    const unit = `mallard-${loaded.config.site}-${args.schedule}`;
    let outcome: InstallOutcome;
    if (flags.as === 'systemd') {
      const r = removeSystemd({ timerFile: `${unit}.timer`, serviceFile: `${unit}.service` }, {
        unitDir: flags['unit-dir'] ?? defaultUnitDir(process.env), ...(flags['no-systemctl'] ? {} : { systemctl: flags.systemctl }),
      });
      outcome = { as: 'systemd', unit, ...r, changed: r.files.length > 0 };
    } else {
      const next = removeCron({ site: loaded.config.site, name: args.schedule }, splitCommandLine(flags['crontab-command']));
      outcome = { as: 'cron', unit: `${loaded.config.site}/${args.schedule}`, files: [], commands: next === undefined ? [] : [`${flags['crontab-command']} -`], changed: next !== undefined };
    }
    if (!this.jsonEnabled()) this.log(outcome.changed ? describe('removed', outcome) : `${outcome.unit}: not installed (${outcome.as}); nothing to remove.`);
    return outcome;
  }
}

function describe(verb: string, o: InstallOutcome): string {
  const lines = [`${verb} ${o.unit} (${o.as})`];
  for (const f of o.files) lines.push(`  file: ${f}`);
  for (const c of o.commands) lines.push(`  ran: ${c}`);
  return lines.join('\n');
}
