import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MallardError } from '../../../src/engine/errors.js';
import { createHttpClient } from '../../../src/http/index.js';
import { fetchSearchPage, pageFileName, planPages } from '../../../src/sources/ckan/index.js';
import { ckanFixture, ckanFixtureText, ckanFixturesMissing, fixturePackages, packageSearchFixtureNames } from '../../support/ckan-fixtures.js';
import { fakeClock } from '../../support/fake-clock.js';
import { startCkanServer, type CkanPackage, type CkanTestServer } from '../../support/ckan-server.js';

const skip = ckanFixturesMissing();

describe('recorded CKAN responses (../shared/fixtures/ckan)', () => {
  let server: CkanTestServer;
  let dir: string;

  before(async () => {
    if (skip) return;
    server = await startCkanServer({ packages: fixturePackages(), maxRows: 7 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-ckan-fixtures-'));
  });
  after(async () => {
    if (skip) return;
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const client = () => createHttpClient({ clock: fakeClock(), retries: 0 });
  const params = (start = 0) => ({ baseUrl: server.actionUrl, rows: 1000, start, sort: 'id asc' });

  test('each recorded package_search response, served byte for byte, becomes its page file', { skip }, async () => {
    const names = packageSearchFixtureNames();
    assert.ok(names.length >= 4, `found ${names.join(', ')}`);
    for (const name of names) {
      const recorded = ckanFixture(name).result as { count: number; results: CkanPackage[] };
      server.schedule({ kind: 'raw', status: 200, body: ckanFixtureText(name) });
      const dest = path.join(dir, name.replace(/\.json$/, '.ndjson'));
      const result = await fetchSearchPage(client(), params(), dest);
      const text = await readFile(dest, 'utf8');
      const lines = text === '' ? [] : text.slice(0, -1).split('\n');
      assert.equal(result.count, recorded.count, name);
      assert.equal(result.received, recorded.results.length, name);
      assert.equal(lines.length, recorded.results.length, name);
      assert.deepEqual(lines.map((l) => JSON.parse(l)), recorded.results, name);
      assert.equal(result.firstId, recorded.results[0]?.id, name);
    }
  });

  test('escapes and big numbers are kept as the portal wrote them', { skip }, async () => {
    server.schedule({ kind: 'raw', status: 200, body: ckanFixtureText('dados.gov.br__package_search__q_name_bolsa.json') });
    const dados = path.join(dir, 'dados.ndjson');
    await fetchSearchPage(client(), params(), dados);
    assert.match(await readFile(dados, 'utf8'), /Creative Commons Atribui\\u00e7\\u00e3o/);
    server.schedule({ kind: 'raw', status: 200, body: ckanFixtureText('envidat.ch__package_search__fixture.json') });
    const envidat = path.join(dir, 'envidat.ndjson');
    await fetchSearchPage(client(), params(), envidat);
    const text = await readFile(envidat, 'utf8');
    assert.match(text, /10004794304/);
    assert.equal(text.split('\n').length, 3, 'the pretty-printed response still gives one line per package');
  });

  test("the recorded 404 envelope is an ERR_CKAN_API naming its __type and the portal's message", { skip }, async () => {
    server.schedule({ kind: 'raw', status: 404, body: ckanFixtureText('dados.gov.br__package_show__404_not_found_error.json') });
    const sub = await mkdtemp(path.join(dir, 'err-'));
    await assert.rejects(fetchSearchPage(client(), params(), path.join(sub, pageFileName(0))), (err: unknown) => {
      assert.ok(err instanceof MallardError);
      assert.equal(err.code, 'ERR_CKAN_API');
      assert.equal(err.context.ckanErrorType, 'Not Found Error');
      assert.equal(err.context.ckanMessage, 'Não encontrado');
      return true;
    });
    assert.deepEqual(await readdir(sub), []);
  });

  test('a crawl over the recorded packages, with rows capped at 7, gets every package once', { skip }, async () => {
    const sub = await mkdtemp(path.join(dir, 'crawl-'));
    const first = await fetchSearchPage(client(), params(0), path.join(sub, pageFileName(0)));
    assert.equal(first.received, 7);
    const starts = [...planPages(first.count, first.received)];
    for (const start of starts.slice(1)) await fetchSearchPage(client(), params(start), path.join(sub, pageFileName(start)));
    const got: CkanPackage[] = [];
    for (const start of starts) {
      const text = await readFile(path.join(sub, pageFileName(start)), 'utf8');
      got.push(...text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as CkanPackage));
    }
    const expected = fixturePackages().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    assert.equal(got.length, expected.length);
    assert.deepEqual(got, expected);
    assert.equal(new Set(got.map((p) => p.id)).size, got.length);
  });
});
