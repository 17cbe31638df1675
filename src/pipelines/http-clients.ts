/** One HTTP client per service per run, made on first use (so --help and dry runs make none). */
import { createHttpClient, type HttpClient } from '../http/index.js';
import type { SiteConfig } from '../config/index.js';

export function lazyClient(make: () => HttpClient): () => HttpClient {
  let client: HttpClient | undefined;
  return () => (client ??= make());
}

export function ckanClient(config: SiteConfig): () => HttpClient {
  return lazyClient(() =>
    createHttpClient({
      timeoutMs: config.http.timeoutMs,
      retries: config.http.retries,
      concurrency: config.ckan.concurrency,
      requestsPerSecond: config.ckan.requestsPerSecond,
      ...(config.http.userAgent === undefined ? {} : { userAgent: config.http.userAgent }),
    }),
  );
}
