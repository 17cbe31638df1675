/**
 * Every command of the CLI, by id (oclif's explicit discovery: one import, no directory scan).
 * Topic commands are keyed with a colon (`artifacts:list`): oclif resolves argv to colon ids,
 * and with topicSeparator ' ' users type and see `artifacts list`. (A key with a space,
 * 'artifacts list', is never found.)
 *
 * Start-up: each entry is a getter that loads its command's module on first access, so a run
 * loads only the class it runs (oclif reads `COMMANDS[id]` for that one id). `--help` and the
 * topic listings read nothing here: they come from oclif.manifest.json, which the build writes
 * from these classes (commands/write-manifest.ts). The getters use `require` of ES modules
 * (Node 24): oclif's lookup is synchronous, and none of these modules awaits at top level.
 */
import { createRequire } from 'node:module';
import type { Command } from '@oclif/core';

/** id → [module (relative to this file), exported class name]. */
export const COMMAND_MODULES: Readonly<Record<string, readonly [string, string]>> = {
  'artifacts:latest': ['./artifacts/latest.js', 'ArtifactsLatest'],
  'artifacts:lineage': ['./artifacts/lineage.js', 'ArtifactsLineage'],
  'artifacts:list': ['./artifacts/list.js', 'ArtifactsList'],
  'artifacts:promote': ['./artifacts/promote.js', 'ArtifactsPromote'],
  'artifacts:prune': ['./artifacts/prune.js', 'ArtifactsPrune'],
  'artifacts:verify': ['./artifacts/verify.js', 'ArtifactsVerify'],
  'config:check': ['./config/check.js', 'ConfigCheck'],
  'config:list': ['./config/list.js', 'ConfigList'],
  'create-bucket': ['./create-bucket.js', 'CreateBucket'],
  'deploy:render': ['./deploy/render.js', 'DeployRender'],
  'create-raw-ckan-db-tables': ['./create-raw-ckan-db-tables.js', 'CreateRawCkanDbTables'],
  'download-datasets-info': ['./download-datasets-info.js', 'DownloadDatasetsInfo'],
  'download-sourcegraph-results': ['./download-sourcegraph-results.js', 'DownloadSourcegraphResults'],
  'enrich-github-repos': ['./enrich-github-repos.js', 'EnrichGithubRepos'],
  freshness: ['./freshness.js', 'Freshness'],
  help: ['./help.js', 'HelpCommand'],
  'insert-datasets-info': ['./insert-datasets-info.js', 'InsertDatasetsInfo'],
  'insert-sourcegraph-results': ['./insert-sourcegraph-results.js', 'InsertSourcegraphResults'],
  'sync-artifacts': ['./sync-artifacts.js', 'SyncArtifacts'],
  ui: ['./ui.js', 'Ui'],
  'run-models': ['./run-models.js', 'RunModels'],
  'run-scheduled': ['./run-scheduled.js', 'RunScheduled'],
  runs: ['./runs.js', 'Runs'],
  'runs:report': ['./runs/report.js', 'RunsReport'],
  'runs:show': ['./runs/show.js', 'RunsShow'],
  'schedule:install': ['./schedule/install.js', 'ScheduleInstall'],
  'schedule:list': ['./schedule/list.js', 'ScheduleList'],
  'schedule:remove': ['./schedule/install.js', 'ScheduleRemove'],
  'schedule:render': ['./schedule/render.js', 'ScheduleRender'],
  'schedule:status': ['./schedule/status.js', 'ScheduleStatusCommand'],
};

const load = createRequire(import.meta.url);

function lazyCommands(modules: Readonly<Record<string, readonly [string, string]>>): Record<string, Command.Class> {
  const commands: Record<string, Command.Class> = {};
  for (const [id, [file, name]] of Object.entries(modules)) {
    Object.defineProperty(commands, id, {
      enumerable: true,
      get: () => {
        const cls = (load(file) as Record<string, Command.Class | undefined>)[name];
        if (cls === undefined) throw new Error(`commands/index.ts: ${file} does not export ${name} (command ${id})`);
        return cls;
      },
    });
  }
  return commands;
}

export const COMMANDS: Record<string, Command.Class> = lazyCommands(COMMAND_MODULES);
