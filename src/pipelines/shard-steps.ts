/**
 * The three kinds of step of a sharded run (docs/scale-out.md §1, §5), around an ordinary
 * local run of the engine (`execute`, the command's session):
 *
 * - `i/N`: reads the stage's plan, runs the leaf tasks this shard owns that have no committed
 *   receipt, commits each one as it finishes, and writes its marker (started, then finished).
 * - `plan`: refuses unless every stage upstream is complete, pulls their committed work, runs
 *   the upstream fan-ins and whatever the plan reads, then commits the stage plan (and the
 *   plan step's own leaf receipts: CKAN's first page). A retry with the same inputs reuses the
 *   current plan (CKAN: while that crawl is unfinished).
 * - `final`: refuses unless every stage in the command's graph is complete, pulls it all, and
 *   runs the command's graph: the leaves are complete, so only the fan-ins run.
 *
 * Plan and final steps hold the store's lease of the site meanwhile (one at a time). A step
 * whose lease is taken over (it was not renewed in time) stops: its session is interrupted
 * through `execute`'s signal, nothing more is committed, and the step fails with
 * ERR_LEASE_LOST.
 */
import { formatShardSpec, MallardError, newRunId, ownsTask, systemClock, type EventListener, type RunSummary, type ShardSpec, type Task } from '../engine/index.js';
import type { LeaseOptions, RemoteReceipt, ShardStateStore, StageName, StagePlan } from '../shards/run-contract.js';
import { ShardCommitter, type CommitCounts } from '../shards/run-commit.js';
import { journalFile, journalReceipts } from '../shards/run-journal.js';
import { pullCommitted } from '../shards/run-pull.js';
import type { StepPublisher } from '../shards/run-publish.js';
import { missingLeaves, readStageState, requireComplete, stepCommand, type StageState, type StepNaming } from '../shards/run-stage-state.js';
import type { SourcegraphRequestTask } from '../sources/sourcegraph/index.js';
import { ShardSearchesTask, splitPending } from './shard-search.js';
import { leafStageOf, leafTasks, stageInfo, stagePlanner, stagesInGraph } from './shard-stages.js';
import type { SitePipeline } from './site-pipeline.js';

export interface ShardStepContext {
  store: ShardStateStore;
  /** `gs://bucket/prefix` as given, for messages. */
  storeUrl: string;
  spec: ShardSpec;
  /** The command's id (download-datasets-info, run-models, …). */
  command: string;
  site: string;
  artifactsDir: string;
  pipeline: SitePipeline;
  /** The command's own roots (what a local run would run): the final step runs them. */
  roots: Task[];
  /** Runs tasks in this process (the command's session), with an extra listener; stops (no new tasks, running ones asked to stop) when `stop` aborts. */
  execute: (roots: Task[], onEvent?: EventListener, stop?: AbortSignal) => Promise<RunSummary>;
  notice: (message: string) => void;
  /** --refresh: the plan step plans again even when the current plan has the same inputs. */
  refresh?: boolean;
  dryRun?: boolean;
  /**
   * Uploads to the store what the step leaves besides commits: a plan or final step's published
   * databases (after a successful run, before its lease is released), every step's run log
   * (when it ends, even failed). Without it (tests of the steps alone) nothing is published.
   */
  publisher?: StepPublisher;
  /** The lease's timing (tests; default: 5 min TTL, renewed every 60 s). */
  lease?: LeaseOptions;
}

export interface ShardStepResult {
  summary?: RunSummary;
  /** 0, or 1 when a commit failed (the run itself sets its own exit code). */
  exitCode?: number;
  plan?: { planId: string; leaves: number; reused: boolean };
  commits?: CommitCounts;
  pulled?: number;
}

/** ERR_USAGE unless the spec fits the command (see the module comment): checked before anything is opened. */
export function checkShardUsage(spec: ShardSpec, command: string, roots: readonly Task[], dryRun: boolean): void {
  const stage = leafStageOf(command);
  if (spec.kind !== 'final' && stage === undefined) {
    const commands = ['download-datasets-info', 'download-sourcegraph-results', 'enrich-github-repos'];
    throw new MallardError('ERR_USAGE', `${command} has no leaf work of its own to shard: --shard ${formatShardSpec(spec)} is for ${commands.join(', ')}`, {
      suggestions: [`use --shard final to run ${command} after every shard of the stages it reads has committed`],
    });
  }
  if (spec.kind === 'final' && stagesInGraph(roots).length === 0) {
    throw new MallardError('ERR_USAGE', `${command} reads no sharded stage (no CKAN pages, searches or GitHub repositories in its graph): run it without --shard and --store`);
  }
  if (dryRun && spec.kind !== 'shard') {
    throw new MallardError('ERR_USAGE', `--dry-run combines with --shard i/N only (a ${spec.kind} step pulls committed work before it can say what it would run)`, {
      suggestions: ['dry-run one shard, e.g. --shard 0/8 --dry-run'],
    });
  }
}

export async function runShardStep(ctx: ShardStepContext): Promise<ShardStepResult> {
  try {
    switch (ctx.spec.kind) {
      case 'shard':
        return await runShard(ctx, ctx.spec);
      case 'plan':
        return await withLease(ctx, (lost) => runPlan(ctx, lost).then((r) => publishArtifacts(ctx, r, lost)));
      case 'final':
        return await withLease(ctx, (lost) => runFinal(ctx, lost).then((r) => publishArtifacts(ctx, r, lost)));
    }
  } finally {
    await publishRunLogs(ctx);
  }
}

/** A plan or final step that ran to success uploads the databases it published, holding its lease. */
async function publishArtifacts(ctx: ShardStepContext, result: ShardStepResult, lost: AbortSignal): Promise<ShardStepResult> {
  if (ctx.publisher === undefined || result.summary?.status !== 'success') return result;
  lost.throwIfAborted();
  const uploaded = await ctx.publisher.artifacts(ctx.artifactsDir, ctx.site);
  ctx.notice(`published to ${ctx.storeUrl}/read_only/${ctx.site}/: ${uploaded} files uploaded`);
  return result;
}

/** Every step's run log goes to the store when it ends; a failed upload is reported, never masks the step's own outcome. */
async function publishRunLogs(ctx: ShardStepContext): Promise<void> {
  if (ctx.publisher === undefined || ctx.dryRun === true) return;
  try {
    await ctx.publisher.runs(ctx.artifactsDir);
  } catch (err) {
    ctx.notice(`could not upload the run log to ${ctx.storeUrl}/runs/: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function naming(ctx: ShardStepContext, stage: StageName): StepNaming {
  return { command: stageInfo(stage).command, site: ctx.site, store: ctx.storeUrl };
}

/** Runs `body` holding the site's lease; `body` passes the lease's signal to its session and checks it before each commit. */
async function withLease(ctx: ShardStepContext, body: (lost: AbortSignal) => Promise<ShardStepResult>): Promise<ShardStepResult> {
  const lease = await ctx.store.acquireLease(`${ctx.command} --shard ${formatShardSpec(ctx.spec)}`, newRunId(systemClock), ctx.lease);
  try {
    const work = body(lease.signal);
    // The step stops when the lease is lost, without waiting for a task that does not answer its
    // signal (its session is interrupted; the body checks the signal before each commit).
    let onLost: (() => void) | undefined;
    const lost = new Promise<never>((_, reject) => {
      onLost = () => reject(lease.signal.reason as Error);
      if (lease.signal.aborted) onLost();
      else lease.signal.addEventListener('abort', onLost, { once: true });
    });
    lost.catch(() => {});
    work.catch(() => {});
    const result = await Promise.race([work, lost]).finally(() => lease.signal.removeEventListener('abort', onLost!));
    lease.signal.throwIfAborted();
    return result;
  } catch (err) {
    // Whatever the interrupted session failed with, the cause is the lost lease.
    lease.signal.throwIfAborted();
    throw err;
  } finally {
    await lease.release();
  }
}

async function runShard(ctx: ShardStepContext, spec: Extract<ShardSpec, { kind: 'shard' }>): Promise<ShardStepResult> {
  const stage = leafStageOf(ctx.command) as StageName;
  const state = await readStageState(ctx.store, stage, naming(ctx, stage));
  const own = (await leafTasks(ctx.pipeline, state.plan)).filter((t) => ownsTask(spec, t.id));
  const todo = own.filter((t) => !state.receipts.has(t.id));
  const shard = formatShardSpec(spec);
  ctx.notice(`shard ${shard} of stage ${stage} (plan ${state.planId.slice(0, 8)}…): ${own.length} of ${state.plan.leaves.length} tasks are this shard's, ${own.length - todo.length} committed already, ${todo.length} to run`);
  if (ctx.dryRun === true) return { summary: await ctx.execute(todo) };
  const committer = new ShardCommitter({
    store: ctx.store, stage, planId: state.planId, artifactsDir: ctx.artifactsDir, journal: journalFile(ctx.artifactsDir, ctx.site),
    shard, wanted: new Set(todo.map((t) => t.id)), notice: ctx.notice,
    ...(stage === 'search' ? { alsoFamilies: new Set([stageInfo(stage).leafFamily]), hold: splitPending(ctx.artifactsDir) } : {}),
  });
  const startedAt = new Date().toISOString();
  let started: Promise<void> | undefined;
  const onEvent: EventListener = (event) => {
    committer.onEvent(event);
    if (event.type === 'run_started') {
      started = ctx.store.writeMarker(stage, state.planId, { state: 'started', shard, runId: event.runId, host: committer.host, startedAt }, spec.count);
    }
  };
  // Searches run inside one task that splits what must be split (shard-search.ts); other leaves are the roots.
  const roots = stage === 'search'
    ? [new ShardSearchesTask(todo as SourcegraphRequestTask[], new Set(state.receipts.keys()), committer, { site: ctx.site, shard, plan: state.planId.slice(0, 16) })]
    : todo;
  const summary = await ctx.execute(todo.length === 0 ? [] : roots, onEvent);
  const counts = await committer.finish();
  await started;
  const failed = summary.counts.failed + counts.failed;
  await ctx.store.writeMarker(stage, state.planId, {
    state: 'finished', shard, runId: summary.runId, host: committer.host, startedAt, finishedAt: new Date().toISOString(),
    done: own.length - todo.length + counts.committed + counts.committedByOthers, failed, committedByOthers: counts.committedByOthers,
  }, spec.count);
  ctx.notice(`shard ${shard}: ${counts.committed} committed, ${counts.committedByOthers} committed by another worker first${counts.failed > 0 ? `, ${counts.failed} NOT committed` : ''}`);
  return { summary, commits: counts, exitCode: counts.failed > 0 ? 1 : 0 };
}

/** Every stage upstream complete (else the refusal), their committed work pulled into the artifacts directory. */
async function completeAndPull(ctx: ShardStepContext, stages: readonly StageName[]): Promise<{ states: StageState[]; pulled: number }> {
  const states: StageState[] = [];
  for (const stage of stages) states.push(await requireComplete(ctx.store, stage, naming(ctx, stage)));
  const receipts: RemoteReceipt[] = states.flatMap((s) => [...s.receipts.values()]);
  if (receipts.length > 0) {
    const got = await pullCommitted(ctx.store, ctx.artifactsDir, ctx.site, receipts);
    ctx.notice(`pulled the committed work of ${stages.join(', ')}: ${got.receipts} tasks, ${got.downloaded} files downloaded (${(got.bytes / 1e6).toFixed(1)} MB), ${got.skipped} already here`);
  }
  return { states, pulled: receipts.length };
}

async function runPlan(ctx: ShardStepContext, lost: AbortSignal): Promise<ShardStepResult> {
  const stage = leafStageOf(ctx.command) as StageName;
  const probe = await stagePlanner(ctx.pipeline, stage, {});
  const upstream = stagesInGraph(await probe.roots()).filter((s) => s !== stage);
  // The refusal comes before anything is pulled or built.
  const checked: StageState[] = [];
  for (const s of upstream) checked.push(await requireComplete(ctx.store, s, naming(ctx, s)));
  const planner = await stagePlanner(ctx.pipeline, stage, Object.fromEntries(checked.map((s) => [s.stage, s.planId])));
  const current = await ctx.store.currentPlan(stage);
  if (current !== undefined && ctx.refresh !== true && (current.plan.data as { inputsKey?: string } | undefined)?.inputsKey === planner.inputsKey) {
    const unfinished = missingLeaves({ stage, ...current, receipts: await ctx.store.receipts(stage, current.planId) }).length;
    if (stage !== 'ckan' || unfinished > 0) {
      ctx.notice(`stage ${stage} is planned already from the same inputs (plan ${current.planId.slice(0, 8)}…, ${current.plan.leaves.length} tasks, ${unfinished} not committed): kept; --refresh plans again`);
      return { plan: { planId: current.planId, leaves: current.plan.leaves.length, reused: true } };
    }
  }
  const { pulled } = await completeAndPull(ctx, upstream);
  lost.throwIfAborted();
  const summary = await ctx.execute(await planner.roots(), undefined, lost);
  lost.throwIfAborted();
  if (summary.status !== 'success') return { summary, pulled };
  const { leaves, data } = await planner.plan();
  const plan: StagePlan = { stage, site: ctx.site, leaves, data: { ...data, inputsKey: planner.inputsKey }, createdAt: new Date().toISOString(), runId: summary.runId };
  lost.throwIfAborted();
  const committed = await ctx.store.commitPlan(plan);
  if (committed.plan.runId !== plan.runId) ctx.notice(`another plan step committed its plan of stage ${stage} first (run ${committed.plan.runId}): that one is current`);
  // The plan step's own leaf work (CKAN's first page) is committed like a shard's.
  const local = journalReceipts(journalFile(ctx.artifactsDir, ctx.site));
  const mine = committed.plan.leaves.filter((l) => local.has(l.id));
  const committer = new ShardCommitter({
    store: ctx.store, stage, planId: committed.planId, artifactsDir: ctx.artifactsDir, journal: journalFile(ctx.artifactsDir, ctx.site),
    shard: 'plan', wanted: new Set(mine.map((l) => l.id)), notice: ctx.notice,
  });
  const counts = await committer.finish();
  ctx.notice(`planned stage ${stage}: ${committed.plan.leaves.length} tasks (plan ${committed.planId.slice(0, 8)}…); next: \`${stepCommand(naming(ctx, stage), 'i/N')}\` for each shard`);
  return { summary, pulled, commits: counts, plan: { planId: committed.planId, leaves: committed.plan.leaves.length, reused: false }, exitCode: counts.failed > 0 ? 1 : 0 };
}

async function runFinal(ctx: ShardStepContext, lost: AbortSignal): Promise<ShardStepResult> {
  const { pulled } = await completeAndPull(ctx, stagesInGraph(ctx.roots));
  lost.throwIfAborted();
  const summary = await ctx.execute(ctx.roots, undefined, lost);
  return { summary, pulled };
}
