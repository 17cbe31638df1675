/**
 * bench:portal-scale at a tiny size: the whole pipeline through the CLI twice and the reconcile
 * pass, its JSON, and its own correctness checks; and the code index it relies on (the loopback
 * Sourcegraph and the true set both use it, so a file it lost would be lost by both unseen).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CodeIndex } from '../../bench/portal-scale/code-index.js';
import { codeCorpus, rng } from '../../bench/portal-scale/corpus.js';
import { makePortal } from '../../bench/portal-scale/portal.js';
import { evaluate, parseQuery } from '../support/sourcegraph-query.js';

const bench = path.join(import.meta.dirname, '..', '..', 'bench', 'portal-scale.js');

interface Stage { stage: string; seconds: number; peakRssMB: number | null; requests: Record<string, number> }
interface Round { seconds: number; requests: Record<string, number>; matches: { terms: number; trueMatches: number; found: number; missing: number; extra: number }; stages: Stage[] }

function runBench(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bench, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

describe('bench:portal-scale', () => {
  test('runs every stage twice and the reconcile pass, and its checks hold', async () => {
    const r = await runBench(['--datasets', '40']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & { first: Round; rerun: Round; reconcile: { deletions: { expected: number; marked: number; searched: number } }; checks: Record<string, boolean>; targets: Record<string, boolean> };
    assert.equal(out['bench'], 'portal-scale');
    assert.equal(out['datasets'], 40);
    assert.equal(out['ok'], true);
    assert.ok(Object.values(out.checks).every(Boolean), JSON.stringify(out.checks));
    assert.equal(Object.keys(out.checks).length, 6);
    const stages = ['download-datasets-info', 'insert-datasets-info', 'run-models ckan_clean', 'download-sourcegraph-results', 'insert-sourcegraph-results', 'enrich-github-repos', 'run-models usage'];
    for (const round of [out.first, out.rerun]) {
      assert.deepEqual(round.stages.map((s) => s.stage), stages);
      for (const s of round.stages) assert.ok(s.seconds > 0 && (s.peakRssMB === null || s.peakRssMB > 20), JSON.stringify(s));
      assert.equal(round.matches.missing, 0);
      assert.equal(round.matches.extra, 0);
      assert.equal(round.matches.found, round.matches.trueMatches);
    }
    assert.ok(out.first.matches.trueMatches > 0, 'the corpus references some terms');
    assert.equal(out.first.stages[0]?.requests['ckan'], 1, 'the crawl asked the CKAN server');
    assert.ok((out.first.stages[3]?.requests['sourcegraph'] ?? 0) > 0 && out.first.stages[3]!.requests['sourcegraph']! < out.first.matches.terms / 20);
    assert.ok((out.first.stages[5]?.requests['github'] ?? 0) > 0);
    assert.equal(out.rerun.requests['github'], 0, 'GitHub records are fresh: not asked again');
    assert.equal(out.rerun.stages[0]?.requests['ckan'], 2, 'the delta page and the total');
    assert.ok(out.rerun.matches.terms > out.first.matches.terms, 'the new dataset and URLs add terms');
    assert.deepEqual(out.reconcile.deletions, { expected: 1, marked: 1, searched: 0, ok: true });
    assert.equal(out['perTermRequests'], out.first.matches.terms);
    assert.equal(typeof out.targets['rerunTimeUnder15Pct'], 'boolean');
  });

  test('a bad --datasets is a usage error', () => {
    const r = spawnSync(process.execPath, [bench, '--datasets', 'many'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--datasets must be a whole number/);
  });

  test('the code index never loses a file a query matches', () => {
    const portal = makePortal(60, 3, '127.0.0.1:9');
    const { files, referenced } = codeCorpus(portal.terms, 0.1, rng(4));
    const index = new CodeIndex(files);
    const r = rng(5);
    const probes = [...referenced, ...portal.terms.filter(() => r() < 0.05), 'pandas as pd', 'DATA.EXAMPLE.ORG/dataset', 'org1/repo1', 'load_1', 'x'];
    for (let i = 0; i + 7 <= probes.length; i += 7) {
      const query = parseQuery(`(${probes.slice(i, i + 7).map((p) => JSON.stringify(p)).join(' OR ')}) count:all`);
      assert.deepEqual(evaluate(query, index.candidates(query)).matches, evaluate(query, files).matches, `query ${i / 7}`);
    }
    for (const term of referenced) {
      const query = parseQuery(`${JSON.stringify(term.slice(3, -2))} count:all`);
      assert.deepEqual(evaluate(query, index.candidates(query)).matches, evaluate(query, files).matches, `a part of ${term}`);
    }
  });
});
