/** `runs report [runId|latest] [-o file.html]`: one run as a self-contained HTML page. */
import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { findRunFile } from '../../src/ui/index.js';
import type { WrittenReport } from '../../src/report/index.js';
import { BaseCommand } from '../base-command.js';

export class RunsReport extends BaseCommand {
  static override summary = 'Write one run as a self-contained HTML report: family graph, timeline, failures, tasks, artifacts.';
  static override description = [
    'Reads <artifacts-dir>/runs/<runId>.jsonl and the manifests of what the run published, and writes one HTML file',
    '(styles, script and data inline; no network access) that opens from disk or from a bucket. It shows the graph',
    'of task families with counts per state, a timeline per family with worker lanes and retries, failures grouped',
    'by error code and message, a searchable task table (why each task ran, its duration and attempts), and the',
    'artifacts the run published with their lineage. Works for failed, interrupted and still-running runs, and for',
    'logs of earlier versions (what they lack shows as unknown). Every run command writes this report beside its',
    'log (runs/<runId>.html) when it ends; use this command for another file, or to write it again.',
  ].join(' ');
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> latest -o /tmp/run.html',
    '<%= config.bin %> <%= command.id %> 20261122T100000Z-3fa2c1 --json',
  ];
  static override enableJsonFlag = true;
  static override args = {
    runId: Args.string({ description: 'Run id as listed by `runs` (a unique prefix is enough), or "latest".', default: 'latest' }),
  };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'Where to write the HTML (default: <artifacts-dir>/runs/<runId>.html, beside the log).' }),
  };

  async run(): Promise<WrittenReport> {
    const { args, flags } = await this.parse(RunsReport);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir']);
    const logFile = findRunFile(artifactsDir, args.runId);
    const output = flags.output === undefined ? logFile.replace(/\.jsonl$/, '.html') : path.resolve(flags.output);
    // Loaded here, not at start-up: the layout library is only needed by this command.
    const { writeReportFile } = await import('../../src/report/index.js');
    const written = await writeReportFile(logFile, output, { artifactsDir });
    this.log(`${written.file}: run ${path.basename(logFile, '.jsonl')} (${written.status}), ${written.tasks} tasks in ${written.families} families, ${written.failures} failed, ${(written.bytes / 1e6).toFixed(2)} MB`);
    return written;
  }
}
