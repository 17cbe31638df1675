/**
 * Notifications of scheduled runs, end to end: a step that fails (a CKAN portal answering
 * 500) and then succeeds, over four ticks, sends exactly two notifications (the first
 * failure, the recovery) to a real local webhook server and, over STARTTLS with a
 * self-signed certificate, to a real local SMTP server with a password. Secrets never show.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRecords, recordsFile } from '../../src/schedule/index.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { runCliAsync } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/http-test-server.js';
import { canMakeCertificate, startSmtpServer, type SmtpTestServer } from '../support/smtp-test-server.js';

const PASSWORD = 'pw-Sup3rSecret-91';
const HOOK_TOKEN = 'T0001/B0002/hooksecretXYZ';

describe('notifications: failure, then recovery', { skip: canMakeCertificate() ? false : 'openssl is not installed (needed for the SMTP server certificate)' }, () => {
  let dir: string;
  let ckan: CkanTestServer;
  let hook: TestServer;
  let smtp: SmtpTestServer;
  const bodies: string[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-notify-'));
    ckan = await startCkanServer({ packages: [{ id: 'a1', name: 'one', title: 'One' }, { id: 'b2', name: 'two', title: 'Two' }] });
    hook = await startTestServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    smtp = await startSmtpServer(dir, { mallard: PASSWORD });
    await mkdir(path.join(dir, 'configs'));
    await writeFile(path.join(dir, 'configs', 'demo.yaml'), `site: demo
ckan:
  url: ${ckan.actionUrl}
http:
  retries: 0
schedules:
  hourly:
    cron: "0 * * * *"
    timezone: America/New_York
    run:
      - config check
      - download-datasets-info
    notify:
      webhookEnv: TEST_WEBHOOK_URL
      email: { to: [team@example.org], from: mallard@example.org }
`);
  });
  after(async () => {
    await Promise.all([ckan?.close(), hook?.close(), smtp?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const tick = (hour: number) =>
    runCliAsync(['run-scheduled', 'hourly', '--site', 'demo', '--now', `2026-11-01T0${hour}:05:00Z`], {
      cwd: dir,
      env: {
        TEST_WEBHOOK_URL: `${hook.url}/services/${HOOK_TOKEN}`,
        SMTP_URL: `smtp://mallard:${PASSWORD}@127.0.0.1:${smtp.port}`,
        NODE_EXTRA_CA_CERTS: smtp.certFile,
      },
    });

  test('two failed ticks and two good ones send one failure and one recovery message per channel', async () => {
    ckan.schedule({ fault: { kind: 'status', status: 500, body: 'portal down' }, times: 2 });
    const outcomes = [];
    for (const hour of [5, 6, 7, 8]) outcomes.push(await tick(hour)); // 01:00 EDT, 01:00 EST, 02:00, 03:00 EST
    assert.deepEqual(outcomes.map((o) => o.status), [1, 1, 0, 0], outcomes.map((o) => o.stderr).join('\n---\n'));

    assert.equal(bodies.length, 2, bodies.join('\n'));
    assert.equal(smtp.messages.length, 2);
    const failure = JSON.parse(bodies[0]!) as { text: string };
    assert.match(failure.text, /^mallard: demo\/hourly FAILED\.$/m);
    assert.match(failure.text, /^tick: 2026-11-01T05:00:00Z = 2026-11-01 01:00 EDT \(America\/New_York\)$/m);
    assert.match(failure.text, /^step: download-datasets-info \(exit code 1\)$/m);
    assert.match(failure.text, /^failed task: CkanPage\(query=[0-9a-f]+, rows=1000, site=demo, start=0\)$/m);
    assert.match(failure.text, /^error: \[ERR_HTTP\] GET http:\/\/127\.0\.0\.1:\d+\/api\/3\/action\/package_search.* answered HTTP 500/m);
    const records = readRecords(recordsFile(path.join(dir, 'artifacts'), 'demo')).filter((r) => r.status !== 'running');
    const runId = records[0]!.steps[1]!.runId;
    assert.match(runId ?? '', /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    assert.match(failure.text, new RegExp(`^run id: ${runId}$`, 'm'));
    const recovery = JSON.parse(bodies[1]!) as { text: string };
    assert.match(recovery.text, /^mallard: demo\/hourly succeeded again after 2 failed runs\.$/m);
    assert.match(recovery.text, /^tick: 2026-11-01T07:00:00Z = 2026-11-01 02:00 EST/m);

    const [mail1, mail2] = smtp.messages;
    assert.equal(mail1!.secure, true, 'sent after STARTTLS');
    assert.equal(mail1!.user, 'mallard');
    assert.deepEqual(mail1!.to, ['team@example.org']);
    assert.match(mail1!.subject, /^\[mallard\] demo\/hourly FAILED at tick 2026-11-01T05:00:00Z: CkanPage\(query=[0-9a-f]+, rows=1000, site=demo, start=0\)$/);
    assert.match(mail1!.text, /failed task: CkanPage\(query=[0-9a-f]+, rows=1000, site=demo, start=0\)/);
    assert.match(mail2!.subject, /^\[mallard\] demo\/hourly succeeded again \(tick 2026-11-01T07:00:00Z\)/m);

    assert.deepEqual(records.map((r) => [r.status, r.notified?.kind ?? '-']), [['failed', 'failed'], ['failed', '-'], ['succeeded', 'recovered'], ['succeeded', '-']]);
    assert.ok(records[0]!.notified!.channels.every((c) => c.ok), JSON.stringify(records[0]!.notified));

    const everything = [...outcomes.map((o) => o.stdout + o.stderr), await readFile(recordsFile(path.join(dir, 'artifacts'), 'demo'), 'utf8')].join('\n');
    assert.doesNotMatch(everything, new RegExp(PASSWORD));
    assert.doesNotMatch(everything, /hooksecretXYZ/);
  });

  test('a channel that cannot deliver is reported and recorded, and the next failure tries again', async () => {
    const r = await runCliAsync(['run-scheduled', 'hourly', '--site', 'demo', '--now', '2026-11-01T09:05:00Z'], {
      cwd: dir,
      env: { TEST_WEBHOOK_URL: `${hook.url}/services/${HOOK_TOKEN}`, SMTP_URL: `smtp://mallard:wrong-${PASSWORD}@127.0.0.1:${smtp.port}`, NODE_EXTRA_CA_CERTS: smtp.certFile },
    });
    assert.equal(r.status, 0, r.stderr); // succeeded, previous succeeded: nothing to send
    ckan.schedule({ fault: { kind: 'status', status: 500 }, times: 10 });
    await rm(path.join(dir, 'artifacts', 'raw'), { recursive: true, force: true });
    await rm(path.join(dir, 'artifacts', '.mallard', 'receipts'), { recursive: true, force: true });
    const failed = await runCliAsync(['run-scheduled', 'hourly', '--site', 'demo', '--now', '2026-11-01T10:05:00Z'], {
      cwd: dir,
      env: { TEST_WEBHOOK_URL: `${hook.url}/services/${HOOK_TOKEN}`, SMTP_URL: `smtp://mallard:wrong-${PASSWORD}@127.0.0.1:${smtp.port}`, NODE_EXTRA_CA_CERTS: smtp.certFile },
    });
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stderr, /warning: the email notification to team@example\.org failed: email through smtp:\/\/127\.0\.0\.1:\d+ failed: Invalid login/);
    assert.doesNotMatch(failed.stdout + failed.stderr, new RegExp(PASSWORD));
    assert.equal(bodies.length, 3, 'the webhook still got the failure');
    const last = readRecords(recordsFile(path.join(dir, 'artifacts'), 'demo')).at(-1)!;
    assert.deepEqual(last.notified?.channels.map((c) => [c.channel, c.ok]), [['webhook', true], ['email', false]]);
  });
});
