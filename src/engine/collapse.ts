/**
 * Luigi-style collapsing of many task ids of one family into one readable line:
 * `Leaf(i=0...4999)`, `Page(site=uk, start=0,1000...9000)`, or the first few and a count.
 */
import type { Params, ParamValue } from './task.js';

const MAX_LISTED = 5;

export function collapseParams(family: string, params: readonly Params[]): string {
  if (params.length === 0) return family;
  if (params.length === 1) return `${family}(${formatAll(params[0] as Params)})`;
  const keySet = new Set<string>();
  for (const p of params) for (const k in p) keySet.add(k);
  const keys = [...keySet].sort();
  const varying = keys.filter((k) => varies(params, k));
  const fixed = keys.filter((k) => !varying.includes(k)).map((k) => `${k}=${String((params[0] as Params)[k])}`);
  if (varying.length === 1) {
    const k = varying[0] as string;
    const values = params.map((p) => p[k] as ParamValue);
    return `${family}(${[...fixed, `${k}=${collapseValues(values)}`].join(', ')})`;
  }
  const shown = params.slice(0, 3).map((p) => `${family}(${formatAll(p)})`);
  return params.length > shown.length ? `${shown.join(', ')} and ${params.length - shown.length} more` : shown.join(', ');
}

/** Do the tasks differ in `k` (compared as shown, so 1 and '1' do not)? Stops at the first difference. */
function varies(params: readonly Params[], k: string): boolean {
  const first = (params[0] as Params)[k];
  const shown = String(first);
  for (const p of params) if (p[k] !== first && String(p[k]) !== shown) return true;
  return false;
}

function formatAll(p: Params): string {
  return Object.keys(p)
    .sort()
    .map((k) => `${k}=${String(p[k])}`)
    .join(', ');
}

/** Integers become ranges (`0...99,150`); anything else is listed, or cut after a few. */
export function collapseValues(values: readonly ParamValue[]): string {
  if (increasingIntegers(values)) return integerRanges(values);
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    return integerRanges([...new Set(values as number[])].sort((a, b) => a - b));
  }
  const unique = [...new Set(values.map(String))].sort();
  if (unique.length <= MAX_LISTED) return unique.join(',');
  return `${unique.slice(0, 3).join(',')}... (${unique.length} values)`;
}

/** Integers already sorted and distinct (the usual order of a wide task's requirements): no Set, no sort. */
function increasingIntegers(values: readonly ParamValue[]): values is readonly number[] {
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= prev) return false;
    prev = v;
  }
  return true;
}

function integerRanges(sorted: readonly number[]): string {
  const parts: string[] = [];
  let start = sorted[0] as number;
  let prev = start;
  let step: number | undefined;
  const close = (): void => {
    if (start === prev) parts.push(String(start));
    else if (prev - start === step) parts.push(`${start},${prev}`);
    else parts.push(step !== undefined && step > 1 ? `${start}...${prev} (step ${step})` : `${start}...${prev}`);
  };
  for (let i = 1; i < sorted.length; i += 1) {
    const v = sorted[i] as number;
    const gap = v - prev;
    if (step === undefined && prev === start) step = gap;
    else if (gap !== step) {
      close();
      start = v;
      prev = v;
      step = undefined;
      continue;
    }
    prev = v;
  }
  close();
  if (parts.length > 8) return `${parts.slice(0, 4).join(',')},... (${sorted.length} values)`;
  return parts.join(',');
}
