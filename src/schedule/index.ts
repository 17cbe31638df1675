/**
 * Scheduled runs: ticks of a schedule (croner, zones and daylight saving), the one entry
 * point a timer calls (run-scheduled), its run records, status against expected ticks,
 * rendering for systemd / cron / GitHub Actions, install and remove, and freshness.
 */
export { failureOf, findStepRun, runStepChild, type ChildOptions } from './child.js';
export { describeHolder, liveHolder, pidAlive, scheduleLockFile } from './overlap.js';
export { appendRecord, finishedRuns, keyStates, readRecords, recordsFile, type ScheduledRunRecord, type ScheduledStatus, type StepRecord } from './records.js';
export { formatMs, runScheduled, type RunScheduledOptions, type ScheduledAction, type ScheduledOutcome } from './run-scheduled.js';
export { resolveStep, resolveSteps, scheduleNamed, stepArgv, type CommandCatalog, type ResolvedStep } from './steps.js';
export { isoTick, runKey, tickSource, type TickSource } from './ticks.js';
export { compactList, parseCronFields, type CronFields } from './cron-fields.js';
export { checkFreshness, type FreshnessReport, type FreshnessRow, type FreshnessStatus } from './freshness.js';
export { defaultUnitDir, installCron, installSystemd, removeCron, removeSystemd, type CrontabCommand, type InstallResult, type SystemdInstallOptions } from './install.js';
export { cronLogFile, cronMarkers, renderCron, replaceCronBlock } from './render-cron.js';
export { offTheHour, renderGithubActions } from './render-github.js';
export { onCalendar, renderSystemd, unitName } from './render-systemd.js';
export { shellWord, type RenderTarget } from './render.js';
export { scheduleStatus, type ScheduleStatus, type TickRow, type TickStatus } from './status.js';
