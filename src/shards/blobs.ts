/**
 * Outputs as content-addressed blobs (`state/<site>/blobs/sha256/<hex>`): uploaded create-only
 * (a 412 means the same bytes are already there, which is success), downloaded into an
 * artifacts directory atomically with their sha256 checked, identical local files skipped.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { commitPartial, partialPathFor } from '../engine/atomic-file.js';
import { MallardError } from '../engine/errors.js';
import { digestFile, digestFileWithMd5, FileHasher, type Md5Digest } from '../engine/file-hash.js';
import { DEFAULT_CONCURRENCY, isPreconditionError, RESUMABLE_THRESHOLD, runPool, type ObjectStore } from '../sync/index.js';
import type { StoreLayout } from './layout.js';
import type { CommittedOutput, RemoteReceipt } from './types.js';

export const ERR_SHARD_CHECKSUM = 'ERR_SHARD_CHECKSUM';
export const ERR_SHARD_OUTPUT = 'ERR_SHARD_OUTPUT';

/** The local file of an output path './a/b' under `artifactsDir`; ERR_SHARD_OUTPUT when the path would leave it. */
export function localPathOf(artifactsDir: string, outputPath: string, where: string): string {
  const rel = outputPath.startsWith('./') ? outputPath.slice(2) : outputPath;
  const parts = rel.split('/');
  if (rel === '' || path.isAbsolute(rel) || rel.includes('\\') || rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new MallardError(ERR_SHARD_OUTPUT, `output path "${outputPath}" of ${where} is not a plain path inside the artifacts directory`, {
      context: { path: outputPath, where },
      suggestions: ['only outputs under the artifacts directory can be shared through --store'],
    });
  }
  return path.join(artifactsDir, ...parts);
}

/** Uploads one local file as its blob, create-only; the blob already being there is success. */
export async function uploadBlob(store: ObjectStore, layout: StoreLayout, file: string, digest: Md5Digest): Promise<void> {
  const name = layout.blob(digest.sha256);
  try {
    await store.upload(layout.location.bucket, file, name, {
      md5: digest.md5,
      resumable: digest.size >= RESUMABLE_THRESHOLD,
      ifGenerationMatch: 0,
    });
  } catch (err) {
    if (!isPreconditionError(err)) throw err;
    // The same bytes (same sha256) were uploaded before, by us or another worker.
  }
}

/** Hashes a local output and checks it still is what the receipt vouched for. */
export async function digestOutput(file: string, expected: { sha256?: string; size?: number }, taskId: string): Promise<Md5Digest> {
  let digest: Md5Digest;
  try {
    // With its md5: the digest is what the upload is checked against.
    digest = await digestFileWithMd5(file);
  } catch (err) {
    throw new MallardError(ERR_SHARD_OUTPUT, `output ${file} of ${taskId} cannot be read for the commit: ${(err as Error).message}`, { cause: err, context: { file, taskId } });
  }
  const changed = (expected.sha256 !== undefined && digest.sha256 !== expected.sha256) || (expected.size !== undefined && digest.size !== expected.size);
  if (changed) {
    const was = expected.sha256 !== undefined ? `sha256 ${digest.sha256}, receipt ${expected.sha256}` : `${digest.size} bytes, receipt ${expected.size}`;
    throw new MallardError(ERR_SHARD_OUTPUT, `output ${file} of ${taskId} changed after its receipt was made (${was}); not committing it`, {
      context: { file, taskId },
      suggestions: ['something else writes into this artifacts directory while the shard runs: give each shard its own --artifacts-dir'],
    });
  }
  return digest;
}

export interface PullTotals {
  downloaded: number;
  skipped: number;
  bytes: number;
}

interface PullItem {
  output: CommittedOutput;
  taskId: string;
  target: string;
}

/** Downloads the outputs of `receipts` into `artifactsDir`: parallel, atomic, sha256 checked, identical files skipped. */
export async function pullOutputs(store: ObjectStore, layout: StoreLayout, artifactsDir: string, receipts: Iterable<RemoteReceipt>, concurrency = DEFAULT_CONCURRENCY): Promise<PullTotals> {
  const root = path.resolve(artifactsDir);
  const items = collectItems(root, receipts);
  // The process's one hasher of the directory (the engine's receipts and the store use it too): its save keeps theirs.
  const hasher = await FileHasher.shared(root);
  const totals: PullTotals = { downloaded: 0, skipped: 0, bytes: 0 };
  const settled = await runPool(items, concurrency, async (item) => {
    if (await isSame(hasher, item)) {
      totals.skipped++;
      return;
    }
    await download(store, layout, item, hasher);
    totals.downloaded++;
    totals.bytes += item.output.size;
  });
  await hasher.save();
  const failed = settled.flatMap((s) => (s.ok ? [] : [s.error]));
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) {
    const first = failed[0] as Error;
    throw new MallardError((first as MallardError).code ?? 'ERR_SHARD_PULL', `${failed.length} of ${items.length} outputs could not be pulled from ${layout.url(layout.root)}; first: ${first.message}`, {
      cause: first,
      suggestions: (first as MallardError).suggestions ?? [],
      retryable: failed.every((e) => (e as MallardError).retryable === true),
    });
  }
  return totals;
}

function collectItems(root: string, receipts: Iterable<RemoteReceipt>): PullItem[] {
  const byPath = new Map<string, PullItem>();
  for (const r of receipts) {
    for (const output of r.outputs) {
      const target = localPathOf(root, output.path, r.taskId);
      const seen = byPath.get(target);
      if (seen !== undefined && seen.output.sha256 !== output.sha256) {
        throw new MallardError(ERR_SHARD_OUTPUT, `${output.path} is committed with different content by ${seen.taskId} and ${r.taskId}; cannot pull both`, {
          context: { path: output.path, tasks: [seen.taskId, r.taskId] },
        });
      }
      byPath.set(target, { output, taskId: r.taskId, target });
    }
  }
  return [...byPath.values()].sort((a, b) => (a.target < b.target ? -1 : 1));
}

async function isSame(hasher: FileHasher, item: PullItem): Promise<boolean> {
  const st = await fsp.stat(item.target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (st === undefined || !st.isFile() || st.size !== item.output.size) return false;
  return (await hasher.digest(item.target, st)).sha256 === item.output.sha256;
}

async function download(store: ObjectStore, layout: StoreLayout, item: PullItem, hasher: FileHasher): Promise<void> {
  const name = layout.blob(item.output.sha256);
  await fsp.mkdir(path.dirname(item.target), { recursive: true });
  const temp = partialPathFor(item.target);
  try {
    await store.download(layout.location.bucket, name, temp, {}).catch((err: unknown) => {
      if ((err as MallardError).context?.status === 404) throw missingBlob(layout, name, item);
      throw err;
    });
    const digest = await digestFile(temp);
    if (digest.sha256 !== item.output.sha256 || digest.size !== item.output.size) {
      throw new MallardError(ERR_SHARD_CHECKSUM, `${layout.url(name)} holds other bytes than ${item.taskId} committed for ${item.output.path} (sha256 ${digest.sha256}, ${digest.size} bytes; expected ${item.output.sha256}, ${item.output.size} bytes); not using it`, {
        context: { object: name, taskId: item.taskId, path: item.output.path },
        suggestions: [`the blob is damaged: delete ${layout.url(name)} and rerun the shard that owns ${item.taskId} (its receipt must be deleted too, so it runs again)`],
      });
    }
    await commitPartial(temp, item.target);
    hasher.remember(item.target, { ...digest, ...(await statOf(item.target)) });
  } finally {
    await fsp.rm(temp, { force: true });
  }
}

async function statOf(file: string): Promise<{ size: number; mtimeMs: number; ino: number }> {
  const st = await fsp.stat(file);
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
}

function missingBlob(layout: StoreLayout, name: string, item: PullItem): MallardError {
  return new MallardError(ERR_SHARD_CHECKSUM, `${layout.url(name)} (${item.output.path} of ${item.taskId}) is missing although a receipt names it`, {
    context: { object: name, taskId: item.taskId, path: item.output.path },
    suggestions: [`delete the receipt of ${item.taskId} in the store and rerun the shard that owns it`],
  });
}
