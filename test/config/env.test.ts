import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadDotEnv, redact, resolveToken, siteConfigSchema } from '../../src/config/index.js';
import { tempDir } from './temp-dir.js';

describe('loadDotEnv', () => {
  test('sets unset variables and never overrides set ones (even empty)', async (t) => {
    const cwd = await tempDir(t);
    await writeFile(path.join(cwd, '.env'), '# tokens\nGITHUB_TOKEN=from-file\nGCP_BUCKET="bucket-from-file"\nEMPTY=x\nGCP_PROJECT=proj\n');
    const env: NodeJS.ProcessEnv = { GITHUB_TOKEN: 'from-shell', EMPTY: '' };
    const set = loadDotEnv(cwd, env);
    assert.deepEqual(set.sort(), ['GCP_BUCKET', 'GCP_PROJECT']);
    assert.deepEqual(env, { GITHUB_TOKEN: 'from-shell', EMPTY: '', GCP_BUCKET: 'bucket-from-file', GCP_PROJECT: 'proj' });
  });

  test('no .env file sets nothing', async (t) => {
    const cwd = await tempDir(t);
    const env: NodeJS.ProcessEnv = {};
    assert.deepEqual(loadDotEnv(cwd, env), []);
    assert.deepEqual(env, {});
  });
});

describe('resolveToken', () => {
  const config = siteConfigSchema.parse({ site: 'a', ckan: { url: 'https://a.example/api/3/action' }, github: { tokenEnv: 'TEAM_GH' } });

  test('reads the variable the config names', () => {
    const env = { TEAM_GH: 'gh-secret', GITHUB_TOKEN: 'not-this-one', SOURCEGRAPH_TOKEN: ' sg-secret\n' };
    assert.equal(resolveToken(config, 'github', env), 'gh-secret');
    assert.equal(resolveToken(config, 'sourcegraph', env), 'sg-secret');
  });

  test('unset or blank is undefined', () => {
    assert.equal(resolveToken(config, 'github', {}), undefined);
    assert.equal(resolveToken(config, 'github', { TEAM_GH: '  ' }), undefined);
  });
});

describe('redact', () => {
  test('replaces every occurrence, longest secret first, and URL-encoded forms', () => {
    const text = 'GET https://x/?t=ab%2Fcd header token abc/def and ab/cd and ab/cd again';
    assert.equal(redact(text, ['ab/cd', 'abc/def', '']), 'GET https://x/?t=[REDACTED] header token [REDACTED] and [REDACTED] and [REDACTED] again');
  });

  test('without secrets the text is unchanged', () => {
    assert.equal(redact('nothing to hide', []), 'nothing to hide');
  });
});
