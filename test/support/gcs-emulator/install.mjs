#!/usr/bin/env node
/**
 * Installs the test-only GCS emulator (firebase-tools, pinned in package-lock.json beside this
 * file) into this folder's node_modules, outside the main dependency tree:
 *
 *   npm ci --omit=optional --ignore-scripts --prefix test/support/gcs-emulator
 *
 * Idempotent and fast when already installed: a stamp holds the hash of the lock file, and
 * nothing runs while it matches. Optional dependencies are left out (re2 compiles for
 * minutes); install scripts are not needed. Safe to run from several processes at once: a
 * lock directory makes the others wait. Run by `npm test` (the `pretest` script) and by the
 * test harness itself when the emulator is missing.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const stampFile = path.join(dir, 'node_modules', '.mallard-install-stamp');
const lockDir = path.join(dir, '.install-lock');
const entry = path.join(dir, 'node_modules', 'firebase-tools', 'package.json');

function lockHash() {
  return createHash('sha256').update(fs.readFileSync(path.join(dir, 'package-lock.json'))).digest('hex');
}

function isInstalled(hash) {
  try {
    return fs.readFileSync(stampFile, 'utf8') === hash && fs.existsSync(entry);
  } catch {
    return false;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes the lock directory; waits (up to 10 minutes) while another process holds it. */
function acquireLock(hash) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      return true;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (isInstalled(hash)) return false;
    const age = Date.now() - fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
    if (age > 10 * 60_000) fs.rmSync(lockDir, { recursive: true, force: true }); // stale
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
    sleep(500);
  }
}

function install() {
  const hash = lockHash();
  if (isInstalled(hash)) return 0;
  if (!acquireLock(hash)) return 0;
  try {
    if (isInstalled(hash)) return 0;
    const started = Date.now();
    process.stderr.write('gcs-emulator: installing firebase-tools (test only) ...\n');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const args = ['ci', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', dir];
    const result = spawnSync(npm, args, { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.error) throw result.error;
    if (result.status !== 0) {
      process.stderr.write(`gcs-emulator: npm ci failed with exit code ${result.status}\n`);
      return result.status ?? 1;
    }
    fs.writeFileSync(stampFile, hash);
    process.stderr.write(`gcs-emulator: installed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

process.exitCode = install();
