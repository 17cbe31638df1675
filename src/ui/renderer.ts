/** The renderer contract and the factory choosing one per output mode. */
import type { Clock, EngineEvent, RunSummary } from '../engine/index.js';
import { JsonRenderer } from './json-renderer.js';
import { PlainRenderer } from './plain-renderer.js';
import { TtyRenderer } from './tty-renderer.js';

export type RenderMode = 'tty' | 'plain' | 'json';

/** The part of a stream a renderer writes to (process.stdout, a test's capture). */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface RendererOptions {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Time of the lines not tied to an event, and of the progress throttle (default: system). */
  clock?: Clock;
  /** Plain mode: a line per task however large the run, and every task message. */
  verbose?: boolean;
}

export interface Renderer {
  /** An engine event listener: cheap (O(1)) for every event. */
  onEvent(e: EngineEvent): void;
  /** A message from the command, not the engine (e.g. "interrupting"): a line, or the header. */
  notice(text: string): void;
  /**
   * Ends the display and, in tty and plain mode, writes the summary (the one given, else
   * the run_finished event's; none if neither) to stderr. Safe to call more than once.
   */
  close(summary?: RunSummary): Promise<void>;
}

export function createRenderer(mode: RenderMode, opts: RendererOptions): Renderer {
  switch (mode) {
    case 'json':
      return new JsonRenderer(opts);
    case 'plain':
      return new PlainRenderer(opts);
    default:
      return new TtyRenderer(opts);
  }
}

export interface RenderModeInput {
  json: boolean;
  /** Whether progress goes to a terminal (the CLI passes process.stderr.isTTY). */
  isTTY: boolean;
  /** CI=true or TERM=dumb turn the live display off (default: none consulted). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** --json wins; then a terminal gets the live display; anything else (CI, a pipe) plain lines. */
export function chooseRenderMode(input: RenderModeInput): RenderMode {
  if (input.json) return 'json';
  const env = input.env ?? {};
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  if (!input.isTTY || ci || env.TERM === 'dumb') return 'plain';
  return 'tty';
}
