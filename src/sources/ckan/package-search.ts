/**
 * One page of CKAN's package_search, fetched to a page file: the response streams through
 * the splitter into a temp file beside the destination, which is renamed into place only
 * when the whole response was the CKAN envelope. The page file is NDJSON: one package per
 * line, exactly as the portal returned it.
 */
import path from 'node:path';
import { MallardError } from '../../engine/errors.js';
import { downloadToFile, redactUrl, type HttpClient, type OnRetry } from '../../http/index.js';
import { ckanApiError, ckanErrorInfo } from './errors.js';
import { CkanPageSplitter, type PageSummary } from './page-splitter.js';

export interface SearchPageParams {
  /** The Action API base, e.g. https://demo.ckan.org/api/3/action. */
  baseUrl: string;
  rows: number;
  start: number;
  /** e.g. "id asc": a stable key, so pages do not drift while a crawl runs. */
  sort: string;
  q?: string;
  fq?: string;
  /** Fields to return, e.g. "id" for an id-only listing (CKAN's `fl`). */
  fl?: string;
}

export interface SearchPageResult {
  /** The number of datasets the portal says match. */
  count: number;
  /** Packages in this page (portals cap rows silently, so this can be less than `rows`). */
  received: number;
  start: number;
  firstId?: string;
  lastId?: string;
  /** Bytes written to the page file. */
  bytes: number;
  /** Bytes of the response body (after decompression). */
  bytesReceived: number;
  path: string;
}

/** `page_000001000.ndjson` for start 1000. */
export function pageFileName(start: number): string {
  if (!Number.isInteger(start) || start < 0) throw new RangeError(`start must be a whole number >= 0, got ${start}`);
  return `page_${String(start).padStart(9, '0')}.ndjson`;
}

/** The URL of an Action API call: `<baseUrl>/<action>`, whatever trailing slashes baseUrl has. */
export function actionUrl(baseUrl: string, action: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${action}`;
}

/** The full package_search URL for one page. */
export function searchPageUrl(params: SearchPageParams): string {
  const url = new URL(actionUrl(params.baseUrl, 'package_search'));
  url.searchParams.set('rows', String(params.rows));
  url.searchParams.set('start', String(params.start));
  url.searchParams.set('sort', params.sort);
  if (params.q !== undefined && params.q !== '') url.searchParams.set('q', params.q);
  if (params.fq !== undefined && params.fq !== '') url.searchParams.set('fq', params.fq);
  if (params.fl !== undefined && params.fl !== '') url.searchParams.set('fl', params.fl);
  return url.toString();
}

/**
 * Fetches one package_search page into `destPath` (a page file path, see pageFileName).
 * Retries per the client's policy; a response that is not the envelope is an
 * ERR_CKAN_RESPONSE, `success: false` an ERR_CKAN_API, other failures ERR_HTTP. On any
 * error nothing is left at `destPath` (an older file there is left untouched). Each retry is
 * told to `opts.onRetry` (layer 'http').
 */
export async function fetchSearchPage(client: HttpClient, params: SearchPageParams, destPath: string, opts: { onRetry?: OnRetry } = {}): Promise<SearchPageResult> {
  if (!Number.isInteger(params.rows) || params.rows < 1) throw new RangeError(`rows must be a whole number >= 1, got ${params.rows}`);
  const url = searchPageUrl(params);
  const shownUrl = client.redact(redactUrl(url));
  try {
    const result = await downloadToFile<PageSummary>(client, url, path.resolve(destPath), {
      errorBodyBytes: 64 * 1024,
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
      through: (response) => {
        const splitter = new CkanPageSplitter({ url: shownUrl, status: response.status, contentType: response.contentType });
        return { transform: splitter, finish: () => splitter.summary() };
      },
    });
    const out: SearchPageResult = {
      count: result.value.count,
      received: result.value.received,
      start: params.start,
      bytes: result.bytesWritten,
      bytesReceived: result.bytesReceived,
      path: result.path,
    };
    if (result.value.firstId !== undefined) out.firstId = result.value.firstId;
    if (result.value.lastId !== undefined) out.lastId = result.value.lastId;
    return out;
  } catch (err) {
    throw asCkanError(err, shownUrl);
  }
}

/** An ERR_HTTP whose body is CKAN's error envelope (or CKAN's bare error string) becomes ERR_CKAN_API. */
function asCkanError(err: unknown, shownUrl: string): unknown {
  if (!(err instanceof MallardError) || err.code !== 'ERR_HTTP') return err;
  const { status, body } = err.context as { status?: unknown; body?: unknown };
  if (typeof status !== 'number' || typeof body !== 'string') return err;
  const info = ckanErrorInfo(body);
  if (!info) return err;
  const apiError = ckanApiError({
    action: 'package_search',
    url: shownUrl,
    status,
    info,
    retryable: err.retryable ?? false,
    retryAfterMs: err.retryAfterMs,
    cause: err,
  });
  if (err.context.attempts !== undefined) apiError.context.attempts = err.context.attempts;
  return apiError;
}
