/**
 * Reads a run log (JSON lines) from a byte offset: every complete line parsed, a cut-off
 * last line reported, never thrown on. Reading the file whole is the fast way here
 * (a 100,000-task log is ~40 MB; line-by-line streams are several times slower).
 */
import fs from 'node:fs';

export interface LogChunk {
  events: Array<Record<string, unknown> & { type: string }>;
  /** Lines that were complete but not a JSON event. */
  badLines: number;
  /** Text after the last newline: a line being written, or cut by a crash. */
  partial: boolean;
  /** The byte offset after the last complete line: where to read from next. */
  nextOffset: number;
}

/**
 * With `onEvent`, each event is handed over as it is parsed and none is kept (`events` stays
 * empty): a 100,000-task log then never holds its 300,000 events at once.
 */
export function readLogFrom(file: string, offset = 0, onEvent?: (event: Record<string, unknown> & { type: string }) => void): LogChunk {
  const buf = readBytesFrom(file, offset);
  const lastNl = buf.lastIndexOf(0x0a);
  const complete = lastNl < 0 ? '' : buf.subarray(0, lastNl).toString('utf8');
  const out: LogChunk = { events: [], badLines: 0, partial: lastNl < buf.length - 1, nextOffset: offset + lastNl + 1 };
  if (complete === '') return out;
  let start = 0;
  while (start < complete.length) {
    let end = complete.indexOf('\n', start);
    if (end < 0) end = complete.length;
    const line = complete.slice(start, end);
    start = end + 1;
    const event = parseEvent(line);
    if (event === undefined) {
      if (line.trim() !== '') out.badLines += 1;
    } else if (onEvent !== undefined) onEvent(event);
    else out.events.push(event);
  }
  return out;
}

export function parseEvent(line: string): (Record<string, unknown> & { type: string }) | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    if (value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') return value as Record<string, unknown> & { type: string };
  } catch {
    // a line cut by a crash
  }
  return undefined;
}

function readBytesFrom(file: string, offset: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(size - offset);
    let read = 0;
    while (read < buf.length) {
      const n = fs.readSync(fd, buf, read, buf.length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return buf.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}
