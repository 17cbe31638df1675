/**
 * What `config check` and `config list` show: a loaded config with token status (whether the
 * variable is set, never its value), and every config in configs/ with its validity.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { isMallardError } from '../engine/errors.js';
import { resolveToken } from './env.js';
import { loadConfigFile, type LoadedConfig } from './load.js';
import { displayPath, listConfigFiles } from './locate.js';
import type { ConfigProblem } from './problems.js';
import type { SiteConfig } from './schema.js';
import { formatOf, parseSource } from './source.js';

export interface TokenStatus {
  /** Name of the environment variable the config points at. */
  env: string;
  set: boolean;
}

export interface ConfigReport {
  file: string;
  site: string;
  hash: string;
  config: SiteConfig;
  tokens: { sourcegraph: TokenStatus; github: TokenStatus };
}

export function describeConfig(loaded: LoadedConfig, env: NodeJS.ProcessEnv, cwd: string): ConfigReport {
  const { config } = loaded;
  const status = (service: 'sourcegraph' | 'github'): TokenStatus => ({
    env: config[service].tokenEnv,
    set: resolveToken(config, service, env) !== undefined,
  });
  return {
    file: displayPath(loaded.file, cwd),
    site: config.site,
    hash: loaded.hash,
    config,
    tokens: { sourcegraph: status('sourcegraph'), github: status('github') },
  };
}

export interface ConfigListEntry {
  /** The name `--site` takes (file name without extension). */
  name: string;
  file: string;
  valid: boolean;
  site?: string;
  ckanUrl?: string;
  problems: ConfigProblem[];
}

/** Every config file in <cwd>/configs, each loaded as `--site <name>` would load it. */
export async function listSiteConfigs(cwd: string): Promise<ConfigListEntry[]> {
  const files = await listConfigFiles(cwd);
  const names = files.map((f) => path.basename(f, path.extname(f)));
  const entries: ConfigListEntry[] = [];
  for (const [i, file] of files.entries()) {
    const name = names[i]!;
    const shown = displayPath(file, cwd);
    const entry: ConfigListEntry = { name, file: shown, valid: false, problems: [] };
    try {
      const { config } = await loadConfigFile(file, { cwd, expectedSite: name });
      Object.assign(entry, { valid: true, site: config.site, ckanUrl: config.ckan.url });
    } catch (err) {
      if (!isMallardError(err)) throw err;
      const problems = err.context.problems as ConfigProblem[] | undefined;
      entry.problems = problems ?? [{ file: shown, path: '', message: err.message }];
      Object.assign(entry, await peek(file));
    }
    if (names.filter((n) => n === name).length > 1) {
      entry.valid = false;
      entry.problems.push({ file: shown, path: '', message: `site "${name}" is defined by more than one file in configs/; keep one` });
    }
    entries.push(entry);
  }
  return entries;
}

/** Best effort for an invalid file: its `site` and `ckan.url` as written, when readable. */
async function peek(file: string): Promise<{ site?: string; ckanUrl?: string }> {
  const format = formatOf(file);
  if (format === undefined) return {};
  const text = await readFile(file, 'utf8').catch(() => '');
  const data = parseSource(text, format).data as { site?: unknown; ckan?: { url?: unknown } } | null | undefined;
  if (data === null || typeof data !== 'object') return {};
  const out: { site?: string; ckanUrl?: string } = {};
  if (typeof data.site === 'string') out.site = data.site;
  if (data.ckan !== null && typeof data.ckan === 'object' && typeof data.ckan.url === 'string') out.ckanUrl = withoutCredentials(data.ckan.url);
  return out;
}

function withoutCredentials(url: string): string {
  const u = URL.parse(url);
  if (!u || (u.username === '' && u.password === '')) return url;
  u.username = '***';
  u.password = '';
  return u.href;
}
