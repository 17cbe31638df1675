/** The task engine: tasks, targets, the scheduler, receipts, locks and run history. */
export { isPartialPath, partialPathFor, withAtomicPath, writeFileAtomic, writeFileAtomicSync } from './atomic-file.js';
export type { AtomicWriteOptions } from './atomic-file.js';
export { FakeClock, systemClock, type Clock } from './clock.js';
export { collapseParams } from './collapse.js';
export { errorMessage, isMallardError, MallardError, USAGE_ERROR_CODES, type ErrorDetails } from './errors.js';
export type { EngineEvent, EventListener } from './events.js';
export { findCycle } from './graph.js';
export { acquireLock, type Lock, type LockHolder, type LockOptions } from './lock.js';
export { JournalReceiptStore } from './receipt-journal.js';
export { MemoryReceiptStore, type Receipt, type ReceiptStore } from './receipts.js';
export { classifyError, retryDelayMs } from './retry.js';
export { listRuns, readRun, RunLog, type RunRecord } from './run-log.js';
export { newRunId, runTasks, type RunOptions } from './scheduler.js';
export { formatSummary, type RunStatus, type RunSummary, type SummaryGroup } from './summary.js';
export { FileTarget, type Target } from './target.js';
export { DEFAULT_RETRY, ExternalTask, NO_RETRY, Task, taskId, type Params, type ParamValue, type RetryPolicy, type TaskContext } from './task.js';
export { runSession, sessionPaths, type SessionOptions, type SessionResult } from './session.js';
export { formatShardSpec, MAX_SHARDS, ownsTask, parseShardSpec, partition, shardOf, shareOfConcurrency, shareOfRate, type ShardSpec } from './shard.js';
