/** Task ids: `Family(k=v, ...)`, keys sorted, values quoted only where they must be; one parameter takes a shorter way to the same text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskId } from '../../src/engine/task.js';

test('ids of no, one and several parameters, own keys only', () => {
  assert.equal(taskId('Leaf', { i: 7 }), 'Leaf(i=7)');
  assert.equal(taskId('Leaf', { i: -0.5 }), 'Leaf(i=-0.5)');
  assert.equal(taskId('Flag', { on: true }), 'Flag(on=true)');
  assert.equal(taskId('Page', { url: 'https://x.org/a-b_c@d' }), 'Page(url=https://x.org/a-b_c@d)');
  assert.equal(taskId('Page', { q: 'two words' }), 'Page(q="two words")');
  assert.equal(taskId('Page', { q: '' }), 'Page(q="")');
  assert.equal(taskId('Root', {}), 'Root()');
  assert.equal(taskId('Page', { start: 0, site: 'uk', rows: 10 }), 'Page(rows=10, site=uk, start=0)');
  const inherited = Object.create({ hidden: 1 }) as Record<string, number>;
  assert.equal(taskId('Odd', inherited), 'Odd()', 'an inherited key is not a parameter');
  inherited.i = 3;
  assert.equal(taskId('Odd', inherited), 'Odd(i=3)');
});
