#!/usr/bin/env node
/**
 * Makes sure the browser the report tests drive is there: Debian's `chromium` at
 * /usr/bin/chromium (playwright-core drives it; no browser is downloaded from anywhere else).
 * When it is missing and we are root, installs it with apt-get (updating the package lists
 * first when the package is unknown). Not root and missing: says how, and the browser tests
 * skip themselves. Run by `npm test` (the `pretest` script). Safe to run twice at once: a lock
 * directory makes the second wait.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const CHROMIUM = process.env.MALLARD_CHROMIUM ?? '/usr/bin/chromium';
const lockDir = '/tmp/mallard-chromium-install.lock';

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function apt(args) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status ?? 1;
}

function install() {
  if (fs.existsSync(CHROMIUM)) return 0;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    process.stderr.write(`browser: ${CHROMIUM} is missing; install it with: sudo apt-get install -y chromium (the browser tests skip until then)\n`);
    return 0;
  }
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (fs.existsSync(CHROMIUM)) return 0;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      sleep(1000);
    }
  }
  try {
    if (fs.existsSync(CHROMIUM)) return 0;
    const started = Date.now();
    process.stderr.write('browser: installing chromium with apt-get (test only) ...\n');
    let status = apt(['install', '-y', '--no-install-recommends', 'chromium']);
    if (status !== 0) {
      apt(['update']);
      status = apt(['install', '-y', '--no-install-recommends', 'chromium']);
    }
    if (status !== 0) {
      process.stderr.write(`browser: apt-get install chromium failed (exit ${status})\n`);
      return status;
    }
    process.stderr.write(`browser: chromium installed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

process.exitCode = install();
