import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MallardError } from '../../src/engine/errors.js';
import { classifyError, computeRetryDelay, describeFailure, NO_RETRY, type RetryPolicy } from '../../src/engine/retry.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 5000 };

describe('computeRetryDelay (the one delay function)', () => {
  test('exponential, capped, jitter takes off up to `jitter` of it', () => {
    assert.deepEqual([1, 2, 3].map((attempt) => computeRetryDelay(policy, { attempt, retryable: true }, () => 0)), [1000, 2000, 4000]);
    assert.equal(computeRetryDelay({ ...policy, maxAttempts: 9 }, { attempt: 6, retryable: true }, () => 0), 5000);
    assert.equal(computeRetryDelay(policy, { attempt: 2, retryable: true }, () => 1), 1000);
    assert.equal(computeRetryDelay(policy, { attempt: 2, retryable: true }, () => 0.5), 1500);
    assert.equal(computeRetryDelay({ ...policy, jitter: 0 }, { attempt: 2, retryable: true }, () => 1), 2000);
    assert.equal(computeRetryDelay({ ...policy, jitter: 1 }, { attempt: 2, retryable: true }, () => 1), 0);
  });

  test('stops at maxAttempts and for what is not retryable', () => {
    assert.equal(computeRetryDelay(policy, { attempt: 4, retryable: true }, () => 0), undefined);
    assert.equal(computeRetryDelay(NO_RETRY, { attempt: 1, retryable: true }, () => 0), undefined);
    assert.equal(computeRetryDelay(policy, { attempt: 1, retryable: false }, () => 0), undefined);
  });

  test('Retry-After is waited exactly, unless beyond the limit or not honoured', () => {
    assert.equal(computeRetryDelay(policy, { attempt: 1, retryable: true, retryAfterMs: 30_000 }, () => 0), 30_000);
    assert.equal(computeRetryDelay({ ...policy, maxRetryAfterMs: 10_000 }, { attempt: 1, retryable: true, retryAfterMs: 30_000 }), undefined);
    assert.equal(computeRetryDelay({ ...policy, honourRetryAfter: false }, { attempt: 1, retryable: true, retryAfterMs: 30_000 }, () => 0), 1000);
  });

  test('without a verdict: the policy lists decide; the engine has no status list of its own', () => {
    assert.equal(computeRetryDelay(policy, { attempt: 1, statusCode: 503 }, () => 0), undefined);
    assert.equal(computeRetryDelay({ ...policy, statusCodes: [503] }, { attempt: 1, statusCode: 503 }, () => 0), 1000);
    assert.equal(computeRetryDelay(policy, { attempt: 1, errorCode: 'ECONNRESET' }, () => 0), 1000);
    assert.equal(computeRetryDelay({ ...policy, errorCodes: [] }, { attempt: 1, errorCode: 'ECONNRESET' }, () => 0), undefined);
  });
});

describe('classifyError', () => {
  test('trusts MallardError.retryable and its Retry-After', () => {
    assert.deepEqual(classifyError(new MallardError('ERR_X', 'x', { retryable: true, retryAfterMs: 5 })), { retryable: true, retryAfterMs: 5 });
    assert.deepEqual(classifyError(new MallardError('ERR_X', 'x', { retryable: false, cause: Object.assign(new Error('r'), { code: 'ECONNRESET' }) })), { retryable: false });
  });

  test('plain errors: a transient code (also on the cause) is retryable, a status is not by default', () => {
    assert.equal(classifyError(Object.assign(new Error('reset'), { code: 'ECONNRESET' })).retryable, true);
    assert.equal(classifyError(new Error('wrapped', { cause: Object.assign(new Error('dns'), { code: 'EAI_AGAIN' }) })).retryable, true);
    assert.equal(classifyError(Object.assign(new Error('503'), { statusCode: 503 })).retryable, false);
    assert.equal(classifyError(new Error('bug')).retryable, false);
    assert.deepEqual(describeFailure(Object.assign(new Error('x'), { statusCode: 404 })), { statusCode: 404 });
  });
});
