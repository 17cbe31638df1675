/**
 * One run at a time per site and artifacts directory: a lock file naming its holder. A second
 * run refuses with the holder's pid and start time, or waits (--wait); a lock left by a dead
 * process is taken over.
 *
 * The lock file appears whole (written to a temp file, then hard-linked into place), so a
 * reader never sees it empty. Taking over a stale lock never deletes a live holder's lock:
 * the taker first claims that exact stale content with an exclusive
 * `<lock>.takeover-<hash of content>` file, then checks the lock still holds that content and
 * removes it. Only a claimer removes another process's lock and there is one claimer per
 * content, so the file cannot change between that check and the removal.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { partialPathFor } from './atomic-file.js';
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
  /**
   * Test seam: awaited during a takeover, after the stale lock was read ('stale') and once
   * this process holds the takeover claim, before checking and removing it ('claimed').
   */
  onTakeover?: (step: 'stale' | 'claimed') => Promise<void> | void;
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
  const content = JSON.stringify(me) + '\n';
  let tookOverFrom: LockHolder | undefined;
  for (;;) {
    if (tryCreate(file, content)) return makeLock(file, content, tookOverFrom);
    const seen = readText(file);
    if (seen === undefined) continue; // released meanwhile: race for it again
    // Empty: being written where hard links are not available (or left so by a crash): not stale.
    let blocker = seen === '' ? undefined : parseHolder(seen);
    if (seen !== '' && (blocker === undefined || (blocker.host === me.host && !isAlive(blocker.pid)))) {
      const outcome = await takeOver(file, seen, content, isAlive, options.onTakeover);
      if (outcome === 'removed') tookOverFrom = blocker;
      if (outcome === 'removed' || outcome === 'changed') continue;
      blocker = outcome; // another process is taking it over right now
    }
    if (options.wait !== true || options.clock.now() >= deadline) throw lockedError(file, blocker, options.wait === true);
    await options.clock.sleep(options.pollMs ?? 500, options.signal);
  }
}

/** The claim a takeover of the lock `file` holding `staleContent` creates (exclusively). */
export function takeoverClaimFile(file: string, staleContent: string): string {
  return `${file}.takeover-${createHash('sha256').update(staleContent).digest('hex').slice(0, 16)}`;
}

/**
 * Removes the lock file if it still holds `seen` ('removed'), or not because it changed
 * ('changed'), or returns the live process that is taking it over right now.
 */
async function takeOver(file: string, seen: string, mine: string, isAlive: (pid: number) => boolean, hook: LockOptions['onTakeover']): Promise<'removed' | 'changed' | LockHolder> {
  await hook?.('stale');
  const claim = takeoverClaimFile(file, seen);
  if (!tryCreate(claim, mine)) return otherClaimer(file, seen, claim, isAlive);
  try {
    await hook?.('claimed');
    if (readText(file) !== seen) return 'changed';
    fs.rmSync(file, { force: true }); // cannot vanish meanwhile: only this claim's holder removes it
    return 'removed';
  } finally {
    fs.rmSync(claim, { force: true });
  }
}

/** Someone else holds the claim on `seen`: 'changed' if the lock moved on, else that claimer. */
function otherClaimer(file: string, seen: string, claim: string, isAlive: (pid: number) => boolean): 'changed' | LockHolder {
  const text = readText(claim);
  if (text === undefined || readText(file) !== seen) return 'changed';
  const claimer = parseHolder(text);
  if (claimer !== undefined && (claimer.host !== os.hostname() || isAlive(claimer.pid))) return claimer;
  // The claimer died between claiming and removing the stale lock: a person must decide.
  throw new MallardError('ERR_LOCKED', `a takeover of the stale lock ${file} was interrupted${claimer ? ` (pid ${claimer.pid} died)` : ''}`, {
    context: { file, claim },
    suggestions: [`if no run is going on, delete ${file} and ${claim}`],
  });
}

/** Creates `file` with `content` if it does not exist; the file never appears partly written. */
function tryCreate(file: string, content: string): boolean {
  const temp = partialPathFor(file);
  fs.writeFileSync(temp, content, { flag: 'wx' });
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createExclusive(file, content); // no hard links here
    throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function createExclusive(file: string, content: string): boolean {
  try {
    fs.writeFileSync(file, content, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The file's text, or undefined when it does not exist. */
function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as LockHolder;
    return typeof value.pid === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function makeLock(file: string, content: string, tookOverFrom: LockHolder | undefined): Lock {
  let released = false;
  return {
    file,
    tookOverFrom,
    release() {
      if (released) return;
      released = true;
      let now: string | undefined;
      try {
        now = readText(file);
      } catch {
        return;
      }
      if (now === content) fs.rmSync(file, { force: true });
    },
  };
}

function lockedError(file: string, holder: LockHolder | undefined, waited: boolean): MallardError {
  const who = holder === undefined
    ? 'the file is empty (being written, or left by a crash)'
    : `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}${holder.command ? ` (${holder.command})` : ''}`;
  const advice = waited ? 'it did not finish in time' : 'wait for it to finish, or pass --wait to wait for it';
  return new MallardError('ERR_LOCKED', `another run holds the lock ${file}: ${who}`, {
    context: { file, ...(holder === undefined ? {} : { holder }) },
    suggestions: holder === undefined ? [advice, `if no run is going on, delete ${file}`] : [advice],
  });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
