/**
 * The fake GCS server in its own process (benchmarks, manual runs): prints `{"host": …, "port": …}`
 * as its first stdout line, serves until SIGTERM, then prints `{"cpuMs": …}` (its own user+sys).
 *
 *   node dist/test/support/gcs-fake-server-main.js bucket-a bucket-b
 */
import { startGcsFakeServer } from './gcs-fake-server.js';

const server = await startGcsFakeServer({ buckets: process.argv.slice(2) });
process.stdout.write(JSON.stringify({ host: server.host, port: server.port }) + '\n');
process.on('SIGTERM', () => {
  void server.stop().then(() => {
    const cpu = process.cpuUsage();
    process.stdout.write(JSON.stringify({ cpuMs: Math.round((cpu.user + cpu.system) / 1000), requests: server.requests.length }) + '\n', () => process.exit(0));
  });
});
