/**
 * The flagship pipeline cut for sharded runs (docs/scale-out.md §1): for each stage, its leaf
 * family (the work N shards split by `shardOf(task id)`), its fan-in (the manifest task that
 * asks for those leaves at run time), what its plan step runs and reads to list the leaves,
 * and how a shard rebuilds its leaf tasks from the plan alone.
 *
 * The manifest tasks are not split: a plan lists exactly the leaf tasks the fan-in will ask
 * for, because both are computed by the same code from the same inputs (CKAN: the first page;
 * GitHub: the sourcegraph_api the plan step built from the committed searches). A shard's
 * roots are its own leaf tasks; a plan or final step runs the ordinary graph after pulling
 * the committed leaves, which it then finds complete.
 */
import path from 'node:path';
import { MallardError, type Task } from '../engine/index.js';
import type { LeafSpec, StageName, StagePlan } from '../shards/run-contract.js';
import { DEFAULT_MAX_DATASETS, planPages } from '../sources/ckan/plan.js';
import { CkanPageTask, effectiveRowsOf, readPageMeta } from '../sources/ckan/tasks.js';
import { GithubRepoTask } from '../sources/github/index.js';
import { planBatches, reuseCoverage, SourcegraphRequestTask, writeMappingFile } from '../sources/sourcegraph/index.js';
import { readGithubRepositories } from './github-repos.js';
import { PublishedArtifactTarget } from './published-artifact.js';
import type { SitePipeline } from './site-pipeline.js';

export interface ShardStageInfo {
  stage: StageName;
  /** The command whose `--shard plan` and `--shard i/N` run this stage's plan and leaves. */
  command: string;
  leafFamily: string;
  /** The family of the task that asks for the leaves at run time. */
  fanIn: string;
}

/** In pipeline order. */
export const SHARD_STAGES: readonly ShardStageInfo[] = [
  { stage: 'ckan', command: 'download-datasets-info', leafFamily: 'CkanPage', fanIn: 'CkanCrawl' },
  { stage: 'search', command: 'download-sourcegraph-results', leafFamily: 'SourcegraphSearch', fanIn: 'SourcegraphSearches' },
  { stage: 'github', command: 'enrich-github-repos', leafFamily: 'GithubRepo', fanIn: 'GithubRepos' },
];

export function stageInfo(stage: StageName): ShardStageInfo {
  return SHARD_STAGES.find((s) => s.stage === stage) as ShardStageInfo;
}

/** The stage whose leaf work a command runs (`--shard plan` and `i/N`), if it has one. */
export function leafStageOf(command: string): StageName | undefined {
  return SHARD_STAGES.find((s) => s.command === command)?.stage;
}

/** The stages whose fan-in is in the graph of `roots` (static requirements), in pipeline order. */
export function stagesInGraph(roots: readonly Task[]): StageName[] {
  const families = new Set<string>();
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const task = stack.pop() as Task;
    if (seen.has(task.id)) continue;
    seen.add(task.id);
    families.add(task.family);
    stack.push(...task.requires());
  }
  return SHARD_STAGES.filter((s) => families.has(s.fanIn)).map((s) => s.stage);
}

/** What a plan step of one stage runs, then reads to list the stage's leaves. */
export interface StagePlanner {
  /** Run first, in the plan step's own session (the upstream fan-ins; CKAN: the first page). */
  roots(): Promise<Task[]>;
  /** Identifies what the plan is computed from: a retried plan step with the same key reuses the current plan. */
  inputsKey: string;
  /** The leaves (and the stage's own data) from what `roots` produced. */
  plan(): Promise<{ leaves: LeafSpec[]; data: Record<string, unknown> }>;
}

const leafOf = (task: Task): LeafSpec => ({ id: task.id, family: task.family, params: { ...task.params } });

/** `upstreamPlans`: the plan ids of the stages before (a plan computed from other upstream work is another plan). */
export async function stagePlanner(pipeline: SitePipeline, stage: StageName, upstreamPlans: Record<string, string>): Promise<StagePlanner> {
  switch (stage) {
    case 'ckan': {
      const settings = pipeline.ckan().crawl.settings;
      const first = new CkanPageTask(settings, 0, settings.query.rows);
      const max = settings.maxDatasets ?? DEFAULT_MAX_DATASETS;
      return {
        roots: async () => [first],
        inputsKey: JSON.stringify({ query: first.params.query, rows: settings.query.rows, max }),
        plan: async () => {
          const head = readPageMeta(first);
          const effectiveRows = effectiveRowsOf(head, settings.query.rows);
          const limit = Math.min(head.count, max);
          const leaves = [leafOf(first)];
          if (head.received > 0) {
            for (const start of planPages(head.count, effectiveRows, limit)) if (start > 0) leaves.push(leafOf(new CkanPageTask(settings, start, effectiveRows)));
          }
          return { leaves, data: { query: settings.query, queryKey: first.params.query, count: head.count, effectiveRows, limit } };
        },
      };
    }
    case 'github': {
      const { repos } = await pipeline.github();
      const sourcegraph = await pipeline.artifact('sourcegraph_api');
      return {
        roots: async () => [sourcegraph],
        inputsKey: JSON.stringify({ upstream: upstreamPlans }),
        plan: async () => {
          const source = await new PublishedArtifactTarget(repos.artifactsDir, repos.settings.site, 'sourcegraph_api').resolve();
          const found = await readGithubRepositories(source);
          const leaves = found.repos.map((r) => leafOf(new GithubRepoTask(repos.settings, `${r.owner}/${r.name}`)));
          return { leaves, data: { source: path.basename(source), invalid: found.invalid.length } };
        },
      };
    }
    case 'search': {
      const { searches } = await pipeline.codeSearch();
      const clean = await pipeline.artifact('clean_ckan_api');
      const memoryLimit = pipeline.loaded.config.duckdb.memoryLimit;
      return {
        roots: async () => [clean],
        inputsKey: JSON.stringify({ upstream: upstreamPlans, options: searches.params.options, termsPerQuery: searches.settings.termsPerQuery, maxQueryLength: searches.settings.maxQueryLength }),
        plan: async () => {
          const source = await new PublishedArtifactTarget(searches.artifactsDir, searches.settings.site, 'clean_ckan_api').resolve();
          // The mapping and the batches as SourcegraphSearches plans them, through the same DuckDB reuse (with no earlier result to reuse).
          await writeMappingFile(source, searches.mappingFile, memoryLimit);
          const { toSearch: terms } = await reuseCoverage(searches.mappingFile, undefined, searches.settings.dir, undefined, memoryLimit);
          const leaves = planBatches(searches.settings, terms)
            .map((batch) => new SourcegraphRequestTask(searches.settings, batch))
            .map((t) => ({ ...leafOf(t), params: { ...t.params, termList: [...t.terms] } }));
          return { leaves, data: { source: path.basename(source), terms: terms.length } };
        },
      };
    }
  }
}

/**
 * The leaf tasks of a plan, rebuilt from its specs with this process's config. A leaf whose
 * id comes out different was planned with another config (query, rows, site): ERR_SHARD_PLAN.
 */
export async function leafTasks(pipeline: SitePipeline, plan: StagePlan): Promise<Task[]> {
  const make = await leafMaker(pipeline, plan.stage);
  return plan.leaves.map((leaf) => {
    const task = make(leaf);
    if (task.id !== leaf.id) {
      throw new MallardError('ERR_SHARD_PLAN', `the ${plan.stage} plan lists ${leaf.id}, but this config makes it ${task.id}: the plan was made with another config`, {
        context: { stage: plan.stage, planned: leaf.id, here: task.id },
        suggestions: ['run every step of a deployment with the same site config (or plan again: --shard plan)'],
        retryable: false,
      });
    }
    return task;
  });
}

async function leafMaker(pipeline: SitePipeline, stage: StageName): Promise<(leaf: LeafSpec) => Task> {
  switch (stage) {
    case 'ckan': {
      const settings = pipeline.ckan().crawl.settings;
      return (leaf) => new CkanPageTask(settings, Number(leaf.params['start']), Number(leaf.params['rows']));
    }
    case 'github': {
      const { repos } = await pipeline.github();
      return (leaf) => new GithubRepoTask(repos.settings, String(leaf.params['repo']));
    }
    case 'search': {
      const { searches } = await pipeline.codeSearch();
      return (leaf) => new SourcegraphRequestTask(searches.settings, (leaf.params['termList'] as unknown[] | undefined ?? []).map(String));
    }
  }
}
