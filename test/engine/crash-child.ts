/**
 * Child process for the crash tests: runs a session whose one task streams a large file
 * through FileTarget.writeVia slowly, so the parent can kill -9 it mid-write.
 * Usage: node crash-child.js <artifactsDir> <outputFile> <chunks>
 */
import fs from 'node:fs';
import { FileTarget, runSession, Task } from '../../src/engine/index.js';

export class SlowWrite extends Task<{ chunks: number }> {
  readonly family = 'SlowWrite';
  constructor(readonly file: string, chunks: number) {
    super({ chunks });
  }
  outputs(): FileTarget[] {
    return [new FileTarget(this.file)];
  }
  async run(): Promise<void> {
    await (this.outputs()[0] as FileTarget).writeVia(async (tmp) => {
      const fd = fs.openSync(tmp, 'w');
      for (let i = 0; i < this.params.chunks; i += 1) {
        fs.writeSync(fd, `${'x'.repeat(1023)}\n`);
        if (i === 10) process.stdout.write('writing\n');
        await new Promise((r) => setTimeout(r, 1));
      }
      fs.closeSync(fd);
    });
  }
}

if (process.argv[1]?.endsWith('crash-child.js')) {
  const [artifactsDir, file, chunks] = process.argv.slice(2) as [string, string, string];
  const { summary } = await runSession([new SlowWrite(file, Number(chunks))], { artifactsDir, scope: 'crash' });
  process.stdout.write(`${summary.status}\n`);
}
