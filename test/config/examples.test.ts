/** The example configs shipped in configs/ are valid and load by their site name. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { listSiteConfigs, loadSiteConfig } from '../../src/config/index.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

test('every shipped config validates', async () => {
  const entries = await listSiteConfigs(repoRoot);
  assert.ok(entries.length >= 3, `expected at least three example configs, found ${entries.length}`);
  for (const e of entries) assert.deepEqual(e.problems, [], `${e.file} should be valid`);
});

test('the examples cover data.gov.uk, catalog.data.gov and a non-English portal', async () => {
  const names = readdirSync(path.join(repoRoot, 'configs')).filter((f) => /\.(ya?ml|json)$/.test(f));
  const urls: string[] = [];
  for (const name of names) {
    const site = name.replace(/\.(ya?ml|json)$/, '');
    urls.push((await loadSiteConfig({ site, env: {}, cwd: repoRoot })).config.ckan.url);
  }
  assert.ok(urls.includes('https://data.gov.uk/api/3/action'));
  assert.ok(urls.includes('https://catalog.data.gov/api/3/action'));
  assert.ok(urls.includes('https://legado.dados.gov.br/api/3/action'));
});
