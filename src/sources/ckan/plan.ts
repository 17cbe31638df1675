/** Which pages a crawl needs, from what the first page told us. */
import { ckanResponseError } from './errors.js';

/**
 * The start offsets of every page: 0, then steps of `effectiveRows` (the number of packages
 * the portal returned for a full page: portals lower `rows` silently) while below `count`.
 * A portal with no matching dataset still has its one (empty) page at 0.
 */
export function planPages(count: number, effectiveRows: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number >= 0, got ${count}`);
  if (count === 0) return [0];
  if (!Number.isInteger(effectiveRows) || effectiveRows < 1) {
    throw ckanResponseError(`the portal reported ${count} datasets but returned ${effectiveRows} in a page; cannot page through it`, {
      retryable: false,
      context: { count, effectiveRows },
    });
  }
  const starts: number[] = [];
  for (let start = 0; start < count; start += effectiveRows) starts.push(start);
  return starts;
}
