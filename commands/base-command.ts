/**
 * What every mallard command shares: --verbose and --artifacts-dir, and errors that go up to
 * main.ts to be rendered once (as JSON too when --json is on).
 */
import path from 'node:path';
import { Command, Errors, Flags } from '@oclif/core';
import { isMallardError } from '../src/engine/errors.js';

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    verbose: Flags.boolean({ description: 'Print stack traces and debug detail on errors.', default: false, helpGroup: 'GLOBAL' }),
    'artifacts-dir': Flags.string({
      description: 'Directory everything is written to (raw/, work/, read_only/, runs/).',
      env: 'ARTIFACTS_DIR',
      default: './artifacts',
      helpGroup: 'GLOBAL',
    }),
  };

  /** The artifacts directory as an absolute path. */
  protected artifactsDir(flag: string): string {
    return path.resolve(flag);
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (this.jsonEnabled()) {
      const code = isMallardError(err) ? err.code : err instanceof Errors.CLIError ? 'ERR_USAGE' : 'ERR_UNEXPECTED';
      this.logJson({ error: { code, message: err.message } });
    }
    throw err;
  }
}
