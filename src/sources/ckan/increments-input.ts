/**
 * The increments of a site's crawl as an input of the load: an external task whose one target
 * always exists (no increments is a valid state) and whose stamp changes whenever increments.json
 * or a file it lists changes, so a new delta, or a lost delta page, makes the load run again.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ExternalTask, type Target } from '../../engine/index.js';
import { parseStateFile } from '../../store/index.js';
import { INCREMENTS_FILE, INCREMENTS_SPEC, incrementFiles } from './increments.js';

function fileStamp(file: string): string {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${Math.round(s.mtimeMs)}`;
  } catch {
    return 'missing';
  }
}

class IncrementsTarget implements Target {
  constructor(readonly dir: string) {}
  get description(): string {
    return path.join(this.dir, INCREMENTS_FILE);
  }
  async exists(): Promise<boolean> {
    return true;
  }
  async stamp(): Promise<string> {
    const file = this.description;
    if (!fs.existsSync(file)) return 'no increments';
    let listed: string[] = [];
    try {
      listed = incrementFiles(this.dir, parseStateFile(file, fs.readFileSync(file, 'utf8'), INCREMENTS_SPEC));
    } catch {
      // malformed: its own stamp changes when it is fixed; the load reads it and says what is wrong
    }
    const hash = createHash('sha256');
    for (const f of [file, ...listed]) hash.update(`${f}=${fileStamp(f)}\n`);
    return hash.digest('hex').slice(0, 16);
  }
}

export class CkanIncrementsInput extends ExternalTask<{ site: string }> {
  readonly family = 'CkanIncrements';

  constructor(site: string, readonly dir: string) {
    super({ site });
  }

  outputs(): Target[] {
    return [new IncrementsTarget(this.dir)];
  }
}
