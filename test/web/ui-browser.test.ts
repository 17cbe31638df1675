/** `ui` in a real headless Chromium: a run watched live while the engine runs it. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startUiServer } from '../../src/web/index.js';
import { browserMissing, launchBrowser } from '../support/browser.js';
import { pngStats } from '../support/png.js';
import { withTempDir } from '../support/temp-dir.js';
import { realEngineRun } from '../report/engine-run.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

type Doc = { querySelector(s: string): { getAttribute(n: string): string | null; textContent: string | null } | null };

function attr(page: Page, selector: string, name: string, value: string, timeout?: number): Promise<unknown> {
  return page.waitForFunction(
    ([s, n, v]) => (globalThis as unknown as { document: Doc }).document.querySelector(s)?.getAttribute(n) === v,
    [selector, name, value] as const,
    timeout === undefined ? {} : { timeout },
  );
}

test('ui: a running run updates live, within a second of its events; the runs page lists it with family times', { skip: browserMissing() }, async () => {
  await withTempDir(async (dir) => {
    // FetchPage 20-29 wait at gate A, 30-39 at gate B: the run pauses twice while the page watches.
    const gates = [deferred(), deferred()];
    const blockedAt = [deferred(), deferred()];
    const blocked = [0, 0];
    const gateOf = (i: number): number | undefined => (i >= 30 ? 1 : i >= 20 ? 0 : undefined);
    // What the engine has reported so far for FetchPage: the page must come to show the same.
    const seen = { done: 0, failed: 0 };
    const running = realEngineRun(dir, {
      onEvent: (e) => {
        if (e.type === 'task_done' && e.family === 'FetchPage') seen.done += 1;
        if (e.type === 'task_failed' && e.family === 'FetchPage') seen.failed += 1;
      },
      hold: (i) => { const g = gateOf(i); return g === undefined ? undefined : gates[g]!.promise; },
      onBlocked: (i) => { const g = gateOf(i)!; if (++blocked[g]! === 3) blockedAt[g]!.resolve(); },
    });
    const release = (): void => gates.forEach((g) => g.resolve());
    await blockedAt[0]!.promise;
    const server = await startUiServer({ artifactsDir: dir, port: 0 });
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}runs/latest`);
      await page.waitForSelector('body[data-ready="true"]');
      assert.equal(await page.textContent('#run-status'), 'running or unfinished');
      await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelector('#live-status')?.textContent === '● live');
      const fetch = '#graph-view g.family[data-family="FetchPage"]';
      // Three attempts are held at the gate: the page shows them running.
      await attr(page, fetch, 'data-running', '3');
      await attr(page, fetch, 'data-done', String(seen.done));
      await attr(page, fetch, 'data-failed', String(seen.failed));
      const doneBefore = seen.done;
      assert.ok(doneBefore < 36, String(doneBefore));

      // Gate A opens, ten more attempts end, the run waits at gate B: the page follows over SSE alone.
      gates[0]!.resolve();
      await blockedAt[1]!.promise;
      assert.ok(seen.done > doneBefore);
      const pausedAt = Date.now();
      await attr(page, fetch, 'data-done', String(seen.done), 1000);
      await attr(page, fetch, 'data-failed', String(seen.failed), 1000);
      const followed = Date.now() - pausedAt;
      assert.ok(followed < 1000, `${followed} ms`);
      assert.equal(await page.textContent('#run-status'), 'running or unfinished');
      // The failure group grows too (redrawn at most once a second).
      await page.waitForFunction(
        (want) => (globalThis as unknown as { document: Doc }).document.querySelector('#failures-view details.group[data-code="ERR_CKAN"] .count')?.textContent === want,
        `${seen.failed} ${seen.failed === 1 ? 'task' : 'tasks'}`,
        { timeout: 3000 },
      ).catch(async (err: unknown) => {
        throw new Error(`failures view: ${await page.textContent('#failures-view')} (want ${seen.failed}): ${String(err)}`);
      });

      release();
      const run = await running;
      assert.equal(run.summary.status, 'failed');
      const finishedAt = Date.now();
      await attr(page, fetch, 'data-done', '36', 1000);
      await attr(page, fetch, 'data-failed', '4', 1000);
      await attr(page, '#graph-view g.family[data-family="BuildDatabase"]', 'data-skipped', '1', 1000);
      const lag = Date.now() - finishedAt;
      await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.querySelector('#run-status')?.textContent === 'failed');
      assert.ok(lag < 1000, `${lag} ms`);

      await page.goto(server.url);
      await page.waitForSelector('body[data-ready="true"]');
      assert.equal(await page.locator(`#runs-table tr[data-run="${run.runId}"]`).count(), 1);
      assert.match((await page.textContent(`#runs-table tr[data-run="${run.runId}"]`)) ?? '', /failed/);
      assert.equal(await page.locator('#history-table tr[data-family]').count(), 4);
      const png = await page.screenshot({ fullPage: true });
      fs.writeFileSync(path.join(os.tmpdir(), 'mallard-ui-runs.png'), png);
      assert.ok(pngStats(png).colours > 5);
      assert.deepEqual(errors, []);
    } finally {
      release();
      await browser.close();
      await server.close();
    }
  });
});
