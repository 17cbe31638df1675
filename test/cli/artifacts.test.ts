import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { type PublishedArtifact, publishArtifact } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { TestClock, createDuckDb, makeTempDir, removeDir } from '../store/helpers.js';

const DAY = 86_400_000;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('artifacts commands (built CLI)', () => {
  let dir: string;
  let artifactsDir: string;
  const published: Record<string, PublishedArtifact[]> = { ckan_api: [], usage: [] };

  const cli = (args: string[], env: Record<string, string> = {}): Run => runCli(args, { cwd: dir, env });
  const json = (run: Run): any => JSON.parse(run.stdout);

  before(async () => {
    dir = await makeTempDir('mallard-cli-artifacts-');
    artifactsDir = path.join(dir, 'artifacts');
    const source = path.join(dir, 'build.db');
    await createDuckDb(source, { packages: 5, resources: 9 });
    const clock = new TestClock('2024-01-01T00:00:00Z');
    for (let i = 0; i < 3; i++) {
      published.ckan_api!.push(await publishArtifact({ artifactsDir, site: 'uk', name: 'ckan_api', sourcePath: source, toolVersion: '0.1.0', now: clock.now }));
      clock.advance(DAY);
    }
    const inputs = { artifacts: [published.ckan_api![2]!.path], rawInputs: [{ path: 'raw/uk/sourcegraph' }, { path: 'raw/uk/sourcegraph/*.json', files: 24_507, bytes: 412_345_678 }] };
    published.usage!.push(await publishArtifact({ artifactsDir, site: 'fr', name: 'usage', sourcePath: source, toolVersion: '0.1.0', now: clock.now, lineage: inputs }));
  });
  after(() => removeDir(dir));

  test('list prints a table and --json the artifacts, with filters', () => {
    const text = cli(['artifacts', 'list', '--artifacts-dir', artifactsDir]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^SITE\s+NAME\s+TIMESTAMP\s+SIZE\s+TABLES\n/);
    assert.match(text.stdout, /uk\s+ckan_api\s+20240101T000000Z\s+\S+ \S+\s+2 tables, 14 rows/);
    const all = cli(['artifacts', 'list', '--json'], { ARTIFACTS_DIR: 'artifacts' });
    assert.equal(all.status, 0, all.stderr);
    assert.deepEqual(json(all).artifacts.map((a: any) => a.path), [
      'read_only/fr/usage_20240104T000000Z.db',
      ...published.ckan_api!.map((a) => a.path),
    ]);
    assert.deepEqual(json(all).artifacts[1].manifest.tables, { packages: 5, resources: 9 });
    const filtered = cli(['artifacts', 'list', '--json', '--artifacts-dir', artifactsDir, '--site', 'fr', '--name', 'usage']);
    assert.equal(json(filtered).artifacts.length, 1);
  });

  test('latest prints only the path; exit 1 when there is none, 2 without --site', () => {
    const run = cli(['artifacts', 'latest', 'ckan_api', '--site', 'uk', '--artifacts-dir', artifactsDir]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, published.ckan_api![2]!.absolutePath + '\n');
    const asJson = cli(['artifacts', 'latest', 'ckan_api', '--site', 'uk', '--artifacts-dir', artifactsDir, '--json']);
    assert.equal(json(asJson).timestamp, '20240103T000000Z');
    const none = cli(['artifacts', 'latest', 'usage', '--site', 'uk', '--artifacts-dir', artifactsDir]);
    assert.equal(none.status, 1);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /No complete artifact usage for site uk/);
    const noSite = cli(['artifacts', 'latest', 'usage', '--artifacts-dir', artifactsDir]);
    assert.equal(noSite.status, 2);
    const badName = cli(['artifacts', 'latest', 'Usage!', '--site', 'uk', '--artifacts-dir', artifactsDir, '--json']);
    assert.equal(badName.status, 2);
    assert.equal(json(badName).error.code, 'ERR_USAGE');
  });

  test('lineage shows the tree by name_timestamp and by a path relative to the working directory', () => {
    const run = cli(['artifacts', 'lineage', 'usage_20240104T000000Z', '--artifacts-dir', artifactsDir, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const tree = json(run);
    assert.equal(tree.path, 'read_only/fr/usage_20240104T000000Z.db');
    assert.deepEqual(tree.inputs.map((n: any) => [n.path, n.status]), [[published.ckan_api![2]!.path, 'ok']]);
    assert.deepEqual(tree.rawInputs, [{ path: 'raw/uk/sourcegraph' }, { path: 'raw/uk/sourcegraph/*.json', files: 24_507, bytes: 412_345_678 }]);
    const text = cli(['artifacts', 'lineage', `artifacts/${published.usage![0]!.path}`, '--artifacts-dir', artifactsDir]);
    assert.equal(text.status, 0, text.stderr);
    assert.equal(text.stdout, [
      'read_only/fr/usage_20240104T000000Z.db',
      '├── read_only/uk/ckan_api_20240103T000000Z.db',
      '├── raw: raw/uk/sourcegraph',
      '└── raw: raw/uk/sourcegraph/*.json (24,507 files, 393 MB)',
      '',
    ].join('\n'));
    const missing = cli(['artifacts', 'lineage', 'usage_20990101T000000Z', '--artifacts-dir', artifactsDir]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /No artifact usage_20990101T000000Z/);
  });

  test('prune: bad flags exit 2 with ERR_USAGE; dry-run removes nothing; then removes', async () => {
    const base = ['artifacts', 'prune', '--artifacts-dir', artifactsDir];
    for (const flags of [['--keep', '1', '--older-than', '30'], ['--keep', 'one', '--older-than', '30d'], ['--keep', '-2', '--older-than', '1d']]) {
      const bad = cli([...base, ...flags, '--json']);
      assert.equal(bad.status, 2, flags.join(' '));
      assert.equal(json(bad).error.code, 'ERR_USAGE');
      assert.match(bad.stderr, /Invalid --(keep|older-than)/);
    }
    assert.equal(cli([...base, '--keep', '1']).status, 2);
    const before = await fsp.readdir(path.join(artifactsDir, 'read_only', 'uk'));
    const dry = cli([...base, '--keep', '1', '--older-than', '1d', '--dry-run', '--json']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.equal(json(dry).dryRun, true);
    assert.deepEqual(json(dry).removed.map((r: any) => r.timestamp), ['20240102T000000Z', '20240101T000000Z']);
    assert.deepEqual(await fsp.readdir(path.join(artifactsDir, 'read_only', 'uk')), before);
    const real = cli([...base, '--keep', '2', '--older-than', '1d']);
    assert.equal(real.status, 0, real.stderr);
    assert.match(real.stdout, /removed {2}read_only\/uk\/ckan_api_20240101T000000Z\.db/);
    assert.match(real.stdout, /Removed 1 artifacts .*; 3 kept\./);
    assert.deepEqual((await fsp.readdir(path.join(artifactsDir, 'read_only', 'uk'))).filter((f) => f.includes('20240101')), []);
  });

  test('verify exits 0 when intact and 1 with the problems when a file changed', async () => {
    const ok = cli(['artifacts', 'verify', '--artifacts-dir', artifactsDir, '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(json(ok).ok, true);
    const target = published.usage![0]!.absolutePath;
    await fsp.chmod(target, 0o644);
    await fsp.appendFile(target, 'tampered');
    const bad = cli(['artifacts', 'verify', '--artifacts-dir', artifactsDir, '--json']);
    assert.equal(bad.status, 1);
    assert.deepEqual(json(bad).problems.map((p: any) => p.kind), ['wrong-mode', 'size-mismatch']);
    const site = cli(['artifacts', 'verify', '--artifacts-dir', artifactsDir, '--site', 'uk']);
    assert.equal(site.status, 0, site.stderr);
    const text = cli(['artifacts', 'verify', '--artifacts-dir', artifactsDir]);
    assert.equal(text.status, 1);
    assert.match(text.stdout, /size-mismatch\s+read_only\/fr\/usage_20240104T000000Z\.db is \d+ bytes/);
    assert.match(text.stderr, /problems found/);
  });

  test('verify lists a database without its manifest as incomplete and exits 0', async () => {
    const stray = path.join(artifactsDir, 'read_only', 'uk', 'ckan_api_20200101T000000Z.db');
    await fsp.writeFile(stray, 'a publish killed before its manifest');
    const r = cli(['artifacts', 'verify', '--artifacts-dir', artifactsDir, '--site', 'uk']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /incomplete\s+read_only\/uk\/ckan_api_20200101T000000Z\.db has no manifest/);
    assert.match(r.stdout, /1 incomplete \(not a failure; remove with: artifacts prune\)/);
    await fsp.rm(stray);
  });
});
