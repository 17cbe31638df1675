/**
 * Opening what mallard made, as a user does: a published artifact (0444) opens only
 * read-only, and `artifacts latest --sql` prints the ATTACH line that does it (run here as a
 * non-root user, whom the mode binds); a work database held by another program makes a run fail
 * with one message naming the file and the holder's pid.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCkanApiDatabase } from '../../src/sources/ckan/db/index.js';
import { publishArtifact } from '../../src/store/index.js';
import { generatePackages, writePageFiles } from '../support/ckan-corpus.js';
import { repoRoot, runCli, type CliResult } from '../support/cli.js';
import { nonRootUser } from '../support/run-as.js';

const node = path.join(repoRoot, 'node_modules/.bin/node');
const duckdbApi = path.join(repoRoot, 'node_modules/@duckdb/node-api/lib/index.js');

describe('opening artifacts (built CLI)', () => {
  let dir: string;
  let artifactsDir: string;
  const cli = (args: string[]): CliResult => runCli(args, { cwd: dir });

  before(async () => {
    // A quote in the path: the printed SQL must quote it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mallard-open-it's-"));
    fs.chmodSync(dir, 0o755);
    artifactsDir = path.join(dir, 'artifacts');
    fs.mkdirSync(path.join(dir, 'configs'));
    fs.writeFileSync(path.join(dir, 'configs', 'demo.yaml'), 'site: demo\nckan:\n  url: http://127.0.0.1:9/api/3/action\nhttp:\n  retries: 0\n');
    const work = path.join(dir, 'raw');
    const pages = await writePageFiles(work, generatePackages(40, 5), 20);
    await buildCkanApiDatabase(path.join(work, 'ckan_api.db'), pages);
    await publishArtifact({ artifactsDir, site: 'demo', name: 'ckan_api', sourcePath: path.join(work, 'ckan_api.db'), toolVersion: '0', now: () => new Date(Date.UTC(2026, 0, 1)) });
    // Others must be able to walk to the artifact (mkdtemp and publish keep group/other out otherwise).
    for (let p = path.join(artifactsDir, 'read_only', 'demo'); p.startsWith(dir); p = path.dirname(p)) fs.chmodSync(p, fs.statSync(p).mode | 0o555);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('artifacts latest --sql prints a ready ATTACH … (READ_ONLY) line, path quoted', () => {
    const r = cli(['artifacts', 'latest', 'ckan_api', '--site', 'demo', '--sql']);
    assert.equal(r.status, 0, r.stderr);
    const file = path.join(artifactsDir, 'read_only', 'demo', 'ckan_api_20260101T000000Z.db');
    assert.equal(r.stdout, `ATTACH '${file.replace(/'/g, "''")}' AS ckan_api (READ_ONLY);\n`);
    const json = JSON.parse(cli(['artifacts', 'latest', 'ckan_api', '--site', 'demo', '--sql', '--json']).stdout) as { attachSql: string; absolutePath: string };
    assert.equal(json.attachSql, r.stdout.trim());
    assert.equal(json.absolutePath, file);
  });

  test('as a non-root user the 0444 file refuses a normal open, and the printed line opens it', (t) => {
    const user = nonRootUser();
    if (user === undefined) return t.skip('needs a non-root user (runuser and nobody) when run as root');
    const line = cli(['artifacts', 'latest', 'ckan_api', '--site', 'demo', '--sql']).stdout.trim();
    const script = path.join(dir, 'open.mjs');
    fs.writeFileSync(script, `import { DuckDBInstance } from ${JSON.stringify(duckdbApi)};
const [file, attach] = process.argv.slice(2);
let plain = 'opened';
try { await DuckDBInstance.create(file); } catch (err) { plain = String(err.message); }
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(attach);
const rows = (await c.runAndReadAll('SELECT count(*)::INTEGER AS n FROM ckan_api.datasets')).getRowObjectsJson();
console.log(JSON.stringify({ plain, rows }));
`);
    const file = line.slice("ATTACH '".length, line.lastIndexOf("' AS")).replace(/''/g, "'");
    const argv = [node, script, file, line];
    const r = process.getuid?.() === 0
      ? spawnSync('runuser', ['-u', user, '--', ...argv], { encoding: 'utf8', cwd: os.tmpdir() })
      : spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: os.tmpdir() });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { plain: string; rows: Array<{ n: number }> };
    assert.match(out.plain, /Permission denied/, 'a writable open of a published artifact fails for a normal user');
    assert.deepEqual(out.rows, [{ n: 40 }]);
  });

  test('a work database held by another program: the run fails with one message naming the file and the holder', async (t) => {
    const models = path.join(repoRoot, 'models');
    const built = cli(['run-models', '--site', 'demo', '--select', 'ckan_clean', '--models-dir', models]);
    assert.equal(built.status, 0, built.stderr);
    const work = path.join(artifactsDir, 'work', 'demo', 'clean_ckan_api.db');
    const holder = await holdDatabase(work);
    t.after(() => holder.kill());
    // Selecting part of the group rebuilds on a copy of the previous database, which it opens.
    const r = cli(['run-models', '--site', 'demo', '--select', 'datasets', '--models-dir', models]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`\\[ERR_DUCKDB_LOCKED\\] ${escape(work)} is in use by another program: PID ${holder.pid}, `));
    assert.doesNotMatch(r.stderr, /\.partial: IO Error/, 'names the locked file, not a temporary one');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A second process that opens `file` with DuckDB (read-write) and holds it until killed. */
async function holdDatabase(file: string): Promise<ChildProcessWithoutNullStreams> {
  const code = `const { DuckDBInstance } = await import(${JSON.stringify(duckdbApi)});
const db = await DuckDBInstance.create(${JSON.stringify(file)});
await db.connect();
process.stdout.write('ready\\n');
setInterval(() => {}, 1 << 30);`;
  const child = spawn(node, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.on('exit', (status) => reject(new Error(`holder exited with ${status}`)));
  });
  return child;
}
