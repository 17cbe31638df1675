/**
 * The report's data from a run log and the manifests of what the run published: read the
 * log, fold its events, lay out the family graph and the timeline lanes, attach artifacts
 * with their lineage.
 */
import path from 'node:path';
import { errorMessage } from '../engine/index.js';
import { artifactLineage, listArtifacts } from '../store/index.js';
import { ReportBuilder } from './builder.js';
import { assignLanes, layoutFamilies } from './layout.js';
import { REPORT_DATA_VERSION, type ReportArtifact, type ReportData, type ReportFamily } from './model.js';
import { readLogFrom } from './read-log.js';

export interface BuildOptions {
  /** Where read_only/ is, for the artifacts the run published (default: the runs dir's parent). */
  artifactsDir?: string;
  /** For the "generated at" line (tests pass a fixed one). */
  now?: () => number;
}

export async function buildReportData(logFile: string, opts: BuildOptions = {}): Promise<ReportData> {
  const runId = path.basename(logFile, '.jsonl');
  const builder = new ReportBuilder(runId);
  const chunk = readLogFrom(logFile, 0, (e) => builder.take(e));
  const data = assemble(builder, chunk.nextOffset, opts.now?.() ?? Date.now());
  data.run.badLines = chunk.badLines;
  data.run.truncated = chunk.partial;
  data.artifacts = await publishedBy(opts.artifactsDir ?? path.dirname(path.dirname(logFile)), runId);
  return data;
}

/** The data of what the builder has seen so far (without artifacts). */
export function assemble(builder: ReportBuilder, logOffset: number, now: number): ReportData {
  const { run, families: accs, familyNames } = builder.finish();
  const lanes = assignLanes(builder.segments, (t) => builder.tasks.family[t] as number, familyNames.length);
  const graphEvent = builder.graph;
  const families: ReportFamily[] = accs.map((f, i) => ({
    name: f.name,
    counts: f.counts,
    tasks: num(graphEvent?.families[f.name]?.tasks),
    busyMs: f.busyMs,
    firstStart: f.firstStart,
    lastEnd: f.lastEnd,
    retries: f.retries,
    lanes: lanes[i] ?? 1,
  }));
  const edges = (graphEvent?.edges ?? []).map((e) => ({ from: e.from, to: e.to, count: num(e.count) ?? 1 }));
  const graph = layoutFamilies({ families: familyNames, edges, recorded: graphEvent !== undefined });
  if (graphEvent === undefined) run.unknown.push('graph');
  return {
    version: REPORT_DATA_VERSION,
    generatedAt: new Date(now).toISOString(),
    run,
    families,
    graph,
    tasks: builder.tasks,
    reasons: builder.reasons,
    segments: builder.segments,
    failures: builder.failures,
    retries: builder.retries,
    warnings: builder.warnings,
    artifacts: [],
    logOffset,
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The run's start in artifact timestamp form, from its id (`<YYYYMMDDTHHmmssZ>-<random>`, on the
 * run's clock, which also dates what it publishes): nothing the run published is older.
 */
function runStart(runId: string): string | undefined {
  return /^(\d{8}T\d{6}Z)-/.exec(runId)?.[1];
}

/**
 * The artifacts whose manifest names this run, each with its lineage. Only the manifests of
 * artifacts published since the run began are read: every stage command writes its report, and
 * reading every manifest ever published made each one slower as the artifacts accumulated.
 */
export async function publishedBy(artifactsDir: string, runId: string): Promise<ReportArtifact[]> {
  let infos;
  try {
    const since = runStart(runId);
    infos = await listArtifacts(artifactsDir, since === undefined ? {} : { since });
  } catch {
    return [];
  }
  const out: ReportArtifact[] = [];
  for (const a of infos.filter((x) => x.manifest.runId === runId)) {
    const m = a.manifest;
    const item: ReportArtifact = {
      path: m.path, site: m.site, name: m.name, timestamp: m.timestamp, size: m.size, sha256: m.sha256,
      tables: m.tables, createdAt: m.createdAt, lineage: null, lineageError: null,
    };
    try {
      item.lineage = await artifactLineage(artifactsDir, m.path);
    } catch (err) {
      item.lineageError = errorMessage(err);
    }
    out.push(item);
  }
  return out;
}
