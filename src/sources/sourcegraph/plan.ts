/**
 * Planning the requests of a download: which terms go together in one query. Terms whose
 * attribution can be decided locally (isBatchable) are packed in sorted order, at most
 * `termsPerQuery` per request and at most `maxQueryLength` characters of URL-encoded query; every
 * other term (non-ASCII, multi-line, or too long to share) is searched alone, exactly as before.
 * The plan is a pure function of the terms and limits, so an interrupted run plans the same
 * requests again and finds the finished ones on disk.
 */
import { createHash } from 'node:crypto';
import { isBatchable } from './attribute.js';
import { searchFileName } from './file-name.js';
import { buildBatchQuery, quoteTerm, type QueryOptions } from './query.js';

export interface PlanLimits extends QueryOptions {
  /** Most terms in one request (1: one search per term). */
  termsPerQuery: number;
  /** Longest URL-encoded query of a request of several terms. */
  maxQueryLength: number;
}

export const DEFAULT_TERMS_PER_QUERY = 100;
export const DEFAULT_MAX_QUERY_LENGTH = 4000;

/** Length of `q=<query>` as sent. */
export function encodedQueryLength(query: string): number {
  return new URLSearchParams({ q: query }).toString().length - 2;
}

/** Whether `terms` is already sorted (as Array.prototype.sort sorts strings) with no repeat. */
function sortedDistinct(terms: readonly string[]): boolean {
  for (let i = 1; i < terms.length; i++) if (!((terms[i - 1] as string) < (terms[i] as string))) return false;
  return true;
}

/**
 * The URL-encoded length of a batch query (buildBatchQuery of two terms or more) from its parts:
 * `(` + the quoted terms joined by ` OR ` + `) <filters>`. Form encoding maps each character on
 * its own, so the length of the whole is the sum of its parts' (the batched terms are printable
 * ASCII: no surrogate pair is split); each term's part is computed once, not the whole query again
 * per term added (that was quadratic in the terms per request: 41 s of a 100k portal's plan).
 */
class BatchLength {
  private readonly fixed: number;
  private readonly separator: number;

  constructor(options: QueryOptions) {
    this.separator = encodedQueryLength(' OR ');
    // Everything but the two terms and their separator: the parentheses and the filters.
    this.fixed = encodedQueryLength(buildBatchQuery(['a', 'b'], options)) - 2 * this.term('a') - this.separator;
  }

  /** The encoded length of one term as it stands in a batch query (quoted). */
  term(term: string): number {
    return encodedQueryLength(quoteTerm(term));
  }

  /** The encoded length of a batch query of `count` (≥ 2) terms whose terms' lengths add up to `terms`. */
  of(count: number, terms: number): number {
    return this.fixed + terms + (count - 1) * this.separator;
  }
}

/**
 * The requests for `terms`: each a non-empty list of distinct terms, every term in exactly one.
 * Terms already sorted and distinct (the planner's, from DuckDB) are not copied or sorted again.
 */
export function planRequests(terms: readonly string[], limits: PlanLimits): string[][] {
  const distinct = sortedDistinct(terms) ? terms : [...new Set(terms)].sort();
  const alone: string[][] = [];
  const batches: string[][] = [];
  const length = new BatchLength(limits);
  let current: string[] = [];
  let currentLength = 0;
  for (const term of distinct) {
    if (limits.termsPerQuery <= 1 || !isBatchable(term)) {
      alone.push([term]);
      continue;
    }
    const termLength = length.term(term);
    current.push(term);
    currentLength += termLength;
    if (current.length > 1 && (current.length > limits.termsPerQuery || length.of(current.length, currentLength) > limits.maxQueryLength)) {
      current.pop();
      batches.push(current);
      current = [term];
      currentLength = termLength;
    }
  }
  if (current.length > 0) batches.push(current);
  return [...batches, ...alone];
}

/** The two halves a request is split into when its answer cannot be proven whole. */
export function splitRequest(terms: readonly string[]): string[][] {
  const mid = Math.ceil(terms.length / 2);
  return [terms.slice(0, mid), terms.slice(mid)];
}

/** 16 hex digits naming a request of several terms. */
export function requestHash(terms: readonly string[]): string {
  return createHash('sha256').update(terms.join('\u0000'), 'utf8').digest('hex').slice(0, 16);
}

/** The result file of a request: searchFileName(term) for one term, `batch-<n>-<hash>.json` for several. */
export function requestFileName(terms: readonly string[]): string {
  if (terms.length === 1) return searchFileName(terms[0] as string);
  return `batch-${terms.length}-${requestHash(terms)}.json`;
}
