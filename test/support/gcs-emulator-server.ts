/**
 * Child-process entry of the GCS emulator harness (see gcs-emulator.ts): starts the Firebase
 * Storage emulator's StorageEmulator in this process, without the rules runtime (which needs
 * Java), on a free loopback port, and prints `{"port":N}` as its first stdout line.
 *
 * Runs in its own process because the emulator keeps its blobs under `$TMPDIR/firebase/...`
 * and deletes that whole directory on stop: each harness gives its child a private TMPDIR.
 *
 * One shim: the emulator serves the JSON API at `/b/...` (what @google-cloud/storage calls when
 * STORAGE_EMULATOR_HOST is set) but its copy route lacks the `/storage/v1` prefix the library
 * uses with an explicit `apiEndpoint`; the server strips that prefix so both ways work.
 */
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(path.join(repoRoot, 'test', 'support', 'gcs-emulator', 'package.json'));

interface EmulatorModule {
  StorageEmulator: new (args: Record<string, unknown>) => { args: { port: number } };
}

async function main(): Promise<void> {
  const projectId = process.env.GCS_EMULATOR_PROJECT ?? 'demo-mallard';
  const { StorageEmulator } = require('firebase-tools/lib/emulator/storage/index.js') as EmulatorModule;
  const { createApp } = require('firebase-tools/lib/emulator/storage/server.js') as {
    createApp: (projectId: string, emulator: unknown) => Promise<http.RequestListener>;
  };
  const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry.js') as {
    EmulatorRegistry: { set(name: string, instance: unknown): void };
  };
  const emulator = new StorageEmulator({ projectId, host: '127.0.0.1', port: 1, auto_download: false });
  const app = await createApp(projectId, emulator);
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/storage/v1/')) req.url = req.url.slice('/storage/v1'.length);
    app(req, res);
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    // The emulator builds self links from its registered address: register the real port.
    emulator.args.port = port;
    EmulatorRegistry.set('storage', emulator);
    process.stdout.write(JSON.stringify({ port }) + '\n');
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`gcs-emulator: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
