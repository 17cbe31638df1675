import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseRenderMode } from '../../src/ui/index.js';

test('--json wins, a terminal gets the live display, anything else plain lines', () => {
  assert.equal(chooseRenderMode({ json: true, isTTY: true }), 'json');
  assert.equal(chooseRenderMode({ json: false, isTTY: true }), 'tty');
  assert.equal(chooseRenderMode({ json: false, isTTY: false }), 'plain');
  assert.equal(chooseRenderMode({ json: false, isTTY: true, env: { CI: 'true' } }), 'plain');
  assert.equal(chooseRenderMode({ json: false, isTTY: true, env: { CI: 'false' } }), 'tty');
  assert.equal(chooseRenderMode({ json: false, isTTY: true, env: { TERM: 'dumb' } }), 'plain');
});
