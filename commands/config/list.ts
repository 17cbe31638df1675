/** `config list`: every site config in ./configs with its site, CKAN URL and validity. */
import { formatProblem, listSiteConfigs, CONFIG_DIR, type ConfigListEntry } from '../../src/config/index.js';
import { BaseCommand } from '../base-command.js';

export interface ConfigListResult {
  dir: string;
  configs: ConfigListEntry[];
}

export class ConfigList extends BaseCommand {
  static override summary = 'List the site configs in ./configs, flagging invalid ones.';
  static override description = [
    'Reads every .yaml, .yml and .json file in ./configs, validates each as `--site <name>`',
    'would, and prints its name, site and CKAN Action API URL. Invalid files are marked',
    'INVALID with their problems listed underneath; the command itself still exits 0.',
  ].join(' ');
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override enableJsonFlag = true;

  async run(): Promise<ConfigListResult> {
    await this.parse(ConfigList);
    const result: ConfigListResult = { dir: CONFIG_DIR, configs: await listSiteConfigs(process.cwd()) };
    if (!this.jsonEnabled()) this.log(render(result));
    return result;
  }
}

function render(r: ConfigListResult): string {
  if (r.configs.length === 0) return `No site configs in ./${r.dir} (add ${r.dir}/<site>.yaml)`;
  const rows = r.configs.map((c) => [c.name, c.site ?? '-', c.ckanUrl ?? '-', c.valid ? 'ok' : 'INVALID']);
  const header = ['NAME', 'SITE', 'CKAN URL', 'STATUS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [line(header)];
  for (const [i, c] of r.configs.entries()) {
    out.push(line(rows[i]!));
    for (const p of c.problems) out.push(`    ${formatProblem(p)}`);
  }
  return out.join('\n');
}
