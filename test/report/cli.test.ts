/** `runs report` and a run command's automatic report and --ui, through the built CLI. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot, runCli, runCliAsync } from '../support/cli.js';
import { withTempDir } from '../support/temp-dir.js';
import { writeSyntheticLog } from './synthetic-log.js';

test('runs report: latest by default beside the log, -o elsewhere, --json, a clear error for an unknown run', async () => {
  await withTempDir(async (dir) => {
    const runs = path.join(dir, 'artifacts', 'runs');
    fs.mkdirSync(runs, { recursive: true });
    writeSyntheticLog(path.join(runs, '20261201T090000Z-old111.jsonl'), { tasks: 50, runId: '20261201T090000Z-old111' });
    const log = writeSyntheticLog(path.join(runs, '20261201T100000Z-abc123.jsonl'), { tasks: 500 });
    const r = runCli(['runs', 'report'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const html = path.join(runs, '20261201T100000Z-abc123.html');
    assert.match(r.stdout, new RegExp(`^${html.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: run 20261201T100000Z-abc123 \\(failed\\), 500 tasks in 5 families, ${log.counts.failed} failed, \\d+\\.\\d\\d MB\\n$`));
    const text = fs.readFileSync(html, 'utf8');
    assert.match(text, /^<!doctype html>/);
    assert.ok(!/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!api\.github\.com|www\.w3\.org\/2000\/svg)/.test(text.replace(/<script id="report-data"[\s\S]*?<\/script>/, '')), 'no external resources');

    const out = path.join(dir, 'elsewhere', 'old.html');
    const j = runCli(['runs', 'report', '20261201T0900', '-o', out, '--json'], { cwd: dir });
    assert.equal(j.status, 0, j.stderr);
    const body = JSON.parse(j.stdout) as { file: string; tasks: number; status: string };
    assert.equal(body.file, out);
    assert.equal(body.tasks, 50);
    assert.ok(fs.existsSync(out));

    const bad = runCli(['runs', 'report', 'nope'], { cwd: dir });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no run nope in /);
    assert.ok(!bad.stderr.includes('    at '), 'no stack trace');
  });
});

test('a run command writes its report beside the log; --ui prints the live view URL', async () => {
  await withTempDir(async (dir) => {
    fs.mkdirSync(path.join(dir, 'configs'));
    fs.writeFileSync(path.join(dir, 'configs', 'local.yaml'), 'site: local\nckan:\n  url: http://127.0.0.1:9/api/3/action\n');
    const r = await runCliAsync(['create-raw-ckan-db-tables', '--site', 'local', '--ui', '--json'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^live view: http:\/\/127\.0\.0\.1:\d+\/runs\/latest$/m);
    const end = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { summary: { runId: string } };
    const html = path.join(dir, 'artifacts', 'runs', `${end.summary.runId}.html`);
    assert.ok(fs.existsSync(html), 'report beside the log');
    assert.match(fs.readFileSync(html, 'utf8'), new RegExp(`mallard run ${end.summary.runId}`));
  });
});

test('ui: prints its 127.0.0.1 URL, serves the runs page, stops on Ctrl-C with exit 0', async () => {
  await withTempDir(async (dir) => {
    const runs = path.join(dir, 'artifacts', 'runs');
    fs.mkdirSync(runs, { recursive: true });
    writeSyntheticLog(path.join(runs, '20261201T100000Z-abc123.jsonl'), { tasks: 20 });
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/node'), [path.join(repoRoot, 'dist/commands/main.js'), 'ui', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /mallard ui: (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C to stop\)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.on('exit', () => reject(new Error(`ui exited: ${stderr}`)));
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /20261201T100000Z-abc123/);
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
  });
});
