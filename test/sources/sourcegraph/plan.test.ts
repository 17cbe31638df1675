/**
 * planRequests packs sorted terms greedily: the same requests whether its input comes sorted and
 * distinct (the planner's, from DuckDB: not sorted again) or shuffled with repeats, and the same as
 * the packing written out plainly below (a fresh batch per overflowing term, each batch's whole
 * query built and encoded again: the planner adds up its parts' lengths instead).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildBatchQuery, encodedQueryLength, isBatchable, planRequests, type PlanLimits } from '../../../src/sources/sourcegraph/index.js';

function reference(terms: readonly string[], limits: PlanLimits): string[][] {
  const distinct = [...new Set(terms)].sort();
  const alone = distinct.filter((t) => limits.termsPerQuery <= 1 || !isBatchable(t)).map((t) => [t]);
  const batches: string[][] = [];
  for (const term of distinct.filter((t) => limits.termsPerQuery > 1 && isBatchable(t))) {
    const last = batches.at(-1);
    const next = last === undefined ? undefined : [...last, term];
    if (last === undefined || next === undefined || next.length > limits.termsPerQuery || encodedQueryLength(buildBatchQuery(next, limits)) > limits.maxQueryLength) batches.push([term]);
    else batches[batches.length - 1] = next;
  }
  return [...batches, ...alone];
}

function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('planRequests', () => {
  const rnd = random(11);
  const pieces = ['data', 'set', 'é', 'q"', ' ', 'x'.repeat(300), '\n', '😀', '\uE000', 'ab', '%2', '+', '&=', '~*', '(OR)', '\\', '/:?#'];
  const terms = Array.from({ length: 3000 }, () => Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pieces[Math.floor(rnd() * pieces.length)]).join(''));
  const limits: PlanLimits[] = [
    { termsPerQuery: 100, maxQueryLength: 4000, includeForks: false, includeArchived: false },
    { termsPerQuery: 7, maxQueryLength: 900, includeForks: true, includeArchived: false },
    { termsPerQuery: 40, maxQueryLength: 700, includeForks: true, includeArchived: true, extraFilters: ['context:global', 'lang:"Jupyter Notebook"', 'file:\\.csv$'] },
    { termsPerQuery: 1, maxQueryLength: 4000, includeForks: false, includeArchived: false },
  ];

  test('sorted distinct input, shuffled input with repeats and the plain packing plan the same requests', () => {
    const sorted = [...new Set(terms)].sort();
    const shuffled = [...terms, ...terms.slice(0, 500)].sort(() => rnd() - 0.5);
    for (const l of limits) {
      const expected = reference(terms, l);
      assert.ok(expected.length > 1 && expected.some((b) => b.length > 1) === l.termsPerQuery > 1);
      assert.deepEqual(planRequests(sorted, l), expected);
      assert.deepEqual(planRequests(shuffled, l), expected);
      assert.deepEqual(expected.flat().sort(), sorted, 'every term in exactly one request');
    }
  });

  test('an input sorted as DuckDB sorts (bytes) but not as JavaScript does is sorted again', () => {
    const l = limits[0] as PlanLimits;
    const bytewise = ['a', '\uE000', '😀'];
    assert.deepEqual(planRequests(bytewise, l), reference(bytewise, l));
  });
});
