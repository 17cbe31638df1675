/**
 * Reading the append-only JSON-lines files mallard keeps (receipt journals, scheduled-run
 * records): a missing file has no lines, and a line cut short by a crash is skipped.
 */
import fs from 'node:fs';

/** The non-empty lines of `file`; none when it does not exist. */
export function readLines(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text.split('\n').filter((l) => l.trim().length > 0);
}

/** Each line of `file` parsed; a line that is not JSON (torn by a crash) is left out. */
export function readJsonLines(file: string): unknown[] {
  const out: unknown[] = [];
  for (const line of readLines(file)) {
    try {
      out.push(JSON.parse(line));
    } catch {
      // a torn line: that record is simply not there
    }
  }
  return out;
}
