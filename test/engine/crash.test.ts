import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { isPartialPath } from '../../src/engine/atomic-file.js';
import { runSession } from '../../src/engine/session.js';
import { SlowWrite } from './crash-child.js';

const here = import.meta.dirname;
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-crash-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function startChild(args: string[]): Promise<{ kill: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(here, 'crash-child.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('writing')) {
        resolve({
          kill: () =>
            new Promise((done) => {
              child.on('exit', () => done());
              child.kill('SIGKILL');
            }),
        });
      }
    });
  });
}

describe('a run killed at any instant (kill -9)', () => {
  test('mid-write leaves no output that a later run takes as complete', async () => {
    const out = path.join(dir, 'work', 'big.txt');
    const child = await startChild([dir, out, '2000']);
    await child.kill();
    assert.equal(fs.existsSync(out), false, 'the final path never holds a partial file');
    const leftovers = fs.readdirSync(path.dirname(out));
    assert.ok(leftovers.every(isPartialPath), `only .partial files remain: ${leftovers.join(', ')}`);
    // The lock the dead process held is taken over, and the task runs again in full.
    const { summary } = await runSession([new SlowWrite(out, 50)], { artifactsDir: dir, scope: 'crash' });
    assert.equal(summary.status, 'success');
    assert.equal(summary.counts.ran, 1);
    assert.equal(fs.statSync(out).size, 50 * 1024);
  });

  test('an output renamed into place before its receipt was written is rerun', async () => {
    const out = path.join(dir, 'work', 'done-but-unrecorded.txt');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, 'complete-looking content from a run that died before its receipt');
    const { summary } = await runSession([new SlowWrite(out, 2)], { artifactsDir: dir, scope: 'crash', dryRun: true });
    assert.equal(summary.plan[0]?.message, 'no receipt: outputs exist but no successful run recorded them');
  });

  test('the benchmark DAG killed mid-run finishes correctly on the next run', () => {
    const dag = path.join(here, '..', '..', 'bench', 'engine-dag.js');
    const args = [dag, '--n', '3000', '--out', dir];
    const killed = spawnSync(process.execPath, args, { timeout: 250, killSignal: 'SIGKILL' });
    assert.ok(killed.signal === 'SIGKILL' || killed.status === 0);
    const rerun = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.equal(JSON.parse(rerun.stdout).sum, (3000 * 2999) / 2);
    const leaves = fs.readdirSync(path.join(dir, 'leaves')).filter((f) => !isPartialPath(f));
    assert.equal(leaves.length, 3000);
  });
});
