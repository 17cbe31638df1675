/** create-raw-ckan-db-tables: the raw CKAN database with its schema, empty. */
import type { RunSummary } from '../src/engine/index.js';
import { SitePipeline } from '../src/pipelines/site-pipeline.js';
import { RunCommand } from './run-command.js';

export class CreateRawCkanDbTables extends RunCommand {
  static override summary = 'Create artifacts/work/<site>/ckan_api.db with the raw CKAN schema, empty.';
  static override description =
    'Creates the raw tables (datasets, resources, tags, extras, organizations, groups, pages) in a new database file, written atomically. Does nothing when the database already exists with this schema version; insert-datasets-info fills it.';
  static override examples = ['<%= config.bin %> <%= command.id %> --site data-gov-uk', '<%= config.bin %> <%= command.id %> --site data-gov-uk --dry-run'];

  async run(): Promise<RunSummary | undefined> {
    const { flags } = await this.parse(CreateRawCkanDbTables);
    const loaded = await this.loadConfig(flags);
    const pipeline = () => new SitePipeline(loaded, { artifactsDir: this.artifactsDir(flags['artifacts-dir']) });
    return this.runMaybeSharded([pipeline().ckan().create], flags, loaded, pipeline);
  }
}
