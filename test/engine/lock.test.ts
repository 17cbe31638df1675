import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { isMallardError, type MallardError } from '../../src/engine/errors.js';
import { acquireLock, takeoverClaimFile, type Lock } from '../../src/engine/lock.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A pid that was alive a moment ago and is not any more. */
function deadPid(): number {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(dead.stdout);
}

/** Writes a lock left by a dead process; returns its exact content. */
function writeStale(file: string, pid: number): string {
  const content = JSON.stringify({ pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z', command: 'x' }) + '\n';
  fs.writeFileSync(file, content);
  return content;
}

function commandIn(file: string): string {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { command: string }).command;
}

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
    const pid = deadPid();
    writeStale(file, pid);
    const lock = await acquireLock(file, { clock: new FakeClock() });
    assert.equal(lock.tookOverFrom?.pid, pid);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    lock.release();
    assert.deepEqual(fs.readdirSync(dir), []); // no claim or temp file left behind
  });

  test('a takeover arriving while another holds the takeover claim refuses; the claimer wins', async () => {
    const file = path.join(dir, 'uk.lock');
    const pid = deadPid();
    writeStale(file, pid);
    let other: Lock | Error | undefined;
    const lock = await acquireLock(file, {
      clock: new FakeClock(),
      command: 'first',
      // Between this taker's check of the stale file and its removal, a second taker runs in full.
      onTakeover: async (step) => {
        if (step === 'claimed' && other === undefined) other = await acquireLock(file, { clock: new FakeClock(), command: 'second' }).catch((e: Error) => e);
      },
    });
    assert.ok(isMallardError(other) && other.code === 'ERR_LOCKED', `the second taker must not get the lock: ${String(other)}`);
    assert.match(other.message, /\(first\)/);
    assert.equal(lock.tookOverFrom?.pid, pid);
    assert.equal(commandIn(file), 'first');
    lock.release();
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('a takeover that read the stale lock before another finished taking it over leaves the new lock alone', async () => {
    const file = path.join(dir, 'uk.lock');
    writeStale(file, deadPid());
    let first: Lock | undefined;
    const late = acquireLock(file, {
      clock: new FakeClock(),
      command: 'late',
      // After this taker read the stale file, another takes the lock over completely.
      onTakeover: async (step) => {
        if (step === 'stale' && first === undefined) first = await acquireLock(file, { clock: new FakeClock(), command: 'first' });
      },
    });
    await assert.rejects(late, (err: MallardError) => err.code === 'ERR_LOCKED' && /\(first\)/.test(err.message));
    assert.ok(first);
    assert.equal(commandIn(file), 'first');
    first.release();
    assert.equal(fs.existsSync(file), false);
  });

  test('a takeover interrupted by the death of its claimer is reported, not guessed at', async () => {
    const file = path.join(dir, 'uk.lock');
    const stale = writeStale(file, deadPid());
    const claim = takeoverClaimFile(file, stale);
    fs.writeFileSync(claim, JSON.stringify({ pid: deadPid(), host: os.hostname(), startedAt: '2026-01-01T00:00:00Z', command: 'y' }));
    await assert.rejects(acquireLock(file, { clock: new FakeClock() }), (err: MallardError) => {
      assert.equal(err.code, 'ERR_LOCKED');
      assert.match(err.message, /interrupted/);
      assert.ok(err.suggestions.join().includes(claim));
      return true;
    });
    assert.equal(fs.readFileSync(file, 'utf8'), stale);
  });

  test('an empty lock file is not taken for a stale one', async () => {
    const file = path.join(dir, 'uk.lock');
    fs.writeFileSync(file, '');
    await assert.rejects(acquireLock(file, { clock: new FakeClock() }), /the file is empty/);
    assert.equal(fs.readFileSync(file, 'utf8'), '');
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
