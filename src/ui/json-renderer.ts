/**
 * --json: every engine event as one JSON object per line on stdout, nothing else there.
 * The summary is the run_finished event's `summary`. Lines are batched and written once per
 * turn of the event loop, so 100,000 tasks do not mean 500,000 writes.
 */
import type { EngineEvent, RunSummary } from '../engine/index.js';
import type { OutputStream, Renderer, RendererOptions } from './renderer.js';

const FLUSH_CHARS = 256 * 1024;

export class JsonRenderer implements Renderer {
  private readonly out: OutputStream;
  private buffer: string[] = [];
  private chars = 0;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(opts: RendererOptions) {
    this.out = opts.stdout;
  }

  onEvent(e: EngineEvent): void {
    const line = JSON.stringify(e);
    this.buffer.push(line);
    this.chars += line.length + 1;
    if (this.chars >= FLUSH_CHARS || e.type === 'run_finished') this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Notices are for people: stdout carries engine events only. */
  notice(_text: string): void {}

  async close(_summary?: RunSummary): Promise<void> {
    this.flush();
  }

  private flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.buffer.length === 0) return;
    this.out.write(this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.chars = 0;
  }
}
