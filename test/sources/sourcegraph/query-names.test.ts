import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildSearchQuery, quoteTerm, searchFileName, slugify, streamSearchUrl, unquoteTerm } from '../../../src/sources/sourcegraph/index.js';
import { termOfQuery } from '../../support/sourcegraph-server.js';

const HOSTILE = [
  'https://data.gov.uk/dataset/abc?x=1&y="2"',
  '../../etc/passwd',
  '/',
  '..',
  '.',
  'a/b\\c',
  'C:\\Windows\\system32',
  'repo:evil OR fork:yes',
  'quote " and backslash \\ and \\"',
  'line\nbreak\ttab\rcr',
  'x'.repeat(10_000),
  'Données publiques – Île-de-France',
  '東京都オープンデータ',
  '😀🚀',
  '\u0000nul',
  '   ',
  '-leading-dash',
];

describe('exact-match queries', () => {
  test('every hostile term survives quoting: the test server reads back exactly the term', () => {
    for (const term of HOSTILE) {
      assert.equal(unquoteTerm(quoteTerm(term)), term);
      if (term.trim() === '') continue;
      const query = buildSearchQuery(term);
      assert.equal(termOfQuery(query), term, `term ${JSON.stringify(term.slice(0, 40))}`);
      assert.ok(!query.slice(quoteTerm(term).length).includes('"'), 'nothing after the quoted term is a quote');
    }
  });

  test('filters: patternType keyword, count:all, forks and archived only when asked', () => {
    assert.equal(buildSearchQuery('data.gov.uk'), '"data.gov.uk" patternType:keyword count:all');
    assert.equal(buildSearchQuery('x', { includeForks: true, includeArchived: true, extraFilters: ['context:global'] }), '"x" patternType:keyword count:all fork:yes archived:yes context:global');
    assert.throws(() => buildSearchQuery('  '), /must not be empty/);
  });

  test('the stream URL carries q, v=V3 and t=keyword, URL-encoded', () => {
    const url = new URL(streamSearchUrl('https://sg.example.com/', '"a b&c" count:all'));
    assert.equal(url.pathname, '/.api/search/stream');
    assert.equal(url.searchParams.get('q'), '"a b&c" count:all');
    assert.equal(url.searchParams.get('v'), 'V3');
    assert.equal(url.searchParams.get('t'), 'keyword');
  });
});

describe('result file names', () => {
  test('hostile terms give plain names inside the folder', () => {
    const dir = path.resolve('/tmp/results');
    const names = new Set<string>();
    for (const term of HOSTILE) {
      const name = searchFileName(term);
      assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*-[0-9a-f]{16}\.json$/, JSON.stringify(term.slice(0, 40)));
      assert.ok(name.length <= 60 + 1 + 16 + 5);
      assert.equal(path.dirname(path.resolve(dir, name)), dir);
      names.add(name);
    }
    assert.equal(names.size, HOSTILE.length, 'no two terms share a name');
  });

  test('terms that slug alike still differ: case, punctuation, unicode', () => {
    const terms = ['Data.gov.uk', 'data.gov.uk', 'data-gov-uk', 'data gov uk', 'DATA_GOV_UK'];
    assert.equal(new Set(terms.map(slugify)).size, 1);
    assert.equal(new Set(terms.map(searchFileName)).size, terms.length);
    assert.equal(slugify('Île-de-France'), 'ile-de-france');
    assert.equal(slugify('東京'), 'term');
    assert.equal(searchFileName('x'), searchFileName('x'), 'stable');
  });
});
