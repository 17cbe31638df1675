/**
 * The environment side of configuration: the `.env` file, tokens looked up by the name the
 * config gives, and redaction of their values from anything printed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { MallardError } from '../engine/errors.js';
import { fsErrorText } from './locate.js';
import type { SiteConfig } from './schema.js';

/**
 * Loads `<cwd>/.env` into `env`, never overriding a variable already set (even to '').
 * Returns the names it set (never the values). A missing file sets nothing.
 */
export function loadDotEnv(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const file = path.join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new MallardError('ERR_CONFIG', `cannot read ${file}: ${fsErrorText(err)}`, { cause: err, context: { file } });
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}

/** The token for a service, from the environment variable the config names; blank counts as unset. */
export function resolveToken(config: SiteConfig, service: 'sourcegraph' | 'github', env: NodeJS.ProcessEnv): string | undefined {
  const value = env[config[service].tokenEnv]?.trim();
  return value ? value : undefined;
}

export const REDACTED = '[REDACTED]';

/** Replaces every occurrence of each secret (and its URL-encoded form) in `text`. */
export function redact(text: string, secrets: string[]): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
  }
  // Longest first, so a secret containing another is replaced whole.
  let out = text;
  for (const s of [...forms].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
  return out;
}
