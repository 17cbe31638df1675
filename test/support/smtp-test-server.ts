/**
 * A real SMTP server on 127.0.0.1 (smtp-server, by nodemailer's authors) for tests: plain
 * connection upgraded with STARTTLS using a self-signed certificate made here with openssl,
 * AUTH PLAIN/LOGIN only once the connection is encrypted, messages kept in memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The Subject header, unfolded. */
  subject: string;
  /** The body, quoted-printable decoded. */
  text: string;
  /** Whether the message came over TLS (after STARTTLS). */
  secure: boolean;
  user: string | undefined;
}

export interface SmtpTestServer {
  port: number;
  /** PEM of the self-signed certificate (trust it with NODE_EXTRA_CA_CERTS=certFile). */
  cert: string;
  certFile: string;
  messages: ReceivedMail[];
  close(): Promise<void>;
}

/** Whether openssl is there to make the certificate. */
export function canMakeCertificate(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A self-signed certificate for 127.0.0.1 and localhost, written into `dir`. */
export async function makeCertificate(dir: string): Promise<{ key: string; cert: string; certFile: string }> {
  const keyFile = path.join(dir, 'smtp-key.pem');
  const certFile = path.join(dir, 'smtp-cert.pem');
  if (!existsSync(certFile)) {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', keyFile, '-out', certFile, '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE',
    ], { stdio: 'ignore' });
  }
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), certFile };
}

export async function startSmtpServer(dir: string, users: Record<string, string>): Promise<SmtpTestServer> {
  const { key, cert, certFile } = await makeCertificate(dir);
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    key,
    cert,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username !== undefined && users[auth.username] === auth.password) return callback(null, { user: auth.username });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...decode(raw),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, cert, certFile, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A plain-text message's subject and body (header folding undone, quoted-printable decoded). */
function decode(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  let body = raw.slice(split + 4);
  if (/^Content-Transfer-Encoding: quoted-printable$/im.test(head)) {
    body = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return { subject: /^Subject: (.*)$/im.exec(head)?.[1] ?? '', text: body.replace(/\r\n/g, '\n') };
}
