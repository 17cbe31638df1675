/**
 * An n-gram index over a code corpus, so the loopback Sourcegraph answers a query of 100 terms
 * over 100,000 files in milliseconds instead of scanning every line. It only narrows: it gives a
 * superset of the files a pattern can match, which the server then evaluates exactly.
 *
 * Every text of a file (its lines, path and repository name, lower-cased) contributes the grams
 * of GRAM characters starting at positions that are multiples of STEP. A pattern found at offset
 * o of a text covers, for the one alignment j = (STEP - o % STEP) % STEP, the indexed grams at
 * j, j + STEP, ...; so the files holding the pattern are among those holding the rarest of those
 * grams, for some j. Patterns shorter than GRAM + STEP - 1 fall back to every file.
 */
import type { ParsedQuery, SgFile } from '../../test/support/sourcegraph-query.js';

const GRAM = 6;
const STEP = 6;

export class CodeIndex {
  private readonly postings = new Map<string, number[]>();

  constructor(readonly files: readonly SgFile[]) {
    files.forEach((file, id) => {
      for (const text of [...file.lines, file.path, file.repository]) this.add(text.toLowerCase(), id);
    });
  }

  private add(text: string, id: number): void {
    for (let at = 0; at + GRAM <= text.length; at += STEP) {
      const gram = text.slice(at, at + GRAM);
      const list = this.postings.get(gram);
      if (list === undefined) this.postings.set(gram, [id]);
      else if (list[list.length - 1] !== id) list.push(id);
    }
  }

  /** Ids of the files that may contain `pattern` (ignoring case); undefined: any file may. */
  private candidateIds(pattern: string): number[] | undefined {
    const p = pattern.toLowerCase();
    if (p.length < GRAM + STEP - 1) return undefined;
    const ids = new Set<number>();
    for (let j = 0; j < STEP; j++) {
      let rarest: number[] | undefined;
      for (let at = j; at + GRAM <= p.length; at += STEP) {
        const list = this.postings.get(p.slice(at, at + GRAM)) ?? [];
        if (rarest === undefined || list.length < rarest.length) rarest = list;
        if (rarest.length === 0) break;
      }
      for (const id of rarest ?? []) ids.add(id);
    }
    return [...ids];
  }

  /** The files that may match any pattern of the query, in corpus order. */
  candidates(query: ParsedQuery): SgFile[] {
    const ids = new Set<number>();
    for (const pattern of query.patterns) {
      const found = this.candidateIds(pattern);
      if (found === undefined) return [...this.files];
      for (const id of found) ids.add(id);
    }
    return [...ids].sort((a, b) => a - b).map((id) => this.files[id] as SgFile);
  }
}
