/** Which pages a crawl needs, from what the first page told us: planned lazily, never all at once. */
import { ckanResponseError } from './errors.js';

/** The most datasets a crawl takes by default, whatever the portal claims (ckan.maxDatasets). */
export const DEFAULT_MAX_DATASETS = 5_000_000;

/**
 * The start offsets of every page, lazily: 0, then steps of `effectiveRows` (the number of
 * packages the portal returned for a full page: portals lower `rows` silently) while below
 * `count`, or below `limit` when that is lower. A portal with no matching dataset still has its
 * one (empty) page at 0. Memory stays constant whatever the count (a portal may claim 10^9).
 */
export function* planPages(count: number, effectiveRows: number, limit = Number.MAX_SAFE_INTEGER): Generator<number, void, undefined> {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number >= 0, got ${count}`);
  if (count === 0) {
    yield 0;
    return;
  }
  if (!Number.isInteger(effectiveRows) || effectiveRows < 1) {
    throw ckanResponseError(`the portal reported ${count} datasets but returned ${effectiveRows} in a page; cannot page through it`, {
      retryable: false,
      context: { count, effectiveRows },
    });
  }
  const end = Math.min(count, limit);
  for (let start = 0; start < end; start += effectiveRows) yield start;
}

/** The next `n` values of an iterator (fewer at its end). */
export function take<T>(iterator: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  while (out.length < n) {
    const next = iterator.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}
