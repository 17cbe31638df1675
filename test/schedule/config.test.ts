/** The schedules: and freshness: config keys: defaults, and every mistake reported with its line and key path. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { configHash, loadConfigFile, splitCommandLine, type ConfigProblem } from '../../src/config/index.js';
import { MallardError } from '../../src/engine/index.js';

async function load(t: { after: (fn: () => Promise<void>) => void }, yaml: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-sched-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'site.yaml');
  await writeFile(file, `site: demo\nckan:\n  url: https://data.example.org/api/3/action\n${yaml}`);
  return loadConfigFile(file, { cwd: dir });
}

async function problems(t: { after: (fn: () => Promise<void>) => void }, yaml: string): Promise<ConfigProblem[]> {
  try {
    await load(t, yaml);
  } catch (err) {
    assert.ok(err instanceof MallardError && err.code === 'ERR_CONFIG', String(err));
    return err.context.problems as ConfigProblem[];
  }
  assert.fail('expected ERR_CONFIG');
}

describe('schedules in the site config', () => {
  test('defaults: zone UTC, email over SMTP_URL with TLS required; the hash ignores schedules and freshness', async (t) => {
    const plain = await load(t, '');
    const { config, hash } = await load(t, [
      'schedules:',
      '  nightly:',
      '    cron: "30 2 * * *"',
      '    run: ["run-models --select usage"]',
      '    notify: { email: { to: [a@example.org], from: m@example.org } }',
      'freshness: { warn_after: 26H }',
    ].join('\n'));
    assert.deepEqual(config.schedules.nightly, {
      cron: '30 2 * * *', timezone: 'UTC', run: ['run-models --select usage'],
      notify: { email: { to: ['a@example.org'], from: 'm@example.org', smtpEnv: 'SMTP_URL', requireTLS: true, subjectPrefix: '[mallard]' } },
    });
    assert.deepEqual(config.freshness, { warn_after: '26h', artifacts: {} });
    assert.equal(hash, plain.hash);
    assert.equal(hash, configHash(plain.config));
  });

  test('a bad expression, zone, step, duration or key is a problem at its line', async (t) => {
    const found = await problems(t, [
      'schedules:',                                   // 4
      '  nightly:',                                   // 5
      '    cron: "61 2 * * *"',                       // 6
      '    timezone: Europe/Lundon',                  // 7
      '    run:',                                     // 8
      '      - run-models --site other',              // 9
      '      - "sync-artifacts \'unclosed"',          // 10
      '      - ./cli.sh runs',                        // 11
      '    maxLate: soon',                            // 12
      '    notfy: {}',                                // 13
      '  Bad Name:',                                  // 14
      '    cron: "@daily"',                           // 15
      '    run: [runs]',                              // 16
      '  other:',                                     // 17
      '    cron: "@daily"',                           // 18
      '    run: [runs]',                              // 19
      '    notify: { webhook: "https://h.example.org/x", webhookEnv: HOOK }', // 20
      'freshness:',                                   // 21
      '  artifacts:',                                 // 22
      '    usage: { error_afer: 2d }',                // 23
    ].join('\n'));
    const byPath = Object.fromEntries(found.map((p) => [p.path, `${p.line}: ${p.message}`]));
    assert.match(byPath['schedules.nightly.cron']!, /^6: invalid cron expression "61 2 \* \* \*": Invalid value for minute: 61/);
    assert.match(byPath['schedules.nightly.timezone']!, /^7: unknown time zone/);
    assert.match(byPath['schedules.nightly.run[0]']!, /^9: --site is added by run-scheduled/);
    assert.match(byPath['schedules.nightly.run[1]']!, /^10: cannot split the command line: unclosed single quote/);
    assert.match(byPath['schedules.nightly.run[2]']!, /^11: start with the command itself, without "\.\/cli\.sh"/);
    assert.match(byPath['schedules.nightly.maxLate']!, /^12: must be a duration like 6h/);
    assert.match(byPath['schedules.nightly.notfy']!, /^13: Unrecognized key \(did you mean "notify"\?\)/);
    assert.match(byPath['schedules.Bad Name']!, /^14: schedule names are lowercase/);
    assert.match(byPath['schedules.other.notify']!, /^20: give webhook or webhookEnv, not both/);
    assert.match(byPath['freshness.artifacts.usage.error_afer']!, /^23: Unrecognized key \(did you mean "error_after"\?\)/);
  });

  test('command lines split like a shell', () => {
    assert.deepEqual(splitCommandLine(`run-models  --select "a b" 'c d' e\\ f ""`), ['run-models', '--select', 'a b', 'c d', 'e f', '']);
  });
});
