/**
 * The data a report embeds: plain JSON, columnar for the tasks so that a 100,000-task run
 * stays a few megabytes and parses in milliseconds. The browser code (assets/) reads it.
 */
import type { LineageNode } from '../store/index.js';

export const REPORT_DATA_VERSION = 1;

/** Task states, as the numbers in `tasks.state`. */
export const STATE = { pending: 0, running: 1, retrying: 2, done: 3, failed: 4, skipped: 5 } as const;
export const STATE_NAMES = ['pending', 'running', 'retrying', 'done', 'failed', 'skipped'] as const;

/** Attempt segments on the timeline, as the numbers in `segments.kind`. */
export const SEGMENT = { ok: 0, retried: 1, failed: 2, running: 3 } as const;

/** 'unknown': the log ended with a summary that did not say (an earlier version). */
export type ReportStatus = 'success' | 'failed' | 'interrupted' | 'dry-run' | 'running' | 'unknown';

export interface ReportRun {
  runId: string;
  scope: string | null;
  command: string | null;
  roots: string[];
  workers: number | null;
  dryRun: boolean;
  /** 'running' when the log has no run_finished: still going, or the process died. */
  status: ReportStatus;
  startedAt: number | null;
  /** run_finished's time, else the last event's. */
  endedAt: number | null;
  durationMs: number | null;
  /** The summary's counts when the run finished; null otherwise. */
  counts: Record<string, number> | null;
  /** Lines that were not JSON events (a line cut by a crash is the usual one). */
  badLines: number;
  /** The last line of the log was cut off (the writer died, or is writing it now). */
  truncated: boolean;
  /** Fields the log did not have (written by an earlier version): shown as unknown. */
  unknown: string[];
}

export interface FamilyCounts {
  pending: number;
  running: number;
  retrying: number;
  done: number;
  failed: number;
  skipped: number;
  /** Complete already at planning time (no task events): from tasks_planned. */
  complete: number;
}

export interface ReportFamily {
  name: string;
  counts: FamilyCounts;
  /** Tasks in the family per the last graph event (null when not recorded). */
  tasks: number | null;
  /** Sum of attempt durations, ms. */
  busyMs: number;
  /** First start and last end, ms since the run's start (null when nothing ran). */
  firstStart: number | null;
  lastEnd: number | null;
  retries: number;
  /** Timeline lanes this family needs (concurrent attempts at most). */
  lanes: number;
}

export interface GraphNodeLayout {
  family: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdgeLayout {
  from: string;
  to: string;
  count: number;
  points: Array<[number, number]>;
}

export interface ReportGraph {
  /** False for logs without a graph event: nodes from task events, no edges. */
  recorded: boolean;
  width: number;
  height: number;
  nodes: GraphNodeLayout[];
  edges: GraphEdgeLayout[];
}

/** One entry per task that appears in the log, in order of first appearance. */
export interface ReportTasks {
  /** The task id without its family prefix when it has one (`(i=3)`), else the whole id. */
  id: string[];
  family: number[];
  state: number[];
  /** ms since the run's start; -1 when it never started. */
  start: number[];
  end: number[];
  /** Sum of attempt durations (ms); -1 when it never ran. */
  duration: number[];
  attempts: number[];
  /** Index into `reasons`: why it ran (pending) or why it was skipped; -1 unknown. */
  reason: number[];
  /** Index into `failures` for failed tasks; -1 otherwise. */
  failure: number[];
}

export interface ReportSegments {
  task: number[];
  start: number[];
  end: number[];
  kind: number[];
  lane: number[];
}

export interface FailureGroup {
  code: string | null;
  /** The message with the task's own id and numbers generalised: what the group shares. */
  pattern: string;
  count: number;
  /** Task indexes (into `tasks`), every one. */
  tasks: number[];
  /** The full error of each listed task, same order as `tasks`. */
  errors: string[];
}

export interface ReportArtifact {
  path: string;
  site: string;
  name: string;
  timestamp: string;
  size: number;
  sha256: string;
  tables: Record<string, number>;
  createdAt: string;
  lineage: LineageNode | null;
  lineageError: string | null;
}

export interface ReportData {
  version: number;
  generatedAt: string;
  run: ReportRun;
  families: ReportFamily[];
  graph: ReportGraph;
  tasks: ReportTasks;
  reasons: string[];
  segments: ReportSegments;
  failures: FailureGroup[];
  retries: { total: number; byLayer: Record<string, number>; byCode: Record<string, number> };
  warnings: Array<{ id: string; message: string }>;
  artifacts: ReportArtifact[];
  /** Byte offset in the log just after the last line read: where a live view resumes. */
  logOffset: number;
}
