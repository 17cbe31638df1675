/** Shared set-up for the store tests: temp dirs, real DuckDB files, a settable clock. */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function makeTempDir(prefix = 'mallard-store-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  // Published files are 0444; removal needs the directory writable, which it is.
  await fsp.rm(dir, { recursive: true, force: true });
}

/** Creates a real DuckDB file with the given tables (`schema.table` allowed) and row counts. */
export async function createDuckDb(file: string, tables: Record<string, number>): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    for (const [table, rows] of Object.entries(tables)) {
      const [schema, name] = table.includes('.') ? table.split('.') : ['main', table];
      await connection.run(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await connection.run(`CREATE TABLE "${schema}"."${name}" AS SELECT range AS id, 'row ' || range AS label FROM range(${rows})`);
    }
    await connection.run('CHECKPOINT');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A clock the test moves by hand. */
export class TestClock {
  private ms: number;
  constructor(iso: string) {
    this.ms = Date.parse(iso);
  }
  readonly now = (): Date => new Date(this.ms);
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
