/**
 * Report benchmark: a synthetic N-task run log (failures, retries, 4 workers; made untimed),
 * then
 *   - writeSeconds / megabytes: `runs report` of it (read, fold, lay out, render, write);
 *   - in headless Chromium from the file: firstPaintMs and interactiveMs (navigation start to
 *     the table usable: data inflated and parsed, graph, timeline and table drawn), and the
 *     slowest frame while scrolling the table from top to bottom (scrollMaxFrameMs);
 *   - live: the `ui` page of a running run while events are appended at --rate per second for
 *     --seconds; liveCaughtUpMs is how long after the last write the page showed them all.
 *   npm run bench:report -- --tasks 100000 --rate 1000 --seconds 5
 * writeCpuSeconds is the CPU the write took: on a shared, busy machine it says more than the wall time.
 * Prints one JSON line. Targets: writeSeconds < 2, megabytes < 5, interactiveMs < 2000,
 * liveCaughtUpMs < 1000 at 1,000 events/s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { writeReportFile } from '../src/report/index.js';
import { startUiServer } from '../src/web/index.js';
import { browserMissing, launchBrowser } from '../test/support/browser.js';
import { writeSyntheticLog } from '../test/report/synthetic-log.js';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '100000' }, rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '5' } } });
const tasks = Number(values.tasks);
const rate = Number(values.rate);
const seconds = Number(values.seconds);

type Win = { mallard: { readyAt: number }; performance: { getEntriesByType(t: string): Array<{ name: string; startTime: number }> }; requestAnimationFrame(f: (t: number) => void): void };
type El = { scrollTop: number; scrollHeight: number; getAttribute(n: string): string | null };
type Doc = { querySelector(s: string): El | null };
// Functions passed to page.evaluate run in the page: they can use only what they declare.

async function measurePage(page: Page, url: string): Promise<{ firstPaintMs: number | null; interactiveMs: number; scrollMaxFrameMs: number }> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  const timing = await page.evaluate(() => {
    const paint = (globalThis as unknown as Win).performance.getEntriesByType('paint').find((e) => e.name === 'first-paint');
    return { firstPaintMs: paint === undefined ? null : Math.round(paint.startTime), interactiveMs: Math.round((globalThis as unknown as Win).mallard.readyAt) };
  });
  const scrollMaxFrameMs = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const vp = (globalThis as unknown as { document: Doc }).document.querySelector('#task-viewport') as El;
        let step = 0;
        let last = 0;
        let worst = 0;
        const frame = (t: number): void => {
          if (last > 0) worst = Math.max(worst, t - last);
          last = t;
          vp.scrollTop = (vp.scrollHeight * step) / 60;
          if (++step > 60) resolve(Math.round(worst));
          else (globalThis as unknown as Win).requestAnimationFrame(frame);
        };
        (globalThis as unknown as Win).requestAnimationFrame(frame);
      }),
  );
  return { ...timing, scrollMaxFrameMs };
}

/** Appends `rate` task_started+task_done pairs a second (as events) to a running run's log; the page must show them all. */
async function measureLive(page: Page, dir: string): Promise<{ liveEvents: number; liveWriteSeconds: number; liveCaughtUpMs: number }> {
  const runs = path.join(dir, 'live', 'runs');
  fs.mkdirSync(runs, { recursive: true });
  const runId = '20261201T120000Z-live00';
  const file = path.join(runs, `${runId}.jsonl`);
  const t0 = Date.now();
  fs.writeFileSync(file, [
    { type: 'run_started', runId, at: t0, roots: ['Live()'], workers: 4, dryRun: false, scope: 'bench' },
    { type: 'graph', at: t0, families: { Live: { tasks: 0 } }, edges: [] },
    { type: 'tasks_planned', at: t0, toRun: 0, complete: 0, byFamily: { Live: { toRun: 0, complete: 0 } } },
  ].map((e) => JSON.stringify(e) + '\n').join(''));
  const server = await startUiServer({ artifactsDir: path.join(dir, 'live'), port: 0 });
  try {
    await page.goto(`${server.url}runs/${runId}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(i: string): { textContent: string } | null } }).document.getElementById('live-status')?.textContent === '● live');
    const total = rate * seconds;
    let written = 0;
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.round(((Date.now() - started) / 1000) * rate));
        let out = '';
        for (; written < due; written += 2) {
          const at = Date.now();
          out += JSON.stringify({ type: 'task_started', id: `Live(i=${written / 2})`, family: 'Live', at, attempt: 1 }) + '\n';
          out += JSON.stringify({ type: 'task_done', id: `Live(i=${written / 2})`, family: 'Live', at: at + 1, attempt: 1, durationMs: 1 }) + '\n';
        }
        if (out !== '') fs.appendFileSync(file, out);
        if (written >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const lastWrite = Date.now();
    const want = String(written / 2);
    await page.waitForFunction((w) => (globalThis as unknown as { document: Doc }).document.querySelector('#graph-view g.family[data-family="Live"]')?.getAttribute('data-done') === w, want, { timeout: 60_000, polling: 20 });
    return { liveEvents: written, liveWriteSeconds: (lastWrite - started) / 1000, liveCaughtUpMs: Date.now() - lastWrite };
  } finally {
    await server.close();
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-report-'));
try {
  const log = writeSyntheticLog(path.join(dir, '20261201T100000Z-abc123.jsonl'), { tasks, failRate: 0.01, retryRate: 0.03 });
  const out = path.join(dir, 'report.html');
  const t = performance.now();
  const cpu = process.cpuUsage();
  const written = await writeReportFile(log.file, out, { artifactsDir: dir });
  const writeSeconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const result: Record<string, unknown> = {
    tasks, logMB: +(fs.statSync(log.file).size / 1e6).toFixed(1), writeSeconds: +writeSeconds.toFixed(3), writeCpuSeconds: +((used.user + used.system) / 1e6).toFixed(3), megabytes: +(written.bytes / 1e6).toFixed(2),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  const missing = browserMissing();
  if (missing !== undefined) result.browser = `skipped: ${missing}`;
  else {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      Object.assign(result, await measurePage(page, pathToFileURL(out).href));
      Object.assign(result, { liveRate: rate }, await measureLive(await browser.context.newPage(), dir));
    } finally {
      await browser.close();
    }
  }
  console.log(JSON.stringify(result));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
