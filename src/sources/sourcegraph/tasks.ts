/**
 * The Sourcegraph stage as engine tasks: one task per search term, whose output is the
 * term's result file (see searchFileName). A rerun skips every term whose file exists with
 * its receipt, so it makes no request at all; a changed query option is another task.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { FileTarget, NO_RETRY, Task, type RetryPolicy, type TaskContext } from '../../engine/index.js';
import type { HttpClient } from '../../http/index.js';
import { searchFileName } from './file-name.js';
import { searchToFile } from './search.js';

export interface SourcegraphSettings {
  site: string;
  /** raw/<site>/sourcegraph under the artifacts directory. */
  dir: string;
  /** The instance, e.g. https://sourcegraph.com */
  baseUrl: string;
  includeForks: boolean;
  includeArchived: boolean;
  extraFilters?: string[];
  /** The token read from the env var the config names (resolveToken); anonymous when undefined. */
  token?: string;
  /** Limit for one try of one search, in ms. */
  timeoutMs?: number;
  /** Shared by every search of a run (per-host rate and concurrency limits live in it). */
  client: () => HttpClient;
}

/** Short hash of what every search of these settings asks besides the term. */
export function searchOptionsKey(settings: SourcegraphSettings): string {
  const canonical = JSON.stringify([settings.baseUrl, settings.includeForks, settings.includeArchived, settings.extraFilters ?? []]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

export class SourcegraphSearchTask extends Task<{ site: string; term: string; options: string }> {
  readonly family = 'SourcegraphSearch';

  constructor(readonly settings: SourcegraphSettings, term: string) {
    super({ site: settings.site, term, options: searchOptionsKey(settings) });
  }

  get resultFile(): string {
    return path.join(this.settings.dir, searchFileName(this.params.term));
  }

  outputs(): FileTarget[] {
    return [new FileTarget(this.resultFile)];
  }

  /** The HTTP client already retried 429, 5xx, timeouts and cut streams: its final error is final. */
  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    const s = this.settings;
    const result = await searchToFile(
      s.client(),
      {
        baseUrl: s.baseUrl,
        term: this.params.term,
        includeForks: s.includeForks,
        includeArchived: s.includeArchived,
        ...(s.extraFilters ? { extraFilters: s.extraFilters } : {}),
        ...(s.token ? { token: s.token } : {}),
        ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
      },
      this.resultFile,
    );
    const cut = result.limitHit ? ` (limit hit: ${result.skipped.map((r) => r.reason).join(', ')})` : '';
    ctx.log(`${result.matchCount} matches in ${result.matchesReceived} results${cut}`);
    for (const alert of result.alerts) ctx.log(`alert: ${alert.title ?? ''} ${alert.description ?? ''}`.trim());
  }
}
