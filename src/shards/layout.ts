/**
 * The object names of the shared store (docs/scale-out.md §2), all under
 * `<prefix>/state/<site>/`:
 *
 *   <stage>/current.json                    which plan is current (replaced by generation match)
 *   <stage>/plans/<planId>.json             the plans (create-only; planId = sha256 of the bytes)
 *   <stage>/<planId>/receipts/<key>.json    one per committed leaf task (create-only)
 *   <stage>/<planId>/shards/<N>/<i>.json    shard markers
 *   blobs/sha256/<hex>                      every output's bytes (create-only)
 *   locks/<site>.single.json                the lease of the one plan/final step of the site
 */
import { createHash } from 'node:crypto';
import { MallardError } from '../engine/index.js';
import type { StoreLocation } from './location.js';
import type { Stage } from './types.js';

/** sha256(planId + "\n" + taskId + "\n" + version), hex, first 32 characters. */
export function receiptKey(planId: string, taskId: string, version: string): string {
  return createHash('sha256').update(`${planId}\n${taskId}\n${version}`).digest('hex').slice(0, 32);
}

/** A site name as it may appear in object names: letters, digits, '.', '_', '-'. */
export function checkSiteName(site: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(site) && !site.includes('..')) return site;
  throw new MallardError('ERR_USAGE', `site "${site}" cannot name objects in the store: use letters, digits, ".", "_" and "-"`, { context: { site } });
}

export class StoreLayout {
  readonly root: string;

  constructor(
    readonly location: StoreLocation,
    readonly site: string,
  ) {
    this.root = `${location.prefix === '' ? '' : `${location.prefix}/`}state/${site}/`;
  }

  /** `gs://bucket/name`, for messages. */
  url(name: string): string {
    return `gs://${this.location.bucket}/${name}`;
  }

  current(stage: Stage): string {
    return `${this.root}${stage}/current.json`;
  }

  plan(stage: Stage, planId: string): string {
    return `${this.root}${stage}/plans/${planId}.json`;
  }

  receiptsPrefix(stage: Stage, planId: string): string {
    return `${this.root}${stage}/${planId}/receipts/`;
  }

  receipt(stage: Stage, planId: string, key: string): string {
    return `${this.receiptsPrefix(stage, planId)}${key}.json`;
  }

  markersPrefix(stage: Stage, planId: string): string {
    return `${this.root}${stage}/${planId}/shards/`;
  }

  marker(stage: Stage, planId: string, count: number, index: number): string {
    return `${this.markersPrefix(stage, planId)}${count}/${index}.json`;
  }

  blob(sha256: string): string {
    return `${this.root}blobs/sha256/${sha256}`;
  }

  lease(): string {
    return `${this.root}locks/${this.site}.single.json`;
  }
}
