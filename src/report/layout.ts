/**
 * Laid out when the report is written, so the browser does none: the family graph (dagre,
 * a few dozen nodes, never one per task) and the timeline's lanes (greedy interval packing:
 * an attempt takes the first lane of its family that is free at its start).
 */
import dagre from '@dagrejs/dagre';
import type { GraphEdgeLayout, GraphNodeLayout, ReportGraph, ReportSegments } from './model.js';

const NODE_HEIGHT = 74;
const CHAR_WIDTH = 7.4;

export interface GraphInput {
  families: string[];
  edges: Array<{ from: string; to: string; count: number }>;
  recorded: boolean;
}

export function layoutFamilies(input: GraphInput): ReportGraph {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 90, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const f of input.families) g.setNode(f, { width: Math.max(230, Math.min(340, f.length * CHAR_WIDTH + 28)), height: NODE_HEIGHT });
  const known = new Set(input.families);
  const edges = input.edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
  for (const e of edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const nodes: GraphNodeLayout[] = input.families.map((f) => {
    const n = g.node(f) as { x: number; y: number; width: number; height: number };
    return { family: f, x: round(n.x - n.width / 2), y: round(n.y - n.height / 2), width: round(n.width), height: round(n.height) };
  });
  const laid: GraphEdgeLayout[] = edges.map((e) => {
    const points = ((g.edge(e.from, e.to) as { points?: Array<{ x: number; y: number }> } | undefined)?.points ?? []).map((p): [number, number] => [round(p.x), round(p.y)]);
    return { from: e.from, to: e.to, count: e.count, points };
  });
  const graph = g.graph() as { width?: number; height?: number };
  return { recorded: input.recorded, width: round(graph.width ?? 0), height: round(graph.height ?? 0), nodes, edges: laid };
}

const round = (n: number): number => Math.round(n * 10) / 10;

/**
 * Fills `segments.lane` (per family, from 0) and returns how many lanes each family needs.
 * `familyOf(task)` gives a segment's family index.
 */
export function assignLanes(segments: ReportSegments, familyOf: (task: number) => number, families: number): number[] {
  const order = segments.start.map((_, i) => i);
  // Attempts are recorded as they start, so this is nearly always in order already.
  if (!isSorted(segments.start)) order.sort((a, b) => (segments.start[a] as number) - (segments.start[b] as number));
  const laneEnds: number[][] = Array.from({ length: families }, () => []);
  for (const si of order) {
    const ends = laneEnds[familyOf(segments.task[si] as number)] as number[];
    const start = segments.start[si] as number;
    let lane = ends.findIndex((end) => end <= start);
    if (lane < 0) lane = ends.push(0) - 1;
    // A zero-length attempt still occupies its lane for that instant.
    ends[lane] = Math.max(segments.end[si] as number, start + 1e-9);
    segments.lane[si] = lane;
  }
  return laneEnds.map((ends) => Math.max(1, ends.length));
}

function isSorted(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if ((values[i] as number) < (values[i - 1] as number)) return false;
  return true;
}
