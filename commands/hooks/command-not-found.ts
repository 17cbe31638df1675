/**
 * oclif's `command_not_found` hook (what @oclif/plugin-not-found uses): a mistyped command
 * ends in one error with "did you mean" (exit 2), instead of oclif's bare "command x not found".
 */
import type { Hook } from '@oclif/core';
import { unknownCommandError } from '../command-suggestion.js';

const hook: Hook<'command_not_found'> = async function (opts) {
  throw unknownCommandError(opts.id, opts.config);
};

export default hook;
