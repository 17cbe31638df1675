/**
 * Installing a schedule on this machine: systemd user units (written atomically into the
 * unit directory, then `systemctl --user daemon-reload` and `enable --now` the timer), or a
 * block in the user's crontab (read with `crontab -l`, written with `crontab -`), replacing
 * only this schedule's block. Directory and commands are options, so tests (and people
 * with other set-ups) never touch the real user's timers or crontab.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MallardError, writeFileAtomicSync } from '../engine/index.js';
import { replaceCronBlock } from './render-cron.js';
import type { RenderTarget } from './render.js';

export interface SystemdInstallOptions {
  unitDir: string;
  /** The systemctl program; undefined: do not call it (files only). */
  systemctl?: string;
}

export interface InstallResult {
  files: string[];
  commands: string[];
}

export function defaultUnitDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'systemd', 'user');
}

function run(program: string, args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(program, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new MallardError('ERR_USAGE', `cannot run ${program}: ${code === 'ENOENT' ? 'not installed or not on PATH' : code ?? r.error.message}`, {
      cause: r.error,
      suggestions: ['give the program with --systemctl / --crontab-command, or install it (cron: apt-get install cron)'],
    });
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mustRun(program: string, args: readonly string[], input?: string, suggestions: string[] = []): string {
  const r = run(program, args, input);
  if (r.status !== 0) throw new MallardError('ERR_INSTALL', `${[program, ...args].join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`, { suggestions });
  return r.stdout;
}

const SYSTEMCTL_HINTS = (files: readonly string[]): string[] => [
  `the unit files are written (${files.join(', ')}); enable the timer from a login session with a user manager: systemctl --user daemon-reload && systemctl --user enable --now ${files.at(-1) === undefined ? '<timer>' : files.at(-1)!.split('/').at(-1)}`,
  'no user manager here (a container, or SSH without lingering)? run loginctl enable-linger, or use --as cron; --no-systemctl writes the files only',
];

export function installSystemd(units: { timer: string; service: string; timerFile: string; serviceFile: string }, opts: SystemdInstallOptions): InstallResult {
  fs.mkdirSync(opts.unitDir, { recursive: true });
  const files = [path.join(opts.unitDir, units.serviceFile), path.join(opts.unitDir, units.timerFile)];
  writeFileAtomicSync(files[0]!, units.service);
  writeFileAtomicSync(files[1]!, units.timer);
  const commands: string[] = [];
  if (opts.systemctl !== undefined) {
    for (const args of [['--user', 'daemon-reload'], ['--user', 'enable', '--now', units.timerFile]]) {
      mustRun(opts.systemctl, args, undefined, SYSTEMCTL_HINTS(files));
      commands.push([opts.systemctl, ...args].join(' '));
    }
  }
  return { files, commands };
}

export function removeSystemd(units: { timerFile: string; serviceFile: string }, opts: SystemdInstallOptions): InstallResult {
  const commands: string[] = [];
  if (opts.systemctl !== undefined) {
    const args = ['--user', 'disable', '--now', units.timerFile];
    const r = run(opts.systemctl, args);
    if (r.status === 0) commands.push([opts.systemctl, ...args].join(' '));
  }
  const files: string[] = [];
  for (const name of [units.timerFile, units.serviceFile]) {
    const file = path.join(opts.unitDir, name);
    if (fs.existsSync(file)) {
      fs.rmSync(file);
      files.push(file);
    }
  }
  if (opts.systemctl !== undefined) {
    mustRun(opts.systemctl, ['--user', 'daemon-reload']);
    commands.push(`${opts.systemctl} --user daemon-reload`);
  }
  return { files, commands };
}

/** The crontab program and its leading arguments, e.g. ['crontab'] or ['sudo', '-u', 'x', 'crontab']. */
export type CrontabCommand = readonly string[];

function readCrontab(cmd: CrontabCommand): string {
  const [program, ...args] = cmd;
  const r = run(program!, [...args, '-l']);
  if (r.status === 0) return r.stdout;
  if (/no crontab for/i.test(r.stderr)) return '';
  throw new MallardError('ERR_INSTALL', `${cmd.join(' ')} -l failed (exit ${r.status}): ${r.stderr.trim()}`);
}

function writeCrontab(cmd: CrontabCommand, text: string): void {
  const [program, ...args] = cmd;
  mustRun(program!, [...args, '-'], text);
}

/** Puts this schedule's block in the crontab (replacing an earlier one); returns the new crontab. */
export function installCron(target: Pick<RenderTarget, 'site' | 'name'>, block: string, cmd: CrontabCommand): string {
  const next = replaceCronBlock(readCrontab(cmd), target, block);
  writeCrontab(cmd, next);
  return next;
}

/** Removes this schedule's block; undefined when there was none (nothing written). */
export function removeCron(target: Pick<RenderTarget, 'site' | 'name'>, cmd: CrontabCommand): string | undefined {
  const current = readCrontab(cmd);
  if (!current.split('\n').some((l) => l.trim() === `# BEGIN mallard ${target.site}/${target.name}`)) return undefined;
  const next = replaceCronBlock(current, target, undefined);
  writeCrontab(cmd, next);
  return next;
}
