/** Site configs and crawl helpers for the CKAN stage tests, over a local CKAN test server. */
import fs from 'node:fs';
import path from 'node:path';
import { siteConfigSchema, type SiteConfig } from '../../src/config/index.js';
import { createHttpClient } from '../../src/http/index.js';
import { crawlSettings } from '../../src/pipelines/ckan.js';
import type { CrawlManifest } from '../../src/sources/ckan/tasks.js';
import { fakeClock } from '../support/fake-clock.js';

export function testConfig(actionUrl: string, overrides: { rows?: number } & Record<string, unknown> = {}): SiteConfig {
  return siteConfigSchema.parse({ site: 'test-portal', ckan: { url: actionUrl, rows: 1000, ...overrides } }) as SiteConfig;
}

/** Crawl settings whose HTTP client never really sleeps (retries and rate limits run on a fake clock). */
export function testCrawlSettings(config: SiteConfig, artifactsDir: string) {
  const client = createHttpClient({ clock: fakeClock(), retries: 3, timeoutMs: 5000 });
  return crawlSettings(config, { artifactsDir, client: () => client });
}

/** Every dataset id in the pages a crawl manifest lists, in page order. */
export function crawledIds(crawlDir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(crawlDir, 'crawl.json'), 'utf8')) as CrawlManifest;
  return manifest.pages.flatMap((p) =>
    fs
      .readFileSync(path.join(crawlDir, p.file), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { id: string }).id),
  );
}
