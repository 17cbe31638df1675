/** Shared test helpers: a temp artifacts directory with published-looking artifacts, the emulator suite. */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { Storage } from '@google-cloud/storage';
import { createGcsStore, type ObjectStore } from '../../src/sync/index.js';
import { startGcsEmulator, type GcsEmulator } from '../support/gcs-emulator.js';

export interface EmulatorSuite {
  /** The running emulator (only inside tests: it starts in the suite's `before`). */
  readonly emu: GcsEmulator;
  /** A GCS store talking to it. */
  readonly store: ObjectStore;
  /** A fresh temp directory, removed when the suite ends. */
  dir(label: string): string;
}

/**
 * Call inside a `describe`: starts one GCS emulator before the suite's tests, with a store
 * on it, and stops it and removes every `dir()` after them.
 */
export function emulatorSuite(): EmulatorSuite {
  let emu: GcsEmulator | undefined;
  let store: ObjectStore | undefined;
  const dirs: string[] = [];
  before(async () => {
    emu = await startGcsEmulator();
    store = await createGcsStore({ apiEndpoint: emu.host, projectId: emu.projectId });
  });
  after(async () => {
    await emu?.stop();
    dirs.forEach(removeDir);
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the GCS emulator is not started: use the suite inside a test');
    return value;
  };
  return {
    get emu() {
      return started(emu);
    },
    get store() {
      return started(store);
    },
    dir(label) {
      const d = tempDir(label);
      dirs.push(d);
      return d;
    },
  };
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mallard-sync-${label}-`));
}

/** Removes a directory even when it holds 0444 files in 0555 folders. */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function writeFile(root: string, rel: string, content: string | Buffer, mode?: number): string {
  const file = path.join(root, ...rel.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (fs.existsSync(file)) fs.chmodSync(file, 0o644);
  fs.writeFileSync(file, content);
  if (mode !== undefined) fs.chmodSync(file, mode);
  return file;
}

/** A published artifact as the store lays it out: 0444 database, then its 0444 manifest. */
export function publish(root: string, site: string, name: string, timestamp: string, bytes = 2048): { db: string; manifest: string } {
  const base = `read_only/${site}/${name}_${timestamp}`;
  const data = randomBytes(bytes);
  writeFile(root, `${base}.db`, data, 0o444);
  const manifest = { manifestVersion: 1, name, site, timestamp, path: `${base}.db`, size: bytes, sha256: createHash('sha256').update(data).digest('hex') };
  writeFile(root, `${base}.manifest.json`, JSON.stringify(manifest, null, 2), 0o444);
  return { db: `${base}.db`, manifest: `${base}.manifest.json` };
}

export function md5Base64(data: Buffer | string): string {
  return createHash('md5').update(data).digest('base64');
}

export function storageFor(emu: GcsEmulator): Storage {
  return new Storage({ apiEndpoint: emu.host, projectId: emu.projectId });
}

/** Object names under a prefix in the emulator, sorted. */
export async function remoteNames(emu: GcsEmulator, bucket: string, prefix = ''): Promise<string[]> {
  const [files] = await storageFor(emu).bucket(bucket).getFiles({ prefix });
  return files.map((f) => f.name).sort();
}

export async function remoteText(emu: GcsEmulator, bucket: string, name: string): Promise<string> {
  const [data] = await storageFor(emu).bucket(bucket).file(name).download();
  return data.toString('utf8');
}

export function modeOf(file: string): number {
  return fs.statSync(file).mode & 0o777;
}
