/** Writing a result file as its matches arrive: a file stream that waits when its buffer is full. */
import type { WriteStream } from 'node:fs';

export class ResultWriter {
  bytes = 0;
  constructor(private readonly out: WriteStream) {}

  async write(text: string): Promise<void> {
    this.bytes += Buffer.byteLength(text);
    if (this.out.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.out.once('error', onError);
      this.out.once('drain', () => {
        this.out.off('error', onError);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}

/** Destroys a file stream whose writes may still be pending, swallowing their errors. */
export async function discard(out: WriteStream): Promise<void> {
  out.on('error', () => undefined);
  if (out.closed) return;
  await new Promise<void>((resolve) => {
    out.once('close', () => resolve());
    out.destroy();
  });
}
