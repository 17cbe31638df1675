/**
 * Which config file a run uses: `--site <name>` (configs/<name>.yaml|yml|json under the
 * working directory), then `--config-file <path>`, then the CONFIG_PATH environment variable.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { MallardError } from '../engine/errors.js';
import { SITE_NAME_PATTERN } from './schema.js';
import { formatOf } from './source.js';

export const CONFIG_DIR = 'configs';
const EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export interface ConfigChoice {
  /** Absolute path of the file. */
  file: string;
  via: 'site' | 'config-file' | 'CONFIG_PATH';
  /** With --site: the `site` the file must declare. */
  expectedSite?: string;
}

export interface ChooseOptions {
  site?: string;
  configFile?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The file as shown to the user: relative to `cwd` when inside it, absolute otherwise. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Config files in <cwd>/configs (absolute paths, sorted by name); none when the folder is missing. */
export async function listConfigFiles(cwd: string): Promise<string[]> {
  const dir = path.join(cwd, CONFIG_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => formatOf(n) !== undefined && !n.startsWith('.')).sort().map((n) => path.join(dir, n));
}

/** Site names that `--site` accepts here (file names without extension). */
export async function availableSites(cwd: string): Promise<string[]> {
  const files = await listConfigFiles(cwd);
  return [...new Set(files.map((f) => path.basename(f, path.extname(f))))];
}

export async function chooseConfigFile(opts: ChooseOptions): Promise<ConfigChoice> {
  if (opts.site !== undefined && opts.site !== '') return chooseSite(opts.site, opts.cwd);
  if (opts.configFile !== undefined && opts.configFile !== '') {
    return { file: await existingFile(opts.configFile, opts.cwd, '--config-file'), via: 'config-file' };
  }
  const fromEnv = opts.env.CONFIG_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    return { file: await existingFile(fromEnv, opts.cwd, 'CONFIG_PATH'), via: 'CONFIG_PATH' };
  }
  const sites = await availableSites(opts.cwd);
  throw new MallardError('ERR_USAGE', 'no site config chosen: pass --site <name>, --config-file <path>, or set CONFIG_PATH', {
    suggestions: [sites.length > 0 ? `sites in ${CONFIG_DIR}/: ${sites.join(', ')}` : `no ${CONFIG_DIR}/ folder with config files in ${opts.cwd}`],
  });
}

async function chooseSite(site: string, cwd: string): Promise<ConfigChoice> {
  const sites = await availableSites(cwd);
  const listing = sites.length > 0 ? `available sites: ${sites.join(', ')}` : `no config files in ${path.join(cwd, CONFIG_DIR)}`;
  if (!SITE_NAME_PATTERN.test(site)) {
    throw new MallardError('ERR_USAGE', `invalid site name "${site}": use lowercase letters, digits and dashes`, { suggestions: [listing] });
  }
  const found: string[] = [];
  for (const ext of EXTENSIONS) {
    const file = path.join(cwd, CONFIG_DIR, site + ext);
    if (await isFile(file)) found.push(file);
  }
  if (found.length === 0) {
    throw new MallardError('ERR_USAGE', `unknown site "${site}": no ${CONFIG_DIR}/${site}.yaml, .yml or .json in ${cwd}`, {
      context: { site, available: sites },
      suggestions: [listing],
    });
  }
  if (found.length > 1) {
    const shown = found.map((f) => displayPath(f, cwd)).join(' and ');
    throw new MallardError('ERR_CONFIG', `site "${site}" is defined twice: ${shown}; keep one`, { context: { site, files: found } });
  }
  return { file: found[0]!, via: 'site', expectedSite: site };
}

async function existingFile(given: string, cwd: string, origin: string): Promise<string> {
  const file = path.resolve(cwd, given);
  const kind = await kindOf(file);
  if (kind === 'directory') {
    const inside = (await readdir(file).catch(() => [] as string[])).filter((n) => formatOf(n) !== undefined && !n.startsWith('.')).sort();
    throw new MallardError('ERR_CONFIG', `${given} (from ${origin}) is a directory, not a config file`, {
      context: { file },
      suggestions: [inside.length > 0 ? `give one file in it, e.g. ${path.join(given, inside[0]!)}` : 'give the path of a .yaml, .yml or .json file', 'or choose a site in configs/ with --site <name>'],
    });
  }
  if (kind !== 'file') {
    throw new MallardError('ERR_CONFIG', `config file not found: ${given} (from ${origin})`, { context: { file } });
  }
  if (formatOf(file) === undefined) {
    throw new MallardError('ERR_CONFIG', `${given}: unsupported config file type (from ${origin}); use .yaml, .yml or .json`, { context: { file } });
  }
  return file;
}

/** A file-system error as words: "permission denied (EACCES)". */
export function fsErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'it is a directory', ENOENT: 'no such file', ENOTDIR: 'a parent is not a directory' };
  return code === undefined ? String(err) : `${words[code] ?? 'file-system error'} (${code})`;
}

async function kindOf(file: string): Promise<'file' | 'directory' | 'other' | undefined> {
  try {
    const s = await stat(file);
    return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
  } catch {
    return undefined;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
