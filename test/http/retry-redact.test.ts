import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, HostLimiter, isRetryableStatus, makeRedactor, parseRetryAfter, redactUrl, retryDelay } from '../../src/http/index.js';
import { fakeClock } from '../support/fake-clock.js';

describe('retry timing', () => {
  test('backoff doubles per retry, is capped, and jitter adds at most half', () => {
    const opts = { baseMs: 1000, maxMs: 5000 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, opts, () => 0)), [1000, 2000, 4000, 5000, 5000]);
    assert.equal(backoffDelayMs(2, opts, () => 0.5), 2500);
    assert.equal(backoffDelayMs(1, opts, () => 0.9999), 1499);
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

  test('retryDelay: not retryable, out of retries, Retry-After within and beyond the cap', () => {
    const base = { retries: 3, backoff: { baseMs: 100, maxMs: 1000 }, maxRetryAfterMs: 10_000, random: () => 0 };
    assert.equal(retryDelay({ ...base, retry: 1, retryable: false, retryAfterMs: undefined }), undefined);
    assert.equal(retryDelay({ ...base, retry: 4, retryable: true, retryAfterMs: undefined }), undefined);
    assert.equal(retryDelay({ ...base, retry: 3, retryable: true, retryAfterMs: undefined }), 400);
    assert.equal(retryDelay({ ...base, retry: 1, retryable: true, retryAfterMs: 9000 }), 9000);
    assert.equal(retryDelay({ ...base, retry: 1, retryable: true, retryAfterMs: 11_000 }), undefined);
  });

  test('retryable statuses', () => {
    assert.deepEqual([408, 429, 500, 502, 503, 504].map(isRetryableStatus), [true, true, true, true, true, true]);
    assert.deepEqual([400, 401, 403, 404, 409, 410, 451, 501, 505].map(isRetryableStatus), Array(9).fill(false));
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
