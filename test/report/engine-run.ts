/**
 * A real run through the engine (runSession: lock, receipts, run log) with small in-memory
 * tasks: some succeed, some fail, some fail once and are retried, some are skipped because
 * their upstream failed. The report is tested against what the engine really writes.
 */
import { MallardError, runSession, type EngineEvent, type RunSummary, type TaskContext } from '../../src/engine/index.js';
import { world } from '../engine/helpers.js';

export interface EngineRun {
  summary: RunSummary;
  logFile: string;
  runId: string;
}

export async function realEngineRun(artifactsDir: string, opts: { leaves?: number; hold?: (i: number) => Promise<void> | undefined; onBlocked?: (i: number) => void; onEvent?: (e: EngineEvent) => void } = {}): Promise<EngineRun> {
  const w = world();
  const leaves = opts.leaves ?? 40;
  const tries = new Map<string, number>();
  const fetchRetry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
  const fetches = Array.from({ length: leaves }, (_, i) =>
    w.task(`fetch-${i}`, {
      family: 'FetchPage',
      retry: fetchRetry,
      run: async (_ctx: TaskContext) => {
        const held = opts.hold?.(i);
        if (held !== undefined) {
          opts.onBlocked?.(i);
          await held;
        }
        const n = (tries.get(`f${i}`) ?? 0) + 1;
        tries.set(`f${i}`, n);
        if (i % 10 === 3 && n === 1) throw new MallardError('ERR_HTTP', 'HTTP 503 Service Unavailable', { retryable: true });
        if (i % 10 === 7) throw new MallardError('ERR_CKAN', `CKAN error NotFound: page ${i * 100} is gone`, { retryable: false });
      },
    }),
  );
  const loads = Array.from({ length: 4 }, (_, k) =>
    w.task(`load-${k}`, { family: 'LoadPages', requires: () => fetches.filter((_, i) => i % 4 === k) }),
  );
  const root = w.task('build', { family: 'BuildDatabase', requires: () => loads });
  const ok = w.task('config', { family: 'CheckConfig' });
  const result = await runSession([root, ok], { artifactsDir, scope: 'test-site', workers: 3, command: 'mallard test-run', ...(opts.onEvent === undefined ? {} : { onEvent: opts.onEvent }) });
  return { summary: result.summary, logFile: result.logFile, runId: result.summary.runId };
}
