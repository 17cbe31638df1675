/**
 * Whether a run of the site is going on: the engine's run lock of the site
 * (`<artifacts>/.mallard/locks/<site>.lock`) held by a live process. A lock left by a dead
 * process on this host is no overlap (the next run takes it over).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pidAlive, sessionPaths, type LockHolder } from '../engine/index.js';

export { pidAlive };

/** The lock scheduled runs of a site take around all their steps. */
export function scheduleLockFile(artifactsDir: string, site: string): string {
  return path.join(path.dirname(sessionPaths(artifactsDir, site).lock), `${site}.scheduled.lock`);
}

/** The live holder of a lock file (undefined when free or stale); an empty file counts as held. */
export function liveHolder(file: string, isAlive: (pid: number) => boolean = pidAlive): LockHolder | 'unknown' | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (text.trim() === '') return 'unknown';
  let holder: LockHolder;
  try {
    holder = JSON.parse(text) as LockHolder;
  } catch {
    return undefined; // unreadable: the engine treats it as stale too
  }
  if (typeof holder.pid !== 'number') return undefined;
  if (holder.host !== os.hostname()) return holder; // cannot tell: assume alive, like the engine
  return isAlive(holder.pid) ? holder : undefined;
}

export function describeHolder(holder: LockHolder | 'unknown'): string {
  if (holder === 'unknown') return 'a lock file that is being written';
  return `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}${holder.command ? ` (${holder.command})` : ''}`;
}
