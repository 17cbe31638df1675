/** mallard's HTTP layer: one client factory, a streaming download helper, typed errors, redaction. */
export { createHttpClient, buildUrl, headerSecrets, retriesExhausted } from './client.js';
export type { HttpClient, HttpClientOptions, OnRetry, RequestOptions, RunOptions, TextResponse } from './client.js';
export { downloadToFile, readSnippet } from './download.js';
export type { DownloadOptions, DownloadResult, DownloadStage, ResponseInfo } from './download.js';
export { systemClock } from '../engine/clock.js';
export type { Clock } from '../engine/clock.js';
export { ERR_HTTP, statusError, networkError, toRequestError } from './errors.js';
export type { RequestContext } from './errors.js';
export { HostLimiter } from './host-limiter.js';
export type { HostLimiterOptions } from './host-limiter.js';
export { makeRedactor, redactUrl, isSecretParam, MASK } from './redact.js';
export { HTTP_RETRY, httpRetryPolicy, isRetryableStatus, parseRetryAfter, RETRY_ERROR_CODES, RETRY_STATUS_CODES, type HttpRetryOptions } from './retry.js';
export { defaultUserAgent, toolVersion, PROJECT_URL } from './user-agent.js';
