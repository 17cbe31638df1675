/** The CKAN Action API client: package_search pages to NDJSON page files, and page planning. */
export { fetchSearchPage, pageFileName, searchPageUrl, actionUrl } from './package-search.js';
export type { SearchPageParams, SearchPageResult } from './package-search.js';
export { planPages } from './plan.js';
export { CkanPageSplitter } from './page-splitter.js';
export type { PageSummary, SplitterOptions } from './page-splitter.js';
export { ERR_CKAN_API, ERR_CKAN_RESPONSE, ckanErrorInfo } from './errors.js';
export type { CkanErrorInfo } from './errors.js';
