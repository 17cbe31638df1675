/**
 * Plans: `<stage>/plans/<planId>.json` (create-only; planId = sha256 of the bytes) and
 * `<stage>/current.json`, the one object that is replaced, by generation match, so two plan
 * steps racing cannot both switch it: the loser gets the winner's plan.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../engine/clock.js';
import { MallardError } from '../engine/errors.js';
import { isPreconditionError, putJson, readJson, type ObjectStore } from '../sync/index.js';
import type { StoreLayout } from './layout.js';
import { STAGES, type CurrentPlanPointer, type Stage, type StagePlan } from './types.js';

export const ERR_SHARD_PLAN = 'ERR_SHARD_PLAN';
/** A plan switch that lost this many races in a row gives up (someone switches plans in a loop). */
const SWITCH_ATTEMPTS = 5;

export interface CommittedPlan {
  planId: string;
  plan: StagePlan;
}

export function planBytes(plan: StagePlan): string {
  return JSON.stringify(plan);
}

export function planIdOf(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function currentPlan(store: ObjectStore, layout: StoreLayout, stage: Stage): Promise<CommittedPlan | undefined> {
  const pointer = await readJson<CurrentPlanPointer>(store, layout.location.bucket, layout.current(stage));
  if (pointer === undefined) return undefined;
  const planId = pointer.value?.planId;
  if (typeof planId !== 'string' || !/^[0-9a-f]{64}$/.test(planId)) {
    throw new MallardError(ERR_SHARD_PLAN, `${layout.url(layout.current(stage))} names no plan (planId ${JSON.stringify(planId)})`, {
      context: { object: layout.current(stage) },
      suggestions: [`delete it and run the stage's \`--shard plan\` step again`],
    });
  }
  return { planId, plan: await readPlan(store, layout, stage, planId) };
}

export async function readPlan(store: ObjectStore, layout: StoreLayout, stage: Stage, planId: string): Promise<StagePlan> {
  const name = layout.plan(stage, planId);
  const got = await store.getBytes(layout.location.bucket, name);
  if (got === undefined) {
    throw new MallardError(ERR_SHARD_PLAN, `the current plan ${layout.url(name)} of stage ${stage} of ${layout.site} is missing`, {
      context: { object: name },
      suggestions: [`run the stage's \`--shard plan\` step again (it commits the plan anew)`],
    });
  }
  if (planIdOf(got.data) !== planId) {
    throw new MallardError(ERR_SHARD_PLAN, `${layout.url(name)} does not hash to its name: the plan is damaged`, {
      context: { object: name },
      suggestions: [`delete ${layout.url(name)} and ${layout.url(layout.current(stage))}, then run the \`--shard plan\` step again`],
    });
  }
  const plan = JSON.parse(got.data.toString('utf8')) as StagePlan;
  checkPlan(plan, layout, stage, name);
  return plan;
}

function checkPlan(plan: StagePlan, layout: StoreLayout, stage: Stage, where: string): void {
  const problem =
    !STAGES.includes(plan?.stage) ? `its stage is ${JSON.stringify(plan?.stage)}`
    : plan.stage !== stage ? `it is a plan of stage ${plan.stage}, not ${stage}`
    : plan.site !== layout.site ? `it is a plan of site ${plan.site}, not ${layout.site}`
    : !Array.isArray(plan.leaves) || plan.leaves.some((l) => typeof l?.id !== 'string' || typeof l.family !== 'string') ? 'its leaves are not a list of {id, family, params}'
    : undefined;
  if (problem !== undefined) throw new MallardError(ERR_SHARD_PLAN, `${where.startsWith('gs://') ? where : layout.url(where)} is not a usable plan: ${problem}`, { context: { object: where, stage, site: layout.site } });
}

export async function commitPlan(store: ObjectStore, layout: StoreLayout, plan: StagePlan, clock: Clock): Promise<CommittedPlan> {
  checkPlan(plan, layout, plan.stage, `the plan given for ${layout.url(layout.plan(plan.stage, '<planId>'))}`);
  const bucket = layout.location.bucket;
  const bytes = planBytes(plan);
  const planId = planIdOf(bytes);
  try {
    await store.putBytes(bucket, layout.plan(plan.stage, planId), bytes, { ifGenerationMatch: 0, contentType: 'application/json' });
  } catch (err) {
    if (!isPreconditionError(err)) throw err; // the same bytes are there already
  }
  const name = layout.current(plan.stage);
  for (let attempt = 1; attempt <= SWITCH_ATTEMPTS; attempt++) {
    const current = await readJson<CurrentPlanPointer>(store, bucket, name);
    if (current?.value.planId === planId) return { planId, plan };
    if (attempt > 1 && current !== undefined) {
      // We lost a race to another plan step: theirs is current.
      return { planId: current.value.planId, plan: await readPlan(store, layout, plan.stage, current.value.planId) };
    }
    const pointer: CurrentPlanPointer = { planId, createdAt: plan.createdAt, runId: plan.runId, switchedAt: new Date(clock.now()).toISOString() };
    try {
      await putJson(store, bucket, name, pointer, { ifGenerationMatch: current?.object.generation ?? 0 });
      return { planId, plan };
    } catch (err) {
      if (!isPreconditionError(err)) throw err;
    }
  }
  throw new MallardError(ERR_SHARD_PLAN, `could not switch ${layout.url(name)} to plan ${planId.slice(0, 12)}…: it kept changing`, {
    context: { object: name, planId },
    retryable: true,
    suggestions: ['another plan step of this stage is running: let it finish, then run the shards'],
  });
}
