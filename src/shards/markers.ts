/**
 * Shard markers, `<stage>/<planId>/shards/<N>/<i>.json`: what each shard of a plan did
 * (started, finished, counts), so the final step can say which shard to rerun. Each shard
 * writes only its own marker (a later write of it replaces it: a retried shard's news wins).
 */
import { MallardError } from '../engine/errors.js';
import { parseShardSpec } from '../engine/shard.js';
import { putJson, readJson, runPool, type ObjectStore } from '../sync/index.js';
import type { StoreLayout } from './layout.js';
import type { ShardMarker, Stage } from './types.js';

const READ_CONCURRENCY = 16;

export async function writeMarker(store: ObjectStore, layout: StoreLayout, stage: Stage, planId: string, marker: ShardMarker, count: number): Promise<void> {
  const spec = parseShardSpec(marker.shard, 'the marker\'s shard');
  if (spec.kind !== 'shard' || spec.count !== count) {
    throw new MallardError('ERR_USAGE', `a shard marker for ${marker.shard} cannot be filed under ${count} shards`, { context: { shard: marker.shard, count } });
  }
  await putJson(store, layout.location.bucket, layout.marker(stage, planId, count, spec.index), marker);
}

/** Every marker of the plan (any N), ordered by N, then shard index. */
export async function readMarkers(store: ObjectStore, layout: StoreLayout, stage: Stage, planId: string): Promise<ShardMarker[]> {
  const prefix = layout.markersPrefix(stage, planId);
  const listed = (await store.list(layout.location.bucket, prefix))
    .map((o) => ({ name: o.name, m: /^(\d+)\/(\d+)\.json$/.exec(o.name.slice(prefix.length)) }))
    .filter((o) => o.m !== null)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]) || Number(a.m![2]) - Number(b.m![2]));
  const settled = await runPool(listed, READ_CONCURRENCY, async (o) => (await readJson<ShardMarker>(store, layout.location.bucket, o.name))?.value);
  const markers: ShardMarker[] = [];
  for (const s of settled) {
    if (!s.ok) throw s.error;
    if (s.value !== undefined) markers.push(s.value);
  }
  return markers;
}
