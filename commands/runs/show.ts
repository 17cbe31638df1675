/** `runs show <runId>`: one run's summary, failures and retries, from its log. */
import { Args } from '@oclif/core';
import { findRunFile, formatRunDetail, readRunDetail, type RunDetail } from '../../src/ui/index.js';
import { BaseCommand } from '../base-command.js';

export class RunsShow extends BaseCommand {
  static override summary = 'Show one run: its summary, every failure with its error, and retries.';
  static override description = [
    'Reads <artifacts-dir>/runs/<runId>.jsonl and prints the end-of-run summary (what ran, what',
    'was complete already, what failed and what was skipped because of it, by task family), then',
    'each failure with its time, task id, attempts and error, and the tasks that needed retries.',
    'For a run with no end in its log (still going, or killed) it shows the counts so far.',
    'The id can be shortened to a prefix that matches one run, or given as `latest`.',
  ].join(' ');
  static override examples = [
    '<%= config.bin %> <%= command.id %> latest',
    '<%= config.bin %> <%= command.id %> 20261122T100000Z-3fa2c1',
    '<%= config.bin %> <%= command.id %> 20261122T1000 --json',
  ];
  static override enableJsonFlag = true;
  static override args = {
    runId: Args.string({ description: 'Run id as listed by `runs` (a unique prefix is enough), or "latest".', required: true }),
  };

  async run(): Promise<RunDetail> {
    const { args, flags } = await this.parse(RunsShow);
    const detail = await readRunDetail(findRunFile(this.artifactsDir(flags['artifacts-dir']), args.runId));
    this.log(formatRunDetail(detail));
    return detail;
  }
}
