/** A session as RunCommand makes it: real files, a renderer listening, --force checked before the lock, Ctrl-C handling. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { signalExitCode, watchInterrupts } from '../../commands/interrupts.js';
import { acquireLock, checkForce, isMallardError, MallardError, runSession, type RunSummary, type SessionOptions, type Task } from '../../src/engine/index.js';
import { createRenderer, formatPlan } from '../../src/ui/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { Aggregate } from '../ui/file-tasks.js';
import { capture, tempDir, type Capture } from '../ui/helpers.js';

interface Harness {
  err: Capture;
  out: Capture;
  run(roots: Task[], extra?: Partial<SessionOptions>): Promise<RunSummary>;
}

function harness(artifactsDir: string, mode: 'plain' | 'json' = 'plain'): Harness {
  const err = capture();
  const out = capture();
  return {
    err,
    out,
    async run(roots, extra = {}) {
      const renderer = createRenderer(mode, { stdout: out.stream, stderr: err.stream, clock: new FakeClock() });
      const opts: SessionOptions = {
        artifactsDir,
        scope: 'test-site',
        command: 'mallard test',
        workers: 2,
        onEvent: (e) => renderer.onEvent(e),
        onLockWait: (holder) => renderer.notice(`waiting for the run holding the lock of test-site to finish (--wait): ${holder}`),
        ...extra,
      };
      return (await runSession(roots, opts).finally(() => renderer.close())).summary;
    },
  };
}

describe('runSession with a renderer', () => {
  test('runs the graph in a session: outputs, run log, progress lines and the summary on stderr', async (t) => {
    const dir = await tempDir(t);
    const h = harness(dir);
    const summary = await h.run([new Aggregate(dir, 5)]);
    assert.equal(summary.status, 'success');
    assert.equal(summary.counts.ran, 6);
    assert.equal(fs.readFileSync(path.join(dir, 'aggregate.txt'), 'utf8'), '10\n');
    const logs = fs.readdirSync(path.join(dir, 'runs'));
    assert.deepEqual(logs, [`${summary.runId}.jsonl`]);
    const first = JSON.parse(fs.readFileSync(path.join(dir, 'runs', logs[0] as string), 'utf8').split('\n')[0] as string) as Record<string, unknown>;
    assert.equal(first.scope, 'test-site');
    assert.equal(first.command, 'mallard test');
    assert.match(h.err.text(), /start Leaf\(i=0\)\n/);
    assert.match(h.err.text(), /Leaf\(i=3\): writing leaf 3\n/);
    assert.match(h.err.text(), /Every requested task is complete\.\n$/);
    assert.equal(h.out.text(), '');
    assert.equal(fs.existsSync(path.join(dir, '.mallard', 'locks', 'test-site.lock')), false, 'lock released');
  });

  test('failures keep independent work going and are reported; json mode puts only events on stdout', async (t) => {
    const dir = await tempDir(t);
    const h = harness(dir, 'json');
    const summary = await h.run([new Aggregate(dir, 4, { failing: new Set([2]), flaky: new Set([1]) })]);
    assert.equal(summary.status, 'failed');
    assert.equal(summary.counts.failed, 1);
    assert.equal(summary.counts.skipped, 1);
    assert.equal(summary.counts.retried, 1);
    const events = h.out.lines().map((l) => JSON.parse(l) as { type: string; id?: string; error?: string });
    assert.equal(events[0]?.type, 'run_started');
    assert.equal(events.at(-1)?.type, 'run_finished');
    assert.deepEqual(events.filter((e) => e.type === 'task_failed').map((e) => [e.id, e.error]), [['Leaf(i=2)', 'HTTP 404 for leaf 2']]);
    assert.equal(events.filter((e) => e.type === 'task_retry').length, 1);
    assert.equal(h.err.text(), '', 'json mode: nothing on stderr');
  });

  test('--dry-run runs nothing and its plan says what would run and why, by family', async (t) => {
    const dir = await tempDir(t);
    const h = harness(dir);
    await h.run([new Aggregate(dir, 3)]);
    fs.rmSync(path.join(dir, 'aggregate.txt'));
    const runs: string[] = [];
    const summary = await h.run([new Aggregate(dir, 3, { onRun: (id) => runs.push(id) })], { dryRun: true, force: ['Leaf(i=1)'] });
    assert.equal(summary.status, 'dry-run');
    assert.deepEqual(runs, []);
    assert.equal(fs.existsSync(path.join(dir, 'aggregate.txt')), false);
    const plan = formatPlan(summary).split('\n');
    assert.match(plan[0] as string, /^Dry run \S+: 2 tasks would run, 2 already complete \(nothing was run\)\.$/);
    assert.ok(plan.includes('Leaf (1): Leaf(i=1)'), plan.join('\n'));
    assert.ok(plan.includes('  Leaf(i=1): forced (--force)'), plan.join('\n'));
    assert.ok(plan.some((l) => /^ {2}Aggregate\(n=3\): missing output .*aggregate\.txt$/.test(l)), plan.join('\n'));
  });

  test('a dry run of a complete graph says nothing would run', async (t) => {
    const dir = await tempDir(t);
    const h = harness(dir);
    await h.run([new Aggregate(dir, 2)]);
    const summary = await h.run([new Aggregate(dir, 2)], { dryRun: true });
    assert.match(formatPlan(summary), /^Dry run \S+: nothing would run, 3 already complete: everything asked for is complete\.$/);
  });

  test('--force by family reruns that family and what depends on it', async (t) => {
    const dir = await tempDir(t);
    const h = harness(dir);
    await h.run([new Aggregate(dir, 3)]);
    const runs: string[] = [];
    const summary = await h.run([new Aggregate(dir, 3, { onRun: (id) => runs.push(id) })], { force: ['Leaf'] });
    assert.equal(summary.status, 'success');
    assert.deepEqual(runs.sort(), ['Aggregate(n=3)', 'Leaf(i=0)', 'Leaf(i=1)', 'Leaf(i=2)']);
  });

  test('--force by task id reruns just that task and its downstream', async (t) => {
    const dir = await tempDir(t);
    const h = harness(dir);
    await h.run([new Aggregate(dir, 3)]);
    const runs: string[] = [];
    await h.run([new Aggregate(dir, 3, { onRun: (id) => runs.push(id) })], { force: ['Leaf(i=2)'] });
    assert.deepEqual(runs.sort(), ['Aggregate(n=3)', 'Leaf(i=2)']);
  });

  test('--force naming nothing in the graph is ERR_USAGE listing the families: nothing runs, no lock, no run log', async (t) => {
    const dir = await tempDir(t);
    const h = harness(dir);
    const runs: string[] = [];
    await assert.rejects(
      h.run([new Aggregate(dir, 3, { onRun: (id) => runs.push(id) })], { force: ['leaf', 'Leaf(i=9)', 'Leaf'] }),
      (err: unknown) => {
        assert.ok(isMallardError(err));
        assert.equal(err.code, 'ERR_USAGE');
        assert.match(err.message, /^--force "leaf", "Leaf\(i=9\)": no task or task family of that name in this run/);
        assert.ok(err.suggestions.includes('did you mean Leaf?'), err.suggestions.join(' | '));
        assert.ok(err.suggestions.includes('families in this run: Aggregate, Leaf'), err.suggestions.join(' | '));
        return true;
      },
    );
    assert.deepEqual(runs, []);
    assert.equal(fs.existsSync(path.join(dir, 'aggregate.txt')), false);
    assert.doesNotMatch(h.err.text(), /=====/, 'no summary for a run that was refused');
    assert.equal(fs.existsSync(path.join(dir, '.mallard')), false, 'refused before the lock and the receipts');
    assert.equal(fs.existsSync(path.join(dir, 'runs')), false, 'no run recorded');
  });

  test('--force is refused before the lock is even looked at', async (t) => {
    const dir = await tempDir(t);
    const lock = await acquireLock(path.join(dir, '.mallard', 'locks', 'test-site.lock'), { clock: new FakeClock(), command: 'mallard other' });
    t.after(() => lock.release());
    await assert.rejects(harness(dir).run([new Aggregate(dir, 1)], { force: ['Nope'] }), (err: unknown) => isMallardError(err) && err.code === 'ERR_USAGE');
  });

  test('a family declared as found at run time is accepted by --force', async (t) => {
    const dir = await tempDir(t);
    const summary = await harness(dir).run([new Aggregate(dir, 2)], { force: ['Page'], runtimeFamilies: ['Page'] });
    assert.equal(summary.status, 'success');
  });

  test('an aborted signal interrupts the run: nothing new starts, status interrupted', async (t) => {
    const dir = await tempDir(t);
    const stop = new AbortController();
    stop.abort(new MallardError('ERR_INTERRUPTED', 'interrupted by SIGINT'));
    const summary = await harness(dir).run([new Aggregate(dir, 3)], { signal: stop.signal });
    assert.equal(summary.status, 'interrupted');
    assert.equal(summary.counts.ran, 0);
  });

  test('another run holding the lock: ERR_LOCKED naming the holder, renderer closed quietly', async (t) => {
    const dir = await tempDir(t);
    const lock = await acquireLock(path.join(dir, '.mallard', 'locks', 'test-site.lock'), { clock: new FakeClock(), command: 'mallard other' });
    t.after(() => lock.release());
    const h = harness(dir);
    await assert.rejects(h.run([new Aggregate(dir, 1)]), (err: unknown) => isMallardError(err) && err.code === 'ERR_LOCKED' && err.message.includes(`pid ${process.pid}`));
    assert.equal(h.err.text(), '');
  });

  test('--wait says whose run it waits for, and runs once the lock is released', async (t) => {
    const dir = await tempDir(t);
    const lock = await acquireLock(path.join(dir, '.mallard', 'locks', 'test-site.lock'), { clock: new FakeClock(), command: 'mallard other' });
    const clock = new FakeClock();
    const h = harness(dir);
    // The fake clock's sleep returns at once: release the lock on the first poll.
    const polling: FakeClock = Object.assign(Object.create(clock) as FakeClock, {
      sleep: async (ms: number) => {
        lock.release();
        clock.advance(ms);
      },
    });
    const summary = await h.run([new Aggregate(dir, 1)], { wait: true, clock: polling });
    assert.equal(summary.status, 'success');
    assert.match(h.err.lines()[0] as string, new RegExp(`waiting for the run holding the lock of test-site to finish \\(--wait\\): pid ${process.pid}, started 2026-01-01T00:00:00.000Z \\(mallard other\\)$`));
  });
});

describe('checkForce', () => {
  const graph = { ids: new Set(['Leaf(i=0)', 'Leaf(i=1)', 'Leaf(i=2)', 'Aggregate(n=3)']), families: new Set(['Leaf', 'Aggregate']) };
  const error = (force: string[], runtime: string[] = []): MallardError | undefined => {
    try {
      checkForce(force, graph, runtime);
      return undefined;
    } catch (err) {
      assert.ok(isMallardError(err));
      return err;
    }
  };

  test('accepts ids and families in the graph and declared run-time families; silent without --force', () => {
    assert.equal(error([]), undefined);
    assert.equal(error(['Leaf(i=1)']), undefined);
    assert.equal(error(['Leaf', 'Aggregate']), undefined);
    assert.equal(error(['Page'], ['Page']), undefined);
  });

  test('refuses the rest with did-you-mean', () => {
    assert.ok(error(['Lef'])?.suggestions.includes('did you mean Leaf?'));
    assert.ok(!error(['Page'])?.suggestions.some((x) => x.startsWith('did you mean')));
    const miss = error(['Leaf(i=5)']);
    assert.equal(miss?.code, 'ERR_USAGE');
    assert.ok(miss?.suggestions.includes('did you mean a task of Leaf (check its parameters)?'));
  });
});

describe('watchInterrupts', () => {
  test('first signal interrupts, the second forces the exit; disposing removes the listeners', () => {
    const source = new EventEmitter();
    const calls: string[] = [];
    const dispose = watchInterrupts(source, { onInterrupt: (s) => calls.push(`stop ${s}`), onForceExit: (s) => calls.push(`exit ${s}`) });
    source.emit('SIGINT', 'SIGINT');
    source.emit('SIGTERM', 'SIGTERM');
    source.emit('SIGINT', 'SIGINT');
    assert.deepEqual(calls, ['stop SIGINT', 'exit SIGTERM', 'exit SIGINT']);
    dispose();
    assert.equal(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM'), 0);
  });

  test('exit codes are the shell\'s 128 + signal', () => {
    assert.equal(signalExitCode('SIGINT'), 130);
    assert.equal(signalExitCode('SIGTERM'), 143);
  });
});
