/**
 * What a package_search answer must be: the Action API envelope with `success: true`, a
 * whole-number `result.count` and an array `result.results`; and the errors for answers
 * that are something else (cut short, malformed, HTML, another JSON shape).
 */
import type { MallardError } from '../../engine/errors.js';
import { ckanApiError, ckanResponseError } from './errors.js';

/** Where an answer came from, for messages (the URL already redacted). */
export interface AnswerOrigin {
  url: string;
  status: number;
  contentType?: string;
}

const CHECK_BASE_URL = 'check ckan.url in the site config: it must be the Action API base, e.g. https://demo.ckan.org/api/3/action';

/** The body ended before the JSON did: a later try may get all of it. */
export function truncatedError(origin: AnswerOrigin, what: string, received: number): MallardError {
  return ckanResponseError(`${origin.url}: the response is cut short (${what})`, {
    retryable: true,
    context: { url: origin.url, status: origin.status, received },
  });
}

export function malformedError(origin: AnswerOrigin, what: string, received: number): MallardError {
  return ckanResponseError(`${origin.url}: malformed package_search response: ${what}`, {
    retryable: false,
    context: { url: origin.url, status: origin.status, received },
  });
}

/** The body does not start with '{': an HTML page, or some other document. */
export function notJsonObjectError(origin: AnswerOrigin, firstByte: number): MallardError {
  const html = firstByte === 0x3c || /html/i.test(origin.contentType ?? '');
  const type = origin.contentType ? `, ${origin.contentType}` : '';
  const message = html
    ? `${origin.url} answered an HTML page (HTTP ${origin.status}${type}), not the CKAN API's JSON`
    : `${origin.url} answered something that is not a JSON object (first byte ${JSON.stringify(String.fromCharCode(firstByte))})`;
  return ckanResponseError(message, {
    retryable: false,
    context: { url: origin.url, status: origin.status, contentType: origin.contentType },
    suggestions: [CHECK_BASE_URL],
  });
}

function notEnvelope(origin: AnswerOrigin, what: string): MallardError {
  return ckanResponseError(`${origin.url}: not a CKAN package_search response: ${what}`, {
    retryable: false,
    context: { url: origin.url, status: origin.status },
    suggestions: [CHECK_BASE_URL],
  });
}

/** Checks the envelope (its results left out) and returns the count it reports. */
export function checkSearchEnvelope(envelope: unknown, origin: AnswerOrigin): { count: number } {
  const env = (typeof envelope === 'object' && envelope !== null ? envelope : {}) as {
    success?: unknown;
    error?: unknown;
    result?: { count?: unknown; results?: unknown };
  };
  if (env.success === false) {
    const error = (typeof env.error === 'object' && env.error !== null ? env.error : {}) as { __type?: unknown; message?: unknown };
    throw ckanApiError({
      action: 'package_search',
      url: origin.url,
      status: origin.status,
      info: { type: typeof error.__type === 'string' ? error.__type : undefined, message: typeof error.message === 'string' ? error.message : undefined },
      retryable: false,
    });
  }
  if (env.success !== true) throw notEnvelope(origin, '"success" is not true');
  if (typeof env.result !== 'object' || env.result === null || Array.isArray(env.result)) throw notEnvelope(origin, '"result" is not an object');
  const count = env.result.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw notEnvelope(origin, '"result.count" is not a whole number');
  if (!Array.isArray(env.result.results)) throw notEnvelope(origin, '"result.results" is not an array');
  return { count };
}
