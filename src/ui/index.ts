/**
 * The user interface of runs: renderers listening to engine events (listr2 in a terminal,
 * plain timestamped lines otherwise, JSON lines with --json), the dry-run plan, the run
 * history views, and the logic behind every task-running command. The entry point of src/ui.
 */
export { chooseRenderMode, createRenderer, type OutputStream, type Renderer, type RendererOptions, type RenderMode, type RenderModeInput } from './renderer.js';
export { LOG_LINES_PER_INTERVAL, PROGRESS_INTERVAL_MS, SMALL_RUN_TASKS } from './plain-renderer.js';
export { describeCounts, isFinished, ProgressTracker, type FamilyCounts, type RunTotals } from './progress.js';
export { formatPlan, reasonKind } from './plan.js';
export { findRunFile, listRunHistory, MAX_DETAIL_ITEMS, readRunDetail, runsDirOf, type RetriedTask, type RunDetail, type RunFailure, type RunList } from './run-history.js';
export { askedFor, formatRunDetail, formatRunList, statusLabel } from './run-history-format.js';
export { formatDuration, isoSeconds } from './format.js';
