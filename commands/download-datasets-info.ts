/** download-datasets-info: crawl a CKAN portal's package_search into raw page files. */
import { Flags } from '@oclif/core';
import { durationMs, MallardError, type RunSummary } from '../src/engine/index.js';
import { CRAWL_FAMILIES, CRAWL_RUNTIME_FAMILIES, downloadDatasetsInfo } from '../src/pipelines/ckan.js';
import { SitePipeline } from '../src/pipelines/site-pipeline.js';
import { RunCommand } from './run-command.js';

export class DownloadDatasetsInfo extends RunCommand {
  static override summary = "Download a CKAN portal's dataset metadata (package_search) as raw JSON pages.";
  static override description = `Fetches every page of the portal's package_search into artifacts/raw/<site>/ckan/ (one NDJSON file per page, written atomically, plus crawl.json). The first page tells how many datasets there are and how many rows the portal really returns per page; the other pages are then fetched in parallel (--workers, and the config's ckan.concurrency / ckan.requestsPerSecond per host), with retries on network errors, 429 and 5xx, stopping at the first empty page and at ckan.maxDatasets. A rerun fetches only missing pages, so an interrupted crawl resumes; --refresh crawls again from scratch. A crawl that got fewer datasets than the portal reported ends with a warning.

With --since auto (or ckan.incremental: true in the site config), once a full crawl is complete, only the datasets modified since the last complete crawl are fetched (minus ckan.overlapMinutes), into artifacts/raw/<site>/ckan/deltas/; every --reconcile-every (default ckan.reconcileEveryDays, 7 days) an id-only listing marks the datasets deleted from the portal (insert-datasets-info keeps them, with deleted_at). An interrupted incremental crawl resumes where it stopped.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --workers 8',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --since auto',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --since auto --reconcile-every 1d',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --refresh',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --dry-run',
  ];

  static override flags = {
    refresh: Flags.boolean({ description: 'Fetch every page again (the portal changed since the last crawl); a full crawl even with --since auto.', default: false }),
    since: Flags.string({
      description: "'auto': fetch only the datasets modified since the last complete crawl (a full crawl when there is none); 'full': the whole crawl. Default: the config's ckan.incremental.",
      options: ['auto', 'full'],
    }),
    'reconcile-every': Flags.string({
      description: 'With --since auto: list every dataset id to find deleted datasets when the last listing is older than this (e.g. 7d, 12h, 0 = every time). Default: ckan.reconcileEveryDays.',
    }),
  };

  protected override runtimeFamilies(): readonly string[] {
    return CRAWL_RUNTIME_FAMILIES;
  }

  async run(): Promise<RunSummary | undefined> {
    const { flags } = await this.parse(DownloadDatasetsInfo);
    const loaded = await this.loadConfig(flags);
    const reconcileEveryMs = flags['reconcile-every'] === undefined ? undefined : durationMs(flags['reconcile-every']);
    if (reconcileEveryMs === undefined && flags['reconcile-every'] !== undefined) {
      throw new MallardError('ERR_USAGE', `--reconcile-every ${JSON.stringify(flags['reconcile-every'])} is not a duration`, {
        suggestions: ['give a number and a unit: 7d, 12h, 30m (0 lists the ids on every incremental crawl)'],
      });
    }
    const since = flags.refresh ? 'full' : (flags.since as 'auto' | 'full' | undefined);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir']);
    const force = flags.refresh ? [...(flags.force ?? []), ...CRAWL_FAMILIES] : flags.force;
    const runFlags = { ...flags, ...(force === undefined ? {} : { force }) };
    if (flags.shard !== undefined || flags.store !== undefined) {
      // A sharded crawl is always the full one: its pages are the plan's (docs/scale-out.md §1).
      if (since === 'auto') throw new MallardError('ERR_USAGE', '--since auto does not combine with --shard: a sharded crawl is a full crawl of the plan\'s pages');
      const pipeline = (shards?: number) => new SitePipeline(loaded, { artifactsDir, ...(shards === undefined ? {} : { shards }) });
      return this.runMaybeSharded([pipeline().ckan().crawl], runFlags, loaded, pipeline);
    }
    const task = downloadDatasetsInfo(loaded.config, {
      artifactsDir,
      ...(since === undefined ? {} : { since }),
      ...(reconcileEveryMs === undefined ? {} : { reconcileEveryMs }),
    });
    return this.execute([task], runFlags, loaded);
  }
}
