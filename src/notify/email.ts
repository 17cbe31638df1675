/**
 * Email through SMTP with nodemailer. The server comes from an SMTP URL in the environment
 * (`smtp://user:pass@host:587` upgrades with STARTTLS, `smtps://…:465` is TLS from the
 * start); with `requireTLS` (the default) a server that does not offer STARTTLS is refused
 * rather than sent the password in clear. The URL, user and password never appear in
 * messages: only the host and port.
 */
import { MallardError, errorMessage } from '../engine/errors.js';

export interface EmailOptions {
  smtpUrl: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  requireTLS: boolean;
  /** Extra CA certificates to trust (PEM), besides the system's and NODE_EXTRA_CA_CERTS. */
  ca?: string;
  timeoutMs?: number;
}

/** `smtp://mail.example.org:587`: what may be shown of an SMTP URL. */
export function shownSmtp(smtpUrl: string): string {
  const u = URL.parse(smtpUrl);
  return u === null ? '(invalid SMTP URL)' : `${u.protocol}//${u.hostname}${u.port === '' ? '' : `:${u.port}`}`;
}

function secretsOf(smtpUrl: string): string[] {
  const u = URL.parse(smtpUrl);
  if (u === null) return [smtpUrl];
  return [smtpUrl, u.password, decodeURIComponent(u.password), u.username, decodeURIComponent(u.username)].filter((s) => s.length >= 3);
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[REDACTED]');
  return out;
}

export async function sendEmail(opts: EmailOptions): Promise<void> {
  const url = URL.parse(opts.smtpUrl);
  const shown = shownSmtp(opts.smtpUrl);
  if (url === null || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')) {
    throw new MallardError('ERR_NOTIFY', `the SMTP URL is not smtp://… or smtps://… (${url === null ? 'unparsable' : url.protocol})`, {
      context: { channel: 'email' },
      suggestions: ['set it like smtp://user:password@mail.example.org:587 (STARTTLS) or smtps://user:password@mail.example.org:465'],
    });
  }
  const { createTransport } = await import('nodemailer');
  const secure = url.protocol === 'smtps:';
  const timeout = opts.timeoutMs ?? 30_000;
  const transport = createTransport({
    host: url.hostname,
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    requireTLS: !secure && opts.requireTLS,
    ignoreTLS: false,
    ...(url.username === '' ? {} : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    tls: { servername: url.hostname, ...(opts.ca === undefined ? {} : { ca: opts.ca }) },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    await transport.sendMail({ from: opts.from, to: opts.to, subject: opts.subject, text: opts.text });
  } catch (err) {
    throw new MallardError('ERR_NOTIFY', `email through ${shown} failed: ${scrub(errorMessage(err), secretsOf(opts.smtpUrl))}`, {
      context: { channel: 'email', smtp: shown },
    });
  } finally {
    transport.close();
  }
}
