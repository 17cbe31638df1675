/** A temporary models project written from strings, and small DuckDB helpers for the sql tests. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type JsonRow } from '../../src/duckdb/index.js';
import { loadProject, selectByGroup, type GroupSelection, type ModelProject } from '../../src/sql/index.js';

export interface TempProject {
  root: string;
  modelsDir: string;
  /** Writes models/<group>/<file> (file names ending in .sql or schema.yml). */
  write(files: Record<string, string>): Promise<void>;
  load(): Promise<ModelProject>;
  select(selector: string): Promise<{ project: ModelProject; selection: GroupSelection }>;
  cleanup(): Promise<void>;
}

export async function tempProject(files: Record<string, string> = {}): Promise<TempProject> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'mallard-sql-'));
  const modelsDir = path.join(root, 'models');
  const project: TempProject = {
    root,
    modelsDir,
    async write(more) {
      for (const [rel, text] of Object.entries(more)) {
        const file = path.join(modelsDir, rel);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, text);
      }
    },
    load: () => loadProject(modelsDir),
    async select(selector) {
      const p = await loadProject(modelsDir);
      const [selection, ...rest] = selectByGroup(p, selector);
      if (selection === undefined || rest.length > 0) throw new Error(`selector ${selector} should select one group`);
      return { project: p, selection };
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  await mkdir(modelsDir, { recursive: true });
  await project.write(files);
  return project;
}

/** Creates a database file by running `sql`. */
export async function makeDatabase(file: string, sql: string): Promise<string> {
  const db = await openDatabase(file);
  try {
    await db.run(sql);
    await db.run('CHECKPOINT');
  } finally {
    await db.close();
  }
  return file;
}

/** Rows of a query on a database file opened read-only. */
export async function query(file: string, sql: string): Promise<JsonRow[]> {
  const db = await openDatabase(file, { readOnly: true });
  try {
    return await db.all(sql);
  } finally {
    await db.close();
  }
}
