import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { MallardError } from '../../src/engine/errors.js';
import { formatShardSpec, ownsTask, parseShardSpec, partition, shardOf, shareOfConcurrency, shareOfRate } from '../../src/engine/shard.js';
import { taskId } from '../../src/engine/task.js';

/** Ids shaped like the pipeline's leaf tasks: pages, searches and repositories. */
function leafIds(n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) ids.push(taskId('CkanPage', { site: 'data-gov-uk', query: '3f9a0c1d', start: i * 1000, rows: 1000 }));
    else if (i % 3 === 1) ids.push(taskId('SourcegraphSearch', { site: 'data-gov-uk', term: `https://data.gov.uk/dataset/${i}`, options: 'a1b2' }));
    else ids.push(taskId('GithubRepo', { site: 'data-gov-uk', repo: `owner-${i % 977}/repo-${i}` }));
  }
  return ids;
}

describe('shard specs', () => {
  test('i/N and final parse, and format back', () => {
    assert.deepEqual(parseShardSpec('0/8'), { kind: 'shard', index: 0, count: 8 });
    assert.deepEqual(parseShardSpec(' 7/8 '), { kind: 'shard', index: 7, count: 8 });
    assert.deepEqual(parseShardSpec('final'), { kind: 'final' });
    assert.deepEqual(parseShardSpec('plan'), { kind: 'plan' });
    assert.equal(formatShardSpec({ kind: 'plan' }), 'plan');
    assert.equal(formatShardSpec(parseShardSpec('3/10')), '3/10');
    assert.equal(formatShardSpec({ kind: 'final' }), 'final');
  });

  test('bad specs are usage errors that say what is allowed', () => {
    const cases: Array<[string, RegExp]> = [
      ['8/8', /indexes run from 0 to 7/],
      ['1/0', /between 1 and 10000/],
      ['0/10001', /between 1 and 10000/],
      ['1-of-8', /use i\/N/],
      ['-1/8', /use i\/N/],
      ['', /use i\/N/],
      ['FINAL', /use i\/N/],
      ['1/8/2', /use i\/N/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseShardSpec(text), (err: unknown) => err instanceof MallardError && err.code === 'ERR_USAGE' && message.test(err.message), text);
    }
  });
});

describe('the shard of a task id', () => {
  test('is the first 48 bits of the id\'s sha256 modulo N: the same everywhere, pinned here', () => {
    const id = 'CkanPage(query=3f9a0c1d, rows=1000, site=data-gov-uk, start=5000)';
    const expected = Number(BigInt('0x' + createHash('sha256').update(id).digest('hex').slice(0, 12)) % 8n);
    assert.equal(shardOf(id, 8), expected);
    // Pinned values: a change of the hash would silently move finished work between shards.
    assert.deepEqual([1, 2, 3, 8, 100].map((n) => shardOf(id, n)), [0, 0, 2, 4, 20]);
    assert.deepEqual([1, 2, 3, 8, 100].map((n) => shardOf('GithubRepo(repo=alphagov/govuk-frontend, site=data-gov-uk)', n)), [0, 0, 2, 4, 84]);
  });

  test('is deterministic and does not depend on the order ids come in', () => {
    const ids = leafIds(3000);
    const forward = partition(ids, 7);
    const backward = partition([...ids].reverse(), 7).map((s) => s.reverse());
    assert.deepEqual(backward, forward);
    assert.deepEqual(partition(ids, 7), forward);
  });

  test('covers every id exactly once, and each shard sees only its own', () => {
    const ids = leafIds(10_000);
    for (const n of [1, 2, 3, 8, 64]) {
      const shards = partition(ids, n);
      assert.equal(shards.length, n);
      assert.equal(shards.reduce((sum, s) => sum + s.length, 0), ids.length, `N=${n}: total`);
      assert.deepEqual(new Set(shards.flat()), new Set(ids), `N=${n}: the union is every id`);
      const specs = Array.from({ length: n }, (_, i) => parseShardSpec(`${i}/${n}`));
      for (const id of ids.slice(0, 2000)) {
        assert.equal(specs.filter((s) => ownsTask(s, id)).length, 1, `N=${n}: ${id} is owned by exactly one shard`);
      }
      shards.forEach((s, i) => assert.ok(s.every((id) => ownsTask(specs[i]!, id)), `N=${n}: shard ${i} owns what partition gave it`));
    }
  });

  test('the plan and final steps own no leaf work', () => {
    assert.ok(leafIds(500).every((id) => !ownsTask({ kind: 'final' }, id) && !ownsTask({ kind: 'plan' }, id)));
  });

  test('is balanced: every shard of 60,000 leaf ids within 4 standard deviations of an even split', () => {
    const ids = leafIds(60_000);
    for (const n of [2, 3, 8, 16]) {
      const sizes = partition(ids, n).map((s) => s.length);
      const mean = ids.length / n;
      const sd = Math.sqrt(ids.length * (1 / n) * (1 - 1 / n));
      const worst = Math.max(...sizes.map((s) => Math.abs(s - mean)));
      assert.ok(worst < 4 * sd, `N=${n}: shard sizes ${sizes.join(', ')} deviate by up to ${worst.toFixed(0)} (4 sd = ${(4 * sd).toFixed(0)})`);
      assert.ok(worst / mean < 0.06, `N=${n}: ${((worst / mean) * 100).toFixed(1)}% off an even split`);
      // Chi-square against uniform: with n-1 degrees of freedom, far under the 0.1% tail.
      const chi = sizes.reduce((sum, s) => sum + (s - mean) ** 2 / mean, 0);
      assert.ok(chi < 10 + 3 * n, `N=${n}: chi-square ${chi.toFixed(1)}`);
    }
  });

  test('also splits one family alone evenly (pages only: ids differing in one number)', () => {
    const pages = Array.from({ length: 40_000 }, (_, i) => taskId('CkanPage', { site: 's', query: 'q', start: i * 100, rows: 100 }));
    const sizes = partition(pages, 8).map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) < 0.08 * (pages.length / 8), sizes.join(', '));
  });

  test('rejects a shard count that is not a positive integer', () => {
    assert.throws(() => shardOf('x', 0), RangeError);
    assert.throws(() => shardOf('x', 1.5), RangeError);
  });
});

describe('a shard\'s part of a per-host budget', () => {
  test('a rate is divided exactly, a concurrency down to at least one', () => {
    assert.equal(shareOfRate(5, 4), 1.25);
    assert.equal(shareOfRate(2, 8), 0.25);
    assert.equal(shareOfConcurrency(8, 4), 2);
    assert.equal(shareOfConcurrency(2, 8), 1);
    assert.equal(shareOfConcurrency(5, 2), 2);
  });
});
