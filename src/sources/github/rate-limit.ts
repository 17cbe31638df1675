/**
 * What the x-ratelimit-* headers last said, per client, read against the injected clock:
 * when the quota is used up the next request waits for the reset (if the wait is short
 * enough) instead of spending a request on a 403.
 */
import type { Clock } from '../../engine/clock.js';

export interface RateLimitSnapshot {
  limit?: number;
  remaining?: number;
  /** Epoch milliseconds of the reset. */
  resetMs?: number;
  used?: number;
  resource?: string;
}

/** Margin added after the reset time, as GitHub advises (retry after the reset, not at it). */
export const RESET_MARGIN_MS = 1000;

export class RateLimitState {
  snapshot: RateLimitSnapshot = {};

  constructor(private readonly clock: Clock) {}

  update(headers: Headers): void {
    const num = (name: string): number | undefined => {
      const v = headers.get(name);
      if (v === null || v.trim() === '') return undefined;
      const n = Number(v);
      return Number.isFinite(n) ? n : undefined;
    };
    const remaining = num('x-ratelimit-remaining');
    if (remaining === undefined) return;
    const reset = num('x-ratelimit-reset');
    const snap: RateLimitSnapshot = { remaining };
    const limit = num('x-ratelimit-limit');
    if (limit !== undefined) snap.limit = limit;
    if (reset !== undefined) snap.resetMs = reset * 1000;
    const used = num('x-ratelimit-used');
    if (used !== undefined) snap.used = used;
    const resource = headers.get('x-ratelimit-resource');
    if (resource) snap.resource = resource;
    this.snapshot = snap;
  }

  /** How long to wait before the next request: 0 unless the quota is used up and not yet reset. */
  waitMs(): number {
    const { remaining, resetMs } = this.snapshot;
    if (remaining === undefined || remaining > 0 || resetMs === undefined) return 0;
    return Math.max(0, resetMs + RESET_MARGIN_MS - this.clock.now());
  }
}
