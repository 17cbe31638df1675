/** The artifacts a run published, with lineage from the manifests: in the data and on the page. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildReportData, writeRunReport } from '../../src/report/index.js';
import { publishArtifact } from '../../src/store/index.js';
import { browserMissing, launchBrowser } from '../support/browser.js';
import { withTempDir } from '../support/temp-dir.js';
import { createDuckDb, TestClock } from '../store/helpers.js';
import { writeSyntheticLog } from './synthetic-log.js';

test('the report lists what the run published, sizes, row counts and lineage back to raw inputs', async () => {
  await withTempDir(async (dir) => {
    const runId = '20261201T100000Z-abc123';
    const runsDir = path.join(dir, 'runs');
    fs.mkdirSync(runsDir);
    writeSyntheticLog(path.join(runsDir, `${runId}.jsonl`), { tasks: 200, runId });
    const clock = new TestClock('2026-12-01T10:00:05Z');
    fs.mkdirSync(path.join(dir, 'raw', 'demo'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'raw', 'demo', 'page_0.ndjson'), '{}\n');
    await createDuckDb(path.join(dir, 'raw.db'), { datasets: 12, resources: 30 });
    const raw = await publishArtifact({ artifactsDir: dir, site: 'demo', name: 'ckan_api', sourcePath: path.join(dir, 'raw.db'), runId: '20261130T000000Z-older0', toolVersion: 't', now: clock.now,
      lineage: { rawInputs: [{ path: path.join(dir, 'raw', 'demo', 'page_0.ndjson'), bytes: 3 }, { path: path.join(dir, 'raw', 'demo', 'results', '*.json'), files: 150, bytes: 4096 }] } });
    await createDuckDb(path.join(dir, 'clean.db'), { clean_datasets: 11 });
    clock.advance(2000);
    const clean = await publishArtifact({ artifactsDir: dir, site: 'demo', name: 'clean_ckan_api', sourcePath: path.join(dir, 'clean.db'), runId, toolVersion: 't', now: clock.now,
      lineage: { artifacts: [raw.path] } });

    const data = await buildReportData(path.join(runsDir, `${runId}.jsonl`));
    assert.deepEqual(data.artifacts.map((a) => a.path), [clean.path], 'only what this run published');
    const a = data.artifacts[0]!;
    assert.deepEqual(a.tables, { clean_datasets: 11 });
    assert.equal(a.size, fs.statSync(path.join(dir, clean.path)).size);
    assert.equal(a.lineage?.inputs[0]?.path, raw.path);
    assert.equal(a.lineage?.inputs[0]?.status, 'ok');
    assert.equal(a.lineage?.inputs[0]?.rawInputs[0]?.path, 'raw/demo/page_0.ndjson');

    if (browserMissing() !== undefined) return;
    const written = await writeRunReport(runsDir, runId);
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(pathToFileURL(written.file).href);
      await page.waitForSelector('body[data-ready="true"]');
      const row = page.locator(`#artifacts-view tr.artifact[data-path="${clean.path}"]`);
      const text = (await row.textContent()) ?? '';
      assert.ok(text.includes('clean_datasets 11'), text);
      assert.ok(text.includes(raw.path), text);
      assert.ok(text.includes('raw/demo/page_0.ndjson, raw/demo/results/*.json (150 files)'), text);
      assert.equal(await row.locator('ul.lineage ul.lineage').count(), 1, 'lineage nested two levels');
    } finally {
      await browser.close();
    }
  });
});
