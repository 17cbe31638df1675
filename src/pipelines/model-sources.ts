/**
 * The tasks that make the artifacts a model selection reads, for the ones not published yet:
 * ckan_api (the CKAN stage), and for groups reading code-search results, github_api (which
 * makes sourcegraph_api first when that is missing too). run-models needs them at run time.
 */
import type { LoadedConfig } from '../config/index.js';
import type { Task } from '../engine/index.js';
import { latestArtifact } from '../store/index.js';
import { ckanStage } from './ckan.js';
import { githubStage } from './github-repos.js';
import { sourceArtifactNames, type ModelsStageOptions } from './models.js';

export async function missingSourceProducers(loaded: LoadedConfig, options: ModelsStageOptions, env: NodeJS.ProcessEnv): Promise<Task[]> {
  const { artifactsDir } = options;
  const site = loaded.config.site;
  const upstream: Task[] = [];
  const reads = await sourceArtifactNames(options);
  // Only a group reading ckan_api needs the CKAN stage (a dbt project of seeds needs no portal).
  if (reads.has('ckan_api') && (await latestArtifact(artifactsDir, site, 'ckan_api')) === undefined) upstream.push(ckanStage(loaded, { artifactsDir }).insert);
  if ((reads.has('github_api') || reads.has('sourcegraph_api')) && (await latestArtifact(artifactsDir, site, 'github_api')) === undefined) {
    upstream.push((await githubStage(loaded, { artifactsDir, modelsDir: options.modelsDir, env })).insert);
  }
  return upstream;
}
