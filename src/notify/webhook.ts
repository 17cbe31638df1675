/**
 * A Slack-compatible incoming webhook: one JSON POST `{ text }` through mallard's HTTP
 * client (timeouts, retries of network errors, 429 and 5xx). The URL is a secret (the path
 * holds the token): messages name only its origin.
 */
import { MallardError, errorMessage } from '../engine/errors.js';
import { createHttpClient, type Clock } from '../http/index.js';

export interface WebhookOptions {
  clock?: Clock;
  timeoutMs?: number;
  retries?: number;
}

/** `https://hooks.slack.com/…`: what may be shown of a webhook URL. */
export function shownWebhook(url: string): string {
  const parsed = URL.parse(url);
  return parsed === null ? '(invalid webhook URL)' : `${parsed.protocol}//${parsed.host}/…`;
}

export async function postWebhook(url: string, text: string, opts: WebhookOptions = {}): Promise<void> {
  const client = createHttpClient({
    timeoutMs: opts.timeoutMs ?? 15_000,
    retries: opts.retries ?? 2,
    secrets: [url, new URL(url).pathname, new URL(url).search].filter((s) => s.length > 1),
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
  });
  const shown = shownWebhook(url);
  try {
    await client.run(url, async () => {
      const got = await client.got();
      const res = await got.post(url, { json: { text }, responseType: 'text' });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const retryable = res.statusCode === 429 || res.statusCode >= 500;
        throw new MallardError('ERR_NOTIFY', `webhook ${shown} answered HTTP ${res.statusCode}`, { retryable, context: { status: res.statusCode } });
      }
    }, { method: 'POST' });
  } catch (err) {
    const status = err instanceof MallardError ? err.context.status : undefined;
    const reason = err instanceof MallardError && err.code === 'ERR_NOTIFY' ? err.message : `webhook ${shown}: ${client.redact(errorMessage(err))}`;
    throw new MallardError('ERR_NOTIFY', reason.split(url).join(shown), { context: { channel: 'webhook', webhook: shown, ...(status === undefined ? {} : { status }) } });
  }
}
