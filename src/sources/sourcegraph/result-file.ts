/**
 * Reading back what a result file says about itself without parsing its matches: when it was
 * searched (the first key of the file) and its summary (the keys after the matches), so a
 * planner can tell fresh from stale and whole from to-be-split in a few kilobytes per file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Target } from '../../engine/index.js';
import type { SearchSummary } from './search.js';

const HEAD_BYTES = 256;
const TAIL_BYTES = 1024 * 1024;

function readRange(file: string, start: number, length: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = fs.readSync(fd, buf, 0, length, start);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** The `searchedAt` of a result file in ms, or undefined when the file is missing or not one. */
export function readSearchedAt(file: string): number | undefined {
  try {
    const m = /^\{"searchedAt":"([^"]+)"/.exec(readRange(file, 0, HEAD_BYTES));
    const t = m ? Date.parse(m[1] as string) : Number.NaN;
    return Number.isNaN(t) ? undefined : t;
  } catch {
    return undefined;
  }
}

/** What the end of a result file says, with its searchedAt (the terms are the caller's: they name the file). */
export type ResultFileSummary = Omit<SearchSummary, 'query' | 'url' | 'terms'>;

/** The summary of a result file (everything but its terms and matches). Throws when it is not a result file. */
export function readResultSummary(file: string): ResultFileSummary {
  const size = fs.statSync(file).size;
  const tail = readRange(file, Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES));
  const at = tail.lastIndexOf('\n],');
  const searchedAt = readSearchedAt(file);
  if (at === -1 || searchedAt === undefined) {
    const whole = JSON.parse(fs.readFileSync(file, 'utf8')) as ResultFileSummary & { matches?: unknown; terms?: unknown };
    delete whole.matches;
    delete whole.terms;
    return whole;
  }
  return { ...(JSON.parse(`{${tail.slice(at + 3)}`) as ResultFileSummary), searchedAt: new Date(searchedAt).toISOString() };
}

/**
 * A result file as a task output: it exists when the file does and was searched at or after
 * `notBeforeMs` (a result older than sourcegraph.maxAge is not there any more: searched again).
 */
export class ResultFileTarget implements Target {
  readonly path: string;

  constructor(file: string, readonly notBeforeMs?: number) {
    this.path = path.resolve(file);
  }

  get description(): string {
    return this.path;
  }

  async exists(): Promise<boolean> {
    if (!fs.existsSync(this.path)) return false;
    if (this.notBeforeMs === undefined) return true;
    const at = readSearchedAt(this.path);
    return at !== undefined && at >= this.notBeforeMs;
  }

  /** The engine reads only stamps: undefined (missing) for a stale result. */
  async stamp(): Promise<string | undefined> {
    if (!(await this.exists())) return undefined;
    const st = fs.statSync(this.path, { throwIfNoEntry: false });
    return st === undefined ? undefined : `${st.size}:${Math.trunc(st.mtimeMs)}`;
  }
}
