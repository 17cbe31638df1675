/**
 * File names for search results, derived from the term: a readable slug (ASCII letters,
 * digits and dashes, at most 60 characters) and 16 hex digits of the term's SHA-256. Only
 * those characters ever appear, so no term (`../`, `/`, NUL, a 10 kB URL, emoji) can make
 * a path outside the folder, and two terms share a name only if their hashes collide.
 */
import { createHash } from 'node:crypto';

const SLUG_MAX = 60;

/** A readable, lowercase ASCII rendering of a term: `https://data.gov.uk/x` → `https-data-gov-uk-x`. */
export function slugify(term: string): string {
  const ascii = term.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const slug = ascii
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
  return slug === '' ? 'term' : slug;
}

/** 16 hex digits of the SHA-256 of the term's UTF-8 bytes. */
export function termHash(term: string): string {
  return createHash('sha256').update(term, 'utf8').digest('hex').slice(0, 16);
}

/** `<slug>-<hash>.json`: the raw result file of the search for `term`. */
export function searchFileName(term: string): string {
  return `${slugify(term)}-${termHash(term)}.json`;
}
