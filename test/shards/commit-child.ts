/**
 * Child process of commit-race.test.ts: commits the tasks it is given to the shared store over
 * the real GCS client (STORAGE_EMULATOR_HOST points it at the fake server), each one as soon as
 * the common start time has come, and prints one JSON line per task: who committed it.
 *
 * argv: <store url> <site> <planId> <artifacts dir> <runId> <host> <start at (epoch ms)> <taskId>...
 */
import { openShardStore, parseStoreUrl } from '../../src/shards/index.js';
import { taskOutputs } from './helpers.js';

async function main(): Promise<void> {
  const [url, site, planId, dir, runId, host, startAt, ...taskIds] = process.argv.slice(2) as [string, string, string, string, string, string, string, ...string[]];
  const store = await openShardStore(parseStoreUrl(url), site);
  const receipts = taskIds.map((id) => taskOutputs(dir, id, { [`raw/${encodeURIComponent(id)}.json`]: `${id} as fetched by ${runId}` }, runId));
  while (Date.now() < Number(startAt)) await new Promise((resolve) => setTimeout(resolve, 1));
  for (const receipt of receipts) {
    const result = await store.commit('search', planId, dir, receipt, { shard: '0/1', runId, host });
    process.stdout.write(JSON.stringify({ taskId: receipt.taskId, committed: result.committed, winner: result.committed ? runId : result.by.runId }) + '\n');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
