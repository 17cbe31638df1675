/**
 * Notifications of scheduled runs: a Slack-compatible webhook and email (SMTP), each sent
 * independently; a channel that fails is reported, never thrown, so one broken channel
 * does not silence the other. Secrets (the webhook URL, the SMTP URL) come from the
 * environment or the config and never appear in what is returned.
 */
import type { NotifyConfig } from '../config/index.js';
import { errorMessage } from '../engine/errors.js';
import type { Clock } from '../engine/clock.js';
import { sendEmail } from './email.js';
import { renderMessage, type NotificationEvent } from './message.js';
import { postWebhook, shownWebhook } from './webhook.js';

export { localTime, renderMessage, type NotificationEvent, type RenderedMessage } from './message.js';
export { postWebhook, shownWebhook } from './webhook.js';
export { sendEmail, shownSmtp } from './email.js';

export interface ChannelResult {
  channel: 'webhook' | 'email';
  /** Where it went, without secrets: the webhook's origin, the email addresses. */
  to: string;
  ok: boolean;
  error?: string;
}

export interface NotifyOptions {
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Extra CA certificates (PEM) for SMTP TLS. */
  smtpCa?: string;
}

/** The channels a notify section sets up, each with the problem that stops it (a variable unset). */
export function notifyChannels(config: NotifyConfig | undefined, env: NodeJS.ProcessEnv): Array<{ channel: 'webhook' | 'email'; problem?: string }> {
  const out: Array<{ channel: 'webhook' | 'email'; problem?: string }> = [];
  if (config?.webhook !== undefined) out.push({ channel: 'webhook' });
  if (config?.webhookEnv !== undefined) out.push(env[config.webhookEnv] ? { channel: 'webhook' } : { channel: 'webhook', problem: `${config.webhookEnv} is not set` });
  if (config?.email !== undefined) out.push(env[config.email.smtpEnv] ? { channel: 'email' } : { channel: 'email', problem: `${config.email.smtpEnv} is not set` });
  return out;
}

export async function sendNotifications(config: NotifyConfig | undefined, event: NotificationEvent, opts: NotifyOptions): Promise<ChannelResult[]> {
  if (config === undefined) return [];
  const message = renderMessage(event);
  const sends: Array<Promise<ChannelResult>> = [];
  const webhook = config.webhook ?? (config.webhookEnv === undefined ? undefined : opts.env[config.webhookEnv]);
  if (config.webhook !== undefined || config.webhookEnv !== undefined) {
    if (webhook === undefined || webhook === '') {
      sends.push(Promise.resolve({ channel: 'webhook', to: `$${config.webhookEnv}`, ok: false, error: `${config.webhookEnv} is not set` }));
    } else {
      const to = shownWebhook(webhook);
      sends.push(postWebhook(webhook, message.text, opts.clock === undefined ? {} : { clock: opts.clock }).then(
        () => ({ channel: 'webhook', to, ok: true }),
        (err: unknown) => ({ channel: 'webhook', to, ok: false, error: errorMessage(err) }),
      ));
    }
  }
  const email = config.email;
  if (email !== undefined) {
    const to = email.to.join(', ');
    const smtpUrl = opts.env[email.smtpEnv];
    if (smtpUrl === undefined || smtpUrl === '') {
      sends.push(Promise.resolve({ channel: 'email', to, ok: false, error: `${email.smtpEnv} is not set (the SMTP server, e.g. smtp://user:password@mail.example.org:587)` }));
    } else {
      sends.push(sendEmail({
        smtpUrl, from: email.from, to: email.to, subject: `${email.subjectPrefix} ${message.subject}`.trim(), text: message.text,
        requireTLS: email.requireTLS, ...(opts.smtpCa === undefined ? {} : { ca: opts.smtpCa }),
      }).then(
        () => ({ channel: 'email', to, ok: true }),
        (err: unknown) => ({ channel: 'email', to, ok: false, error: errorMessage(err) }),
      ));
    }
  }
  return Promise.all(sends);
}
