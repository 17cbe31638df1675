/**
 * SIGINT and SIGTERM during a run: the first stops it cleanly (no new tasks; running ones are
 * asked to stop and end; the summary, the run record and the lock release still happen),
 * the second leaves at once. The exit code of an interrupted run is the shell's 128 + the
 * signal's number: 130 for SIGINT (Ctrl-C), 143 for SIGTERM (cron, systemd, CI).
 */
import { constants } from 'node:os';

export type RunSignal = 'SIGINT' | 'SIGTERM';

/** What watchInterrupts listens on: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(event: RunSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: RunSignal, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface InterruptHandlers {
  /** First SIGINT or SIGTERM: stop starting tasks, let running ones end. */
  onInterrupt(signal: NodeJS.Signals): void;
  /** The second: leave at once (the command exits the process). */
  onForceExit(signal: NodeJS.Signals): void;
}

/** 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 2);
}

/** Installs the handlers; returns the function that removes them. */
export function watchInterrupts(source: SignalSource, handlers: InterruptHandlers): () => void {
  let seen = 0;
  const listener = (signal: NodeJS.Signals): void => {
    seen += 1;
    if (seen === 1) handlers.onInterrupt(signal);
    else handlers.onForceExit(signal);
  };
  source.on('SIGINT', listener);
  source.on('SIGTERM', listener);
  return () => {
    source.off('SIGINT', listener);
    source.off('SIGTERM', listener);
  };
}
