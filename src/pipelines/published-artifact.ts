/**
 * "The latest <name> artifact of the site is published" as a task, so that stages reading an
 * artifact just require it: complete whenever a published <name> with a manifest exists
 * (whoever published it), otherwise its producer (the stage that publishes <name>) runs
 * first. Downstream receipts record it by its output's stamp, the artifact's file name, so a
 * newer <name> published since (by this run or another) makes its readers run again.
 */
import path from 'node:path';
import { MallardError, NO_RETRY, Task, type RetryPolicy, type Target, type Verdict } from '../engine/index.js';
import { checkArtifact, latestArtifact } from '../store/index.js';

/** The latest published <name> of a site: exists once one is (with its manifest); its stamp is the file name. */
export class PublishedArtifactTarget implements Target {
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

  /**
   * Its path now, checked against its manifest (ERR_ARTIFACT_CHANGED when it no longer
   * matches); ERR_MISSING_SOURCE when none is published.
   */
  async resolve(): Promise<string> {
    const found = await latestArtifact(this.artifactsDir, this.site, this.name);
    if (found === undefined) throw missingArtifact(this.artifactsDir, this.site, this.name, undefined);
    await checkArtifact(this.artifactsDir, found);
    return found;
  }
}

export class ArtifactPublishedTask extends Task<{ site: string; name: string }> {
  readonly family = 'ArtifactPublished';
  override readonly stampedBy = 'outputs';

  /** `producer`: the task that publishes it (undefined: mallard does not make this artifact). */
  constructor(readonly artifactsDir: string, site: string, name: string, readonly producer?: Task) {
    super({ site, name });
  }

  override requires(): readonly Task[] {
    return this.producer === undefined ? [] : [this.producer];
  }

  outputs(): [PublishedArtifactTarget] {
    return [new PublishedArtifactTarget(this.artifactsDir, this.params.site, this.params.name)];
  }

  override async complete(): Promise<Verdict> {
    if (await this.outputs()[0].exists()) return { complete: true };
    return { complete: false, reason: `no published ${this.params.name} artifact (with its manifest) under ${path.join('read_only', this.params.site)}` };
  }

  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  /** Its producer ran (or was complete) first: the artifact must be there now. */
  async run(): Promise<void> {
    await this.outputs()[0].exists().then((ok) => {
      if (!ok) throw missingArtifact(this.artifactsDir, this.params.site, this.params.name, this.producer);
    });
  }
}

/**
 * The path of the published artifact among a task's inputs (from an ArtifactPublishedTask it
 * requires), checked against its manifest first: a stage never reads a changed artifact.
 */
export async function inputArtifact(inputs: ReadonlyArray<readonly Target[]>, name: string): Promise<string> {
  for (const targets of inputs) {
    for (const t of targets) if (t instanceof PublishedArtifactTarget && t.name === name) return t.resolve();
  }
  throw new MallardError('ERR_INTERNAL', `no input is the published ${name} artifact`, { retryable: false });
}

function missingArtifact(artifactsDir: string, site: string, name: string, producer: Task | undefined): MallardError {
  const where = path.join(artifactsDir, 'read_only', site);
  const suggestions = producer === undefined
    ? [`mallard does not make ${name}: publish it under ${where} first`]
    : [`${producer.id} is complete but no ${name} is published (deleted since?): rerun with --force ${producer.family}`];
  return new MallardError('ERR_MISSING_SOURCE', `no published ${name} artifact for site ${site} under ${where}`, {
    context: { site, artifact: name },
    suggestions,
    retryable: false,
  });
}
