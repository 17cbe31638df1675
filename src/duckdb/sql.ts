/** Quoting for SQL text built in code (file lists for read_json, table names). */

/** A SQL string literal: 'it''s'. */
export function sqlString(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('a SQL string cannot contain NUL');
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted identifier: "my ""table""". */
export function sqlIdentifier(name: string): string {
  if (name.includes('\u0000')) throw new RangeError('a SQL identifier cannot contain NUL');
  return `"${name.replaceAll('"', '""')}"`;
}

/** A list literal of strings: ['a', 'b']. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/** Characters DuckDB's file readers treat as a glob: a path with them could match other files. */
export function hasGlobCharacters(file: string): boolean {
  return /[*?[\]{}]/.test(file);
}
