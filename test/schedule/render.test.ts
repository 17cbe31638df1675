/**
 * schedule render / install / remove through the built CLI: the systemd units pass
 * `systemd-analyze verify` and systemd computes the same times as croner; the crontab block
 * is installed and removed without touching the rest (a crontab command given by option,
 * never the user's real crontab); the GitHub workflow is valid YAML with the fields needed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { isoTick, onCalendar, tickSource } from '../../src/schedule/index.js';
import { repoRoot, runCli } from '../support/cli.js';

const CONFIG = `site: demo
ckan:
  url: http://127.0.0.1:9/api/3/action
gcs: { bucket: team-artifacts, prefix: staging }
schedules:
  nightly:
    cron: "0 3 * * *"
    timezone: Europe/London
    run: ["run-models --select usage", "sync-artifacts --prefix staging"]
    notify: { webhookEnv: SLACK_WEBHOOK_URL, email: { to: [team@example.org], from: mallard@example.org } }
  office:
    cron: "*/15 9-17 * * 1-5"
    timezone: America/New_York
    run: ["freshness"]
  monthly:
    cron: "30 6 1 * 1"
    timezone: America/New_York
    run: ["artifacts prune --keep 3 --older-than 30d"]
`;

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('schedule render, install, remove', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-render-'));
    await mkdir(path.join(dir, 'configs'));
    await writeFile(path.join(dir, 'configs', 'demo.yaml'), CONFIG);
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const cli = (args: string[]) => runCli([...args, '--site', 'demo'], { cwd: dir, env: { TZ: 'UTC' } }); // the machine's zone decides CRON_TZ

  test('systemd: a timer with the zone in OnCalendar, Persistent and a random delay, and a oneshot service calling run-scheduled', async () => {
    const out = path.join(dir, 'units');
    const r = cli(['schedule', 'render', 'nightly', '--as', 'systemd', '--out', out, '--random-delay', '5m']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((await readdir(out)).sort(), ['mallard-demo-nightly.service', 'mallard-demo-nightly.timer']);
    const timer = await readFile(path.join(out, 'mallard-demo-nightly.timer'), 'utf8');
    assert.match(timer, /^OnCalendar=\*-\*-\* 03:00:00 Europe\/London$/m);
    assert.match(timer, /^Persistent=true$/m);
    assert.match(timer, /^RandomizedDelaySec=300$/m);
    assert.match(timer, /^WantedBy=timers\.target$/m);
    const service = await readFile(path.join(out, 'mallard-demo-nightly.service'), 'utf8');
    assert.match(service, /^Type=oneshot$/m);
    assert.match(service, new RegExp(`^WorkingDirectory=${dir}$`, 'm'));
    assert.match(service, new RegExp(`^ExecStart=${path.join(repoRoot, 'cli.sh')} run-scheduled nightly --site demo --artifacts-dir ${path.join(dir, 'artifacts')}$`, 'm'));
  });

  test('systemd-analyze verify accepts the units, and systemd computes the same times as croner', { skip: hasSystemdAnalyze ? false : 'systemd-analyze is not installed' }, async () => {
    for (const name of ['nightly', 'office', 'monthly']) {
      const out = path.join(dir, `verify-${name}`);
      assert.equal(cli(['schedule', 'render', name, '--as', 'systemd', '--out', out]).status, 0);
      const files = (await readdir(out)).map((f) => path.join(out, f));
      const v = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stderr);
      const complaints = v.stderr.split('\n').filter((l) => l.includes(out));
      assert.deepEqual(complaints, [], 'no problem reported in the rendered units');
    }
    const cases = [
      { cron: '0 3 * * *', timezone: 'Europe/London', base: '2026-10-20T00:00:00Z' },
      { cron: '*/15 9-17 * * 1-5', timezone: 'America/New_York', base: '2026-03-06T21:00:00Z' },
      { cron: '30 6 1 * 1', timezone: 'America/New_York', base: '2026-10-25T00:00:00Z' },
    ];
    for (const c of cases) {
      const n = 12;
      const fromSystemd = onCalendar(c.cron, c.timezone).flatMap((spec) => systemdNext(spec, c.base, n)).sort().slice(0, n);
      const fromCroner = tickSource(c).next(n, Date.parse(c.base)).map(isoTick);
      assert.deepEqual(fromSystemd, fromCroner, `${c.cron} in ${c.timezone}`);
    }
  });

  test('cron: the block, installed into a crontab given by --crontab-command, replaced on reinstall, removed alone', async () => {
    const tab = path.join(dir, 'crontab.txt');
    const fake = path.join(dir, 'fake-crontab.sh');
    await writeFile(fake, `#!/bin/sh\nif [ "$1" = "-l" ]; then\n  [ -f "${tab}" ] || { echo "no crontab for tester" >&2; exit 1; }\n  cat "${tab}"\nelse\n  cat > "${tab}"\nfi\n`);
    await chmod(fake, 0o755);
    const printed = cli(['schedule', 'render', 'monthly', '--as', 'cron']);
    assert.equal(printed.status, 0, printed.stderr);
    assert.match(printed.stdout, /^# BEGIN mallard demo\/monthly$/m);
    assert.match(printed.stdout, /^CRON_TZ=America\/New_York$/m);
    assert.match(printed.stdout, new RegExp(`^30 6 1 \\* 1 cd ${dir} && ${path.join(repoRoot, 'cli.sh')} run-scheduled monthly --site demo --artifacts-dir \\S+ >> \\S+demo-monthly\\.cron\\.log 2>&1$`, 'm'));

    const install = (): void => assert.equal(cli(['schedule', 'install', 'monthly', '--as', 'cron', '--crontab-command', fake]).status, 0);
    install();
    assert.equal(await readFile(tab, 'utf8'), printed.stdout, 'an empty crontab gets just the block');
    await writeFile(tab, `MAILTO=me@example.org\n0 1 * * * /usr/bin/backup\n${await readFile(tab, 'utf8')}15 4 * * * /usr/bin/other\n`);
    install();
    const twice = await readFile(tab, 'utf8');
    assert.equal(twice.split('# BEGIN mallard demo/monthly').length, 2, 'one block, not two');
    assert.match(twice, /^MAILTO=me@example\.org\n0 1 \* \* \* \/usr\/bin\/backup\n15 4 \* \* \* \/usr\/bin\/other\n# BEGIN mallard demo\/monthly\n/);
    const removed = cli(['schedule', 'remove', 'monthly', '--as', 'cron', '--crontab-command', fake]);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(await readFile(tab, 'utf8'), 'MAILTO=me@example.org\n0 1 * * * /usr/bin/backup\n15 4 * * * /usr/bin/other\n');
    const again = cli(['schedule', 'remove', 'monthly', '--as', 'cron', '--crontab-command', fake]);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /not installed \(cron\); nothing to remove/);
  });

  test('systemd install / remove into a unit directory given by option, without systemctl', async () => {
    const unitDir = path.join(dir, 'user-units');
    const r = cli(['schedule', 'install', 'nightly', '--as', 'systemd', '--unit-dir', unitDir, '--no-systemctl']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((await readdir(unitDir)).sort(), ['mallard-demo-nightly.service', 'mallard-demo-nightly.timer']);
    const gone = cli(['schedule', 'remove', 'nightly', '--as', 'systemd', '--unit-dir', unitDir, '--no-systemctl']);
    assert.equal(gone.status, 0, gone.stderr);
    assert.deepEqual(await readdir(unitDir), []);
  });

  test('github-actions: valid YAML with the schedule off :00 and its zone, dispatch, a non-cancelling concurrency group, restore / run / back up / upload', async () => {
    const r = cli(['schedule', 'render', 'nightly', '--as', 'github-actions']);
    assert.equal(r.status, 0, r.stderr);
    const wf = parse(r.stdout) as Record<string, any>;
    assert.deepEqual(wf.on.schedule, [{ cron: '7 3 * * *', timezone: 'Europe/London' }]);
    assert.ok('workflow_dispatch' in wf.on);
    assert.deepEqual(wf.concurrency, { group: 'mallard-demo', 'cancel-in-progress': false });
    const job = wf.jobs.run;
    assert.equal(job.env.GCP_BUCKET, 'team-artifacts');
    assert.equal(job.env.SMTP_URL, '${{ secrets.SMTP_URL }}');
    assert.equal(job.env.SLACK_WEBHOOK_URL, '${{ secrets.SLACK_WEBHOOK_URL }}');
    // GitHub refuses user secrets named GITHUB_*: the token is read from MALLARD_GITHUB_TOKEN.
    assert.equal(job.env.GITHUB_TOKEN, '${{ secrets.MALLARD_GITHUB_TOKEN }}');
    const steps = job.steps as Array<Record<string, any>>;
    const at = (pred: (s: Record<string, any>) => boolean): number => steps.findIndex(pred);
    const restore = at((s) => s.run === './cli.sh sync-artifacts --pull --include-raw --prefix staging');
    const runIt = at((s) => typeof s.run === 'string' && s.run.startsWith('./cli.sh run-scheduled nightly --site demo'));
    const backup = at((s) => s.run === './cli.sh sync-artifacts --include-raw --prefix staging');
    const upload = at((s) => s.uses === 'actions/upload-artifact@v4');
    assert.ok(at((s) => s.run === 'npm ci') < restore && restore < runIt && runIt < backup && backup < upload, JSON.stringify(steps));
    assert.equal(steps[backup]!.if, 'always()');
    assert.equal(steps[upload]!.if, 'always()');
    assert.equal(steps[upload]!.with.path, 'artifacts/runs/');

    const office = parse(cli(['schedule', 'render', 'office', '--as', 'github-actions']).stdout) as Record<string, any>;
    assert.equal(office.on.schedule[0].cron, '7,22,37,52 9-17 * * 1-5', 'every minute moved by the same amount, less than the spacing');
  });

  test('a cron expression with croner-only syntax cannot be rendered for systemd: a clear usage error', async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), 'mallard-render-l-'));
    try {
      await mkdir(path.join(other, 'configs'));
      await writeFile(path.join(other, 'configs', 'demo.yaml'), 'site: demo\nckan: { url: "http://127.0.0.1:9/api/3/action" }\nschedules:\n  last:\n    cron: "0 4 L * *"\n    run: [freshness]\n');
      const r = runCli(['schedule', 'render', 'last', '--as', 'systemd', '--site', 'demo'], { cwd: other });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /cron expression "0 4 L \* \*" cannot be rendered for this scheduler: "L" is not a plain value/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

/** The next `n` elapses systemd computes for an OnCalendar value, as ISO UTC. */
function systemdNext(spec: string, baseIso: string, n: number): string[] {
  const base = baseIso.replace('T', ' ').replace('Z', ' UTC');
  const r = spawnSync('systemd-analyze', ['calendar', `--iterations=${n}`, `--base-time=${base}`, spec], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  assert.equal(r.status, 0, r.stderr);
  return [...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC/g)].map((m) => `${m[1]}T${m[2]}Z`);
}
