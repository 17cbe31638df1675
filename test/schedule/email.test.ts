/** Email over SMTP against a real local server: STARTTLS with a trusted certificate, and TLS required by default. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { sendEmail, shownSmtp } from '../../src/notify/index.js';
import { canMakeCertificate, makeCertificate, startSmtpServer, type SmtpTestServer } from '../support/smtp-test-server.js';

describe('sendEmail', { skip: canMakeCertificate() ? false : 'openssl is not installed' }, () => {
  let dir: string;
  let smtp: SmtpTestServer;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-email-'));
    smtp = await startSmtpServer(dir, { u: 'p4ssw0rd-x' });
  });
  after(async () => {
    await smtp?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const mail = { from: 'm@example.org', to: ['t@example.org'], subject: 'hello', text: 'body', requireTLS: true };

  test('upgrades with STARTTLS, checks the certificate, authenticates', async () => {
    await sendEmail({ ...mail, smtpUrl: `smtp://u:p4ssw0rd-x@127.0.0.1:${smtp.port}`, ca: smtp.cert });
    assert.equal(smtp.messages.at(-1)!.secure, true);
    assert.equal(smtp.messages.at(-1)!.subject, 'hello');
  });

  test('an untrusted certificate is refused, and the error shows no password', async () => {
    await assert.rejects(sendEmail({ ...mail, smtpUrl: `smtp://u:p4ssw0rd-x@127.0.0.1:${smtp.port}` }), (err: Error) => {
      assert.match(err.message, /^email through smtp:\/\/127\.0\.0\.1:\d+ failed: .*(self[- ]signed|certificate)/i);
      assert.doesNotMatch(err.message, /p4ssw0rd/);
      return true;
    });
  });

  test('a server without STARTTLS is refused rather than sent the password in clear', async () => {
    const { key, cert } = await makeCertificate(dir);
    const plain = new SMTPServer({ secure: false, key, cert, disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false, onAuth: (_a, _s, cb) => cb(null, { user: 'u' }), onData: (s, _x, cb) => (s.resume(), s.on('end', () => cb())) });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const port = (plain.server.address() as AddressInfo).port;
      await assert.rejects(sendEmail({ ...mail, smtpUrl: `smtp://u:p4ssw0rd-x@127.0.0.1:${port}`, ca: cert }), /STARTTLS|TLS/);
    } finally {
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });

  test('only scheme, host and port of an SMTP URL are ever shown', () => {
    assert.equal(shownSmtp('smtps://user:secret@mail.example.org:465'), 'smtps://mail.example.org:465');
  });
});
