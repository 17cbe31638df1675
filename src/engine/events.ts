/** What the scheduler reports while it works; renderers and the run log listen to these. */
import type { GraphEvent } from './family-graph.js';
import type { RunSummary } from './summary.js';

export type { GraphEvent } from './family-graph.js';

interface TaskEventBase {
  id: string;
  family: string;
  /** Epoch ms. */
  at: number;
}

export type EngineEvent =
  | { type: 'run_started'; runId: string; at: number; roots: string[]; workers: number; dryRun: boolean }
  | { type: 'tasks_planned'; at: number; toRun: number; complete: number; byFamily: Record<string, { toRun: number; complete: number }> }
  | (TaskEventBase & { type: 'task_pending'; reason: string })
  | (TaskEventBase & { type: 'task_started'; attempt: number })
  | (TaskEventBase & { type: 'task_log'; message: string })
  | (TaskEventBase & { type: 'task_warning'; message: string })
  | (TaskEventBase & { type: 'task_done'; attempt: number; durationMs: number })
  /** After planning, and again (whole) when tasks needed at run time change it: task families and the edges between them. */
  | GraphEvent
  /** A retry: of the whole task by the engine (layer 'task'), or inside it (ctx.retried: 'http', ...). */
  | (TaskEventBase & { type: 'task_retry'; attempt: number; delayMs: number; error: string; code?: string; layer: string })
  | (TaskEventBase & { type: 'task_failed'; attempt: number; error: string; code?: string; hints?: string[] })
  | (TaskEventBase & { type: 'task_skipped'; reason: string })
  | { type: 'run_finished'; at: number; summary: RunSummary };

export type EventListener = (event: EngineEvent) => void;
