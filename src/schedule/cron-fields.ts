/**
 * A five-field cron expression as the sets of values it allows, for rendering it in other
 * schedulers' syntax (systemd OnCalendar, GitHub Actions). Supports what cron and croner
 * share: `*`, numbers, names (JAN, MON), lists, ranges, steps, and the @hourly-style
 * nicknames. croner-only extensions (L, W, #, ?, seconds, years) cannot be rendered.
 */
import { MallardError } from '../engine/index.js';

export interface CronFields {
  minute: number[];
  hour: number[];
  dayOfMonth: number[];
  month: number[];
  /** 0 = Sunday … 6 = Saturday. */
  dayOfWeek: number[];
  /** Whether the field was `*` (cron ORs day-of-month and day-of-week when both are restricted). */
  domAny: boolean;
  dowAny: boolean;
}

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function unsupported(expression: string, why: string): MallardError {
  return new MallardError('ERR_USAGE', `cron expression "${expression}" cannot be rendered for this scheduler: ${why}`, {
    suggestions: ['use a five-field expression with numbers, names, lists (,), ranges (-) and steps (/), e.g. "30 2 * * *" or "0 */4 * * 1-5"'],
  });
}

export function parseCronFields(expression: string): CronFields {
  const text = NICKNAMES[expression.trim().toLowerCase()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw unsupported(expression, `it has ${parts.length} fields, not five (seconds and years have no equivalent)`);
  const [mi, h, dom, mon, dow] = parts as [string, string, string, string, string];
  const dowValues = field(expression, dow, 0, 7, DAYS).map((d) => (d === 7 ? 0 : d));
  return {
    minute: field(expression, mi, 0, 59),
    hour: field(expression, h, 0, 23),
    dayOfMonth: field(expression, dom, 1, 31),
    month: field(expression, mon, 1, 12, MONTHS, 1),
    dayOfWeek: [...new Set(dowValues)].sort((a, b) => a - b),
    domAny: dom === '*',
    dowAny: dow === '*',
  };
}

function field(expression: string, text: string, min: number, max: number, names: readonly string[] = [], nameBase = 0): number[] {
  const values = new Set<number>();
  const value = (v: string): number => {
    const byName = names.indexOf(v.toLowerCase());
    if (byName >= 0) return byName + nameBase;
    if (!/^\d+$/.test(v)) throw unsupported(expression, `"${v}" is not a plain value (croner extensions like L, W, # and ? have no equivalent)`);
    const n = Number(v);
    if (n < min || n > max) throw unsupported(expression, `${n} is outside ${min}-${max}`);
    return n;
  };
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw unsupported(expression, `bad step "${stepText}"`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max === 7 ? 6 : max];
    else if (range.includes('-')) [lo, hi] = range.split('-').map(value) as [number, number];
    else [lo, hi] = [value(range), stepText === undefined ? value(range) : max];
    if (lo > hi) throw unsupported(expression, `range ${range} runs backwards`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** Consecutive runs of values as `a..b`, others as single values, joined by commas (systemd syntax). */
export function compactList(values: readonly number[], pad = 2): string {
  const out: string[] = [];
  const fmt = (n: number): string => String(n).padStart(pad, '0');
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push(j - i >= 2 ? `${fmt(values[i]!)}..${fmt(values[j]!)}` : values.slice(i, j + 1).map(fmt).join(','));
    i = j + 1;
  }
  return out.join(',');
}
