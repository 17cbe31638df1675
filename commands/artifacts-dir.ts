/**
 * The artifacts directory a command was given (--artifacts-dir or ARTIFACTS_DIR), checked
 * before anything reads or writes it: never empty (that would scatter .mallard/, runs/ and
 * work/ over the working directory), a directory and not a file, and writable by this user
 * when the command writes. Each problem is one ERR_USAGE naming the path (exit 2).
 */
import fs from 'node:fs';
import path from 'node:path';
import { MallardError } from '../src/engine/errors.js';

/** Whether the command only reads the directory, or writes into it (runs, prunes, restores). */
export type ArtifactsDirUse = 'read' | 'write';

const ORIGIN = '--artifacts-dir (or ARTIFACTS_DIR)';

/** The absolute path of the artifacts directory `given`, after checking it suits `use`. */
export function checkArtifactsDir(given: string, use: ArtifactsDirUse): string {
  if (given.trim() === '') {
    throw new MallardError('ERR_USAGE', `${ORIGIN} is empty: name a directory (the default is ./artifacts)`, {
      suggestions: ['an empty value would write .mallard/, runs/ and work/ into the working directory: pass --artifacts-dir ./artifacts, or unset ARTIFACTS_DIR'],
    });
  }
  const dir = path.resolve(given);
  const existing = nearestExisting(dir, given);
  if (existing.path === dir && !existing.stat.isDirectory()) {
    throw new MallardError('ERR_USAGE', `the artifacts directory ${given} is a file, not a directory`, {
      context: { path: dir },
      suggestions: ['pass --artifacts-dir a directory (it is created when missing), e.g. ./artifacts'],
    });
  }
  if (existing.path !== dir && !existing.stat.isDirectory()) {
    throw new MallardError('ERR_USAGE', `the artifacts directory ${given} cannot be created: ${existing.path} is a file, not a directory`, {
      context: { path: dir, file: existing.path },
    });
  }
  if (use === 'write') requireWritable(existing.path, dir, given);
  else if (existing.path === dir) requireReadable(dir, given);
  return dir;
}

/** `dir` itself or its nearest ancestor that exists, with its stat. */
function nearestExisting(dir: string, given: string): { path: string; stat: fs.Stats } {
  for (let p = dir; ; p = path.dirname(p)) {
    try {
      return { path: p, stat: fs.statSync(p) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES') throw notAccessible(given, p);
      // ENOENT: look further up; ENOTDIR: a parent is a file, found on the way up.
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || path.dirname(p) === p) throw err;
    }
  }
}

function requireWritable(existing: string, dir: string, given: string): void {
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'is on a read-only file system' : 'is not writable by this user (permission denied)';
    const what = existing === dir ? `the artifacts directory ${given} ${why}` : `the artifacts directory ${given} cannot be created: ${existing} ${why}`;
    throw new MallardError('ERR_USAGE', what, {
      cause: err,
      context: { path: dir },
      suggestions: ['pass --artifacts-dir a directory you can write to; reading commands (artifacts list, runs) work on a read-only one'],
    });
  }
}

function requireReadable(dir: string, given: string): void {
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
  } catch (err) {
    throw new MallardError('ERR_USAGE', `the artifacts directory ${given} is not readable by this user (permission denied)`, { cause: err, context: { path: dir } });
  }
}

function notAccessible(given: string, at: string): MallardError {
  return new MallardError('ERR_USAGE', `the artifacts directory ${given} cannot be reached: permission denied on ${at}`, { context: { path: at } });
}
