/**
 * The lease of the one plan/final step per site, `locks/<site>.single.json`
 * `{holder, host, step, acquiredAt, expiresAt}` (docs/scale-out.md §2): created create-only,
 * renewed every `renewMs` by generation match, taken over by generation match only once
 * `expiresAt` has passed (ttlMs after the last renewal), released by a delete matching its
 * generation (never deleting a lease someone else took over). A second single step meanwhile
 * gets ERR_LOCKED naming the holder.
 */
import os from 'node:os';
import type { Clock } from '../engine/clock.js';
import { MallardError } from '../engine/errors.js';
import { isPreconditionError, putJson, readJson, type ObjectStore } from '../sync/index.js';
import type { StoreLayout } from './layout.js';

export const DEFAULT_LEASE_TTL_MS = 5 * 60_000;
export const DEFAULT_LEASE_RENEW_MS = 60_000;
export const ERR_LEASE_LOST = 'ERR_LEASE_LOST';
const ACQUIRE_ATTEMPTS = 5;

export interface LeaseRecord {
  holder: string;
  host: string;
  step: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface LeaseOptions {
  ttlMs?: number;
  renewMs?: number;
  host?: string;
}

export interface Lease {
  /** Stops renewing and deletes the lease if it is still ours (idempotent). */
  release(): Promise<void>;
  /** Renews now (the timer does it every renewMs); ERR_LEASE_LOST when someone took it over. */
  renew(): Promise<void>;
  /** Aborted (reason: ERR_LEASE_LOST) when a renewal finds the lease taken over. */
  readonly signal: AbortSignal;
  /** The record as last written. */
  readonly record: LeaseRecord;
}

export async function acquireLease(store: ObjectStore, layout: StoreLayout, clock: Clock, step: string, runId: string, opts: LeaseOptions = {}): Promise<Lease> {
  const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const renewMs = opts.renewMs ?? DEFAULT_LEASE_RENEW_MS;
  const host = opts.host ?? os.hostname();
  const bucket = layout.location.bucket;
  const name = layout.lease();
  const recordAt = (now: number, acquiredAt = new Date(now).toISOString()): LeaseRecord => ({
    holder: runId, host, step, acquiredAt, expiresAt: new Date(now + ttlMs).toISOString(),
  });
  for (let attempt = 1; attempt <= ACQUIRE_ATTEMPTS; attempt++) {
    const existing = await readJson<LeaseRecord>(store, bucket, name);
    const now = clock.now();
    if (existing !== undefined) {
      const held = existing.value;
      const ours = held.holder === runId && held.host === host;
      if (!ours && Date.parse(held.expiresAt) > now) throw lockedError(layout, name, held);
    }
    const record = recordAt(now);
    try {
      const put = await putJson(store, bucket, name, record, { ifGenerationMatch: existing?.object.generation ?? 0 });
      return new HeldLease(store, layout, clock, record, put.generation!, ttlMs, renewMs);
    } catch (err) {
      if (!isPreconditionError(err)) throw err; // lost a race: look again
    }
  }
  const last = await readJson<LeaseRecord>(store, bucket, name);
  if (last !== undefined) throw lockedError(layout, name, last.value);
  throw new MallardError('ERR_LOCKED', `could not take the lease ${layout.url(name)}: it kept changing`, { context: { object: name }, retryable: true });
}

function lockedError(layout: StoreLayout, name: string, held: LeaseRecord): MallardError {
  return new MallardError('ERR_LOCKED', `another ${held.step} step of ${layout.site} holds the lease ${layout.url(name)}: run ${held.holder} on ${held.host}, since ${held.acquiredAt}, until ${held.expiresAt} unless renewed`, {
    context: { object: name, holder: held.holder, host: held.host, step: held.step, expiresAt: held.expiresAt },
    suggestions: [
      'wait for that step to finish, then run this one again',
      `if it died, its lease expires at ${held.expiresAt}; then this step takes it over`,
    ],
  });
}

class HeldLease implements Lease {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private released = false;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly layout: StoreLayout,
    private readonly clock: Clock,
    public record: LeaseRecord,
    private generation: number,
    private readonly ttlMs: number,
    renewMs: number,
  ) {
    this.timer = setInterval(() => {
      this.renew().catch(() => {
        // reported through `signal` (lost) or retried at the next tick (a network failure)
      });
    }, renewMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  renew(): Promise<void> {
    if (this.released || this.signal.aborted) return Promise.resolve();
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const record = { ...this.record, expiresAt: new Date(this.clock.now() + this.ttlMs).toISOString() };
    try {
      const put = await putJson(this.store, this.layout.location.bucket, this.layout.lease(), record, { ifGenerationMatch: this.generation });
      this.generation = put.generation!;
      this.record = record;
    } catch (err) {
      if (!isPreconditionError(err)) throw err;
      const lost = new MallardError(ERR_LEASE_LOST, `the lease ${this.layout.url(this.layout.lease())} of run ${this.record.holder} was taken over by another step (it expired at ${this.record.expiresAt} before it was renewed)`, {
        cause: err,
        context: { object: this.layout.lease(), holder: this.record.holder },
        suggestions: ['another plan or final step may be running at the same time: check the run logs, then run this step again'],
      });
      clearInterval(this.timer);
      this.controller.abort(lost);
      throw lost;
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.renewing?.catch(() => undefined);
    if (this.signal.aborted) return; // not ours any more: never delete another holder's lease
    try {
      await this.store.delete(this.layout.location.bucket, this.layout.lease(), { ifGenerationMatch: this.generation });
    } catch (err) {
      if (!isPreconditionError(err)) throw err;
    }
  }
}
