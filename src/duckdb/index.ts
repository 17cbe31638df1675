/**
 * DuckDB helpers: open a file (one instance per file per process), build a database file
 * atomically, count rows, quote SQL. The only module that imports @duckdb/node-api (lazily).
 */
export {
  DatabaseRegistry,
  MEMORY,
  databaseKey,
  openDatabase,
  type DuckDbHandle,
  type JsonRow,
  type JsonValue,
  type OpenDatabaseOptions,
  type SqlParams,
  type SqlValue,
} from './database.js';
export { buildDatabaseAtomically, companionPaths, type AtomicBuildOptions } from './atomic-build.js';
export { tableRowCounts } from './inspect.js';
export { hasGlobCharacters, sqlIdentifier, sqlString, sqlStringList } from './sql.js';
export { firstLine, isOutOfMemory, parseLockConflict, wrapDuckDbError, type LockConflict } from './errors.js';
export { DEFAULT_MEMORY_LIMIT, DUCKDB_SHARE, MEMORY_LIMIT_PATTERN, duckDbLimitBytes, duckDbSize, memoryLimitBytes, memorySettings } from './settings.js';
