/**
 * Where the recorded real API responses are: ../shared/fixtures beside the repository (never
 * copied into it), or MALLARD_FIXTURES_DIR. Tests that read them take `skip: fixturesSkip(...)`
 * on each test, so a developer without the folder sees every such test reported as skipped
 * (a skipped suite counts as no test at all). Under CI=true a missing fixture is an error
 * instead: CI runs with a copy of shared/ beside the clone and must not pass by skipping.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder up from here whose package.json is mallard's. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mallard') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the mallard repository root');
    dir = parent;
  }
}

const override = process.env['MALLARD_FIXTURES_DIR'];
export const FIXTURES_DIR = override ? path.resolve(override) : path.resolve(repoRoot(), '..', 'shared', 'fixtures');

/** A path inside the fixtures folder, e.g. fixturePath('github', 'x.json'). */
export function fixturePath(...parts: string[]): string {
  return path.join(FIXTURES_DIR, ...parts);
}

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['true', '1', 'yes'].includes((env['CI'] ?? '').toLowerCase());
}

/**
 * The `skip` option for a test that needs these fixture paths: false when all exist, else the
 * reason. Under CI=true a missing path throws (the test file fails, naming what is missing).
 */
export function fixturesSkip(...paths: string[]): string | false {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return false;
  const reason = `no fixture at ${missing.join(', ')}`;
  if (isCi()) {
    throw new Error(`${reason}: CI must run with a copy of shared/ beside the clone (../shared/fixtures) or MALLARD_FIXTURES_DIR set; the fixture tests may not be skipped there`);
  }
  return reason;
}
