/** Small pieces the stages share: reading JSON manifests, publishing a stage's database. */
import fs from 'node:fs';
import path from 'node:path';
import { MallardError, type TaskContext } from '../engine/index.js';
import { toolVersion } from '../http/index.js';
import { publishArtifact, type PublishedArtifact } from '../store/index.js';

export function readJsonIfAny<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readJsonOrFail<T>(file: string, what: string): T {
  const value = readJsonIfAny<T>(file);
  if (value === undefined) {
    throw new MallardError('ERR_MISSING_INPUT', `${what} ${file} is missing or unreadable`, {
      context: { file },
      suggestions: ['run the stage that writes it again (or rerun this command with --force <its family>)'],
    });
  }
  return value;
}

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
