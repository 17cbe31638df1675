/** The User-Agent mallard sends: the tool's name, its version and where to learn about it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_URL = 'https://github.com/mallard-data/mallard';

/** The version in mallard's package.json, found by walking up from this module. */
export function toolVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mallard' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}

/** `mallard/<version> (+https://github.com/mallard-data/mallard)`. */
export function defaultUserAgent(): string {
  return `mallard/${toolVersion()} (+${PROJECT_URL})`;
}
