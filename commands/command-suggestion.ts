/**
 * "Did you mean …?" for a mistyped command or topic (`rnus`, `artifacts lst`), with the one
 * typo rule of src/engine/did-you-mean.ts. Ids are oclif's (`artifacts:list`); what the user
 * reads has spaces, as they type it.
 */
import { Errors, type Config } from '@oclif/core';
import { closestMatch } from '../src/engine/did-you-mean.js';
import { EXIT_USAGE } from './render-error.js';

const spaced = (id: string): string => id.replace(/:/g, ' ');

/** The error for an unknown command or topic `id` (colon-separated), with a suggestion when one is near. */
export function unknownCommandError(id: string, config: Pick<Config, 'bin' | 'commandIDs' | 'topics'>): Errors.CLIError {
  const known = [...config.commandIDs, ...config.topics.map((t) => t.name)];
  const match = closestMatch(spaced(id), [...new Set(known)].map(spaced));
  const topic = id.includes(':') ? id.split(':')[0]! : undefined;
  const suggestions: string[] = [];
  if (match !== undefined) suggestions.push(`did you mean ${config.bin} ${match}?`);
  if (topic !== undefined && config.topics.some((t) => t.name === topic)) suggestions.push(`${config.bin} ${topic} --help lists the ${topic} commands`);
  else suggestions.push(`${config.bin} --help lists every command`);
  return new Errors.CLIError(`"${spaced(id)}" is not a ${config.bin} command`, { exit: EXIT_USAGE, suggestions });
}
