/**
 * Parsing the user-facing option values of the store's commands (durations, counts) into
 * numbers, with ERR_USAGE messages that say what was wrong and what is expected.
 */
import { durationMs } from '../engine/duration.js';
import { MallardError } from '../engine/errors.js';

/**
 * A duration like `30d`, `12h`, `90m`, `45s`, `2w` or `1d12h` in milliseconds.
 * `what` names the option in the error message (e.g. `--older-than`).
 */
export function parseDuration(value: string, what = 'duration'): number {
  const ms = durationMs(value);
  if (ms === undefined) {
    throw new MallardError('ERR_USAGE', `Invalid ${what} "${value}": use a whole number with a unit s, m, h, d or w, like 30d, 12h or 1d12h`, {
      context: { value },
      suggestions: ['units: s seconds, m minutes, h hours, d days, w weeks'],
    });
  }
  return ms;
}

/** A whole number of 0 or more, e.g. `--keep 3`. */
export function parseCount(value: string, what = 'count'): number {
  const text = value.trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new MallardError('ERR_USAGE', `Invalid ${what} "${value}": use a whole number, 0 or more`, { context: { value } });
  }
  return Number(text);
}
