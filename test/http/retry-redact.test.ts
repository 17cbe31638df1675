import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeRetryDelay } from '../../src/engine/retry.js';
import { HostLimiter, httpRetryPolicy, isRetryableStatus, makeRedactor, parseRetryAfter, redactUrl } from '../../src/http/index.js';
import { fakeClock } from '../support/fake-clock.js';

describe('retry timing', () => {
  test('the HTTP policy: backoff doubles per retry, is capped, jitter takes at most half off', () => {
    const policy = httpRetryPolicy({ retries: 10, retryBaseMs: 1000, retryMaxMs: 5000 });
    const delay = (attempt: number, random: number) => computeRetryDelay(policy, { attempt, retryable: true }, () => random);
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => delay(n, 0)), [1000, 2000, 4000, 5000, 5000]);
    assert.equal(delay(2, 0.5), 1500);
    assert.equal(delay(1, 0.9999), 500);
  });

  test('Retry-After: seconds, HTTP dates (past means 0), garbage', () => {
    const now = Date.UTC(2025, 0, 1, 0, 0, 0);
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('1.5', now), 1500);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter(['3'], now), 3000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
  });

  test('not retryable, out of retries, Retry-After within and beyond the limit', () => {
    const policy = httpRetryPolicy({ retries: 3, retryBaseMs: 100, retryMaxMs: 1000, maxRetryAfterMs: 10_000 });
    const delay = (f: Parameters<typeof computeRetryDelay>[1]) => computeRetryDelay(policy, f, () => 0);
    assert.equal(delay({ attempt: 1, retryable: false }), undefined);
    assert.equal(delay({ attempt: 4, retryable: true }), undefined);
    assert.equal(delay({ attempt: 3, retryable: true }), 400);
    assert.equal(delay({ attempt: 1, retryable: true, retryAfterMs: 9000 }), 9000);
    assert.equal(delay({ attempt: 1, retryable: true, retryAfterMs: 11_000 }), undefined);
  });

  test('retryable statuses and network codes, one list each', () => {
    assert.deepEqual([408, 429, 500, 502, 503, 504].map((s) => isRetryableStatus(s)), [true, true, true, true, true, true]);
    assert.deepEqual([400, 401, 403, 404, 409, 410, 451, 501, 505].map((s) => isRetryableStatus(s)), Array(9).fill(false));
    const policy = httpRetryPolicy();
    assert.equal(computeRetryDelay(policy, { attempt: 1, statusCode: 503 }, () => 0), 1000);
    assert.equal(computeRetryDelay(policy, { attempt: 1, statusCode: 501 }, () => 0), undefined);
    assert.equal(computeRetryDelay(policy, { attempt: 1, errorCode: 'ECONNRESET' }, () => 0), 1000);
    assert.equal(computeRetryDelay(policy, { attempt: 1, errorCode: 'ERR_HTTP_CONTENT_LENGTH_MISMATCH' }, () => 0), 1000);
    assert.equal(computeRetryDelay(policy, { attempt: 1, errorCode: 'EACCES' }, () => 0), undefined);
  });
});

describe('redaction', () => {
  test('redactUrl masks user info and credential-like query parameters only', () => {
    assert.equal(
      redactUrl('https://bob:pw@example.org/api/3/action/package_search?q=water&api_key=abc&access_token=t&X-Amz-Signature=s&rows=10'),
      'https://***:***@example.org/api/3/action/package_search?q=water&api_key=***&access_token=***&X-Amz-Signature=***&rows=10',
    );
    assert.equal(redactUrl('https://example.org/a?sort=id+asc&start=0'), 'https://example.org/a?sort=id+asc&start=0');
    assert.equal(redactUrl('not a url'), 'not a url');
  });

  test('makeRedactor scrubs secrets (also URL-encoded), URLs inside text and auth headers', () => {
    const redact = makeRedactor(['s3cr3t/value', 'ab']);
    assert.equal(redact('token s3cr3t/value and s3cr3t%2Fvalue'), 'token *** and ***');
    assert.equal(redact('ab stays: too short to be a secret'), 'ab stays: too short to be a secret');
    assert.equal(redact('GET https://h.org/x?token=zzz failed'), 'GET https://h.org/x?token=*** failed');
    assert.equal(redact('Authorization: token ghp_abcdef123'), 'Authorization: ***');
    assert.equal(redact('sent Bearer eyJhbGciOi.xyz'), 'sent Bearer ***');
    assert.equal(redact('{"authorization":"Basic dXNlcjpwdw=="}'), '{"authorization":"***"}');
  });
});

describe('HostLimiter', () => {
  test('holds the third request to a host until one of two finishes; other hosts are free', async () => {
    const limiter = new HostLimiter({ concurrency: 2, clock: fakeClock() });
    const r1 = await limiter.acquire('a:1');
    await limiter.acquire('a:1');
    let third = false;
    const p3 = limiter.acquire('a:1').then((release) => {
      third = true;
      return release;
    });
    const otherHost = await limiter.acquire('b:1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(third, false);
    assert.equal(limiter.inFlight('a:1'), 2);
    r1();
    r1(); // releasing twice frees one slot only
    (await p3)();
    assert.equal(third, true);
    assert.equal(limiter.inFlight('a:1'), 1);
    otherHost();
    assert.equal(limiter.inFlight('b:1'), 0);
  });

  test('rejects nonsense settings', () => {
    assert.throws(() => new HostLimiter({ concurrency: 0, clock: fakeClock() }), RangeError);
    assert.throws(() => new HostLimiter({ concurrency: 1, requestsPerSecond: 0, clock: fakeClock() }), RangeError);
  });
});
