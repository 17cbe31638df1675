/**
 * Server-sent events that tail a run log: every complete line from a byte offset on, each
 * sent with `id: <offset after the line>`, so a reconnecting EventSource resumes exactly
 * where it stopped (Last-Event-ID). New lines are noticed by fs.watch, with a slow poll as
 * a safety net (watchers can miss events on some filesystems).
 */
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';

const POLL_MS = 500;
const HEARTBEAT_MS = 15_000;
const MAX_READ = 4 * 1024 * 1024;

export interface TailHandle {
  close(): void;
}

export function streamLog(file: string, from: number, res: ServerResponse): TailHandle {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 1000\n\n');
  let offset = Math.max(0, from);
  let closed = false;
  let reading = false;
  let again = false;
  const pump = (): void => {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        offset = sendNew(file, offset, res);
      } while (again && !closed);
    } finally {
      reading = false;
    }
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(file, { persistent: false }, pump);
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined; // the poll still works
  }
  const poll = setInterval(pump, POLL_MS);
  const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const close = (): void => {
    if (closed) return;
    closed = true;
    watcher?.close();
    clearInterval(poll);
    clearInterval(beat);
    res.end();
  };
  res.on('close', close);
  pump();
  return { close };
}

/** Sends the complete lines after `offset`; returns the new offset. */
function sendNew(file: string, offset: number, res: ServerResponse): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return offset;
  }
  try {
    for (;;) {
      const size = fs.fstatSync(fd).size;
      if (size < offset) offset = 0; // the file was replaced: start over
      if (size === offset) return offset;
      const buf = Buffer.allocUnsafe(Math.min(MAX_READ, size - offset));
      const n = fs.readSync(fd, buf, 0, buf.length, offset);
      const lastNl = buf.subarray(0, n).lastIndexOf(0x0a);
      if (lastNl < 0) return offset; // a line being written: wait for its end
      let out = '';
      let start = 0;
      while (start <= lastNl) {
        const nl = buf.indexOf(0x0a, start);
        const line = buf.toString('utf8', start, nl);
        start = nl + 1;
        if (line.trim() !== '') out += `id: ${offset + start}\ndata: ${line}\n\n`;
      }
      offset += lastNl + 1;
      if (out !== '') res.write(out);
      if (n < buf.length || offset >= size) return offset;
    }
  } finally {
    fs.closeSync(fd);
  }
}
