/**
 * One run at a time per site and artifacts directory: a lock file created exclusively,
 * naming its holder. A second run refuses with the holder's pid and start time, or waits
 * (--wait); a lock left by a dead process is taken over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from './clock.js';
import { MallardError } from './errors.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface LockOptions {
  clock: Clock;
  /** Wait for the holder to finish instead of refusing. */
  wait?: boolean;
  /** Give up waiting after this long (ms); default: wait forever. */
  timeoutMs?: number;
  pollMs?: number;
  command?: string;
  signal?: AbortSignal;
  /** Whether a pid is alive (injectable for tests). */
  isAlive?: (pid: number) => boolean;
}

export interface Lock {
  readonly file: string;
  /** Set when the lock was taken over from a dead process. */
  readonly tookOverFrom: LockHolder | undefined;
  release(): void;
}

export async function acquireLock(file: string, options: LockOptions): Promise<Lock> {
  const isAlive = options.isAlive ?? pidAlive;
  const deadline = options.timeoutMs === undefined ? Infinity : options.clock.now() + options.timeoutMs;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date(options.clock.now()).toISOString(),
    command: options.command ?? process.argv.slice(2).join(' '),
  };
  let tookOverFrom: LockHolder | undefined;
  for (;;) {
    if (tryCreate(file, me)) return makeLock(file, tookOverFrom);
    const holder = readHolder(file);
    if (holder === undefined || (holder.host === me.host && !isAlive(holder.pid))) {
      // Stale: remove it only if it is still the same stale file, then race for it again.
      if (removeIfUnchanged(file, holder)) tookOverFrom = holder;
      continue;
    }
    if (options.wait !== true || options.clock.now() >= deadline) throw lockedError(file, holder, options.wait === true);
    await options.clock.sleep(options.pollMs ?? 500, options.signal);
  }
}

function tryCreate(file: string, me: LockHolder): boolean {
  try {
    fs.writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    return typeof value.pid === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function removeIfUnchanged(file: string, seen: LockHolder | undefined): boolean {
  const now = readHolder(file);
  if (JSON.stringify(now) !== JSON.stringify(seen)) return false;
  try {
    fs.rmSync(file);
    return true;
  } catch {
    return false;
  }
}

function makeLock(file: string, tookOverFrom: LockHolder | undefined): Lock {
  let released = false;
  return {
    file,
    tookOverFrom,
    release() {
      if (released) return;
      released = true;
      const holder = readHolder(file);
      if (holder?.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}

function lockedError(file: string, holder: LockHolder, waited: boolean): MallardError {
  const who = `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}${holder.command ? ` (${holder.command})` : ''}`;
  return new MallardError('ERR_LOCKED', `another run holds the lock ${file}: ${who}`, {
    context: { file, holder },
    suggestions: waited ? ['it did not finish in time'] : ['wait for it to finish, or pass --wait to wait for it'],
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
