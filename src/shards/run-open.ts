/** Opens the store of `--store gs://bucket/prefix` for one site (ERR_USAGE naming --store when the URL is not one). */
import { openShardStore, parseStoreUrl, type ShardStateStore } from './index.js';

export async function openStepStore(url: string, site: string): Promise<ShardStateStore> {
  return openShardStore(parseStoreUrl(url, '--store'), site);
}
