/**
 * Progress of a transfer on stderr: one updating line in a terminal, plain lines otherwise
 * (logs, CI). Nothing at all in --json mode.
 */
import type { SyncProgress } from '../src/sync/index.js';

const VERBS: Record<SyncProgress['phase'], string> = { upload: 'uploaded', download: 'restored', delete: 'deleted', copy: 'copied' };

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function progressPrinter(stream: NodeJS.WriteStream, enabled: boolean): { onProgress?: (e: SyncProgress) => void; finish(): void } {
  if (!enabled) return { finish: () => {} };
  const tty = stream.isTTY === true;
  let drawn = false;
  const onProgress = (e: SyncProgress): void => {
    const counts = `${e.filesDone}/${e.filesTotal} files` + (e.bytesTotal > 0 ? `, ${formatBytes(e.bytesDone)}/${formatBytes(e.bytesTotal)}` : '');
    if (tty) {
      const width = stream.columns && stream.columns > 20 ? stream.columns - 1 : 100;
      stream.write(`\r\x1b[2K${`${VERBS[e.phase]} ${counts}  ${e.file}`.slice(0, width)}`);
      drawn = true;
    } else {
      stream.write(`${VERBS[e.phase]} ${e.file} [${counts}]\n`);
    }
  };
  const finish = (): void => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return { onProgress, finish };
}
