/**
 * Loads `<cwd>/.env` into an environment, never overriding a variable already set.
 * Temporary: the shared loader in src/config replaces this (same signature).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { MallardError } from '../src/engine/errors.js';

export function loadDotEnv(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const file = path.join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new MallardError('ERR_CONFIG', `cannot read ${file}: ${code ?? String(err)}`, { cause: err, context: { file } });
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}
