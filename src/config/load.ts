/**
 * Loading a site config: choose the file, parse it, validate it, and report every problem at
 * once with file, line and key path in one ERR_CONFIG error.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MallardError } from '../engine/errors.js';
import { chooseConfigFile, displayPath, fsErrorText, type ChooseOptions } from './locate.js';
import { configError, issuesToProblems, type ConfigProblem } from './problems.js';
import { siteConfigSchema, type SiteConfig } from './schema.js';
import { formatOf, parseSource } from './source.js';
import type { z } from 'zod';

export interface LoadedConfig {
  config: SiteConfig;
  /** Absolute path of the file it came from. */
  file: string;
  /** sha256 hex of the canonical JSON of `config` (sorted keys): changes only when the meaning does. */
  hash: string;
}

/** Finds the config chosen by site / configFile / env.CONFIG_PATH, and loads it. */
export async function loadSiteConfig(opts: ChooseOptions): Promise<LoadedConfig> {
  const choice = await chooseConfigFile(opts);
  return loadConfigFile(choice.file, { cwd: opts.cwd, expectedSite: choice.expectedSite });
}

export interface LoadFileOptions {
  cwd: string;
  /** When set, the file's `site` must equal it (a file chosen by --site names its own site). */
  expectedSite?: string;
}

/** Loads and validates one file; throws ERR_CONFIG listing every problem. */
export async function loadConfigFile(file: string, opts: LoadFileOptions): Promise<LoadedConfig> {
  const shown = displayPath(file, opts.cwd);
  const format = formatOf(file);
  if (format === undefined) throw configError(shown, [{ file: shown, path: '', message: 'unsupported file type; use .yaml, .yml or .json' }]);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new MallardError('ERR_CONFIG', `cannot read ${shown}: ${fsErrorText(err)}`, { cause: err, context: { file } });
  }
  const source = parseSource(text, format);
  if (source.syntaxProblems.length > 0) {
    const syntax = format === 'json' ? 'JSON' : 'YAML';
    throw configError(shown, source.syntaxProblems.map((p) => ({ file: shown, ...p, path: '', message: `${syntax} syntax: ${p.message}` })));
  }
  if (source.data === undefined || source.data === null) {
    throw configError(shown, [{ file: shown, path: '', message: 'the file is empty: it needs at least `site` and `ckan.url`' }]);
  }
  const result = siteConfigSchema.safeParse(source.data, { error: issueMessage });
  const problems: ConfigProblem[] = result.success ? [] : issuesToProblems(result.error.issues, shown, source.lineOf);
  if (result.success && opts.expectedSite !== undefined && result.data.site !== opts.expectedSite) {
    problems.push({
      file: shown,
      line: source.lineOf(['site']),
      path: 'site',
      message: `"${result.data.site}" does not match the file name: a file chosen by --site ${opts.expectedSite} must say site: ${opts.expectedSite}`,
    });
  }
  if (!result.success || problems.length > 0) throw configError(shown, problems);
  const config: SiteConfig = result.data;
  return { config, file, hash: configHash(config) };
}

/** Messages zod would word vaguely: a missing key and a wrong type. */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'Required';
  const got = issue.input === null ? 'null' : Array.isArray(issue.input) ? 'a list' : typeof issue.input;
  const expected = issue.expected === 'object' ? 'a mapping of keys' : issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
  return `expected ${expected}, got ${got}`;
}

/**
 * The hash of what the config means for the data built: `schedules` and `freshness` (when and
 * how runs are started and judged) are left out, so editing a schedule changes no hash.
 */
export function configHash(config: SiteConfig): string {
  const { schedules: _schedules, freshness: _freshness, ...built } = config;
  return createHash('sha256').update(canonicalJson(built)).digest('hex');
}

/** JSON with object keys sorted at every level and undefined members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
