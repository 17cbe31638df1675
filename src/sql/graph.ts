/**
 * The model graph: checks every ref (missing model → error naming the file and line), finds
 * cycles with the engine's findCycle (error naming the chain and the files), and orders
 * models so each comes after what it refs (ties broken by name: the order is reproducible).
 */
import { closestMatch, findCycle, MallardError } from '../engine/index.js';
import type { Model, ModelProject } from './project.js';

interface Node {
  id: string;
  deps: Node[];
  dependents: Node[];
}

function checkRefs(project: ModelProject, model: Model): void {
  for (const ref of model.refs) {
    const target = project.models.get(ref.name);
    if (target !== undefined && target.group === model.group) continue;
    const where = `${model.displayPath}:${ref.line}`;
    if (target !== undefined) {
      throw new MallardError('ERR_MODEL_REF', `${where}: ref('${ref.name}') points to ${target.displayPath}, in another group`, {
        context: { file: model.displayPath, line: ref.line, model: model.name },
        suggestions: [`a group builds one database: read ${target.group}'s database with source() instead`],
      });
    }
    const hint = closestMatch(ref.name, project.models.keys());
    throw new MallardError('ERR_MODEL_REF', `${where}: ref('${ref.name}'): no model named '${ref.name}'`, {
      context: { file: model.displayPath, line: ref.line, model: model.name },
      suggestions: [hint === undefined ? `models are files models/<group>/<name>.sql` : `did you mean ref('${hint}')?`],
    });
  }
}

/** Upstream model names of each model (its refs, deduplicated), after checking them. */
export function modelDeps(project: ModelProject): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const model of project.models.values()) {
    checkRefs(project, model);
    deps.set(model.name, [...new Set(model.refs.map((r) => r.name))]);
  }
  return deps;
}

function assertAcyclic(project: ModelProject, deps: Map<string, string[]>): void {
  const nodes = new Map<string, Node>();
  for (const name of [...deps.keys()].sort()) nodes.set(name, { id: name, deps: [], dependents: [] });
  for (const [name, ds] of deps) {
    const node = nodes.get(name) as Node;
    for (const d of ds) node.deps.push(nodes.get(d) as Node);
  }
  const cycle = findCycle([...nodes.values()]);
  if (cycle === undefined) return;
  const files = cycle.slice(0, -1).map((n) => project.models.get(n)?.displayPath ?? n);
  throw new MallardError('ERR_CYCLE', `models ref each other in a cycle: ${cycle.join(' -> ')} (${files.join(', ')})`, {
    context: { cycle, files },
    suggestions: ['a model cannot depend on itself, directly or through other models: remove one ref'],
  });
}

/**
 * Every model of the project in build order (dependencies first, ties by name).
 * Throws ERR_MODEL_REF for a missing ref, ERR_CYCLE for a cycle.
 */
export function orderModels(project: ModelProject): string[] {
  const deps = modelDeps(project);
  assertAcyclic(project, deps);
  const remaining = new Map([...deps].map(([name, ds]) => [name, new Set(ds)]));
  const dependents = new Map<string, string[]>();
  for (const [name, ds] of deps) for (const d of ds) dependents.set(d, [...(dependents.get(d) ?? []), name]);
  const ready = [...remaining].filter(([, ds]) => ds.size === 0).map(([n]) => n).sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const name = ready.shift() as string;
    order.push(name);
    for (const child of dependents.get(name) ?? []) {
      const left = remaining.get(child) as Set<string>;
      left.delete(name);
      if (left.size === 0) insertSorted(ready, child);
    }
  }
  return order;
}

function insertSorted(list: string[], item: string): void {
  let i = 0;
  while (i < list.length && (list[i] as string) < item) i++;
  list.splice(i, 0, item);
}

/** Names reachable from `start` following `edges` (start excluded). */
export function reachable(start: string, edges: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(edges.get(start) ?? [])];
  while (stack.length > 0) {
    const n = stack.pop() as string;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(edges.get(n) ?? []));
  }
  return seen;
}
