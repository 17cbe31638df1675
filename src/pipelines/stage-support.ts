/** Publishing a stage's database (the stages' own files are read in stage-manifests.ts). */
import fs from 'node:fs';
import path from 'node:path';
import type { TaskContext } from '../engine/index.js';
import { toolVersion } from '../http/index.js';
import { publishArtifact, type PublishedArtifact, type RawInput } from '../store/index.js';

export interface StagePublish {
  artifactsDir: string;
  site: string;
  name: string;
  database: string;
  artifacts: string[];
  rawFiles: string[];
  configHash?: string;
  /** Build info for the manifest. */
  build?: Record<string, unknown>;
}

/** Publishes a stage's work database (linked, not copied) with its lineage; `ctx`: the task's (or a benchmark's run id, clock and log). */
export async function publishStage(p: StagePublish, ctx: Pick<TaskContext, 'runId' | 'clock' | 'log'>): Promise<PublishedArtifact> {
  const published = await publishArtifact({
    artifactsDir: p.artifactsDir,
    site: p.site,
    name: p.name,
    sourcePath: p.database,
    // The work database is only ever replaced by a rename (buildDatabaseAtomically), never written in place: it can be the artifact's other name.
    link: true,
    lineage: { artifacts: p.artifacts, rawInputs: rawInputsOf(p.rawFiles) },
    ...(p.configHash === undefined ? {} : { configHash: p.configHash }),
    runId: ctx.runId,
    ...(p.build === undefined ? {} : { build: p.build }),
    toolVersion: toolVersion(),
    now: () => new Date(ctx.clock.now()),
  });
  ctx.log(`published ${path.relative(p.artifactsDir, published.absolutePath)}`);
  return published;
}

/** More files than this of one kind (folder and extension) are recorded as one entry (RawInput `files`). */
export const RAW_FILES_PER_FOLDER = 100;

/** The entry that stands for the files of `file`'s folder with its extension: `<folder>/*<ext>`. */
function kindOf(file: string): string {
  return path.join(path.dirname(file), `*${path.extname(file)}`);
}

/**
 * The manifest's raw inputs of a stage that read `files`: each file with its size, in order, but
 * more than RAW_FILES_PER_FOLDER files of one folder and extension are one entry (`<folder>/*.json`,
 * how many of those files were read, their bytes) where the first of them was. A manifest listing
 * each of 24,500 Sourcegraph results was 2.7 MB, parsed by every later stage that read it and
 * shown line by line by `artifacts lineage`.
 */
export function rawInputsOf(files: readonly string[]): RawInput[] {
  const kinds = files.map(kindOf);
  const perKind = new Map<string, number>();
  for (const kind of kinds) perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
  const out: RawInput[] = [];
  const grouped = new Map<string, { path: string; files: number; bytes: number }>();
  files.forEach((file, i) => {
    const kind = kinds[i] as string;
    const bytes = fs.statSync(file).size;
    const entry = grouped.get(kind);
    if ((perKind.get(kind) ?? 0) <= RAW_FILES_PER_FOLDER) out.push({ path: file, bytes });
    else if (entry !== undefined) {
      entry.files += 1;
      entry.bytes += bytes;
    } else {
      const created = { path: kind, files: 1, bytes };
      grouped.set(kind, created);
      out.push(created);
    }
  });
  return out;
}
