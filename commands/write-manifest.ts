/**
 * Writes oclif.manifest.json (run by `npm run build` after tsc): every command's id, summary,
 * flags, args and examples, taken from the command classes in commands/index.ts. With it,
 * oclif lists commands and topics and prints help without loading any command class, and a
 * run loads only its own command. It is a build output (git-ignored), regenerated with every
 * build so it never describes stale flags.
 * Usage: node dist/commands/write-manifest.js
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Plugin } from '@oclif/core';

const root = path.resolve(import.meta.dirname, '..', '..');
const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
const ids = Object.keys(plugin.manifest.commands);
if (ids.length === 0) throw new Error('write-manifest: no commands found in commands/index.ts');
writeFileSync(path.join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, null, 2)}\n`);
