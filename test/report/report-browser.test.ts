/** The report in a real headless Chromium: what a person sees. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { writeReportFile, writeRunReport } from '../../src/report/index.js';
import { browserMissing, launchBrowser, type LaunchedBrowser } from '../support/browser.js';
import { pngStats } from '../support/png.js';
import { withTempDir } from '../support/temp-dir.js';
import { realEngineRun } from './engine-run.js';
import { SYNTHETIC_FAMILIES, writeSyntheticLog } from './synthetic-log.js';

const skip = browserMissing();
let b: LaunchedBrowser | undefined;
before(async () => {
  if (skip === undefined) b = await launchBrowser();
});
after(async () => {
  await b?.close();
});

/** Waits until the element's text is exactly `text` (the page's own timeout applies). */
async function waitText(page: Page, selector: string, text: string): Promise<void> {
  // A function, not a string: the report's Content-Security-Policy forbids eval.
  type Doc = { querySelector(s: string): { textContent: string | null } | null };
  await page.waitForFunction(([s, t]) => (globalThis as unknown as { document: Doc }).document.querySelector(s)?.textContent === t, [selector, text] as const);
}

/** Opens a page, failing the test on any script error or console error. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await b!.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) errors.push(`network request: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready]');
  assert.equal(await page.getAttribute('body', 'data-ready'), 'true', errors.join('\n'));
  return { page, errors };
}

test('a 5,000-task report with failures and retries: family counts, failure groups, search, not blank', { skip }, async () => {
  await withTempDir(async (dir) => {
    const log = writeSyntheticLog(path.join(dir, '20261201T100000Z-abc123.jsonl'), { tasks: 5000, failRate: 0.02, retryRate: 0.05 });
    const out = path.join(dir, 'report.html');
    await writeReportFile(log.file, out, { artifactsDir: dir });
    const { page, errors } = await open(pathToFileURL(out).href);

    // One node per family with the right counts, as attributes and as the text on it.
    assert.equal(await page.locator('#graph-view g.family').count(), SYNTHETIC_FAMILIES.length);
    for (const name of SYNTHETIC_FAMILIES) {
      const node = page.locator(`#graph-view g.family[data-family="${name}"]`);
      const want = log.byFamily[name]!;
      assert.equal(Number(await node.getAttribute('data-done')), want.done, name);
      assert.equal(Number(await node.getAttribute('data-failed')), want.failed, name);
      const text = (await node.textContent()) ?? '';
      assert.ok(text.includes(`${want.done.toLocaleString('en-US')} done`), `${name}: ${text}`);
      if (want.failed > 0) assert.ok(text.includes(`${want.failed} failed`), `${name}: ${text}`);
      if (want.skipped > 0) assert.ok(text.includes(`${want.skipped} skipped`), `${name}: ${text}`);
    }
    assert.equal(await page.locator('#graph-view g.edge').count(), 4);
    assert.match((await page.textContent('#run-meta')) ?? '', /failed/);

    // The failure groups, largest first, with the message; opening one lists task ids and full errors.
    const groups = page.locator('#failures-view details.group');
    assert.equal(await groups.count(), 2);
    const ckan = page.locator('#failures-view details.group[data-code="ERR_CKAN"]');
    assert.match((await ckan.locator('summary').textContent()) ?? '', new RegExp(`ERR_CKAN\\s*CKAN error NotFound: dataset N is gone${log.failureCodes.ERR_CKAN} tasks`));
    await ckan.locator('summary').click();
    // The items are drawn on the (asynchronous) toggle event.
    await ckan.locator('.item').nth(log.failureCodes.ERR_CKAN! - 1).waitFor();
    assert.equal(await ckan.locator('.item').count(), log.failureCodes.ERR_CKAN);
    assert.match((await ckan.locator('.item pre').first().textContent()) ?? '', /^CKAN error NotFound: dataset \d+ is gone$/);
    assert.match((await ckan.locator('.item .tid').first().textContent()) ?? '', /^\w+\(site=data-gov-uk, /);
    assert.match((await page.textContent('#retries-note')) ?? '', new RegExp(`Retries: ${log.counts.retries} `));

    // The table shows only the rows in view, and search narrows it.
    assert.equal(await page.textContent('#table-shown'), '5,000 of 5,000 tasks');
    assert.ok((await page.locator('#task-viewport .vt-row').count()) < 100, 'virtualised');
    await page.fill('#task-search', 'i=123');
    const n = log.ids.filter((id) => id.includes('i=123')).length;
    assert.ok(n > 0 && n < 40, String(n));
    await waitText(page, '#table-shown', `${n} of 5,000 tasks`);
    const ids = await page.locator('#task-viewport .vt-row:visible .tid').allTextContents();
    assert.equal(ids.length, n);
    for (const id of ids) assert.ok(id.includes('i=123'), id);
    await page.fill('#task-search', '');
    await page.selectOption('#filter-state', 'failed');
    await waitText(page, '#table-shown', `${log.counts.failed} of 5,000 tasks`);
    // Clicking a family node filters the table to it.
    await page.selectOption('#filter-state', '');
    await page.click('#graph-view g.family[data-family="RunModels"]');
    await waitText(page, '#table-shown', '50 of 5,000 tasks');
    // Sorting by duration: longest first.
    await page.click('#table-view .vt-head span[data-sort="duration"]');
    const durations = (await page.locator('#task-viewport .vt-row:visible span:nth-child(4)').allTextContents()).slice(0, 15).map((t) => Number(t.replace(' ms', '')));
    assert.ok(durations.length >= 15 && durations.every((d, i) => i === 0 || d <= durations[i - 1]!), durations.join(','));

    await page.evaluate('window.scrollTo(0, 0)');
    const png = await page.screenshot({ fullPage: true });
    const shot = path.join(os.tmpdir(), 'mallard-report-5000.png');
    fs.writeFileSync(shot, png);
    const stats = pngStats(png);
    assert.ok(stats.colours > 20, `screenshot ${shot} has ${stats.colours} colours`);
    assert.ok(stats.nonBackground > 0.05, `screenshot ${shot} is ${(stats.nonBackground * 100).toFixed(1)}% non-background`);
    // The timeline canvas has drawn attempts in the colours of the legend.
    const painted = (await page.evaluate(`(() => {
      const c = document.getElementById('timeline-canvas');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let green = 0, orange = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i] === 0x2e && px[i + 1] === 0x9d) green++;
        if (px[i] === 0xe8 && px[i + 1] === 0x92) orange++;
      }
      return { green, orange };
    })()`)) as { green: number; orange: number };
    assert.ok(painted.green > 1000 && painted.orange > 10, JSON.stringify(painted));
    assert.deepEqual(errors, []);
    await page.close();
  });
});

test('an unfinished log from an earlier version: unknowns shown, never a blank page', { skip }, async () => {
  await withTempDir(async (dir) => {
    const log = writeSyntheticLog(path.join(dir, '20261201T110000Z-old000.jsonl'), { tasks: 400, finished: false, graph: false, truncate: true });
    const out = path.join(dir, 'old.html');
    await writeReportFile(log.file, out, { artifactsDir: dir });
    const { page, errors } = await open(pathToFileURL(out).href);
    assert.equal(await page.textContent('#run-status'), 'running or unfinished');
    assert.match((await page.textContent('#graph-note')) ?? '', /Graph not recorded/);
    assert.match((await page.textContent('#run-meta')) ?? '', /last line of the log is cut off/);
    assert.equal(await page.locator('#graph-view g.family').count(), SYNTHETIC_FAMILIES.length);
    assert.equal(await page.textContent('#table-shown'), `${log.counts.done + log.counts.failed + log.counts.skipped + log.counts.running + countPending(log)} of 400 tasks`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

function countPending(log: ReturnType<typeof writeSyntheticLog>): number {
  const c = log.counts;
  return 400 - c.done - c.failed - c.skipped - c.running;
}

test('the report written for a real engine run opens and shows its failure and skipped tasks', { skip }, async () => {
  await withTempDir(async (dir) => {
    const run = await realEngineRun(dir);
    const written = await writeRunReport(path.dirname(run.logFile), run.runId);
    const { page, errors } = await open(pathToFileURL(written.file).href);
    const fetch = page.locator('#graph-view g.family[data-family="FetchPage"]');
    assert.equal(await fetch.getAttribute('data-failed'), '4');
    assert.equal(await fetch.getAttribute('data-done'), '36');
    assert.equal(await page.locator('#graph-view g.family[data-family="BuildDatabase"]').getAttribute('data-skipped'), '1');
    await page.selectOption('#filter-reason', 'upstream failed');
    await waitText(page, '#table-shown', '3 of 46 tasks');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

test('ids and errors are shown as text: markup in them never runs or breaks the page', { skip }, async () => {
  await withTempDir(async (dir) => {
    const evil = '</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">';
    const file = path.join(dir, '20261201T130000Z-evil00.jsonl');
    const lines = [
      { type: 'run_started', runId: '20261201T130000Z-evil00', at: 1000, roots: [], workers: 1, dryRun: false, scope: 's' },
      { type: 'task_started', id: `Evil(q=${evil})`, family: 'Evil', at: 1001, attempt: 1 },
      { type: 'task_failed', id: `Evil(q=${evil})`, family: 'Evil', at: 1002, attempt: 1, error: `bad ${evil}`, code: 'ERR_X' },
    ];
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const out = path.join(dir, 'evil.html');
    await writeReportFile(file, out, { artifactsDir: dir });
    const { page, errors } = await open(pathToFileURL(out).href);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned), undefined);
    await page.locator('#failures-view details.group summary').click();
    await page.locator('#failures-view .item pre').waitFor();
    assert.equal(await page.locator('#failures-view .item pre').textContent(), `bad ${evil}`);
    assert.equal(await page.locator('#task-viewport .vt-row .tid').first().textContent(), `Evil(q=${evil})`);
    assert.deepEqual(errors.filter((e) => !e.includes('Content Security Policy')), []);
    await page.close();
  });
});
