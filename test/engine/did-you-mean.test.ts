import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closestMatch, editDistance } from '../../src/engine/did-you-mean.js';

describe('did you mean (one rule for every hint)', () => {
  test('edit distance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });

  test('nearest candidate within max(2, length/3) edits, case ignored', () => {
    assert.equal(closestMatch('ckan_clen', ['ckan_clean', 'usage']), 'ckan_clean');
    assert.equal(closestMatch('ckanpage', ['CkanPage', 'CkanCrawl']), 'CkanPage');
    assert.equal(closestMatch('GithubRepoFetchh', ['GithubRepo']), undefined, '6 edits is not a typo');
    assert.equal(closestMatch('requestsPerSecnd', ['requestsPerSecond', 'concurrency']), 'requestsPerSecond');
    assert.equal(closestMatch('xyz', ['ckan', 'http']), undefined);
  });
});
