/**
 * Child process for the interrupted-crawl test: crawls a CKAN test server with one worker
 * until the parent kills it. Usage: node crawl-child.js <actionUrl> <artifactsDir>
 */
import { runSession } from '../../src/engine/session.js';
import { CkanCrawlTask } from '../../src/sources/ckan/tasks.js';
import { testConfig, testCrawlSettings } from './ckan-fixture-config.js';

const [actionUrl, artifactsDir] = process.argv.slice(2) as [string, string];
const config = testConfig(actionUrl);
await runSession([new CkanCrawlTask(testCrawlSettings(config, artifactsDir))], { artifactsDir, scope: config.site, workers: 1 });
