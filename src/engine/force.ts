/**
 * `--force` values checked against the graph before a run starts (before the lock and the
 * run log): each must name a task id in the graph, a family in it, or a family whose tasks
 * appear only at run time (declared by the caller). Otherwise ERR_USAGE, with "did you mean".
 */
import { closestMatch } from './did-you-mean.js';
import { MallardError } from './errors.js';

export interface ForceTargets {
  /** The task ids of the graph (a set, or the graph's map by id). */
  ids: { has(id: string): boolean };
  families: ReadonlySet<string>;
}

/** Throws ERR_USAGE when a value matches nothing; returns quietly otherwise. */
export function checkForce(force: readonly string[], graph: ForceTargets, runtimeFamilies: readonly string[] = []): void {
  if (force.length === 0) return;
  const known = new Set([...graph.families, ...runtimeFamilies]);
  const unmatched = [...new Set(force.filter((v) => !graph.ids.has(v) && !known.has(v)))];
  if (unmatched.length > 0) throw unknownForce(unmatched, [...known].sort());
}

function unknownForce(unmatched: string[], families: string[]): MallardError {
  const what = unmatched.map((v) => JSON.stringify(v)).join(', ');
  const suggestions: string[] = [];
  for (const v of unmatched) {
    const close = families.find((f) => v.startsWith(`${f}(`)) ?? closestMatch(v, families);
    if (close !== undefined && close !== v) suggestions.push(`did you mean ${v.startsWith(`${close}(`) ? `a task of ${close} (check its parameters)` : close}?`);
  }
  suggestions.push(families.length === 0 ? 'this run has no tasks' : `families in this run: ${families.join(', ')}`);
  suggestions.push('a task id looks like Family(key=value, ...): quote it in the shell; --dry-run lists what would run');
  return new MallardError('ERR_USAGE', `--force ${what}: no task or task family of that name in this run (nothing was run)`, {
    context: { unmatched, families },
    suggestions,
  });
}
