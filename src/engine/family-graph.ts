/**
 * The graph of a run at the level of task families, for the run log (`graph` events) and
 * reports: tasks per family, and edges `from` the upstream family `to` the family requiring
 * it, with how many task-to-task edges each stands for. Kept up to date incrementally as
 * tasks are added (static requirements and dependencies asked for at run time).
 */
import type { TaskNode } from './run-state.js';

export interface GraphEvent {
  type: 'graph';
  at: number;
  families: Record<string, { tasks: number }>;
  edges: Array<{ from: string; to: string; count: number }>;
}

/** Family names in code-unit order (not localeCompare's: its first call loads a collator, ~5 ms of every run's start). */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class FamilyGraph {
  private readonly families = new Map<string, number>();
  /** to → from → edge (nested, so counting an edge makes no key string). */
  private readonly edges = new Map<string, Map<string, { from: string; to: string; count: number }>>();
  /** Per needer, the tasks it asked for (node references: no strings made per edge). */
  private readonly needed = new Map<TaskNode, Set<TaskNode>>();
  /** Changed since the last snapshot. */
  dirty = false;

  /** Nodes new to the graph: counted, with their static dependencies. */
  addNodes(nodes: readonly TaskNode[]): void {
    // Nodes come in runs of one family (a wide task's requirements): counted once per run.
    let runFamily: string | undefined;
    let run = 0;
    for (const node of nodes) {
      const family = node.task.family;
      if (family === runFamily) run += 1;
      else {
        if (runFamily !== undefined) this.countTasks(runFamily, run);
        runFamily = family;
        run = 1;
      }
      if (node.deps.length === 0) continue;
      let into = this.edges.get(family);
      if (into === undefined) this.edges.set(family, (into = new Map()));
      // Runs of deps of one family (a wide task's) count into one edge without a lookup each.
      let edge: { from: string; to: string; count: number } | undefined;
      for (const dep of node.deps) {
        if (edge !== undefined && edge.from === dep.task.family) edge.count += 1;
        else edge = this.addEdgeInto(into, dep.task.family, family);
      }
    }
    if (runFamily !== undefined) this.countTasks(runFamily, run);
    if (nodes.length > 0) this.dirty = true;
  }

  private countTasks(family: string, n: number): void {
    this.families.set(family, (this.families.get(family) ?? 0) + n);
  }

  /** Dependencies `needer` asked for at run time (each pair counted once, also across retries). */
  addNeeded(needer: TaskNode, targets: readonly TaskNode[]): void {
    let seen = this.needed.get(needer);
    if (seen === undefined) this.needed.set(needer, (seen = new Set()));
    for (const target of targets) {
      if (seen.has(target)) continue;
      seen.add(target);
      this.addEdge(target.task.family, needer.task.family);
      this.dirty = true;
    }
  }

  snapshot(at: number): GraphEvent {
    this.dirty = false;
    const families: Record<string, { tasks: number }> = {};
    for (const [family, tasks] of [...this.families].sort((a, b) => byCodeUnits(a[0], b[0]))) families[family] = { tasks };
    const edges = [...this.edges.values()].flatMap((into) => [...into.values()].map((e) => ({ ...e }))).sort((a, b) => byCodeUnits(a.from, b.from) || byCodeUnits(a.to, b.to));
    return { type: 'graph', at, families, edges };
  }

  private addEdge(from: string, to: string): void {
    let into = this.edges.get(to);
    if (into === undefined) this.edges.set(to, (into = new Map()));
    this.addEdgeInto(into, from, to);
  }

  private addEdgeInto(into: Map<string, { from: string; to: string; count: number }>, from: string, to: string): { from: string; to: string; count: number } {
    let edge = into.get(from);
    if (edge === undefined) into.set(from, (edge = { from, to, count: 1 }));
    else edge.count += 1;
    return edge;
  }
}
