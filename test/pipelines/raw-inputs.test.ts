/** A stage's raw inputs in its manifest: each file, but many of one folder and extension as one entry (issue #10: 24,500 result files made a 2.7 MB manifest). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RAW_FILES_PER_FOLDER, rawInputsOf } from '../../src/pipelines/stage-support.js';
import { publishArtifact, readManifest } from '../../src/store/index.js';
import { createDuckDb } from '../store/helpers.js';
import { withTempDir } from '../support/temp-dir.js';

test('raw inputs: files in order, more than RAW_FILES_PER_FOLDER of one folder and extension as one entry with their count and bytes, stored relative', async () => {
  await withTempDir(async (dir) => {
    const write = (rel: string, bytes: number): string => {
      const file = path.join(dir, 'raw', rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'x'.repeat(bytes));
      return file;
    };
    const many = Array.from({ length: RAW_FILES_PER_FOLDER + 1 }, (_, i) => write(`sg/results/r${i}.json`, i + 1));
    const few = Array.from({ length: RAW_FILES_PER_FOLDER }, (_, i) => write(`ckan/p${i}.ndjson`, 2));
    const files = [write('sg/results/terms.parquet', 10), many[0]!, write('sg/results/coverage.parquet', 20), ...many.slice(1), ...few];
    const inputs = rawInputsOf(files);
    assert.equal(inputs.length, 3 + RAW_FILES_PER_FOLDER, 'the two Parquet files beside the results, the results, and a folder not over the limit file by file');
    assert.deepEqual(inputs.slice(0, 3), [
      { path: files[0], bytes: 10 },
      { path: path.join(dir, 'raw', 'sg', 'results', '*.json'), files: RAW_FILES_PER_FOLDER + 1, bytes: ((RAW_FILES_PER_FOLDER + 1) * (RAW_FILES_PER_FOLDER + 2)) / 2 },
      { path: files[2], bytes: 20 },
    ], 'the folder where its first file was');
    assert.deepEqual(inputs.slice(3).map((r) => r.path), few);

    await createDuckDb(path.join(dir, 'build.db'), { t: 1 });
    const published = await publishArtifact({ artifactsDir: dir, site: 's', name: 'sourcegraph_api', sourcePath: path.join(dir, 'build.db'), toolVersion: '0', now: () => new Date('2026-12-01T00:00:00Z'), lineage: { rawInputs: inputs } });
    const manifest = published.manifest;
    assert.deepEqual(await readManifest(path.join(dir, published.manifestPath)), manifest, 'the schema reads it back');
    assert.deepEqual(manifest.lineage.rawInputs[1], { path: 'raw/sg/results/*.json', files: RAW_FILES_PER_FOLDER + 1, bytes: ((RAW_FILES_PER_FOLDER + 1) * (RAW_FILES_PER_FOLDER + 2)) / 2 });
    assert.equal(manifest.lineage.rawInputs[0]?.path, 'raw/sg/results/terms.parquet');
  });
});
