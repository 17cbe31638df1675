/**
 * What the store holds of one stage (docs/scale-out.md §5): its current plan, the receipts
 * committed under it and the shard markers; and the refusals of a step that needs the stage
 * complete (ERR_SHARD_NO_PLAN, ERR_SHARDS_INCOMPLETE) or planned (a shard step).
 */
import { MallardError, shardOf } from '../engine/index.js';
import type { LeafSpec, RemoteReceipt, ShardMarker, ShardStateStore, StageName, StagePlan } from './run-contract.js';

export interface StageState {
  stage: StageName;
  planId: string;
  plan: StagePlan;
  receipts: Map<string, RemoteReceipt>;
}

/** How to name the command that plans or shards a stage, in messages: `download-datasets-info --site s --store gs://…`. */
export interface StepNaming {
  /** The command whose leaf work the stage is. */
  command: string;
  site: string;
  store: string;
}

/** The stage's current plan; ERR_SHARD_NO_PLAN (run the plan step first) when there is none. */
export async function currentPlanOrRefuse(store: ShardStateStore, stage: StageName, naming: StepNaming): Promise<{ planId: string; plan: StagePlan }> {
  const current = await store.currentPlan(stage);
  if (current !== undefined) return current;
  throw new MallardError('ERR_SHARD_NO_PLAN', `stage ${stage} of ${naming.site} was never planned in ${naming.store}`, {
    context: { stage, site: naming.site, store: naming.store },
    suggestions: [`run \`${stepCommand(naming, 'plan')}\` first`],
    retryable: false,
  });
}

/** The stage's plan and its committed receipts (one listing). */
export async function readStageState(store: ShardStateStore, stage: StageName, naming: StepNaming): Promise<StageState> {
  const { planId, plan } = await currentPlanOrRefuse(store, stage, naming);
  return { stage, planId, plan, receipts: await store.receipts(stage, planId) };
}

export function missingLeaves(state: StageState): LeafSpec[] {
  return state.plan.leaves.filter((leaf) => !state.receipts.has(leaf.id));
}

/**
 * The stage, once every leaf of its plan has a receipt; otherwise ERR_SHARDS_INCOMPLETE
 * listing the shards that still owe tasks (N from the newest marker), before anything is built.
 */
export async function requireComplete(store: ShardStateStore, stage: StageName, naming: StepNaming): Promise<StageState> {
  const state = await readStageState(store, stage, naming);
  const missing = missingLeaves(state);
  if (missing.length === 0) return state;
  const markers = await store.markers(stage, state.planId);
  throw incompleteError(state, missing, markers, naming);
}

export function incompleteError(state: StageState, missing: readonly LeafSpec[], markers: readonly ShardMarker[], naming: StepNaming): MallardError {
  const total = state.plan.leaves.length;
  const committed = total - missing.length;
  const planText = `plan ${state.planId.slice(0, 8)}…, ${fmt(committed)} of ${fmt(total)} tasks committed`;
  const count = shardCount(markers);
  const context = { stage: state.stage, site: naming.site, planId: state.planId, missing: missing.length, total };
  if (count === undefined) {
    return new MallardError('ERR_SHARDS_INCOMPLETE', `stage ${state.stage} of ${naming.site} is not complete: no shard of stage ${state.stage} has run (${fmt(missing.length)} of ${fmt(total)} tasks missing; ${planText})`, {
      context,
      suggestions: [`run \`${stepCommand(naming, 'i/N')}\` for every i from 0 to N-1, then this step`],
      retryable: false,
    });
  }
  const byShard = new Map<number, LeafSpec[]>();
  for (const leaf of missing) {
    const i = shardOf(leaf.id, count);
    const list = byShard.get(i) ?? [];
    list.push(leaf);
    byShard.set(i, list);
  }
  const own = new Map<string, ShardMarker>();
  for (const m of markers) {
    if (!m.shard.endsWith(`/${count}`)) continue;
    const seen = own.get(m.shard);
    if (seen === undefined || rank(m) > rank(seen)) own.set(m.shard, m);
  }
  const lines = [...byShard.keys()].sort((a, b) => a - b).map((i) => {
    const leaves = byShard.get(i) as LeafSpec[];
    const marker = own.get(`${i}/${count}`);
    return `  shard ${i}/${count}: ${fmt(leaves.length)} tasks missing; ${describeMarker(marker)}; e.g. ${leaves[0]?.id}`;
  });
  const head = `stage ${state.stage} of ${naming.site} is not complete: ${byShard.size} of ${count} shards have not committed all their tasks`;
  return new MallardError('ERR_SHARDS_INCOMPLETE', [head, `  (${planText})`, ...lines].join('\n'), {
    context: { ...context, shards: [...byShard.keys()].map((i) => `${i}/${count}`) },
    suggestions: [`rerun those shards (\`${stepCommand(naming, 'i/N')}\`, the same job again: finished shards return at once), then this step`],
    retryable: false,
  });
}

/** N of the newest shard marker of the plan (a deployment may have been rerun with another N). */
function shardCount(markers: readonly ShardMarker[]): number | undefined {
  let newest: ShardMarker | undefined;
  for (const m of markers) if (newest === undefined || m.startedAt > newest.startedAt) newest = m;
  const n = newest === undefined ? undefined : Number(newest.shard.split('/')[1]);
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A finished marker outranks a started one; then the newer. */
function rank(m: ShardMarker): string {
  return `${m.state === 'finished' ? 1 : 0}${m.finishedAt ?? m.startedAt}`;
}

function describeMarker(m: ShardMarker | undefined): string {
  if (m === undefined) return 'never started';
  const started = `started ${shortTime(m.startedAt)} on ${m.host} (run ${m.runId})`;
  if (m.state === 'started') return `${started}, never finished`;
  if ((m.failed ?? 0) > 0) return `finished with ${fmt(m.failed ?? 0)} failed tasks (see runs/ for run ${m.runId})`;
  return `${started}, finished ${shortTime(m.finishedAt ?? '')} (its plan has changed since, or its commits were lost)`;
}

/** `2026-12-01T10:02:33.123Z` → `10:02Z`. */
function shortTime(iso: string): string {
  const m = /T(\d\d:\d\d)/.exec(iso);
  return m ? `${m[1]}Z` : iso;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function stepCommand(naming: StepNaming, shard: string): string {
  return `${naming.command} --site ${naming.site} --shard ${shard} --store ${naming.store}`;
}
