/** Where each stage of a site writes, under the artifacts directory. */
import path from 'node:path';

export interface SiteLayout {
  /** raw/<site>/ckan: package_search pages and crawl.json */
  rawCkan: string;
  /** raw/<site>/sourcegraph: one JSON file per search */
  rawSourcegraph: string;
  /** raw/<site>/github: one JSON file per repository */
  rawGithub: string;
  /** work/<site>: the databases being built and their load reports */
  work: string;
}

export function siteLayout(artifactsDir: string, site: string): SiteLayout {
  const root = path.resolve(artifactsDir);
  return {
    rawCkan: path.join(root, 'raw', site, 'ckan'),
    rawSourcegraph: path.join(root, 'raw', site, 'sourcegraph'),
    rawGithub: path.join(root, 'raw', site, 'github'),
    work: path.join(root, 'work', site),
  };
}
