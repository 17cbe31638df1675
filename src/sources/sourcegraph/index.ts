/** The Sourcegraph stream search client: SSE parsing, exact-match queries, result files, and the search task. */
export { SseParser } from './sse.js';
export type { SseEvent, SseParserOptions } from './sse.js';
export { buildSearchQuery, quoteTerm, unquoteTerm, streamSearchUrl } from './query.js';
export type { QueryOptions } from './query.js';
export { searchFileName, slugify, termHash } from './file-name.js';
export { searchToFile } from './search.js';
export type { SearchParams, SearchSummary, SearchFileResult } from './search.js';
export { LIMIT_REASONS, PREVIEW_MAX, toStoredMatch } from './matches.js';
export type { MatchLine, StoredMatch, SkippedReason, SearchAlert, ProgressInfo } from './matches.js';
export { ERR_SOURCEGRAPH_INCOMPLETE, ERR_SOURCEGRAPH_SEARCH, ERR_SOURCEGRAPH_RESPONSE } from './errors.js';
export { SourcegraphSearchTask, searchOptionsKey } from './tasks.js';
export type { SourcegraphSettings } from './tasks.js';
export { buildSourcegraphApiDatabase, RESULT_COLUMNS, SOURCEGRAPH_SCHEMA } from './db.js';
export type { SearchedTerm, SourcegraphLoadSummary } from './db.js';
