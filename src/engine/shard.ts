/**
 * Shards: how the leaf work of a stage is split across N processes (docs/scale-out.md).
 * Pure functions only. A spec is `i/N` (0 ≤ i < N: this process runs the leaf tasks whose
 * id hashes to i), `plan` (one process: the fan-in of earlier stages, then the list of this
 * stage's leaf tasks, before any shard) or `final` (the fan-in step, run once after every
 * shard committed).
 * The hash is the first 48 bits of the sha256 of the task id, modulo N: the same on every
 * machine, Node version and run, independent of the order tasks are listed in.
 */
import { createHash } from 'node:crypto';
import { MallardError } from './errors.js';

/** The most shards a spec may name (Cloud Run allows 10,000 tasks per job). */
export const MAX_SHARDS = 10_000;

export type ShardSpec = { kind: 'shard'; index: number; count: number } | { kind: 'plan' } | { kind: 'final' };

/** Parses `--shard` text: `3/8` (zero-based index), `plan` or `final`. ERR_USAGE with the reason otherwise. */
export function parseShardSpec(text: string, flag = '--shard'): ShardSpec {
  const value = text.trim();
  if (value === 'final') return { kind: 'final' };
  if (value === 'plan') return { kind: 'plan' };
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m) {
    throw usage(`${flag} "${text}" is not a shard: use i/N (e.g. 0/8 for the first of 8 shards, counted from 0), plan or final`);
  }
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw usage(`${flag} "${text}": the number of shards must be between 1 and ${MAX_SHARDS}`);
  if (index >= count) {
    throw usage(`${flag} "${text}": shard indexes run from 0 to ${count - 1} (the first shard is 0/${count}, the last ${count - 1}/${count})`);
  }
  return { kind: 'shard', index, count };
}

/** `3/8`, `plan` or `final`: the text parseShardSpec reads back. */
export function formatShardSpec(spec: ShardSpec): string {
  return spec.kind === 'shard' ? `${spec.index}/${spec.count}` : spec.kind;
}

/** The shard (0 … count-1) that owns a task id. */
export function shardOf(taskId: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be a positive integer, got ${count}`);
  const digest = createHash('sha256').update(taskId, 'utf8').digest();
  return digest.readUIntBE(0, 6) % count;
}

/** Whether a shard spec runs this leaf task: its own share only; `plan` and `final` run no leaf work. */
export function ownsTask(spec: ShardSpec, taskId: string): boolean {
  return spec.kind === 'shard' && shardOf(taskId, spec.count) === spec.index;
}

/** Ids grouped by owning shard: index i holds shard i's ids, in the order given. */
export function partition(taskIds: Iterable<string>, count: number): string[][] {
  const shards: string[][] = Array.from({ length: count }, () => []);
  for (const id of taskIds) shards[shardOf(id, count)]!.push(id);
  return shards;
}

/**
 * One shard's part of a per-host budget shared by `count` shards: a rate (requests per
 * second) is divided exactly; a concurrency is divided down, but never below one request.
 */
export function shareOfRate(rate: number, count: number): number {
  return rate / count;
}

export function shareOfConcurrency(concurrency: number, count: number): number {
  return Math.max(1, Math.floor(concurrency / count));
}

function usage(message: string): MallardError {
  return new MallardError('ERR_USAGE', message, { suggestions: ['see docs/scale-out.md: shards are counted from 0, and the final step runs once after all of them'] });
}
