/** Ticks of a schedule from a fake "now", across daylight-saving changes in London and New York. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isoTick, runKey, tickSource } from '../../src/schedule/index.js';

const at = (iso: string): number => Date.parse(iso);
const isoList = (ms: number[]): string[] => ms.map(isoTick);

describe('ticks in Europe/London', () => {
  const nightly = tickSource({ cron: '30 1 * * *', timezone: 'Europe/London' });

  test('01:30 is 01:30 UTC in winter and 00:30 UTC in summer; the day the clocks go forward it runs once, just after the gap', () => {
    assert.deepEqual(isoList(nightly.next(4, at('2026-03-27T12:00:00Z'))), [
      '2026-03-28T01:30:00Z', // GMT
      '2026-03-29T01:00:00Z', // 01:30 does not exist: 02:00 BST, the first valid time after the gap
      '2026-03-30T00:30:00Z', // BST
      '2026-03-31T00:30:00Z',
    ]);
  });

  test('the day the clocks go back, 01:30 happens twice but the schedule runs once', () => {
    const ticks = nightly.between(at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z'));
    assert.deepEqual(isoList(ticks), ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z']);
  });

  test('an hourly schedule has 23 ticks on the spring day and 25 on the autumn day (local midnight to midnight)', () => {
    const hourly = tickSource({ cron: '0 * * * *', timezone: 'Europe/London' });
    // local midnights: 2026-03-29 00:00 GMT = 00:00Z, 2026-03-30 00:00 BST = 2026-03-29T23:00Z
    assert.equal(hourly.between(at('2026-03-29T00:00:00Z') - 1, at('2026-03-29T23:00:00Z') - 1).length, 23);
    // 2026-10-25 00:00 BST = 2026-10-24T23:00Z, 2026-10-26 00:00 GMT = 00:00Z
    assert.equal(hourly.between(at('2026-10-24T23:00:00Z') - 1, at('2026-10-26T00:00:00Z') - 1).length, 25);
  });

  test('the tick served at a given now is the latest at or before it, following the shifted tick', () => {
    assert.equal(isoTick(nightly.tickAt(at('2026-03-29T00:59:59Z'))!), '2026-03-28T01:30:00Z');
    assert.equal(isoTick(nightly.tickAt(at('2026-03-29T01:00:00Z'))!), '2026-03-29T01:00:00Z');
    assert.equal(isoTick(nightly.tickAt(at('2026-03-29T07:00:00Z'))!), '2026-03-29T01:00:00Z');
    assert.equal(isoTick(nightly.tickAt(at('2026-03-30T00:30:00.400Z'))!), '2026-03-30T00:30:00Z');
    assert.equal(runKey('nightly', nightly.tickAt(at('2026-10-25T05:00:00Z'))!), 'nightly@2026-10-25T00:30:00Z');
  });
});

describe('ticks in America/New_York', () => {
  const early = tickSource({ cron: '30 2 * * *', timezone: 'America/New_York' });

  test('02:30 does not exist on 8 March 2026: it runs at 03:00 EDT, once', () => {
    assert.deepEqual(isoList(early.next(3, at('2026-03-07T00:00:00Z'))), [
      '2026-03-07T07:30:00Z', // EST, UTC-5
      '2026-03-08T07:00:00Z', // 03:00 EDT
      '2026-03-09T06:30:00Z', // EDT, UTC-4
    ]);
  });

  test('01:30 happens twice on 1 November 2026 and runs once; a half-hourly schedule runs on both', () => {
    const once = tickSource({ cron: '30 1 * * *', timezone: 'America/New_York' });
    assert.deepEqual(isoList(once.between(at('2026-10-31T12:00:00Z'), at('2026-11-02T12:00:00Z'))), ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']);
    const halfHourly = tickSource({ cron: '*/30 1 * * *', timezone: 'America/New_York' });
    assert.deepEqual(isoList(halfHourly.between(at('2026-11-01T04:00:00Z'), at('2026-11-01T07:00:00Z'))), [
      '2026-11-01T05:00:00Z', '2026-11-01T05:30:00Z', // 01:00, 01:30 EDT
      '2026-11-01T06:00:00Z', '2026-11-01T06:30:00Z', // 01:00, 01:30 EST
    ]);
  });

  test('a weekly schedule keeps its local time across the change', () => {
    const weekly = tickSource({ cron: '0 9 * * 1', timezone: 'America/New_York' });
    assert.deepEqual(isoList(weekly.next(2, at('2026-10-27T00:00:00Z'))), ['2026-11-02T14:00:00Z', '2026-11-09T14:00:00Z']);
    assert.equal(isoTick(weekly.tickAt(at('2026-11-01T00:00:00Z'))!), '2026-10-26T13:00:00Z');
  });
});
