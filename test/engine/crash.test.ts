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

interface HaltedChild {
  /** SIGKILLs the child; resolves with how it ended (the signal, or an exit code if it had finished). */
  kill(): Promise<{ signal: NodeJS.Signals | null; code: number | null; stdout: string }>;
}

/** Starts crash-child.js and resolves once it printed `marker`: from then on it waits, mid-run, to be killed. */
function startChild(args: string[], marker: string): Promise<HaltedChild> {
  const child = spawn(process.execPath, [path.join(here, 'crash-child.js'), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  const exited = new Promise<{ signal: NodeJS.Signals | null; code: number | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    void exited.then(({ code }) => reject(new Error(`the child ended (code ${code}) before printing "${marker}": ${stdout}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.split('\n').includes(marker)) return;
      resolve({
        kill: async () => {
          child.kill('SIGKILL');
          return { ...(await exited), stdout };
        },
      });
    });
  });
}

describe('a run killed at any instant (kill -9)', () => {
  test('mid-write leaves no output that a later run takes as complete', async () => {
    const out = path.join(dir, 'work', 'big.txt');
    const child = await startChild(['write', dir, out, '2000'], 'writing');
    const ended = await child.kill();
    assert.equal(ended.signal, 'SIGKILL', 'killed mid-write, not finished');
    assert.doesNotMatch(ended.stdout, /success/);
    assert.equal(fs.existsSync(out), false, 'the final path never holds a partial file');
    const leftovers = fs.readdirSync(path.dirname(out));
    assert.ok(leftovers.every(isPartialPath), `only .partial files remain: ${leftovers.join(', ')}`);
    // The lock the dead process held is taken over, and the task runs again in full.
    const { summary } = await runSession([new SlowWrite(out, 50)], { artifactsDir: dir, scope: 'crash' });
    assert.equal(summary.status, 'success');
    assert.equal(summary.counts.ran, 1);
    assert.equal(fs.statSync(out).size, 50 * 1024);
  });

  test('the next run on the site removes the temp files a killed run left, and only those whose owner is gone', async () => {
    const work = path.join(dir, 'work', 'site');
    const out = path.join(work, 'big.txt');
    const child = await startChild(['write', dir, out, '2000'], 'writing');
    const ended = await child.kill();
    assert.equal(ended.signal, 'SIGKILL', 'killed mid-write, not finished');
    const [partial] = fs.readdirSync(work).filter(isPartialPath);
    assert.ok(partial !== undefined, 'the killed run left its temp file');
    fs.writeFileSync(path.join(work, `${partial}.wal`), 'a DuckDB build leaves its WAL beside it');
    // A temp file of a live process (this one, as another run's would be) is left alone.
    const live = path.join(work, `.other.db.${process.ppid}.7abcdef.partial`);
    fs.writeFileSync(live, 'a live run is still writing this');
    const removed: string[] = [];
    const { summary } = await runSession([new SlowWrite(out, 5)], {
      artifactsDir: dir,
      scope: 'crash',
      litterDirs: [path.join(dir, 'raw', 'site'), work],
      onLitterRemoved: (r) => removed.push(...r.removed),
    });
    assert.equal(summary.status, 'success');
    assert.deepEqual(removed.map((f) => path.basename(f)).sort(), [partial, `${partial}.wal`].sort());
    assert.deepEqual(fs.readdirSync(work).sort(), [path.basename(live), 'big.txt'].sort());
  });

  test('an output renamed into place before its receipt was written is rerun', async () => {
    const out = path.join(dir, 'work', 'done-but-unrecorded.txt');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, 'complete-looking content from a run that died before its receipt');
    const { summary } = await runSession([new SlowWrite(out, 2)], { artifactsDir: dir, scope: 'crash', dryRun: true });
    assert.equal(summary.plan[0]?.message, 'no receipt: outputs exist but no successful run recorded them');
  });

  test('the benchmark DAG killed mid-run finishes correctly on the next run', async () => {
    const n = 3000;
    const haltAfter = 1200;
    const child = await startChild(['dag', dir, String(n), String(haltAfter)], 'midrun');
    const ended = await child.kill();
    assert.equal(ended.signal, 'SIGKILL', 'killed mid-run, not finished');
    assert.equal(fs.existsSync(path.join(dir, 'aggregate.txt')), false, 'the aggregate never ran');
    const written = fs.readdirSync(path.join(dir, 'leaves')).filter((f) => !isPartialPath(f));
    assert.equal(written.length, haltAfter, 'exactly the leaves before the kill were written');
    const dag = path.join(here, '..', '..', 'bench', 'engine-dag.js');
    const rerun = spawnSync(process.execPath, [dag, '--n', String(n), '--out', dir], { encoding: 'utf8' });
    assert.equal(rerun.status, 0, rerun.stderr);
    const report = JSON.parse(rerun.stdout) as { ran: number; complete: number; sum: number };
    assert.equal(report.sum, (n * (n - 1)) / 2);
    // Leaves whose receipts reached the journal before the kill are not redone; the rest are,
    // and the aggregate. The halted leaf (written, no receipt) is always among the rerun.
    assert.ok(report.ran >= n - haltAfter + 2 && report.ran <= n + 1, `ran ${report.ran}`);
    const leaves = fs.readdirSync(path.join(dir, 'leaves')).filter((f) => !isPartialPath(f));
    assert.equal(leaves.length, n);
  });
});
