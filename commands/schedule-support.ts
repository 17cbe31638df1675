/** What the schedule commands share: the CLI's command catalog, the child entry and the secrets to scrub. */
import { fileURLToPath } from 'node:url';
import type { Config } from '@oclif/core';
import type { LoadedConfig } from '../src/config/index.js';
import type { CommandCatalog } from '../src/schedule/index.js';

/** Every command of this CLI, and whether it takes --site and --config-file. */
export function commandCatalog(config: Config): CommandCatalog {
  return new Map(config.commands.map((c) => [c.id, { site: c.flags.site !== undefined, configFile: c.flags['config-file'] !== undefined }]));
}

/** How a step's child is started: this Node, this CLI's main.js. */
export function childEntry(): string[] {
  return [process.execPath, fileURLToPath(new URL('./main.js', import.meta.url))];
}

/** Values never to write in records or messages: tokens, the SMTP URL, webhook URLs from the environment. */
export function scheduleSecrets(loaded: LoadedConfig, env: NodeJS.ProcessEnv): string[] {
  const names = [loaded.config.github.tokenEnv, loaded.config.sourcegraph.tokenEnv, 'GITHUB_TOKEN', 'SOURCEGRAPH_TOKEN'];
  for (const s of Object.values(loaded.config.schedules)) {
    if (s.notify?.webhookEnv) names.push(s.notify.webhookEnv);
    if (s.notify?.email) names.push(s.notify.email.smtpEnv);
  }
  const values = names.map((n) => env[n]).filter((v): v is string => v !== undefined && v.length >= 4);
  for (const s of Object.values(loaded.config.schedules)) if (s.notify?.webhook) values.push(s.notify.webhook);
  return [...new Set(values)];
}
