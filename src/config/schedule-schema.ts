/**
 * The `schedules:` and `freshness:` sections of a site config. A schedule's cron expression
 * and time zone are checked here with croner (the library that also computes the ticks), so
 * a bad expression or zone is a config problem with its key path and line. Step command
 * lines are split here too; whether each names a real command is checked by the commands
 * layer (src/config does not know the commands).
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { DURATION_PATTERN, durationMs as parseDurationMs } from '../engine/duration.js';

/** Schedule names: used in unit file names and run keys. */
export const SCHEDULE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EMAIL_PATTERN = /^[^\s@<>]+@[^\s@<>]+$/;
/** Flags run-scheduled adds to every step itself. */
export const RESERVED_STEP_FLAGS = ['--site', '--config-file', '--artifacts-dir'] as const;

/** `6h`, `30m`, `1d12h` → milliseconds (a value the schema accepted). */
export function durationMs(text: string): number {
  return parseDurationMs(text) ?? 0;
}

/** Splits a command line like a POSIX shell would (quotes and backslashes; no expansion). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote !== undefined) throw new Error(`unclosed ${quote === '"' ? 'double' : 'single'} quote`);
  if (word !== undefined) words.push(word);
  return words;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Croner's message for a bad pattern, or undefined when it parses. */
export function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression); // no callback: parses the pattern, starts no timer
    return undefined;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, '');
  }
}

const duration = (example: string) =>
  z.string().trim().toLowerCase().regex(DURATION_PATTERN, `must be a duration like ${example} (units s, m, h, d, w; e.g. 1d12h)`);

const stepSchema = z.string().superRefine((line, ctx) => {
  let words: string[];
  try {
    words = splitCommandLine(line);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `cannot split the command line: ${(err as Error).message}` });
    return;
  }
  if (words.length === 0) return ctx.addIssue({ code: 'custom', message: 'empty command: give a mallard command line, e.g. "run-models --select usage"' });
  if (words[0] === './cli.sh' || words[0] === 'mallard') ctx.addIssue({ code: 'custom', message: `start with the command itself, without "${words[0]}" (e.g. "run-models --select usage")` });
  for (const w of words) {
    const flag = w.split('=')[0]!;
    if ((RESERVED_STEP_FLAGS as readonly string[]).includes(flag)) {
      ctx.addIssue({ code: 'custom', message: `${flag} is added by run-scheduled (the schedule's own site and artifacts directory): remove it` });
    }
  }
});

const webhookUrl = z.url({ protocol: /^https?$/, error: 'Invalid URL (expected http:// or https://)' });

export const emailNotifySchema = z.strictObject({
  to: z.array(z.string().regex(EMAIL_PATTERN, 'must be an email address')).min(1),
  from: z.string().regex(EMAIL_PATTERN, 'must be an email address'),
  /** The environment variable holding the SMTP URL (smtp://user:pass@host:587 or smtps://...:465). */
  smtpEnv: z.string().regex(ENV_NAME_PATTERN, 'must be the NAME of an environment variable').default('SMTP_URL'),
  /** Refuse to send over a connection that is not encrypted (STARTTLS for smtp://). */
  requireTLS: z.boolean().default(true),
  subjectPrefix: z.string().default('[mallard]'),
});

export const notifySchema = z
  .strictObject({
    /** A Slack-compatible incoming webhook URL (it is a secret: prefer webhookEnv). */
    webhook: webhookUrl.optional(),
    /** The NAME of an environment variable holding the webhook URL. */
    webhookEnv: z.string().regex(ENV_NAME_PATTERN, 'must be the NAME of an environment variable (e.g. SLACK_WEBHOOK_URL)').optional(),
    email: emailNotifySchema.optional(),
  })
  .refine((n) => !(n.webhook !== undefined && n.webhookEnv !== undefined), { message: 'give webhook or webhookEnv, not both' });

export const scheduleSchema = z.strictObject({
  cron: z.string().trim().min(1).superRefine((expr, ctx) => {
    const problem = cronProblem(expr);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `invalid cron expression "${expr}": ${problem}` });
  }),
  timezone: z.string().default('UTC').refine(isTimeZone, { message: 'unknown time zone: use an IANA name like Europe/London or America/New_York' }),
  run: z.array(stepSchema).min(1, 'needs at least one command line to run'),
  maxLate: duration('6h').optional(),
  description: z.string().optional(),
  notify: notifySchema.optional(),
});

const NAME_MESSAGE = 'schedule names are lowercase letters, digits, dashes and underscores (they name unit files and run keys)';
export const schedulesSchema = z.record(z.string().regex(SCHEDULE_NAME_PATTERN, NAME_MESSAGE), scheduleSchema, {
  error: (iss) => (iss.code === 'invalid_key' ? NAME_MESSAGE : undefined),
});

const thresholds = {
  warn_after: duration('26h').optional(),
  error_after: duration('50h').optional(),
};

export const freshnessSchema = z.strictObject({
    ...thresholds,
    /** Per artifact name (e.g. usage, clean_ckan_api): overrides, and names that must exist. */
    artifacts: z.record(z.string().regex(/^[a-z0-9_]+$/), z.strictObject(thresholds), {
      error: (iss) => (iss.code === 'invalid_key' ? 'artifact names are lowercase letters, digits and underscores (e.g. clean_ckan_api)' : undefined),
    }).default({}),
  });

export interface EmailNotifyConfig {
  to: string[];
  from: string;
  smtpEnv: string;
  requireTLS: boolean;
  subjectPrefix: string;
}

export interface NotifyConfig {
  webhook?: string;
  webhookEnv?: string;
  email?: EmailNotifyConfig;
}

export interface ScheduleConfig {
  cron: string;
  timezone: string;
  /** Mallard command lines (without the program name), run in order. */
  run: string[];
  /** A duration like `6h`: ticks older than this are skipped. */
  maxLate?: string;
  description?: string;
  notify?: NotifyConfig;
}

export interface FreshnessThresholds {
  warn_after?: string;
  error_after?: string;
}

export interface FreshnessConfig extends FreshnessThresholds {
  artifacts: Record<string, FreshnessThresholds>;
}
