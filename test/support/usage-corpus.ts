/**
 * A corpus whose usage numbers are known: 5 CKAN datasets in 2 organizations, the Sourcegraph
 * matches of their terms, and the GitHub repositories found (one renamed, one gone). The
 * expected dataset_usage and organization_usage rows are written out by hand below.
 */
import type { CkanPackage } from './ckan-server.js';
import { contentMatch } from './code-search.js';
import { makeRepoBody, type GhServerOptions } from './github-server.js';
import type { SgCorpusEntry } from './sourcegraph-server.js';

const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const ORG_A = uuid(901);
export const ORG_B = uuid(902);
export const D = [uuid(1), uuid(2), uuid(3), uuid(4), uuid(5)] as const;

const org = (id: string, name: string) => ({ id, name, title: `Org ${name}`, type: 'organization', is_organization: true, state: 'active', created: '2020-01-01T00:00:00' });

function pkg(i: number, orgRef: Record<string, unknown>, urls: string[]): CkanPackage {
  const id = D[i] as string;
  return {
    id, name: `ds-${i + 1}`, title: `Dataset ${i + 1}`, state: 'active', type: 'dataset', private: false,
    metadata_created: '2021-01-01T00:00:00', metadata_modified: '2022-01-01T00:00:00',
    organization: orgRef, owner_org: orgRef['id'], num_resources: urls.length, num_tags: 0, tags: [],
    resources: urls.map((url, k) => ({ id: `r${i + 1}-${k}`, url, format: 'CSV', name: `file ${k}` })),
  };
}

export function usagePackages(): CkanPackage[] {
  const a = org(ORG_A, 'org-a');
  const b = org(ORG_B, 'org-b');
  return [
    pkg(0, a, ['https://files.example.org/d1/data.csv']),
    pkg(1, a, ['https://files.example.org/d2/stations.csv']),
    pkg(2, a, ['https://files.example.org/d3/unused.csv']),
    pkg(3, b, ['https://files.example.org/shared.csv']),
    pkg(4, b, ['http://FILES.example.org/shared.csv/']),
  ];
}

/** Matches per search term; every other term (landing pages...) finds nothing. */
export function usageSearchCorpus(): Record<string, SgCorpusEntry> {
  return {
    [D[0]]: { matches: [contentMatch('github.com/alice/weather', 'w.py', [1, 2], 1), contentMatch('github.com/bob/Charts', 'c.js', [3], 1, 'JavaScript')] },
    'files.example.org/d1/data.csv': { matches: [contentMatch('github.com/alice/weather', 'w.py', [5], 1), contentMatch('github.com/alice/weather', 'notebook.ipynb', [0], 1)] },
    'files.example.org/d2/stations.csv': { matches: [contentMatch('github.com/old/name', 'load.R', [1], 1, 'R'), contentMatch('gitlab.com/dave/x', 'main.go', [2], 4, 'Go')] },
    [D[3]]: { matches: [contentMatch('github.com/bob/charts', 'd4.js', [0], 1, 'JavaScript'), contentMatch('github.com/gone/repo', 'x.py', [1], 6)] },
    'files.example.org/shared.csv': { matches: [contentMatch('github.com/erin/maps', 'm.py', [7], 1)] },
  };
}

export function usageGithub(): GhServerOptions {
  return {
    repos: [
      makeRepoBody(101, 'alice/weather', { stargazers_count: 50, language: 'Python', pushed_at: '2024-01-10T00:00:00Z' }),
      makeRepoBody(202, 'bob/charts', { stargazers_count: 20, language: 'JavaScript', pushed_at: '2025-03-01T00:00:00Z' }),
      makeRepoBody(303, 'carol/stations', { stargazers_count: 7, language: 'R', pushed_at: '2023-06-01T00:00:00Z' }),
      makeRepoBody(404, 'erin/maps', { stargazers_count: 3, language: 'Python', pushed_at: '2022-02-02T00:00:00Z' }),
    ],
    renames: { 'old/name': 303 },
  };
}

/** dataset_usage: dataset, repositories, files, total_stars, languages, last push (date). */
export const EXPECTED_DATASETS = [
  { dataset_id: D[0], repositories: 2, files: 3, total_stars: 70, languages: ['JavaScript', 'Python'], last_pushed: '2025-03-01' },
  { dataset_id: D[1], repositories: 2, files: 2, total_stars: 11, languages: ['Go', 'R'], last_pushed: '2023-06-01' },
  { dataset_id: D[2], repositories: 0, files: 0, total_stars: 0, languages: [], last_pushed: null },
  // github.com/gone/repo (404) counts as a repository with its file, but adds 0 stars (not Sourcegraph's 6).
  { dataset_id: D[3], repositories: 3, files: 3, total_stars: 23, languages: ['JavaScript', 'Python'], last_pushed: '2025-03-01' },
  { dataset_id: D[4], repositories: 1, files: 1, total_stars: 3, languages: ['Python'], last_pushed: '2022-02-02' },
];

export const EXPECTED_ORGS = [
  { organization_id: ORG_A, datasets: 3, datasets_used: 2, repositories: 4, files: 5, total_stars: 81, languages: ['Go', 'JavaScript', 'Python', 'R'], last_pushed: '2025-03-01' },
  { organization_id: ORG_B, datasets: 2, datasets_used: 2, repositories: 3, files: 3, total_stars: 23, languages: ['JavaScript', 'Python'], last_pushed: '2025-03-01' },
];

/** repository_datasets as (repository, dataset index) pairs. */
export const EXPECTED_REPOSITORY_DATASETS: Array<[string, number]> = [
  ['github.com/alice/weather', 0], ['github.com/bob/charts', 0], ['github.com/bob/charts', 3], ['github.com/carol/stations', 1],
  ['github.com/erin/maps', 3], ['github.com/erin/maps', 4], ['github.com/gone/repo', 3], ['gitlab.com/dave/x', 1],
];
