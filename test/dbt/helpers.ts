/** dbt projects given as files in a temp dir (like dbt's functional tests), built with the real runner into real DuckDB files. */
import path from 'node:path';
import { buildModelDatabase, type ModelBuildOptions, type ModelBuildResult } from '../../src/sql/index.js';
import { query, tempProject, type TempProject } from '../sql/helpers.js';

export { query };

export interface DbtProject extends TempProject {
  /** Path of the group's work database. */
  target: string;
  /** Builds `selector` (default: the whole group) into `target`. */
  build(extra?: Partial<ModelBuildOptions> & { selector?: string }): Promise<ModelBuildResult>;
}

export const PROJECT_YML = `name: demo
version: '1.0'
profile: demo
`;

/** A models dir with one dbt project, `models/<group>/`, made of `files` (paths relative to the project). */
export async function dbtProject(files: Record<string, string>, group = 'demo'): Promise<DbtProject> {
  const withProject = { 'dbt_project.yml': PROJECT_YML, ...files };
  const base = await tempProject(Object.fromEntries(Object.entries(withProject).map(([k, v]) => [`${group}/${k}`, v])));
  const target = path.join(base.root, 'work', `${group}.db`);
  return {
    ...base,
    target,
    async write(more) {
      await base.write(Object.fromEntries(Object.entries(more).map(([k, v]) => [`${group}/${k}`, v])));
    },
    async build(extra = {}) {
      const { selector, ...rest } = extra;
      const { project, selection } = await base.select(selector ?? group);
      return buildModelDatabase({ project, selection, target, sources: {}, shrinkTolerance: 0.5, allowShrink: true, ...rest });
    },
  };
}

/** Relations of the database: name → BASE TABLE / VIEW. */
export async function relations(file: string): Promise<Record<string, string>> {
  const rows = await query(file, "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name");
  return Object.fromEntries(rows.map((r) => [String(r['table_name']), String(r['table_type'])]));
}
