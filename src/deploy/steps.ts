/**
 * The flagship pipeline as a sequence of deployment steps (docs/scale-out.md): each stage's
 * leaf work runs in N shards, between single steps that plan it (after the fan-in of the
 * stages before) and, at the end, one final step. A step is one mallard command line.
 */

/** Where a deployment stops: the last database it publishes. */
export const DEPLOY_TARGETS = ['ckan_clean', 'sourcegraph_api', 'usage'] as const;
export type DeployTarget = (typeof DEPLOY_TARGETS)[number];

export interface DeployStep {
  /** Short, DNS-label friendly: names the job (`<site>-<name>`). */
  name: string;
  /** `single`: one process (plan or final); `sharded`: N processes, one per shard. */
  kind: 'single' | 'sharded';
  /** What the step does, for comments and job descriptions. */
  summary: string;
  /** The mallard command words (before the site, shard and store flags). */
  command: string[];
  /** `--shard` of a single step; a sharded step's is `<index>/<N>` from the engine's index variable. */
  shard: 'plan' | 'final' | 'index';
}

interface Stage {
  key: string;
  command: string[];
  leaves: string;
  /** The single step that ends the pipeline when this stage is the last one. */
  final: { command: string[]; summary: string };
}

const STAGES: readonly Stage[] = [
  {
    key: 'ckan',
    command: ['download-datasets-info'],
    leaves: 'CKAN package_search pages (CkanPage)',
    final: { command: ['run-models', '--select', 'ckan_clean'], summary: 'crawl.json, ckan_api (insert-datasets-info) and ckan_clean, published' },
  },
  {
    key: 'search',
    command: ['download-sourcegraph-results'],
    leaves: 'Sourcegraph searches (SourcegraphSearch)',
    final: { command: ['insert-sourcegraph-results'], summary: 'sourcegraph_api, published' },
  },
  {
    key: 'github',
    command: ['enrich-github-repos'],
    leaves: 'GitHub repositories (GithubRepo)',
    final: { command: ['run-models', '--select', 'usage'], summary: 'github_api and usage (with its CSV/Parquet exports), published' },
  },
];

const STAGES_UNTIL: Readonly<Record<DeployTarget, number>> = { ckan_clean: 1, sourcegraph_api: 2, usage: 3 };

/**
 * plan → shards for each stage, then one final step. The plan step of a later stage also
 * runs the fan-in of the stage before it (its command asks for it), so it follows that
 * stage's shards directly.
 */
export function deploySteps(until: DeployTarget): DeployStep[] {
  const stages = STAGES.slice(0, STAGES_UNTIL[until]);
  const steps: DeployStep[] = [];
  stages.forEach((stage, i) => {
    const upstream = i === 0 ? '' : `the fan-in of ${stages[i - 1]!.key} (${stages[i - 1]!.final.summary.replace(/, published$/, '')}), then `;
    steps.push({
      name: `${stage.key}-plan`,
      kind: 'single',
      summary: `${upstream}the list of ${stage.leaves} to do, written to the store`,
      command: stage.command,
      shard: 'plan',
    });
    steps.push({ name: `${stage.key}-shards`, kind: 'sharded', summary: `each shard's share of the ${stage.leaves}`, command: stage.command, shard: 'index' });
  });
  const last = stages[stages.length - 1]!;
  steps.push({ name: 'final', kind: 'single', summary: `fan-in once every shard committed: ${last.final.summary}`, command: last.final.command, shard: 'final' });
  return steps;
}
