import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isMallardError, type MallardError } from '../../src/engine/errors.js';
import { loadSiteConfig, type SiteConfig } from '../../src/config/index.js';
import { MINIMAL, tempDir } from './temp-dir.js';

async function rejection(p: Promise<unknown>): Promise<MallardError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isMallardError(err), `expected a MallardError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the promise to reject');
}

describe('choosing the config file', () => {
  const files = {
    'configs/alpha.yaml': MINIMAL('alpha'),
    'configs/beta.json': JSON.stringify({ site: 'beta', ckan: { url: 'https://b.example/api/3/action' } }),
    'elsewhere/gamma.yml': MINIMAL('gamma'),
    'elsewhere/delta.yaml': MINIMAL('delta'),
  };

  test('--site wins over --config-file and CONFIG_PATH', async (t) => {
    const cwd = await tempDir(t, files);
    const loaded = await loadSiteConfig({ site: 'beta', configFile: 'elsewhere/gamma.yml', env: { CONFIG_PATH: 'elsewhere/delta.yaml' }, cwd });
    assert.equal(loaded.config.site, 'beta');
    assert.equal(loaded.file, path.join(cwd, 'configs', 'beta.json'));
  });

  test('--config-file wins over CONFIG_PATH, and is relative to cwd', async (t) => {
    const cwd = await tempDir(t, files);
    const loaded = await loadSiteConfig({ configFile: 'elsewhere/gamma.yml', env: { CONFIG_PATH: 'elsewhere/delta.yaml' }, cwd });
    assert.equal(loaded.config.site, 'gamma');
  });

  test('CONFIG_PATH is used when nothing else is given', async (t) => {
    const cwd = await tempDir(t, files);
    const loaded = await loadSiteConfig({ env: { CONFIG_PATH: path.join(cwd, 'elsewhere/delta.yaml') }, cwd });
    assert.equal(loaded.config.site, 'delta');
  });

  test('nothing chosen is a usage error naming the three ways and the sites', async (t) => {
    const cwd = await tempDir(t, files);
    const err = await rejection(loadSiteConfig({ env: {}, cwd }));
    assert.equal(err.code, 'ERR_USAGE');
    assert.match(err.message, /--site <name>.*--config-file <path>.*CONFIG_PATH/);
    assert.match(err.suggestions.join('\n'), /alpha, beta/);
  });

  test('an unknown site lists the available sites', async (t) => {
    const cwd = await tempDir(t, files);
    const err = await rejection(loadSiteConfig({ site: 'alpah', env: {}, cwd }));
    assert.equal(err.code, 'ERR_USAGE');
    assert.match(err.message, /unknown site "alpah"/);
    assert.match(err.suggestions.join('\n'), /available sites: alpha, beta/);
  });

  test('a site name that is not a plain name is refused (no path tricks)', async (t) => {
    const cwd = await tempDir(t, files);
    const err = await rejection(loadSiteConfig({ site: '../elsewhere/gamma', env: {}, cwd }));
    assert.equal(err.code, 'ERR_USAGE');
    assert.match(err.message, /invalid site name/);
  });

  test('a site defined by two files is an error naming both', async (t) => {
    const cwd = await tempDir(t, { ...files, 'configs/alpha.json': JSON.stringify({ site: 'alpha', ckan: { url: 'https://a/api/3/action' } }) });
    const err = await rejection(loadSiteConfig({ site: 'alpha', env: {}, cwd }));
    assert.equal(err.code, 'ERR_CONFIG');
    assert.match(err.message, /configs\/alpha\.yaml and configs\/alpha\.json/);
  });

  test('a missing --config-file or CONFIG_PATH file is named', async (t) => {
    const cwd = await tempDir(t, files);
    const a = await rejection(loadSiteConfig({ configFile: 'nope.yaml', env: {}, cwd }));
    assert.equal(a.code, 'ERR_CONFIG');
    assert.match(a.message, /config file not found: nope\.yaml \(from --config-file\)/);
    const b = await rejection(loadSiteConfig({ env: { CONFIG_PATH: 'gone.json' }, cwd }));
    assert.match(b.message, /gone\.json \(from CONFIG_PATH\)/);
  });

  test('a file chosen by --site must declare that site', async (t) => {
    const cwd = await tempDir(t, { 'configs/alpha.yaml': MINIMAL('beta') });
    const err = await rejection(loadSiteConfig({ site: 'alpha', env: {}, cwd }));
    assert.match(err.message, /^configs\/alpha\.yaml:1: site: "beta" does not match the file name/);
  });
});

describe('defaults and normalisation', () => {
  test('a minimal file gets every default filled in', async (t) => {
    const cwd = await tempDir(t, { 'configs/alpha.yaml': MINIMAL('alpha', 'https://data.example.org/api/3/action/') });
    const { config } = await loadSiteConfig({ site: 'alpha', env: {}, cwd });
    const expected: SiteConfig = {
      site: 'alpha',
      ckan: { url: 'https://data.example.org/api/3/action', rows: 1000, sort: 'id asc', q: '*:*', concurrency: 2, requestsPerSecond: 5,
        maxDatasets: 5_000_000, incremental: false, overlapMinutes: 60, reconcileEveryDays: 7 },
      sourcegraph: {
        url: 'https://sourcegraph.com', tokenEnv: 'SOURCEGRAPH_TOKEN', concurrency: 2, requestsPerSecond: 2,
        includeForks: false, includeArchived: false, timeoutSeconds: 60, maxAge: '30d', termsPerQuery: 100, maxQueryLength: 4000,
      },
      github: { url: 'https://api.github.com', tokenEnv: 'GITHUB_TOKEN', concurrency: 4, maxAge: '30d' },
      http: { timeoutMs: 30000, retries: 3 },
      models: { shrinkTolerance: 0.1 },
      duckdb: { memoryLimit: '25%' },
      gcs: {},
      schedules: {},
      freshness: { artifacts: {} },
    };
    assert.deepEqual(config, expected);
  });

  test('given values override defaults; URLs and the GCS prefix lose stray slashes', async (t) => {
    const yaml = [
      'site: alpha',
      'ckan: { url: "http://127.0.0.1:8080/api/action", rows: 50, fq: "organization:x" }',
      'sourcegraph: { url: "https://sg.example.com/", tokenEnv: MY_SG, includeForks: true }',
      'github: { url: "https://ghe.example.com/api/v3/" }',
      'http: { userAgent: "team-x" }',
      'gcs: { bucket: my-bucket, prefix: "/mallard/alpha/" }',
    ].join('\n');
    const cwd = await tempDir(t, { 'configs/alpha.yaml': yaml });
    const { config } = await loadSiteConfig({ site: 'alpha', env: {}, cwd });
    assert.equal(config.ckan.url, 'http://127.0.0.1:8080/api/action');
    assert.equal(config.ckan.rows, 50);
    assert.equal(config.ckan.fq, 'organization:x');
    assert.equal(config.sourcegraph.url, 'https://sg.example.com');
    assert.equal(config.sourcegraph.tokenEnv, 'MY_SG');
    assert.equal(config.sourcegraph.includeForks, true);
    assert.equal(config.github.url, 'https://ghe.example.com/api/v3');
    assert.equal(config.http.userAgent, 'team-x');
    assert.deepEqual(config.gcs, { bucket: 'my-bucket', prefix: 'mallard/alpha' });
  });
});

describe('hash', () => {
  test('is the same for the same meaning: format, key order, comments, spelled-out defaults', async (t) => {
    const cwd = await tempDir(t, {
      'a.yaml': '# comment\nsite: alpha\nckan:\n  url: https://d.example/api/3/action\n',
      'b.json': '{"ckan": {"rows": 1000, "url": "https://d.example/api/3/action/"}, "site": "alpha", "models": {"shrinkTolerance": 0.1}}',
      'c.yaml': 'site: alpha\nckan:\n  url: https://d.example/api/3/action\n  rows: 999\n',
    });
    const load = (f: string) => loadSiteConfig({ configFile: f, env: {}, cwd });
    const [a, b, c] = await Promise.all([load('a.yaml'), load('b.json'), load('c.yaml')]);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal(a.hash, b.hash);
    assert.notEqual(a.hash, c.hash);
  });
});
