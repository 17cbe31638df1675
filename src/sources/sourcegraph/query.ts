/**
 * Sourcegraph queries for an exact-match search of one term. The term goes inside double
 * quotes in keyword mode, where quotes match a string exactly; a backslash and a double
 * quote are escaped, and so are line breaks and tabs (inside quotes `\n` means a newline).
 * So a term can hold spaces, colons (`repo:x` stays text), quotes, `OR`, or a URL.
 */
export interface QueryOptions {
  /** Include forks (`fork:yes`); Sourcegraph leaves them out by default. */
  includeForks?: boolean;
  /** Include archived repositories (`archived:yes`); left out by default. */
  includeArchived?: boolean;
  /** Filters added as they are, e.g. `context:global` or `lang:python`. */
  extraFilters?: string[];
}

/** `"term"` with `\`, `"`, newlines, carriage returns and tabs escaped. */
export function quoteTerm(term: string): string {
  let out = '"';
  for (const ch of term) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return out + '"';
}

/** The inverse of quoteTerm (used by the test server to find the term in a query). */
export function unquoteTerm(quoted: string): string {
  if (quoted.length < 2 || !quoted.startsWith('"') || !quoted.endsWith('"')) throw new Error(`not a quoted term: ${quoted}`);
  const body = quoted.slice(1, -1);
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"' };
  return body.replace(/\\(.)/gsu, (_m, ch: string) => escapes[ch] ?? ch);
}

function filters(opts: QueryOptions): string[] {
  const parts = ['patternType:keyword', 'count:all'];
  if (opts.includeForks) parts.push('fork:yes');
  if (opts.includeArchived) parts.push('archived:yes');
  parts.push(...(opts.extraFilters ?? []));
  return parts;
}

/**
 * The query of one request: `buildSearchQuery(term)` for one term, else every term quoted and
 * joined with OR inside parentheses, then the same filters:
 * `("a" OR "b") patternType:keyword count:all [fork:yes] [archived:yes] [extra]`. Inside quotes
 * parentheses, `OR` and regex characters are text, so each alternative is the exact term.
 */
export function buildBatchQuery(terms: readonly string[], opts: QueryOptions = {}): string {
  if (terms.length === 0) throw new RangeError('a search request needs at least one term');
  if (terms.length === 1) return buildSearchQuery(terms[0] as string, opts);
  for (const t of terms) if (t.trim() === '') throw new RangeError('a search term must not be empty');
  return [`(${terms.map(quoteTerm).join(' OR ')})`, ...filters(opts)].join(' ');
}

/**
 * The whole query for an exhaustive exact-match search of `term`:
 * `"term" patternType:keyword count:all [fork:yes] [archived:yes] [extra filters]`.
 */
export function buildSearchQuery(term: string, opts: QueryOptions = {}): string {
  if (term.trim() === '') throw new RangeError('a search term must not be empty');
  return [quoteTerm(term), ...filters(opts)].join(' ');
}

/** The stream endpoint URL for `query`: `<baseUrl>/.api/search/stream?q=…&v=V3&t=keyword`. */
export function streamSearchUrl(baseUrl: string, query: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/.api/search/stream`);
  url.searchParams.set('q', query);
  url.searchParams.set('v', 'V3');
  url.searchParams.set('t', 'keyword');
  return url.toString();
}
