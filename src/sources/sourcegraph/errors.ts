/**
 * The errors of the Sourcegraph client. ERR_SOURCEGRAPH_INCOMPLETE: the stream ended
 * without its `done` event (cut by a proxy, a restart, a dropped connection): retryable,
 * and never written as a result. ERR_SOURCEGRAPH_SEARCH: the search itself failed (an
 * `error` event, e.g. an invalid query). ERR_SOURCEGRAPH_RESPONSE: the answer is not an
 * event stream (an HTML page), or an event is not the JSON it should be.
 */
import { MallardError } from '../../engine/errors.js';

export const ERR_SOURCEGRAPH_INCOMPLETE = 'ERR_SOURCEGRAPH_INCOMPLETE';
export const ERR_SOURCEGRAPH_SEARCH = 'ERR_SOURCEGRAPH_SEARCH';
export const ERR_SOURCEGRAPH_RESPONSE = 'ERR_SOURCEGRAPH_RESPONSE';

export function incompleteStreamError(url: string, term: string, events: number): MallardError {
  return new MallardError(ERR_SOURCEGRAPH_INCOMPLETE, `the search stream from ${url} ended before its "done" event (after ${events} events): the result is incomplete`, {
    retryable: true,
    context: { url, term, events },
    suggestions: ['a proxy or the server cut the stream; it is tried again, or raise sourcegraph.timeoutSeconds if searches are slow'],
  });
}

export function searchFailedError(url: string, term: string, message: string): MallardError {
  return new MallardError(ERR_SOURCEGRAPH_SEARCH, `the Sourcegraph search for ${JSON.stringify(term)} failed: ${message}`, {
    retryable: false,
    context: { url, term, serverMessage: message },
    suggestions: ['check the term and the query options (includeForks, includeArchived) in the site config'],
  });
}

export function badResponseError(url: string, message: string, context: Record<string, unknown> = {}): MallardError {
  return new MallardError(ERR_SOURCEGRAPH_RESPONSE, `${url}: ${message}`, {
    retryable: false,
    context: { url, ...context },
    suggestions: ['check sourcegraph.url in the site config: it must be a Sourcegraph instance, e.g. https://sourcegraph.com'],
  });
}
