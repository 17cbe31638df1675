import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../../src/engine/clock.js';
import type { MallardError } from '../../src/engine/errors.js';
import { acquireLock } from '../../src/engine/lock.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the run lock', () => {
  test('a second run refuses, naming the holder pid and start time', async () => {
    const file = path.join(dir, 'uk.lock');
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 10, 0, 0));
    const lock = await acquireLock(file, { clock, command: 'insert-datasets-info --site uk' });
    await assert.rejects(acquireLock(file, { clock }), (err: MallardError) => {
      assert.equal(err.code, 'ERR_LOCKED');
      assert.match(err.message, new RegExp(`pid ${process.pid} on .*, started 2026-11-22T10:00:00.000Z \\(insert-datasets-info --site uk\\)`));
      assert.match(err.suggestions.join(), /--wait/);
      return true;
    });
    lock.release();
    assert.equal(fs.existsSync(file), false);
    (await acquireLock(file, { clock })).release();
  });

  test('a stale lock from a dead process is taken over', async () => {
    const file = path.join(dir, 'uk.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    fs.writeFileSync(file, JSON.stringify({ pid: deadPid, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z', command: 'x' }));
    const lock = await acquireLock(file, { clock: new FakeClock() });
    assert.equal(lock.tookOverFrom?.pid, deadPid);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    lock.release();
  });

  test('--wait polls until the holder finishes', async () => {
    const file = path.join(dir, 'uk.lock');
    const holder = await acquireLock(file, { clock: new FakeClock() });
    const clock = new FakeClock();
    const polls: number[] = [];
    const waiting = clock.sleep.bind(clock);
    clock.sleep = async (ms: number) => {
      polls.push(ms);
      if (polls.length === 3) holder.release();
      await waiting(ms);
    };
    const lock = await acquireLock(file, { clock, wait: true, pollMs: 250 });
    assert.deepEqual(polls, [250, 250, 250]);
    lock.release();
  });

  test('--wait gives up after its timeout', async () => {
    const file = path.join(dir, 'uk.lock');
    const holder = await acquireLock(file, { clock: new FakeClock() });
    await assert.rejects(acquireLock(file, { clock: new FakeClock(), wait: true, timeoutMs: 1000, pollMs: 400 }), /holds the lock/);
    holder.release();
  });
});
