/** freshness: the age of each artifact name against warn_after / error_after. */
import { Flags } from '@oclif/core';
import { listConfigFiles, loadConfigFile, loadDotEnv, type LoadedConfig } from '../src/config/index.js';
import { MallardError } from '../src/engine/index.js';
import { checkFreshness, formatMs, type FreshnessReport } from '../src/schedule/index.js';
import { parseNow } from './schedule-support.js';
import { SiteCommand } from './site-command.js';

export class Freshness extends SiteCommand {
  static override summary = 'How old the latest artifact of each name is, against warn_after / error_after; exit 1 on an error-level breach.';
  static override description = `Like dbt source freshness. Thresholds come from the site config:

  freshness:
    warn_after: 26h            # every artifact name of the site
    error_after: 50h
    artifacts:
      usage: { warn_after: 8d, error_after: 15d }   # per name; a name listed here must exist

For each artifact name published for the site (read_only/<site>/), the age of its latest complete artifact (manifest createdAt). Status ok, warn, error, or unchecked when no threshold applies. Exits 1 when any is at error level (older than error_after, or listed and never published), so a schedule step or a monitor can alert on it; warnings exit 0. Without --site, --config-file or CONFIG_PATH, every site in configs/ is checked.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --json',
  ];
  static override enableJsonFlag = true;
  static override flags = { now: Flags.string({ description: 'Judge ages at this ISO time instead of now.' }) };

  async run(): Promise<{ sites: FreshnessReport[] }> {
    const { flags } = await this.parse(Freshness);
    const configs = await this.configs(flags);
    const now = parseNow(flags.now);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir']);
    const sites: FreshnessReport[] = [];
    for (const loaded of configs) sites.push(await checkFreshness(artifactsDir, loaded.config, now));
    if (!this.jsonEnabled()) this.log(sites.map(render).join('\n\n'));
    process.exitCode = sites.some((s) => s.worst === 'error') ? 1 : 0;
    return { sites };
  }

  private async configs(flags: { site?: string; 'config-file'?: string }): Promise<LoadedConfig[]> {
    if (flags.site || flags['config-file'] || process.env.CONFIG_PATH) return [await this.loadConfig(flags)];
    const cwd = process.cwd();
    loadDotEnv(cwd, process.env);
    const files = await listConfigFiles(cwd);
    if (files.length === 0) throw new MallardError('ERR_USAGE', `no site configs in ${cwd}/configs: pass --site or --config-file`);
    return Promise.all(files.map((f) => loadConfigFile(f, { cwd })));
  }
}

function render(r: FreshnessReport): string {
  if (r.rows.length === 0) return `${r.site}: no artifacts published`;
  const lines = [`${r.site}:`];
  const width = Math.max(...r.rows.map((x) => x.name.length));
  for (const x of r.rows) {
    const age = x.ageMs === undefined ? 'never published' : `${formatMs(x.ageMs)} old (${x.latestAt})`;
    const limits = [x.warnAfter ? `warn ${x.warnAfter}` : '', x.errorAfter ? `error ${x.errorAfter}` : ''].filter(Boolean).join(', ');
    lines.push(`  ${x.status.toUpperCase().padEnd(9)} ${x.name.padEnd(width)}  ${age}${limits ? `  [${limits}]` : ''}${x.status === 'ok' || x.status === 'unchecked' ? '' : `: ${x.message}`}`);
  }
  return lines.join('\n');
}
