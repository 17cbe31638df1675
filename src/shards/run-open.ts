/** Opens the store of `--store gs://bucket/prefix` for one site (ERR_USAGE naming --store when the URL is not one), and its publisher. */
import { openShardStore, parseStoreUrl, type ShardStateStore } from './index.js';
import { stepPublisher, type StepPublisher } from './run-publish.js';

export async function openStepStore(url: string, site: string): Promise<{ store: ShardStateStore; publisher: StepPublisher }> {
  const location = parseStoreUrl(url, '--store');
  return { store: await openShardStore(location, site), publisher: stepPublisher(location) };
}
