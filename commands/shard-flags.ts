/**
 * `--shard` and `--store` of the run commands (docs/scale-out.md): parsed and checked before
 * anything is opened. `--shard` needs `--store` and the other way round (exit 2 otherwise).
 */
import { Flags } from '@oclif/core';
import { MallardError, parseShardSpec, type ShardSpec } from '../src/engine/index.js';

export const shardFlags = {
  shard: Flags.string({
    description:
      'Run one step of a sharded run, with --store: "plan" (the fan-in of the stages before, then the list of this stage\'s leaf tasks, committed to the store), "i/N" (the leaf tasks shard i of N owns by the hash of their id, each committed as it finishes; counted from 0) or "final" (refuses until every shard committed, then pulls their work and runs the fan-ins). See docs/scale-out.md.',
    helpGroup: 'SHARDS',
  }),
  store: Flags.string({
    description: 'The shared store of a sharded run, gs://<bucket>/<prefix>: plans, receipts and outputs of every step (STORAGE_EMULATOR_HOST as for sync-artifacts). Only with --shard.',
    helpGroup: 'SHARDS',
  }),
};

export interface ShardRequest {
  spec: ShardSpec;
  store: string;
}

/** The sharded step asked for, or undefined for a local run; ERR_USAGE when only one of the two flags is given. */
export function shardRequest(flags: { shard?: string | undefined; store?: string | undefined }): ShardRequest | undefined {
  if (flags.shard === undefined && flags.store === undefined) return undefined;
  if (flags.store === undefined) {
    throw new MallardError('ERR_USAGE', `--shard ${flags.shard} needs --store gs://<bucket>/<prefix>: the shards of a run share their work through it`, {
      suggestions: ['give every step of the run the same --store, e.g. --store gs://my-bucket/mallard/<site>'],
    });
  }
  if (flags.shard === undefined) {
    throw new MallardError('ERR_USAGE', '--store is the shared store of a sharded run: give --shard plan, i/N or final with it', {
      suggestions: ['to back up or restore an artifacts directory, use sync-artifacts'],
    });
  }
  return { spec: parseShardSpec(flags.shard), store: flags.store };
}
