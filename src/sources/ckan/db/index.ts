/**
 * The raw CKAN database (ckan_api.db): its schema and the bulk load of downloaded pages.
 */
export { CKAN_TABLES, RAW_CKAN_SCHEMA_SQL, createRawCkanSchema, type CkanTable } from './schema.js';
export { loadCkanPages, type CkanLoadSummary, type LoadCkanPagesOptions } from './load.js';
export { CHUNK_BYTES, CHUNK_FILES } from './page-scans.js';
export { CKAN_LOAD_SETTINGS, CKAN_ROW_GROUP_SIZE, buildCkanApiDatabase, buildEmptyCkanApiDatabase, type BuildCkanApiDatabaseOptions } from './build.js';
export { bareReadSql } from './load-sql.js';
export { buildCkanApiDatabaseIncrementally, type IncrementalBuildResult, type IncrementalCkanLoad, type PreviousCkanApi } from './incremental-build.js';
export type { MergeCounts } from './merge.js';
export type { ListingInput } from './deletions.js';
