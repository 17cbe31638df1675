/** Shared helpers of the shard-store tests: the fake GCS server per suite, stores on it, local outputs with their receipts. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import type { Receipt } from '../../src/engine/receipts.js';
import { formatFileStamp } from '../../src/engine/file-stamp.js';
import { openShardStore, type OpenShardStoreOptions, type ShardStateStore, type StoreLocation } from '../../src/shards/index.js';
import { createGcsStore } from '../../src/sync/index.js';
import { startGcsFakeServer, type GcsFakeServer } from '../support/gcs-fake-server.js';

export const BUCKET = 'shard-bkt';
export const SITE = 'data-gov-uk';

export interface StoreSuite {
  readonly server: GcsFakeServer;
  /** A store over the real GCS client on the fake server, at gs://shard-bkt/<prefix>. */
  open(prefix: string, opts?: OpenShardStoreOptions): Promise<ShardStateStore>;
  dir(label: string): string;
}

/** Call inside a `describe`: one fake GCS server for the suite, temp dirs removed after it. */
export function storeSuite(): StoreSuite {
  let server: GcsFakeServer | undefined;
  const dirs: string[] = [];
  before(async () => {
    server = await startGcsFakeServer({ buckets: [BUCKET] });
  });
  after(async () => {
    await server?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the fake GCS server starts in the suite: use it inside a test');
      return server;
    },
    async open(prefix, opts = {}) {
      const objectStore = opts.objectStore ?? (await createGcsStore({ apiEndpoint: this.server.host, projectId: 'test' }));
      return openShardStore(location(prefix), SITE, { ...opts, objectStore });
    },
    dir(label) {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), `mallard-shards-${label}-`));
      dirs.push(d);
      return d;
    },
  };
}

export function location(prefix: string): StoreLocation {
  return { bucket: BUCKET, prefix };
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Writes a task's output files under `artifactsDir` and returns the engine's receipt of them (outputs './relative'). */
export function taskOutputs(artifactsDir: string, taskId: string, files: Record<string, string | Buffer>, runId = 'r-local'): Receipt {
  const outputs: Record<string, string> = {};
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(artifactsDir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    const st = fs.statSync(file);
    outputs[`./${rel}`] = formatFileStamp({ size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }, sha256(content));
  }
  return { taskId, runId, finishedAt: Date.now(), durationMs: 5, version: '1', inputs: 'none', outputs };
}
