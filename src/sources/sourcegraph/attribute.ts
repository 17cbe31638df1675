/**
 * Which terms of a request each match belongs to. A request searches several exact terms joined
 * with OR; the server says which files and lines matched, not which term. An exact search of one
 * term finds exactly the lines containing it (ignoring case, as Sourcegraph does by default) and
 * the files or repositories whose path or name contains it, so a line of the combined answer is
 * the term's when it contains the term, and a file whose path contains the term but none of whose
 * lines do is the term's as a path match. Only terms whose containment can be decided here are
 * combined (`isBatchable`): printable ASCII, one line. A line or match that none of the request's
 * terms explains means the answer is not what this rule assumes: the request is split.
 */
import type { MatchLine, StoredMatch } from './matches.js';

/** A matched line with the indexes (into the request's terms) of the terms it contains. */
export interface AttributedLine extends MatchLine {
  terms: number[];
}

/** A stored match with attributions: `pathTerms` are terms matched only by its path (or repository name). */
export interface AttributedMatch extends Omit<StoredMatch, 'lines'> {
  lines: AttributedLine[];
  pathTerms: number[];
}

/** Printable ASCII on one line: its case-insensitive containment is the same here as on the server. */
export function isBatchable(term: string): boolean {
  return /^[\x20-\x7e]+$/.test(term) && term.trim() !== '';
}

/** Lowercase per character, the way the search engine compares ignoring case (one character each). */
export function foldCase(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    out += String.fromCodePoint(lower.codePointAt(0) ?? 0);
  }
  return out;
}

export interface Attribution {
  match: AttributedMatch;
  /** Lines containing none of the terms, plus 1 when the match as a whole belongs to none. */
  unexplained: number;
}

export class TermAttributor {
  private readonly folded: string[];

  constructor(readonly terms: readonly string[]) {
    this.folded = terms.map(foldCase);
  }

  /** Indexes of the terms `text` contains, ignoring case. */
  termsIn(text: string): number[] {
    const hay = foldCase(text);
    const out: number[] = [];
    this.folded.forEach((t, i) => {
      if (hay.includes(t)) out.push(i);
    });
    return out;
  }

  /**
   * Whether every range the server marked in the line is text holding one of the terms. A range
   * past the end of the line (a line the server shortened) or holding none of them means the line
   * may hold a term that cannot be seen: the request is split rather than a term lost.
   */
  rangesExplained(line: MatchLine): boolean {
    for (const [offset, length] of line.ranges ?? []) {
      if (offset < 0 || offset + length > line.preview.length) return false;
      if (this.termsIn(line.preview.slice(offset, offset + length)).length === 0) return false;
    }
    return true;
  }

  /**
   * The match with each line's terms. One term: everything is that term's (the server answered
   * exactly its search). Several: lines by containment; the path (content and path matches) or
   * the repository name (repo matches) for terms no line holds.
   */
  attribute(match: StoredMatch): Attribution {
    if (this.terms.length === 1) {
      const lines = match.lines.map((l) => ({ ...l, terms: [0] }));
      return { match: { ...match, lines, pathTerms: lines.length === 0 ? [0] : [] }, unexplained: 0 };
    }
    let unexplained = 0;
    const inLines = new Set<number>();
    const lines = match.lines.map((l) => {
      const terms = this.termsIn(l.preview);
      if (terms.length === 0 || !this.rangesExplained(l)) unexplained += 1;
      for (const t of terms) inLines.add(t);
      return { ...l, terms };
    });
    const name = match.type === 'repo' ? match.repository : match.path;
    const pathTerms = name === undefined || (match.type !== 'content' && match.type !== 'path' && match.type !== 'repo') ? [] : this.termsIn(name).filter((t) => !inLines.has(t));
    if (inLines.size === 0 && pathTerms.length === 0 && lines.length === 0) unexplained += 1;
    return { match: { ...match, lines, pathTerms }, unexplained };
  }
}
