/**
 * Durations as people write them in flags and configs: a whole number with a unit, or several
 * (`45s`, `90m`, `12h`, `30d`, `2w`, `1d12h`), or a bare `0`. One grammar for every option.
 */
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** What a duration may look like (lower case, no spaces). */
export const DURATION_PATTERN = /^(?:(?:\d+[smhdw])+|0)$/;

/** The duration in milliseconds, or undefined when `text` is not one. */
export function durationMs(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (!DURATION_PATTERN.test(t)) return undefined;
  let total = 0;
  for (const [, amount, unit] of t.matchAll(/(\d+)([smhdw])/g)) total += Number(amount) * (UNIT_MS[unit!] as number);
  return total;
}
