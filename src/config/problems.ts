/**
 * Config problems: one per mistake, each naming the file, the line and the key path, and the
 * single ERR_CONFIG error that carries them all.
 */
import type { z } from 'zod';
import { MallardError } from '../engine/errors.js';
import { SECTION_KEYS } from './schema.js';
import { closestMatch } from '../engine/did-you-mean.js';

export interface ConfigProblem {
  /** The file as shown to the user (relative to the working directory when inside it). */
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. "ckan.url"; empty for the whole file. */
  path: string;
  message: string;
}

/** `configs/x.yaml:3: ckan.url: Invalid URL` */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : p.column === undefined ? `${p.file}:${p.line}` : `${p.file}:${p.line}:${p.column}`;
  return p.path === '' ? `${where}: ${p.message}` : `${where}: ${p.path}: ${p.message}`;
}

export function configError(file: string, problems: ConfigProblem[], suggestions: string[] = []): MallardError {
  const lines = problems.map(formatProblem);
  const message = lines.length === 1 ? lines[0]! : `${file}: ${lines.length} problems\n${lines.map((l) => `  ${l}`).join('\n')}`;
  return new MallardError('ERR_CONFIG', message, {
    context: { file, problems },
    suggestions: suggestions.length > 0 ? suggestions : ['the example files in configs/ explain every key'],
  });
}

/** Names that hold a secret value: never allowed in a config file. */
const SECRET_KEY = /^(token|tokens|api[_-]?key|access[_-]?token|auth[_-]?token|password|secret|pat)$/i;

type Issue = z.core.$ZodIssue;

/** Zod issues → problems with lines (an unknown-keys issue becomes one problem per key). */
export function issuesToProblems(
  issues: readonly Issue[],
  file: string,
  lineOf: (path: readonly PropertyKey[]) => number | undefined,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        problems.push({ file, line: lineOf(path), path: dotted(path), message: unknownKeyMessage(issue.path, key) });
      }
      continue;
    }
    problems.push({ file, line: lineOf(issue.path), path: dotted(issue.path), message: issue.message });
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function unknownKeyMessage(parent: readonly PropertyKey[], key: string): string {
  if (SECRET_KEY.test(key)) {
    const section = dotted(parent);
    if (section === 'sourcegraph' || section === 'github') {
      const example = section === 'sourcegraph' ? 'SOURCEGRAPH_TOKEN' : 'GITHUB_TOKEN';
      return `secrets never go in config files: remove it, set ${section}.tokenEnv: ${example} (the NAME of an environment variable) and put the token in that variable or in .env`;
    }
    return 'secrets never go in config files: remove it; tokens are read from the environment variables named by sourcegraph.tokenEnv and github.tokenEnv (set in the shell or .env)';
  }
  const known = SECTION_KEYS[dotted(parent)] ?? SECTION_KEYS[wildcardPath(parent)] ?? [];
  const guess = closest(key, known);
  return guess ? `Unrecognized key (did you mean "${guess}"?)` : `Unrecognized key (expected one of: ${known.join(', ')})`;
}

/** `schedules.nightly.notify` → `schedules.*.notify`: the keys of user-named entries. */
function wildcardPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (i > 0 && (path[i - 1] === 'schedules' || path[i - 1] === 'artifacts') ? '*' : String(p))).join('.');
}

export function dotted(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** The known key nearest to `word`, if near enough to be a typo (the engine's one rule). */
function closest(word: string, candidates: readonly string[]): string | undefined {
  return closestMatch(word, candidates);
}
