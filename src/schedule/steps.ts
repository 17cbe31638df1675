/**
 * A schedule's steps as child command lines: each configured line is split like a shell
 * would, its command looked up in the CLI's catalog (given by the commands layer, which
 * alone knows the commands), and the site flags added where the command takes them.
 * A step naming no command, or run-scheduled / schedule itself, is a config error with the
 * file, line and key path.
 */
import { readFileSync } from 'node:fs';
import { displayPath, formatProblem, parseSource, splitCommandLine, type ConfigProblem, type LoadedConfig, type ScheduleConfig } from '../config/index.js';
import { closestMatch, MallardError } from '../engine/index.js';

/** What the CLI offers, by command id (`artifacts:prune`): whether it takes --site and --config-file. */
export type CommandCatalog = ReadonlyMap<string, { site: boolean; configFile: boolean }>;

export interface ResolvedStep {
  /** The line as configured. */
  line: string;
  /** The oclif id, e.g. `run-models` or `artifacts:prune`. */
  commandId: string;
  /** The words after the command. */
  args: string[];
  /** Takes --site (and, if configFile, --config-file): the site is passed the way run-scheduled got it. */
  site: boolean;
  configFile: boolean;
}

const FORBIDDEN = (id: string): boolean => id === 'run-scheduled' || id === 'schedule' || id.startsWith('schedule:');

export function resolveStep(line: string, catalog: CommandCatalog): ResolvedStep | string {
  const words = splitCommandLine(line);
  for (let n = Math.min(words.length, 3); n >= 1; n--) {
    const id = words.slice(0, n).join(':');
    const entry = catalog.get(id);
    if (entry === undefined) continue;
    if (FORBIDDEN(id)) return `"${words.slice(0, n).join(' ')}" cannot be a step of a schedule (it would start scheduled runs from a scheduled run)`;
    return { line, commandId: id, args: words.slice(n), site: entry.site, configFile: entry.configFile };
  }
  const known = [...catalog.keys()].filter((id) => !FORBIDDEN(id)).map((id) => id.replace(/:/g, ' '));
  const topic = known.some((k) => k.startsWith(`${words[0]} `));
  const given = words.slice(0, topic ? 2 : 1).join(' ');
  const guess = closestMatch(given, known);
  const hint = guess === undefined ? `commands: ${known.join(', ')}` : `did you mean "${guess}"?`;
  return `unknown command "${given}": a step is a mallard command line such as "run-models --select usage" (${hint})`;
}

/** The named schedule of a loaded config, or ERR_USAGE listing the ones there are. */
export function scheduleNamed(loaded: LoadedConfig, name: string): ScheduleConfig {
  const schedule = loaded.config.schedules[name];
  if (schedule !== undefined) return schedule;
  const names = Object.keys(loaded.config.schedules);
  throw new MallardError('ERR_USAGE', `no schedule "${name}" in ${displayPath(loaded.file, process.cwd())}`, {
    context: { schedule: name, available: names },
    suggestions: [names.length > 0 ? `schedules of site ${loaded.config.site}: ${names.join(', ')}` : 'add one under `schedules:` in the site config (see configs/README.md)'],
  });
}

/** Resolves every step of the named schedules (all by default); ERR_CONFIG with lines on a bad one. */
export function resolveSteps(loaded: LoadedConfig, catalog: CommandCatalog, names = Object.keys(loaded.config.schedules)): Map<string, ResolvedStep[]> {
  const shown = displayPath(loaded.file, process.cwd());
  const problems: ConfigProblem[] = [];
  const out = new Map<string, ResolvedStep[]>();
  let lineOf: ((p: readonly PropertyKey[]) => number | undefined) | undefined;
  for (const name of names) {
    const steps: ResolvedStep[] = [];
    scheduleNamed(loaded, name).run.forEach((line, i) => {
      const step = resolveStep(line, catalog);
      if (typeof step !== 'string') return void steps.push(step);
      lineOf ??= linesOf(loaded.file);
      problems.push({ file: shown, line: lineOf(['schedules', name, 'run', i]), path: `schedules.${name}.run[${i}]`, message: step });
    });
    out.set(name, steps);
  }
  if (problems.length > 0) {
    const text = problems.length === 1 ? formatProblem(problems[0]!) : `${shown}: ${problems.length} problems\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
    throw new MallardError('ERR_CONFIG', text, { context: { file: shown, problems }, suggestions: ['`./cli.sh --help` lists the commands'] });
  }
  return out;
}

function linesOf(file: string): (p: readonly PropertyKey[]) => number | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return parseSource(text, /\.json$/i.test(file) ? 'json' : 'yaml').lineOf;
  } catch {
    return () => undefined;
  }
}

/** The argv of a step's child: the command words and args, then the site and artifacts flags. */
export function stepArgv(step: ResolvedStep, target: { site: string; siteFlag?: string; configFile: string; artifactsDir: string }): string[] {
  const argv = [...step.commandId.split(':'), ...step.args];
  if (step.site && step.configFile) argv.push(...(target.siteFlag !== undefined ? ['--site', target.siteFlag] : ['--config-file', target.configFile]));
  else if (step.site) argv.push('--site', target.site);
  argv.push('--artifacts-dir', target.artifactsDir);
  return argv;
}
