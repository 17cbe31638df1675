/** Publishing a stage's database (the stages' own files are read in stage-manifests.ts). */
import fs from 'node:fs';
import path from 'node:path';
import type { TaskContext } from '../engine/index.js';
import { toolVersion } from '../http/index.js';
import { publishArtifact, type PublishedArtifact } from '../store/index.js';

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

export async function publishStage(p: StagePublish, ctx: TaskContext): Promise<PublishedArtifact> {
  const published = await publishArtifact({
    artifactsDir: p.artifactsDir,
    site: p.site,
    name: p.name,
    sourcePath: p.database,
    // The work database is only ever replaced by a rename (buildDatabaseAtomically), never written in place: it can be the artifact's other name.
    link: true,
    lineage: { artifacts: p.artifacts, rawInputs: p.rawFiles.map((f) => ({ path: f, bytes: fs.statSync(f).size })) },
    ...(p.configHash === undefined ? {} : { configHash: p.configHash }),
    runId: ctx.runId,
    ...(p.build === undefined ? {} : { build: p.build }),
    toolVersion: toolVersion(),
    now: () => new Date(ctx.clock.now()),
  });
  ctx.log(`published ${path.relative(p.artifactsDir, published.absolutePath)}`);
  return published;
}
