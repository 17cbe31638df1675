/**
 * Receipts in the store, the commit point of a leaf task: `<stage>/<planId>/receipts/<key>.json`
 * written create-only after every output's blob is up. A 412 means another worker committed the
 * task first: its receipt is read back and returned (exactly one receipt exists). The receipt is
 * also carried in the object's custom metadata when it fits, so one listing (1,000 receipts per
 * request) returns them all without a download per receipt.
 */
import os from 'node:os';
import path from 'node:path';
import { MallardError } from '../engine/errors.js';
import type { Receipt } from '../engine/receipts.js';
import { isPreconditionError, parseJsonObject, readJson, runPool, type ObjectStore, type RemoteObject } from '../sync/index.js';
import { digestOutput, ERR_SHARD_OUTPUT, localPathOf, uploadBlob } from './blobs.js';
import { receiptKey, type StoreLayout } from './layout.js';
import type { CommitResult, CommittedOutput, RemoteReceipt, Stage } from './types.js';

/** The custom-metadata key that carries the receipt (GCS allows 8 KiB of custom metadata in all). */
export const RECEIPT_METADATA_KEY = 'mallard-receipt';
const METADATA_LIMIT = 7 * 1024;
const READ_CONCURRENCY = 16;

export const ERR_SHARD_RECEIPT = 'ERR_SHARD_RECEIPT';

export interface CommitMeta {
  shard: string;
  runId: string;
  host?: string;
}

/** The sha256 a FileTarget stamp `f:<size>:<mtime>:<ino>:<sha256>` records, if any. */
function stampSha256(stamp: string): string | undefined {
  return /^f:\d+:\d+:\d+:([0-9a-f]{64})$/.exec(stamp)?.[1];
}

/** The size a file stamp records: `f:<size>:…` or a custom file target's `<size>:<mtime>`. */
function stampSize(stamp: string): number | undefined {
  const m = /^(?:f:)?(\d+):\d+(?::|$)/.exec(stamp);
  return m === null ? undefined : Number(m[1]);
}

/**
 * The receipt's outputs that are files under the artifacts directory ('./relative' keys, whatever
 * the target's stamp format): those are shared. An absolute path is a file outside it (refused);
 * any other description is not a file (nothing to share).
 */
function fileOutputs(receipt: Receipt): [string, string][] {
  const files: [string, string][] = [];
  for (const [description, stamp] of Object.entries(receipt.outputs)) {
    if (description.startsWith('./')) files.push([description, stamp]);
    else if (path.isAbsolute(description)) {
      throw new MallardError(ERR_SHARD_OUTPUT, `output ${description} of ${receipt.taskId} is outside the artifacts directory; only outputs under it can be shared through the store`, {
        context: { taskId: receipt.taskId, path: description },
        suggestions: ['write task outputs under --artifacts-dir'],
      });
    }
  }
  return files.sort(([a], [b]) => (a < b ? -1 : 1));
}

export async function commitTask(
  store: ObjectStore,
  layout: StoreLayout,
  stage: Stage,
  planId: string,
  artifactsDir: string,
  receipt: Receipt,
  meta: CommitMeta,
): Promise<CommitResult> {
  const outputs: CommittedOutput[] = [];
  for (const [description, stamp] of fileOutputs(receipt)) {
    const file = localPathOf(artifactsDir, description, receipt.taskId);
    const digest = await digestOutput(file, { sha256: stampSha256(stamp), size: stampSize(stamp) }, receipt.taskId);
    await uploadBlob(store, layout, file, digest);
    outputs.push({ path: description, size: digest.size, sha256: digest.sha256 });
  }
  const remote: RemoteReceipt = {
    taskId: receipt.taskId,
    version: receipt.version,
    planId,
    shard: meta.shard,
    host: meta.host ?? os.hostname(),
    runId: meta.runId,
    finishedAt: receipt.finishedAt,
    receipt,
    outputs,
  };
  const name = layout.receipt(stage, planId, receiptKey(planId, receipt.taskId, receipt.version));
  const body = JSON.stringify(remote);
  const metadata = Buffer.byteLength(body) <= METADATA_LIMIT ? { [RECEIPT_METADATA_KEY]: body } : undefined;
  try {
    await store.putBytes(layout.location.bucket, name, body, { ifGenerationMatch: 0, contentType: 'application/json', ...(metadata ? { metadata } : {}) });
    return { committed: true };
  } catch (err) {
    if (!isPreconditionError(err)) throw err;
  }
  const winner = await readJson<RemoteReceipt>(store, layout.location.bucket, name);
  if (winner === undefined) {
    throw new MallardError(ERR_SHARD_RECEIPT, `the receipt ${layout.url(name)} of ${receipt.taskId} existed a moment ago and is gone now`, {
      context: { object: name, taskId: receipt.taskId },
      retryable: true,
      suggestions: ['someone deleted receipts while shards run: rerun this shard'],
    });
  }
  // Our own earlier attempt (a retried request whose first answer was lost) is our commit.
  const mine = winner.value.runId === remote.runId && winner.value.shard === remote.shard && winner.value.host === remote.host;
  return mine ? { committed: true } : { committed: false, by: checkReceipt(winner.value, layout, name) };
}

/** Every committed receipt of a plan, by task id (one paged listing; a download only for receipts too large for metadata). */
export async function listReceipts(store: ObjectStore, layout: StoreLayout, stage: Stage, planId: string): Promise<Map<string, RemoteReceipt>> {
  const bucket = layout.location.bucket;
  const listed = (await store.list(bucket, layout.receiptsPrefix(stage, planId))).filter((o) => o.name.endsWith('.json'));
  const read = async (obj: RemoteObject): Promise<RemoteReceipt> => {
    const inline = obj.metadata?.[RECEIPT_METADATA_KEY];
    if (inline !== undefined) return checkReceipt(parseJsonObject<RemoteReceipt>(inline, bucket, obj.name), layout, obj.name);
    const got = await readJson<RemoteReceipt>(store, bucket, obj.name);
    if (got === undefined) throw new MallardError(ERR_SHARD_RECEIPT, `the receipt ${layout.url(obj.name)} was listed and is gone now`, { context: { object: obj.name }, retryable: true });
    return checkReceipt(got.value, layout, obj.name);
  };
  const settled = await runPool(listed, READ_CONCURRENCY, read);
  const receipts = new Map<string, RemoteReceipt>();
  for (const s of settled) {
    if (!s.ok) throw s.error;
    const r = s.value;
    if (r.planId !== planId) continue;
    const seen = receipts.get(r.taskId);
    if (seen === undefined || seen.finishedAt < r.finishedAt) receipts.set(r.taskId, r);
  }
  return receipts;
}

/** A receipt whose shape and key are what this layout writes; ERR_SHARD_RECEIPT naming the object otherwise. */
function checkReceipt(r: RemoteReceipt, layout: StoreLayout, name: string): RemoteReceipt {
  const ok = r !== null && typeof r === 'object' && typeof r.taskId === 'string' && typeof r.version === 'string' && typeof r.planId === 'string'
    && Array.isArray(r.outputs) && r.outputs.every((o) => typeof o?.path === 'string' && typeof o.sha256 === 'string' && typeof o.size === 'number');
  if (!ok || !name.endsWith(`/${receiptKey(r.planId, r.taskId, r.version)}.json`)) {
    throw new MallardError(ERR_SHARD_RECEIPT, `${layout.url(name)} is not a receipt mallard wrote (wrong shape or key)`, {
      context: { object: name },
      suggestions: [`delete ${layout.url(name)}: the task it stands for runs again in its shard`],
    });
  }
  return r;
}
