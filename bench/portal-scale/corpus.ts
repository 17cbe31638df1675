/**
 * The code corpus of the portal-scale benchmark: files referencing a known share of the portal's
 * search terms (1-4 files each, sometimes in upper case, sometimes twice), as many noise files,
 * and the true set of matches: what one exact search per term finds, evaluated with the loopback
 * server's own query semantics over the candidate files of the index.
 */
import { evaluate, parseQuery, type SgFile } from '../../test/support/sourcegraph-query.js';
import type { CodeIndex } from './code-index.js';

export { createRandom as rng } from '../../test/support/ckan-corpus.js';

/** Repositories github.com/org<k>/repo<k>, k < REPOS, hold the referencing files. */
export const REPOS = 400;

export function codeCorpus(terms: readonly string[], share: number, r: () => number): { files: SgFile[]; referenced: string[] } {
  const referenced = terms.filter(() => r() < share);
  const files: SgFile[] = [];
  let n = 0;
  for (const term of referenced) {
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) {
      const repo = Math.floor(r() * REPOS);
      const text = r() < 0.2 ? term.toUpperCase() : term;
      n += 1;
      files.push({
        repository: `github.com/org${repo}/repo${repo}`, path: `src/load_${n}.py`,
        meta: { repositoryID: repo, repoStars: repo % 50, commit: String(n).padStart(40, '0'), branches: ['main'], language: 'Python' },
        lines: ['import pandas as pd', `URL = "${text}"`, 'df = pd.read_csv(URL)', `# see ${r() < 0.3 ? text : 'the docs'}`],
      });
    }
  }
  const referencing = files.length;
  for (let i = 0; i < referencing; i++) files.push({ repository: `github.com/noise${i % 97}/x`, path: `n/${i}.js`, lines: ['const a = 1;', 'export default a;'] });
  return { files, referenced };
}

/** A match as the benchmark compares them: [term, repository, path, line (1-based) or null]. */
export function matchKey(term: string, repository: unknown, path: unknown, line: unknown): string {
  return JSON.stringify([term, repository, path ?? null, line ?? null]);
}

/** Every term's (term, repository, path, line), as one exact search each would find. */
export function trueSet(terms: Iterable<string>, index: CodeIndex): Set<string> {
  const out = new Set<string>();
  for (const term of terms) {
    const query = parseQuery(`${JSON.stringify(term)} count:all`);
    for (const m of evaluate(query, index.candidates(query)).matches) {
      const lines = Array.isArray(m['lineMatches']) ? (m['lineMatches'] as Array<{ lineNumber: number }>) : [];
      if (lines.length === 0) out.add(matchKey(term, m['repository'], m['path'], null));
      for (const l of lines) out.add(matchKey(term, m['repository'], m['path'], l.lineNumber + 1));
    }
  }
  return out;
}
