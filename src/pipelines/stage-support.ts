/** Small pieces the code-search stages share: reading JSON manifests, latest inputs, publishing. */
import fs from 'node:fs';
import path from 'node:path';
import { MallardError, type Target, type TaskContext } from '../engine/index.js';
import { toolVersion } from '../http/index.js';
import { latestArtifact, publishArtifact, type PublishedArtifact } from '../store/index.js';

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

/** The latest published artifact `name` of the site, or ERR_MISSING_SOURCE naming the command that makes it. */
export async function requireLatest(artifactsDir: string, site: string, name: string, command: string): Promise<string> {
  const found = await latestArtifact(artifactsDir, site, name);
  if (found === undefined) {
    throw new MallardError('ERR_MISSING_SOURCE', `no published ${name} artifact for site ${site} under ${path.join(artifactsDir, 'read_only', site)}`, {
      context: { site, artifact: name },
      suggestions: [`run ./cli.sh ${command} --site ${site} first`],
    });
  }
  return found;
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

/**
 * "The latest published <name> of the site" as a task output: it exists once one is published
 * and its stamp is that artifact's file name. A task reading the latest artifact lists it, so
 * its receipt records which artifact it read: a newer one published since makes it run again.
 */
export class LatestArtifactTarget implements Target {
  constructor(readonly artifactsDir: string, readonly site: string, readonly name: string) {}
  get description(): string {
    return `latest ${this.name} artifact of ${this.site}`;
  }
  async exists(): Promise<boolean> {
    return (await latestArtifact(this.artifactsDir, this.site, this.name)) !== undefined;
  }
  async stamp(): Promise<string | undefined> {
    const found = await latestArtifact(this.artifactsDir, this.site, this.name);
    return found === undefined ? undefined : path.basename(found);
  }
}
