/** What every renderer needs: the schedule, where the project is, and the command a timer runs. */
import type { ScheduleConfig } from '../config/index.js';

export interface RenderTarget {
  site: string;
  name: string;
  schedule: ScheduleConfig;
  /** The project directory (where configs/ and .env are): the working directory of the run. */
  cwd: string;
  /** The full command: absolute cli.sh, then run-scheduled <name> and the site flags. */
  command: string[];
  /** The site flags as a checkout elsewhere would give them: --site <s>, or --config-file <path relative to the project>. */
  portableSiteArgs: string[];
  /** The config's GCS bucket and prefix, for the GitHub workflow's restore and back-up. */
  gcs: { bucket?: string; prefix?: string };
  /** Names of the environment variables the steps and notifications read (tokens, SMTP_URL, webhook). */
  secretEnv: string[];
}

/** POSIX shell quoting. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
