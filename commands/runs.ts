/** `runs`: the recent runs recorded under <artifacts>/runs/, newest first. */
import { Flags } from '@oclif/core';
import { formatRunList, listRunHistory, type RunList } from '../src/ui/index.js';
import { BaseCommand } from './base-command.js';

export class Runs extends BaseCommand {
  static override summary = 'List recent runs with status, start, duration, task counts and what was asked.';
  static override description = [
    'Reads the run logs in <artifacts-dir>/runs/ (one JSON-lines file per run, written by every',
    'task-running command) and lists the most recent first: status (success, failed, interrupted,',
    'dry-run, or unfinished when the log has no end because the run is still going or its process',
    'died), when it started, how long it took, how many tasks ran, were complete already, failed',
    'or were skipped, and the command line. `runs show <id>` gives the details of one run.',
  ].join(' ');
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --limit 5',
    '<%= config.bin %> <%= command.id %> --artifacts-dir /tmp/scratch --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    limit: Flags.integer({ description: 'How many runs to list.', default: 20, min: 1 }),
  };

  async run(): Promise<RunList> {
    const { flags } = await this.parse(Runs);
    const list = listRunHistory(this.artifactsDir(flags['artifacts-dir']), flags.limit);
    this.log(formatRunList(list));
    return list;
  }
}
