/**
 * The errors of the CKAN client. ERR_CKAN_RESPONSE: the portal answered something that is
 * not the Action API's envelope (an HTML page, a cut or malformed body). ERR_CKAN_API: the
 * portal answered the envelope with `success: false`; its `error.__type` is kept, because
 * the message is translated and must not be matched on.
 */
import { MallardError } from '../../engine/errors.js';

export const ERR_CKAN_RESPONSE = 'ERR_CKAN_RESPONSE';
export const ERR_CKAN_API = 'ERR_CKAN_API';

export interface CkanErrorInfo {
  /** `error.__type`, e.g. "Not Found Error", "Validation Error". */
  type?: string;
  message?: string;
}

/** What a body says about a CKAN failure: the envelope's error, or a bare JSON string (CKAN's 400 "Bad request - …"). */
export function ckanErrorInfo(body: string): CkanErrorInfo | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed === 'string') return { message: parsed };
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const envelope = parsed as { success?: unknown; error?: unknown };
  if (envelope.success !== false) return undefined;
  const error = (typeof envelope.error === 'object' && envelope.error !== null ? envelope.error : {}) as Record<string, unknown>;
  const info: CkanErrorInfo = {};
  if (typeof error.__type === 'string') info.type = error.__type;
  if (typeof error.message === 'string') info.message = error.message;
  else {
    // Validation errors carry one list of messages per field instead of `message`.
    const fields = Object.entries(error).filter(([key]) => key !== '__type');
    if (fields.length > 0) info.message = fields.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join('; ');
  }
  return info;
}

export interface CkanApiErrorInput {
  action: string;
  /** Redacted. */
  url: string;
  status: number;
  info: CkanErrorInfo;
  retryable: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

export function ckanApiError(input: CkanApiErrorInput): MallardError {
  const { info } = input;
  const what = [info.type, info.message].filter(Boolean).join(': ') || 'no error details';
  const suggestions = info.type === 'Not Found Error' || input.status === 404 || /action name not known/i.test(info.message ?? '')
    ? ['check ckan.url in the site config: it must be the Action API base, e.g. https://demo.ckan.org/api/3/action']
    : [];
  return new MallardError(ERR_CKAN_API, `CKAN ${input.action} at ${input.url} failed (HTTP ${input.status}): ${what}`, {
    context: { url: input.url, status: input.status, action: input.action, ckanErrorType: info.type, ckanMessage: info.message },
    retryable: input.retryable,
    retryAfterMs: input.retryAfterMs,
    suggestions,
    cause: input.cause,
  });
}

export function ckanResponseError(message: string, details: { retryable: boolean; context?: Record<string, unknown>; suggestions?: string[] }): MallardError {
  return new MallardError(ERR_CKAN_RESPONSE, message, {
    retryable: details.retryable,
    context: details.context ?? {},
    suggestions: details.suggestions ?? [],
  });
}
