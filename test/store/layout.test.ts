import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimestamp, parseArtifactFileName, parseCount, parseDuration, parseTimestamp } from '../../src/store/index.js';

describe('layout names', () => {
  test('timestamps are UTC whole seconds and round-trip', () => {
    assert.equal(formatTimestamp(new Date('2024-01-15T10:30:59.999Z')), '20240115T103059Z');
    assert.equal(parseTimestamp('20240115T103059Z')?.toISOString(), '2024-01-15T10:30:59.000Z');
    assert.equal(parseTimestamp('20241315T103059Z'), undefined);
    assert.equal(parseTimestamp('2024-01-15T10:30:59Z'), undefined);
  });

  test('file names split into name, timestamp and kind', () => {
    assert.deepEqual(parseArtifactFileName('clean_ckan_api_20240115T103000Z.db'), { name: 'clean_ckan_api', timestamp: '20240115T103000Z', kind: 'db' });
    assert.deepEqual(parseArtifactFileName('usage_20240115T103000Z.manifest.json'), { name: 'usage', timestamp: '20240115T103000Z', kind: 'manifest' });
    for (const bad of ['usage.db', 'Usage_20240115T103000Z.db', 'usage_20240115T103000Z.db.wal', '.usage.db.1.ab.partial', 'usage_20240199T103000Z.db']) {
      assert.equal(parseArtifactFileName(bad), undefined, bad);
    }
  });
});

describe('option parsing', () => {
  test('durations', () => {
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration('12h'), 12 * 3_600_000);
    assert.equal(parseDuration('90m'), 90 * 60_000);
    assert.equal(parseDuration('45s'), 45_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    assert.equal(parseDuration('1d12h'), 36 * 3_600_000);
    assert.equal(parseDuration('0d'), 0);
    for (const bad of ['', '30', 'd', '-1d', '1.5d', '30 days', '1y']) {
      assert.throws(() => parseDuration(bad, '--older-than'), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_USAGE');
        assert.match(err.message, /--older-than/);
        return true;
      }, bad);
    }
  });

  test('counts', () => {
    assert.equal(parseCount('3'), 3);
    assert.equal(parseCount('0'), 0);
    for (const bad of ['-1', '1.5', 'two', '']) assert.throws(() => parseCount(bad, '--keep'), { code: 'ERR_USAGE' }, bad);
  });
});
