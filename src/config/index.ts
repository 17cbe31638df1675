/**
 * Per-site configuration: which file a run uses, its schema (zod), the `.env` file, tokens
 * by environment variable name, and redaction. The one entry point of src/config.
 */
export type { CkanConfig, DuckdbConfig, GcsConfig, GithubConfig, HttpConfig, ModelsConfig, SiteConfig, SourcegraphConfig } from './schema.js';
export { SITE_NAME_PATTERN, siteConfigSchema } from './schema.js';
export type { LoadedConfig, LoadFileOptions } from './load.js';
export { canonicalJson, configHash, loadConfigFile, loadSiteConfig } from './load.js';
export type { ChooseOptions, ConfigChoice } from './locate.js';
export { availableSites, chooseConfigFile, CONFIG_DIR, displayPath, listConfigFiles } from './locate.js';
export type { ConfigProblem } from './problems.js';
export { formatProblem } from './problems.js';
export { loadDotEnv, redact, REDACTED, resolveToken } from './env.js';
export type { ConfigListEntry, ConfigReport, TokenStatus } from './report.js';
export { describeConfig, listSiteConfigs } from './report.js';
export type { EmailNotifyConfig, FreshnessConfig, FreshnessThresholds, NotifyConfig, ScheduleConfig } from './schedule-schema.js';
export { durationMs, RESERVED_STEP_FLAGS, SCHEDULE_NAME_PATTERN, splitCommandLine } from './schedule-schema.js';
export { parseSource } from './source.js';
