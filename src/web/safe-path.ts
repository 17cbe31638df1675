/**
 * A URL path below a root, or undefined: `..` segments (also percent-encoded), absolute
 * paths, backslashes, NUL and symlinks that lead outside all resolve to nothing.
 */
import fs from 'node:fs';
import path from 'node:path';

export function safeJoin(root: string, rawRelative: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawRelative);
  } catch {
    return undefined;
  }
  if (decoded === '' || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  if (decoded.startsWith('/') || path.isAbsolute(decoded) || /^[a-zA-Z]:/.test(decoded)) return undefined;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return undefined;
  const resolved = path.resolve(root, decoded);
  if (!inside(path.resolve(root), resolved)) return undefined;
  try {
    const real = fs.realpathSync(resolved);
    if (!inside(fs.realpathSync(root), real)) return undefined;
    return real;
  } catch {
    return undefined;
  }
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}
