import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPlan, reasonKind } from '../../src/ui/index.js';
import { summaryOf } from './helpers.js';

test('reason kinds drop the specifics', () => {
  assert.equal(reasonKind('missing output /a/b c.txt'), 'missing output');
  assert.equal(reasonKind('upstream will run: Leaf(i=1)'), 'upstream will run');
  assert.equal(reasonKind('no receipt: outputs exist but no successful run recorded them'), 'no receipt');
  assert.equal(reasonKind('inputs changed since its run (12 inputs)'), 'inputs changed since its run');
  assert.equal(reasonKind('forced (--force)'), 'forced (--force)');
});

test('a large plan: per family the collapsed tasks, counts of reasons among those listed, a few examples', () => {
  const plan = Array.from({ length: 200 }, (_, i) => ({ id: `Leaf(i=${i})`, family: 'Leaf', message: i % 4 === 0 ? 'forced (--force)' : `missing output /x/leaf_${i}.txt` }));
  const s = summaryOf('dry-run', { wouldRun: 1001, alreadyComplete: 5, scheduled: 1006 }, {
    groups: [
      { outcome: 'would-run', family: 'Leaf', count: 1000, tasks: 'Leaf(i=0...999)' },
      { outcome: 'would-run', family: 'Aggregate', count: 1, tasks: 'Aggregate(n=1000)' },
      { outcome: 'complete', family: 'Other', count: 5, tasks: 'Other(k=0...4)' },
    ],
    plan,
  });
  const lines = formatPlan(s).split('\n');
  assert.deepEqual(lines, [
    'Dry run R1: 1001 tasks would run, 5 already complete (nothing was run).',
    'Leaf (1000): Leaf(i=0...999)',
    '  why: 150 missing output, 50 forced (--force) (of the 200 listed)',
    '  Leaf(i=0): forced (--force)',
    '  Leaf(i=1): missing output /x/leaf_1.txt',
    '  Leaf(i=2): missing output /x/leaf_2.txt',
    '  Leaf(i=3): missing output /x/leaf_3.txt',
    '  Leaf(i=4): forced (--force)',
    '  ... and 995 more',
    'Aggregate (1): Aggregate(n=1000)',
    '  ... and 1 more',
    '(reasons are listed for the first 200 tasks; the run log has the rest as task_pending events)',
  ]);
});
