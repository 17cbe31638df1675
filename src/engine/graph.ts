/**
 * The task graph as plain data: nodes keyed by id with their dependencies and dependents.
 * Pure functions over it (no knowledge of what a task does): expansion from roots, cycle
 * search returning the path, and topological order. Iterative throughout, so a chain of
 * 100,000 tasks does not overflow the stack.
 */
import { MallardError } from './errors.js';

export interface GraphNode {
  readonly id: string;
  /** Replaced (not pushed to) when the first one comes, like `dependents` (a leaf's may be one shared empty array). */
  deps: GraphNode[];
  /** Replaced (not pushed to) when the first one comes: an array of one, not of a default capacity, per leaf. */
  dependents: GraphNode[];
}

/**
 * Adds `roots` and everything they require (transitively) to `nodes`, creating nodes with
 * `make` and asking `requires` for each new node's dependencies. Returns the nodes added,
 * in discovery order. Raises ERR_CYCLE if the new part closes a cycle.
 */
export function expandGraph<N extends GraphNode, T>(
  nodes: Map<string, N>,
  roots: readonly T[],
  key: (item: T) => string,
  make: (item: T) => N,
  requires: (node: N) => readonly T[],
): N[] {
  const added: N[] = [];
  const stack: N[] = [];
  // A cycle needs a requirement met by a node made before it: while every one is new, the new part is a forest.
  let reached = false;
  const get = (item: T): N => {
    const id = key(item);
    let node = nodes.get(id);
    if (node === undefined) {
      node = make(item);
      nodes.set(id, node);
      added.push(node);
      stack.push(node);
    } else reached = true;
    return node;
  };
  const rootNodes = roots.map(get);
  reached = false;
  while (stack.length > 0) {
    const node = stack.pop() as N;
    const reqs = requires(node);
    for (let r = 0; r < reqs.length; r += 1) {
      const dep = get(reqs[r] as T);
      // A task listing the same requirement twice depends on it once. `node` is new, so its
      // edges are all made here, one after another: it is in dep's dependents only as the last.
      const dependents = dep.dependents;
      if (dependents.length === 0) dep.dependents = [node];
      else if (dependents[dependents.length - 1] === node) continue;
      else dependents.push(node);
      if (node.deps.length === 0) node.deps = [dep];
      else node.deps.push(dep);
    }
  }
  const cycle = reached ? findCycle(rootNodes.length > 0 ? rootNodes : added) : undefined;
  if (cycle !== undefined) {
    throw new MallardError('ERR_CYCLE', `dependency cycle: ${cycle.join(' -> ')}`, {
      context: { cycle },
      suggestions: ['a task must not require itself, directly or through others'],
    });
  }
  return added;
}

/** The ids along a cycle reachable from `starts`, first id repeated at the end; undefined if none. */
export function findCycle(starts: readonly GraphNode[]): string[] | undefined {
  const state = new Map<GraphNode, 1 | 2>(); // 1 = on the current path, 2 = finished
  for (const start of starts) {
    if (state.has(start)) continue;
    const path: GraphNode[] = [start];
    const next: number[] = [0];
    state.set(start, 1);
    while (path.length > 0) {
      const node = path[path.length - 1] as GraphNode;
      const i = next[next.length - 1] as number;
      if (i >= node.deps.length) {
        state.set(node, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const dep = node.deps[i] as GraphNode;
      const s = state.get(dep);
      if (s === 1) {
        const from = path.indexOf(dep);
        return [...path.slice(from).map((n) => n.id), dep.id];
      }
      if (s === undefined) {
        state.set(dep, 1);
        path.push(dep);
        next.push(0);
      }
    }
  }
  return undefined;
}

/** Is `target` reachable from `from` by following dependencies? */
export function dependsOn(from: GraphNode, target: GraphNode): boolean {
  const seen = new Set<GraphNode>();
  const stack = [from];
  while (stack.length > 0) {
    const node = stack.pop() as GraphNode;
    if (node === target) return true;
    for (const dep of node.deps) {
      if (!seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return false;
}
