/** `ui [--port N]`: the local web page of runs, live while they run. */
import { Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';

export const DEFAULT_UI_PORT = 4477;

export class Ui extends BaseCommand {
  static override summary = 'Serve a local web page (127.0.0.1 only) of the runs: history, reports, and running runs live.';
  static override description = [
    'Starts a web server bound to 127.0.0.1 over <artifacts-dir>: the start page lists recent runs and how long',
    'each task family took run after run; a run page shows the run as `runs report` does and, while the run is',
    'going, updates live from its log (server-sent events; a reconnecting page resumes where it stopped).',
    'It serves nothing outside the artifacts directory and needs no login because only this machine can reach it.',
    'Every run command also takes --ui to start it for that run. Stop it with Ctrl-C.',
  ].join(' ');
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 8080',
    '<%= config.bin %> <%= command.id %> --port 0 --artifacts-dir /tmp/scratch/artifacts',
  ];
  static override flags = {
    port: Flags.integer({ description: 'Port on 127.0.0.1 (0: any free port).', default: DEFAULT_UI_PORT, min: 0, max: 65535 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Ui);
    const { startUiServer } = await import('../src/web/index.js');
    const server = await startUiServer({ artifactsDir: this.artifactsDir(flags['artifacts-dir']), port: flags.port });
    this.log(`mallard ui: ${server.url} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
  }
}
