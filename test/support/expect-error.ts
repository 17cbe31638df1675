/** Awaiting a promise that must fail with a MallardError. */
import assert from 'node:assert/strict';
import { MallardError } from '../../src/engine/errors.js';

/** The MallardError `promise` rejects with; fails the test if it resolves or rejects with something else. */
export async function rejection(promise: Promise<unknown>): Promise<MallardError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof MallardError, `expected a MallardError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the promise to fail');
}
