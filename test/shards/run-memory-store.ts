/**
 * An in-memory ShardStateStore for the run steps' tests, until the real store (branch
 * shard-store) is merged: the agreed semantics of /work/plan/interface-shards.md — create-only
 * receipts (a second commit of one key returns the first), content-addressed blobs, plans
 * keyed by the sha256 of their bytes, sha256-checked pulls, markers per plan and N, one lease.
 * It counts what it is asked, so tests can assert what a step read and wrote.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MallardError, type Receipt } from '../../src/engine/index.js';
import type { CommitResult, RemoteReceipt, ShardMarker, ShardStateStore, StageName, StagePlan, StoreLocation } from '../../src/shards/run-contract.js';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export class MemoryShardStore implements ShardStateStore {
  readonly location: StoreLocation = { bucket: 'test-bucket', prefix: 'mallard' };
  readonly blobs = new Map<string, Buffer>();
  readonly plans = new Map<string, StagePlan>();
  readonly current = new Map<StageName, string>();
  readonly committed = new Map<string, RemoteReceipt>();
  readonly markerObjects = new Map<string, ShardMarker>();
  lease: string | undefined;
  readonly calls: string[] = [];

  constructor(readonly site: string) {}

  async currentPlan(stage: StageName): Promise<{ planId: string; plan: StagePlan } | undefined> {
    this.calls.push(`currentPlan ${stage}`);
    const planId = this.current.get(stage);
    return planId === undefined ? undefined : { planId, plan: structuredClone(this.plans.get(planId) as StagePlan) };
  }

  async commitPlan(plan: StagePlan): Promise<{ planId: string; plan: StagePlan }> {
    this.calls.push(`commitPlan ${plan.stage}`);
    const bytes = JSON.stringify(plan);
    const planId = sha256(bytes);
    this.plans.set(planId, JSON.parse(bytes) as StagePlan);
    this.current.set(plan.stage, planId);
    return { planId, plan: structuredClone(plan) };
  }

  async receipts(stage: StageName, planId: string): Promise<Map<string, RemoteReceipt>> {
    this.calls.push(`receipts ${stage}`);
    const out = new Map<string, RemoteReceipt>();
    for (const [key, r] of this.committed) if (key.startsWith(`${stage}/${planId}/`)) out.set(r.taskId, structuredClone(r));
    return out;
  }

  async commit(stage: StageName, planId: string, artifactsDir: string, receipt: Receipt, meta: { shard: string; runId: string; host?: string }): Promise<CommitResult> {
    this.calls.push(`commit ${receipt.taskId}`);
    const outputs = Object.keys(receipt.outputs).map((rel) => {
      if (!rel.startsWith('./')) throw new MallardError('ERR_INTERNAL', `receipt output ${rel} is not under the artifacts directory`);
      const data = fs.readFileSync(path.join(artifactsDir, rel.slice(2)));
      const hex = sha256(data);
      if (!this.blobs.has(hex)) this.blobs.set(hex, data);
      return { path: rel, size: data.length, sha256: hex };
    });
    const key = `${stage}/${planId}/${sha256(`${planId}\n${receipt.taskId}\n${receipt.version}`).slice(0, 32)}`;
    const existing = this.committed.get(key);
    if (existing !== undefined) return { committed: false, by: structuredClone(existing) };
    this.committed.set(key, { taskId: receipt.taskId, version: receipt.version, planId, shard: meta.shard, host: meta.host ?? 'test', runId: meta.runId, finishedAt: receipt.finishedAt, receipt: structuredClone(receipt), outputs });
    return { committed: true };
  }

  async pull(artifactsDir: string, receipts: Iterable<RemoteReceipt>): Promise<{ downloaded: number; skipped: number; bytes: number }> {
    let downloaded = 0;
    let skipped = 0;
    let bytes = 0;
    for (const r of receipts) {
      for (const o of r.outputs) {
        const file = path.join(artifactsDir, o.path.slice(2));
        if (fs.existsSync(file) && sha256(fs.readFileSync(file)) === o.sha256) {
          skipped += 1;
          continue;
        }
        const data = this.blobs.get(o.sha256);
        if (data === undefined || sha256(data) !== o.sha256) throw new MallardError('ERR_GCS', `blob ${o.sha256} of ${r.taskId} is missing`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(`${file}.pull`, data);
        fs.renameSync(`${file}.pull`, file);
        downloaded += 1;
        bytes += data.length;
      }
    }
    return { downloaded, skipped, bytes };
  }

  async writeMarker(stage: StageName, planId: string, marker: ShardMarker, count: number): Promise<void> {
    this.markerObjects.set(`${stage}/${planId}/shards/${count}/${marker.shard.split('/')[0]}`, structuredClone(marker));
  }

  async markers(stage: StageName, planId: string): Promise<ShardMarker[]> {
    return [...this.markerObjects].filter(([k]) => k.startsWith(`${stage}/${planId}/`)).map(([, m]) => structuredClone(m));
  }

  async acquireLease(step: string, runId: string): Promise<{ release(): Promise<void> }> {
    if (this.lease !== undefined) throw new MallardError('ERR_LOCKED', `the store of ${this.site} is held by ${this.lease}`);
    this.lease = `${step} (run ${runId})`;
    return { release: async () => void (this.lease = undefined) };
  }

  /** Committed leaf ids of a stage's current plan. */
  committedIds(stage: StageName): string[] {
    const planId = this.current.get(stage);
    return [...this.committed].filter(([k]) => k.startsWith(`${stage}/${planId}/`)).map(([, r]) => r.taskId).sort();
  }
}
