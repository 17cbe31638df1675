/** The shrink guard: a table that lost more rows than allowed since the last published build. */
import { MallardError } from '../engine/index.js';

export interface Shrink {
  table: string;
  previous: number;
  current: number;
  /** Share lost, 0..1. */
  drop: number;
}

export interface ShrinkCheck {
  database: string;
  counts: Readonly<Record<string, number>>;
  previous: Readonly<Record<string, number>> | undefined;
  tolerance: number;
  allow: boolean;
}

/** Tables whose count fell by more than `tolerance`; throws ERR_SHRINK unless `allow`. */
export function findShrinks(counts: Readonly<Record<string, number>>, previous: Readonly<Record<string, number>>, tolerance: number): Shrink[] {
  const shrinks: Shrink[] = [];
  for (const [table, before] of Object.entries(previous)) {
    const now = counts[table];
    if (now === undefined || before <= 0) continue;
    const drop = (before - now) / before;
    if (drop > tolerance) shrinks.push({ table, previous: before, current: now, drop });
  }
  return shrinks;
}

export function formatShrink(s: Shrink): string {
  return `${s.table} ${s.previous} -> ${s.current} rows (-${(s.drop * 100).toFixed(1)}%)`;
}

export function checkShrink(check: ShrinkCheck): Shrink[] {
  if (check.previous === undefined) return [];
  const shrinks = findShrinks(check.counts, check.previous, check.tolerance);
  if (shrinks.length === 0 || check.allow) return shrinks;
  const pct = `${(check.tolerance * 100).toFixed(0)}%`;
  return fail(check.database, shrinks, pct);
}

function fail(database: string, shrinks: Shrink[], pct: string): never {
  throw new MallardError('ERR_SHRINK', `${database}: ${shrinks.map(formatShrink).join(', ')}: more than the ${pct} allowed since the last published build (the previous database is kept; pass --allow-shrink if the drop is expected)`, {
    context: { database, shrinks },
    suggestions: [
      'the previous database is unchanged',
      'if the drop is expected (the source really shrank), run again with --allow-shrink',
      'the tolerance is models.shrinkTolerance in the site config',
    ],
    retryable: false,
  });
}
