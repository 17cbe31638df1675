/**
 * "Did you mean …?" for every hint mallard gives (config keys, model names, task families):
 * one edit distance and one rule for "near enough to be a typo".
 */

/** Levenshtein distance between two (short) strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** The most edits a word may be from a candidate and still be taken for a typo of it. */
export function typoDistance(word: string): number {
  return Math.max(2, Math.floor(word.length / 3));
}

/** The candidate nearest to `word` (case ignored), if near enough to be a typo of it; the first of equals wins. */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = typoDistance(word) + 1;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}
