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

/** Every folder a site's stages write in (raw pages, work databases, publishes): where a dead run's temp files may be. */
export function siteDirs(artifactsDir: string, site: string): string[] {
  const root = path.resolve(artifactsDir);
  return [path.join(root, 'raw', site), path.join(root, 'work', site), path.join(root, 'read_only', site)];
}
