/** Writing a run's report: `<runsDir>/<runId>.html` beside its log (or anywhere with `output`). */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../engine/index.js';
import { buildReportData } from './build.js';
import { renderReportHtml } from './html.js';

export interface WrittenReport {
  file: string;
  bytes: number;
  tasks: number;
  families: number;
  failures: number;
  status: string;
}

export async function writeReportFile(logFile: string, output: string, opts: { artifactsDir?: string } = {}): Promise<WrittenReport> {
  const data = await buildReportData(logFile, opts.artifactsDir === undefined ? {} : { artifactsDir: opts.artifactsDir });
  const html = renderReportHtml(data);
  fs.mkdirSync(path.dirname(output), { recursive: true });
  await writeFileAtomic(output, html);
  return {
    file: output,
    bytes: Buffer.byteLength(html),
    tasks: data.tasks.id.length,
    families: data.families.length,
    failures: data.failures.reduce((n, g) => n + g.count, 0),
    status: data.run.status,
  };
}

/**
 * The report of run `runId` beside its log, `<runsDir>/<runId>.html`: what every run command
 * calls when a run ends (so sync-artifacts backs it up with the log).
 */
export async function writeRunReport(runsDir: string, runId: string): Promise<WrittenReport> {
  return writeReportFile(path.join(runsDir, `${runId}.jsonl`), path.join(runsDir, `${runId}.html`), { artifactsDir: path.dirname(runsDir) });
}
