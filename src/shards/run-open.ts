/** Opens the store of `--store gs://bucket/prefix` for one site (shard-store's openShardStore). */
import { MallardError } from '../engine/index.js';
import type { ShardStateStore } from './run-contract.js';

export async function openStepStore(url: string, site: string): Promise<ShardStateStore> {
  // Until src/shards/index.ts (branch shard-store) is merged, there is no store to open.
  const spec = './index.js';
  const mod = (await import(spec).catch(() => undefined)) as
    | { parseStoreUrl(text: string, flag?: string): unknown; openShardStore(loc: unknown, site: string): Promise<ShardStateStore> }
    | undefined;
  if (mod === undefined) throw new MallardError('ERR_INTERNAL', 'this build has no shard store (src/shards/index.ts)', { retryable: false });
  return mod.openShardStore(mod.parseStoreUrl(url, '--store'), site);
}
