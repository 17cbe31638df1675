/**
 * What every mallard command shares: --verbose and --artifacts-dir (checked before use:
 * commands/artifacts-dir.ts), "did you mean" for a mistyped flag, and errors that go up to
 * main.ts to be rendered once (as JSON too when --json is on).
 */
import { Command, Errors, Flags } from '@oclif/core';
import { closestMatch } from '../src/engine/did-you-mean.js';
import { isMallardError } from '../src/engine/errors.js';
import { checkArtifactsDir, type ArtifactsDirUse } from './artifacts-dir.js';

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

  /**
   * The artifacts directory as an absolute path: refused (exit 2) when empty, a file, or, for
   * a command that writes, not writable.
   */
  protected artifactsDir(flag: string, use: ArtifactsDirUse = 'read'): string {
    return checkArtifactsDir(flag, use);
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    suggestFlag(err, this.flagNames());
    if (this.jsonEnabled()) {
      const code = isMallardError(err) ? err.code : err instanceof Errors.CLIError ? 'ERR_USAGE' : 'ERR_UNEXPECTED';
      this.logJson({ error: { code, message: err.message } });
    }
    throw err;
  }

  /** Every flag this command accepts, as typed (`--name`, `-c`). */
  private flagNames(): string[] {
    const ctor = this.ctor as typeof Command & { enableJsonFlag?: boolean };
    const all = { ...ctor.baseFlags, ...ctor.flags } as Record<string, { char?: string }>;
    const names = Object.entries(all).flatMap(([name, f]) => [`--${name}`, ...(f.char ? [`-${f.char}`] : [])]);
    return [...names, ...(ctor.enableJsonFlag ? ['--json'] : []), '--help', '-h'];
  }
}

/** Adds "did you mean --x?" to oclif's "Nonexistent flag" error (its suggestions are printed as hints). */
function suggestFlag(err: Error, known: readonly string[]): void {
  const unknown = (err as Error & { flags?: unknown }).flags;
  if (!(err instanceof Errors.CLIError) || !/^Nonexistent flag/.test(err.message) || !Array.isArray(unknown)) return;
  const hints: string[] = [];
  for (const given of unknown) {
    if (typeof given !== 'string') continue;
    const name = given.split('=')[0]!;
    const match = closestMatch(name, known.filter((k) => k.startsWith('--')));
    if (match !== undefined) hints.push(`did you mean ${match}?`);
  }
  hints.push('see --help for the flags of this command');
  (err as Errors.CLIError & { suggestions?: string[] }).suggestions = hints;
}
