/**
 * Opening a DuckDB file: one DuckDBInstance per file per process, one connection per handle,
 * statements run one after the other, errors wrapped as ERR_DUCKDB.
 * @duckdb/node-api is imported lazily so that commands which never touch DuckDB start fast.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckDbError, wrapDuckDbError } from './errors.js';
import { sqlIdentifier, sqlString } from './sql.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A result row with JSON-safe values (BIGINT and HUGEINT come back as strings). */
export type JsonRow = Record<string, JsonValue>;
/** A value bound to a `?` or `$name` parameter. */
export type SqlValue = null | boolean | number | bigint | string;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

export interface DuckDbHandle {
  /** The absolute path of the file (or ':memory:'). */
  readonly path: string;
  readonly readOnly: boolean;
  /** Runs one statement or several separated by `;` (several only without params). */
  run(sql: string, params?: SqlParams): Promise<void>;
  /** Runs a query and returns every row as a JSON-safe object. */
  all(sql: string, params?: SqlParams): Promise<JsonRow[]>;
  /**
   * Another connection to the same database, for statements that run at the same time as this
   * handle's: its own transactions and temporary tables. Closing it closes only that connection;
   * close it before this handle.
   */
  connect(): Promise<DuckDbHandle>;
  /** Closes the connection (then the instance, for the handle openDatabase returned). Idempotent; waits for running statements. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  readOnly?: boolean;
  /** DuckDB configuration options given at open (memory_limit, threads, temp_directory...). */
  settings?: Readonly<Record<string, string>>;
  /**
   * Rows per row group for data written through this handle (DuckDB's default is 122,880). A bulk
   * write holds an unfinished row group in memory, so tables with wide rows (raw JSON) need a
   * smaller one to stay within memory_limit. Setting it opens the file through ATTACH.
   */
  rowGroupSize?: number;
  /** The registry of files open in this process (default: the process-wide one). */
  registry?: DatabaseRegistry;
}

/**
 * Files open in this process. Two DuckDBInstances on one file in one process both succeed and
 * can corrupt it, so a second open of a file still open is refused. This is process state by
 * nature (the hazard is per process): the default registry is module-wide, tests may pass their own.
 */
export class DatabaseRegistry {
  private readonly files = new Set<string>();

  isOpen(file: string): boolean {
    return this.files.has(databaseKey(file));
  }

  /** Marks the file open; throws ERR_DUCKDB when it already is. Returns the release function. */
  claim(file: string): () => void {
    const key = databaseKey(file);
    if (this.files.has(key)) {
      throw duckDbError(`${key} is already open in this process`, key, [
        'pass the open handle along instead of opening the file a second time, or close it first',
      ]);
    }
    this.files.add(key);
    let released = false;
    return () => {
      if (!released) this.files.delete(key);
      released = true;
    };
  }
}

const processRegistry = new DatabaseRegistry();

export function defaultRegistry(): DatabaseRegistry {
  return processRegistry;
}

/** The canonical path of a database file (symlinks of existing parents resolved). */
export function databaseKey(file: string): string {
  const abs = path.resolve(file);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(abs)), path.basename(abs));
    } catch {
      return abs;
    }
  }
}

export const MEMORY = ':memory:';

export async function openDatabase(file: string, options: OpenDatabaseOptions = {}): Promise<DuckDbHandle> {
  const inMemory = file === MEMORY;
  const key = inMemory ? MEMORY : databaseKey(file);
  const readOnly = options.readOnly ?? false;
  const release = inMemory ? () => undefined : (options.registry ?? processRegistry).claim(key);
  let instance: DuckDBInstance | undefined;
  try {
    const { DuckDBInstance: Instance } = await import('@duckdb/node-api');
    const config: Record<string, string> = { ...options.settings };
    if (options.rowGroupSize === undefined || inMemory) {
      if (readOnly) config['access_mode'] = 'READ_ONLY';
      instance = await Instance.create(key, config);
      return new Handle(key, readOnly, instance, await instance.connect(), release, undefined, config['memory_limit']);
    }
    // The row group size is an option of ATTACH only: attach the file to an in-memory instance,
    // spilling next to the file as a direct open would.
    config['temp_directory'] ??= `${key}.tmp`;
    instance = await Instance.create(MEMORY, config);
    const connection = await instance.connect();
    const alias = sqlIdentifier(catalogName(key));
    const attachOptions = [`ROW_GROUP_SIZE ${Math.floor(options.rowGroupSize)}`, ...(readOnly ? ['READ_ONLY'] : [])];
    await connection.run(`ATTACH ${sqlString(key)} AS ${alias} (${attachOptions.join(', ')}); USE ${alias}`);
    return new Handle(key, readOnly, instance, connection, release, `USE ${alias}`, config['memory_limit']);
  } catch (err) {
    instance?.closeSync();
    release();
    throw wrapDuckDbError(err, key);
  }
}

/** The catalog name DuckDB gives a file opened directly (its stem), unless that name is taken. */
function catalogName(file: string): string {
  const stem = path.basename(file).replace(/\.[^.]*$/, '');
  return stem === '' || RESERVED_CATALOGS.has(stem.toLowerCase()) ? `${stem}_db` : stem;
}

const RESERVED_CATALOGS = new Set(['memory', 'system', 'temp', 'main']);

class Handle implements DuckDbHandle {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** Closes the instance and releases the file; undefined for a handle made by connect(). */
    private readonly release: (() => void) | undefined,
    /** Makes a new connection's default catalog this file (when it was attached). */
    private readonly useSql: string | undefined,
    /** The memory_limit it was opened with (named by an out-of-memory error). */
    private readonly memoryLimit: string | undefined,
  ) {}

  async connect(): Promise<DuckDbHandle> {
    if (this.closed) throw duckDbError(`${this.path} is already closed`, this.path);
    try {
      const connection = await this.instance.connect();
      if (this.useSql !== undefined) await connection.run(this.useSql);
      return new Handle(this.path, this.readOnly, this.instance, connection, undefined, this.useSql, this.memoryLimit);
    } catch (err) {
      throw wrapDuckDbError(err, this.path);
    }
  }

  run(sql: string, params?: SqlParams): Promise<void> {
    return this.enqueue(sql, async (c) => {
      await c.run(sql, params as Parameters<DuckDBConnection['run']>[1]);
    });
  }

  all(sql: string, params?: SqlParams): Promise<JsonRow[]> {
    return this.enqueue(sql, async (c) => {
      const reader = await c.runAndReadAll(sql, params as Parameters<DuckDBConnection['run']>[1]);
      return reader.getRowObjectsJson() as JsonRow[];
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    try {
      this.connection.closeSync();
      if (this.release !== undefined) this.instance.closeSync();
    } catch (err) {
      throw wrapDuckDbError(err, this.path);
    } finally {
      this.release?.();
    }
  }

  private enqueue<T>(sql: string, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(duckDbError(`${this.path} is already closed`, this.path));
    const next = this.queue.then(() => fn(this.connection)).catch((err: unknown) => {
      throw wrapDuckDbError(err, this.path, sql, this.memoryLimit);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
