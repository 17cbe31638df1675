/**
 * Every command of the CLI, by id (oclif's explicit discovery: one import, no directory scan,
 * so start-up stays fast). Topic commands are keyed with a colon (`artifacts:list`): oclif
 * resolves argv to colon ids, and with topicSeparator ' ' users type and see `artifacts list`.
 * (A key with a space, 'artifacts list', is never found.)
 */
import type { Command } from '@oclif/core';
import { ArtifactsLatest } from './artifacts/latest.js';
import { ArtifactsLineage } from './artifacts/lineage.js';
import { ArtifactsList } from './artifacts/list.js';
import { ArtifactsPromote } from './artifacts/promote.js';
import { ArtifactsPrune } from './artifacts/prune.js';
import { ArtifactsVerify } from './artifacts/verify.js';
import { ConfigCheck } from './config/check.js';
import { ConfigList } from './config/list.js';
import { CreateBucket } from './create-bucket.js';
import { CreateRawCkanDbTables } from './create-raw-ckan-db-tables.js';
import { DownloadDatasetsInfo } from './download-datasets-info.js';
import { DownloadSourcegraphResults } from './download-sourcegraph-results.js';
import { EnrichGithubRepos } from './enrich-github-repos.js';
import { InsertDatasetsInfo } from './insert-datasets-info.js';
import { InsertSourcegraphResults } from './insert-sourcegraph-results.js';
import { SyncArtifacts } from './sync-artifacts.js';
import { RunModels } from './run-models.js';
import { Runs } from './runs.js';
import { RunsReport } from './runs/report.js';
import { RunsShow } from './runs/show.js';
import { Ui } from './ui.js';

export const COMMANDS: Record<string, Command.Class> = {
  'artifacts:latest': ArtifactsLatest,
  'artifacts:lineage': ArtifactsLineage,
  'artifacts:list': ArtifactsList,
  'artifacts:promote': ArtifactsPromote,
  'artifacts:prune': ArtifactsPrune,
  'artifacts:verify': ArtifactsVerify,
  'config:check': ConfigCheck,
  'config:list': ConfigList,
  'create-bucket': CreateBucket,
  'create-raw-ckan-db-tables': CreateRawCkanDbTables,
  'download-datasets-info': DownloadDatasetsInfo,
  'download-sourcegraph-results': DownloadSourcegraphResults,
  'enrich-github-repos': EnrichGithubRepos,
  'insert-datasets-info': InsertDatasetsInfo,
  'insert-sourcegraph-results': InsertSourcegraphResults,
  'sync-artifacts': SyncArtifacts,
  'run-models': RunModels,
  runs: Runs,
  'runs:report': RunsReport,
  'runs:show': RunsShow,
  ui: Ui,
};
