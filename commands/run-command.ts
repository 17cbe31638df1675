/**
 * Base of every command that runs tasks: the flags they share (--workers, --dry-run,
 * --force, --fail-fast, --wait, --json) and `execute`, which runs the tasks in one session
 * (src/engine/session.ts) with a renderer (src/ui) listening, handles SIGINT/SIGTERM, and
 * decides the exit code.
 */
import { writeSync } from 'node:fs';
import path from 'node:path';
import { Flags, type Interfaces } from '@oclif/core';
import type { LoadedConfig } from '../src/config/index.js';
import { MallardError, runSession, type EventListener, type RunSummary, type SessionOptions, type Task } from '../src/engine/index.js';
import { checkShardUsage, runShardStep } from '../src/pipelines/shard-steps.js';
import type { SitePipeline } from '../src/pipelines/site-pipeline.js';
import { chooseRenderMode, createRenderer, formatPlan } from '../src/ui/index.js';
import { siteDirs } from '../src/pipelines/layout.js';
import { signalExitCode, watchInterrupts } from './interrupts.js';
import { EXIT_OK, EXIT_TASK_FAILED } from './render-error.js';
import { shardFlags, shardRequest } from './shard-flags.js';
import { SiteCommand } from './site-command.js';

/** The flags every task-running command shares, as oclif infers them from `baseFlags`. */
export type RunFlags = Interfaces.InferredFlags<typeof RunCommand.baseFlags>;

/** `--ui`: the ui server on its usual port, or any free one when that is taken (by a `ui` already running, say). */
async function startRunUi(artifactsDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const { startUiServer } = await import('../src/web/index.js');
  const { DEFAULT_UI_PORT } = await import('./ui.js');
  return startUiServer({ artifactsDir, port: DEFAULT_UI_PORT }).catch(() => startUiServer({ artifactsDir, port: 0 }));
}

/** The run's HTML report beside its log (runs/<id>.html). A report that cannot be written never changes the run's outcome. */
async function writeReportBesideLog(artifactsDir: string, runId: string): Promise<void> {
  try {
    const { writeRunReport } = await import('../src/report/index.js');
    await writeRunReport(path.join(artifactsDir, 'runs'), runId);
  } catch (err) {
    process.stderr.write(`warning: the HTML report of run ${runId} was not written: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/** Exit code of a second Ctrl-C, which leaves without waiting (the shell's 128 + SIGINT). */
export const EXIT_FORCED = 130;

export abstract class RunCommand extends SiteCommand {
  static override enableJsonFlag = true;
  static override baseFlags = {
    ...SiteCommand.baseFlags,
    workers: Flags.integer({ description: 'Tasks in flight at once, in this one process: their downloads and disk writes overlap; a CPU-bound step such as a DuckDB build uses its own threads. Use 1 for a strictly serial run.', default: 4, min: 1, helpGroup: 'RUN' }),
    'dry-run': Flags.boolean({ description: 'Print what would run and why (missing output, no receipt, inputs changed, forced); run nothing.', default: false, helpGroup: 'RUN' }),
    force: Flags.string({
      description: 'Rerun a task family (e.g. InsertDatasetsInfo, CkanPage) or one task by its id as --dry-run lists it (e.g. "InsertDatasetsInfo(site=data-gov-uk)"), and what is downstream of it. Repeatable.',
      multiple: true,
      helpGroup: 'RUN',
    }),
    'fail-fast': Flags.boolean({ description: 'Stop starting tasks after the first failure (default: keep going with independent work).', default: false, helpGroup: 'RUN' }),
    wait: Flags.boolean({ description: "Wait for another run holding this site's lock to finish, instead of refusing with exit code 75 (try again later).", default: false, helpGroup: 'RUN' }),
    ui: Flags.boolean({ description: 'Serve the live web page of this run on 127.0.0.1 while it runs (as `ui` does) and print its URL.', default: false, helpGroup: 'RUN' }),
    ...shardFlags,
  };

  /** The summary already printed as the run_finished event (--json): not printed again. */
  private streamed: RunSummary | undefined;

  /** Families whose tasks are found only at run time (dynamic dependencies): --force accepts them. */
  protected runtimeFamilies(): readonly string[] {
    return [];
  }

  /**
   * The command's run, local or sharded: without --shard, `execute(roots)`; with it, one step of
   * a sharded run (src/pipelines/shard-steps.ts) through the same session. `pipeline` builds
   * the plan and leaf tasks; a shard i/N gets one made with `shards: N` (its clients take 1/N
   * of each per-host budget).
   */
  protected async runMaybeSharded(roots: Task[], flags: RunFlags & { refresh?: boolean }, loaded: LoadedConfig, pipeline: (shards?: number) => SitePipeline): Promise<RunSummary | undefined> {
    const request = shardRequest(flags);
    if (request === undefined) return this.execute(roots, flags, loaded);
    const command = this.id ?? '';
    checkShardUsage(request.spec, command, roots, flags['dry-run']);
    const { openStepStore } = await import('../src/shards/run-open.js');
    const { store, publisher } = await openStepStore(request.store, loaded.config.site);
    const result = await runShardStep({
      store,
      publisher,
      storeUrl: request.store,
      spec: request.spec,
      command,
      site: loaded.config.site,
      artifactsDir: this.artifactsDir(flags['artifacts-dir'], 'write'),
      pipeline: pipeline(request.spec.kind === 'shard' ? request.spec.count : undefined),
      roots,
      execute: (tasks, onEvent, stop) => this.execute(tasks, flags, loaded, onEvent, stop),
      notice: (message) => process.stderr.write(`${message}\n`),
      ...(flags.refresh === undefined ? {} : { refresh: flags.refresh }),
      dryRun: flags['dry-run'],
    });
    // A commit that failed fails the step even when every task ran.
    if ((result.exitCode ?? 0) > 0 && !process.exitCode) process.exitCode = result.exitCode;
    return result.summary;
  }

  /** Runs `roots` (and whatever upstream of them is missing) for the loaded site; sets the exit code. */
  /** `stop` (a sharded step's lost lease): interrupts the session as a signal does, with its reason. */
  protected async execute(roots: Task[], flags: RunFlags, loaded: LoadedConfig, extraListener?: EventListener, stop?: AbortSignal): Promise<RunSummary> {
    const json = this.jsonEnabled();
    const mode = chooseRenderMode({ json, isTTY: process.stderr.isTTY === true, env: process.env });
    const renderer = createRenderer(mode, { stdout: process.stdout, stderr: process.stderr, verbose: flags.verbose });
    const interrupt = new AbortController();
    let signal: NodeJS.Signals | undefined;
    const unwatch = watchInterrupts(process, {
      onInterrupt: (s) => {
        signal = s;
        renderer.notice(`${s}: stopping (no new tasks; running ones are asked to stop). Press Ctrl-C again to quit at once.`);
        interrupt.abort(new MallardError('ERR_INTERRUPTED', `interrupted by ${s}`));
      },
      onForceExit: (s) => {
        // The live display hides the cursor and holds stderr: show the cursor again directly.
        if (mode === 'tty') writeSync(2, '\u001b[?25h\n');
        process.exit(signalExitCode(s));
      },
    });
    const onStop = (): void => {
      renderer.notice(`stopping: ${stop?.reason instanceof Error ? stop.reason.message : 'asked to stop'}`);
      interrupt.abort(stop?.reason);
    };
    if (stop?.aborted) onStop();
    else stop?.addEventListener('abort', onStop, { once: true });
    const options: SessionOptions = {
      artifactsDir: this.artifactsDir(flags['artifacts-dir'], 'write'),
      scope: loaded.config.site,
      command: this.commandLine(),
      workers: flags.workers,
      dryRun: flags['dry-run'],
      force: flags.force ?? [],
      runtimeFamilies: this.runtimeFamilies(),
      failFast: flags['fail-fast'],
      wait: flags.wait,
      signal: interrupt.signal,
      onEvent: (e) => {
        renderer.onEvent(e);
        extraListener?.(e);
      },
      onLockWait: (holder) => renderer.notice(`waiting for the run holding the lock of ${loaded.config.site} to finish (--wait): ${holder}`),
      litterDirs: siteDirs(this.artifactsDir(flags['artifacts-dir']), loaded.config.site),
      onLitterRemoved: (r) => renderer.notice(`removed ${r.removed.length} temp file(s) left by a run that died (${(r.bytes / 1e6).toFixed(1)} MB)`),
    };
    let ui: { url: string; close(): Promise<void> } | undefined;
    try {
      if (flags.ui) {
        ui = await startRunUi(options.artifactsDir);
        const line = `live view: ${ui.url}runs/latest`;
        if (json) process.stderr.write(`${line}\n`);
        else renderer.notice(line);
      }
      const { summary } = await runSession(roots, options)
        .catch((err: unknown) => {
          // Interrupted before the run began (waiting for the lock): still 130/143, not 1.
          if (signal !== undefined) process.exitCode = signalExitCode(signal);
          throw err;
        })
        .finally(() => renderer.close());
      await writeReportBesideLog(options.artifactsDir, summary.runId);
      if (summary.status === 'dry-run' && !json) this.log(formatPlan(summary));
      if (json) this.streamed = summary;
      process.exitCode = this.exitFor(summary, signal);
      return summary;
    } finally {
      unwatch();
      stop?.removeEventListener('abort', onStop);
      await ui?.close();
    }
  }

  /**
   * 0 when everything asked for is done (or a dry run; also when a signal came after the
   * work was done), 130/143 when a SIGINT/SIGTERM left work undone, 1 when a task failed.
   */
  protected exitFor(summary: RunSummary, signal: NodeJS.Signals | undefined): number {
    switch (summary.status) {
      case 'success':
      case 'dry-run':
        return EXIT_OK;
      case 'interrupted':
        return signalExitCode(signal ?? 'SIGINT');
      default:
        return EXIT_TASK_FAILED;
    }
  }

  /** JSON on one line, like the event lines before it; the summary is not repeated. */
  protected override logJson(json: unknown): void {
    if (json !== undefined && json === this.streamed) return;
    process.stdout.write(JSON.stringify(json) + '\n');
  }

  private commandLine(): string {
    const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
    return [this.config.bin, ...this.id?.split(':') ?? [], ...this.argv].map(quote).join(' ');
  }
}
