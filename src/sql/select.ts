/**
 * dbt-style selectors: `name` (a model), `group` (every model of models/<group>/),
 * `+name` (with everything upstream), `name+` (with everything downstream), `+name+`.
 * Several selectors (space or comma separated) select the union.
 */
import { closestMatch, MallardError } from '../engine/index.js';
import { modelDeps, orderModels, reachable } from './graph.js';
import type { ModelGroup, ModelProject } from './project.js';

export interface GroupSelection {
  group: ModelGroup;
  /** Selected models of the group, in build order. */
  models: string[];
  /** Every model of the group is selected: the build starts from an empty database. */
  complete: boolean;
}

function parseToken(token: string): { name: string; up: boolean; down: boolean } {
  const up = token.startsWith('+');
  const down = token.endsWith('+') && token.length > 1;
  const name = token.slice(up ? 1 : 0, down ? -1 : undefined);
  return { name, up, down };
}

function unknownSelector(project: ModelProject, token: string, name: string): MallardError {
  const hint = closestMatch(name, [...project.models.keys(), ...project.groups.keys()]);
  return new MallardError('ERR_USAGE', `--select ${token}: no model or group named '${name}'`, {
    context: { selector: token },
    suggestions: [
      hint === undefined ? `groups: ${[...project.groups.keys()].join(', ') || '(none)'}` : `did you mean '${hint}'?`,
      'selectors: <model>, <group>, +<model> (with upstream), <model>+ (with downstream)',
    ],
  });
}

/** The models `selector` names, in build order (across groups). */
export function selectModels(project: ModelProject, selector: string): string[] {
  const tokens = selector.split(/[\s,]+/).filter((t) => t !== '');
  if (tokens.length === 0) throw new MallardError('ERR_USAGE', '--select is empty', { suggestions: ['give a model or group name'] });
  const order = orderModels(project);
  const upstream = modelDeps(project);
  const downstream = new Map<string, string[]>();
  for (const [name, deps] of upstream) for (const d of deps) downstream.set(d, [...(downstream.get(d) ?? []), name]);
  const chosen = new Set<string>();
  for (const token of tokens) {
    const { name, up, down } = parseToken(token);
    const seeds = project.models.has(name) ? [name] : (project.groups.get(name)?.models ?? undefined);
    if (seeds === undefined || name === '') throw unknownSelector(project, token, name);
    if (seeds.length === 0) {
      throw new MallardError('ERR_USAGE', `--select ${token}: group '${name}' has no models`, {
        context: { selector: token },
        suggestions: [`a mallard group has .sql files directly in ${name}/; a dbt project has dbt_project.yml in ${name}/ and its models under its model-paths`],
      });
    }
    for (const seed of seeds) {
      chosen.add(seed);
      if (up) for (const n of reachable(seed, upstream)) chosen.add(n);
      if (down) for (const n of reachable(seed, downstream)) chosen.add(n);
    }
  }
  return order.filter((n) => chosen.has(n));
}

/**
 * `selected` plus the ephemeral models they read (through other ephemerals too), in build
 * order: those are inlined into the selected ones, so their sources must be attached.
 */
function withEphemeralUpstream(project: ModelProject, selected: string[]): string[] {
  const chosen = new Set(selected);
  const stack = [...selected];
  while (stack.length > 0) {
    for (const ref of project.models.get(stack.pop() as string)?.refs ?? []) {
      if (project.models.get(ref.name)?.materialization !== 'ephemeral' || chosen.has(ref.name)) continue;
      chosen.add(ref.name);
      stack.push(ref.name);
    }
  }
  return chosen.size === selected.length ? selected : orderModels(project).filter((n) => chosen.has(n));
}

/** The selection split by group (each group is one database build), groups by name. */
export function selectByGroup(project: ModelProject, selector: string): GroupSelection[] {
  const selected = selectModels(project, selector);
  const result: GroupSelection[] = [];
  const withEphemerals = withEphemeralUpstream(project, selected);
  for (const group of [...project.groups.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const models = withEphemerals.filter((n) => project.models.get(n)?.group === group.name);
    if (models.length > 0) result.push({ group, models, complete: models.length === group.models.length });
  }
  return result;
}
