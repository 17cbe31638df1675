/** `config check`: validate a site's config and print it resolved with defaults. */
import { stringify } from 'yaml';
import { isMallardError } from '../../src/engine/errors.js';
import { describeConfig, type ConfigReport, type TokenStatus } from '../../src/config/index.js';
import { resolveSteps } from '../../src/schedule/index.js';
import { commandCatalog } from '../schedule-support.js';
import { SiteCommand } from '../site-command.js';

export interface ConfigCheckResult extends ConfigReport {
  valid: true;
  /** Variables taken from ./.env (names only). */
  dotEnv: string[];
}

export class ConfigCheck extends SiteCommand {
  static override summary = 'Validate a site config and print it with defaults filled in.';
  static override description = [
    'Loads the config chosen by --site, --config-file or CONFIG_PATH (in that order), after',
    'loading ./.env, and checks it against the schema. A valid config is printed resolved,',
    'with its hash and, for each token, whether its environment variable is set (never the',
    'value). An invalid one prints one line per problem (file:line: key: message) and exits 2.',
  ].join(' ');
  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> --config-file ./my-portal.yaml',
    'CONFIG_PATH=configs/catalog-data-gov.yaml <%= config.bin %> <%= command.id %> --json',
  ];
  static override enableJsonFlag = true;

  async run(): Promise<ConfigCheckResult> {
    const { flags } = await this.parse(ConfigCheck);
    const loaded = await this.loadConfig(flags);
    resolveSteps(loaded, commandCatalog(this.config)); // every schedule step names a command of this CLI
    const result: ConfigCheckResult = { valid: true, ...describeConfig(loaded, process.env, process.cwd()), dotEnv: this.dotEnvNames };
    if (!this.jsonEnabled()) this.log(render(result));
    return result;
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    // With --json, an invalid config is reported as data: every problem with file, line, key.
    if (this.jsonEnabled() && isMallardError(err) && Array.isArray(err.context.problems)) {
      this.logJson({ valid: false, error: { code: err.code, message: err.message, problems: err.context.problems } });
      throw err;
    }
    return super.catch(err);
  }
}

function render(r: ConfigCheckResult): string {
  const token = (t: TokenStatus) => (t.set ? `${t.env} is set` : `${t.env} is not set (anonymous requests, lower rate limits)`);
  const lines = [
    `${r.file}: valid (site ${r.site})`,
    `hash: ${r.hash}`,
    '',
    stringify(r.config).trimEnd(),
    '',
    'tokens:',
    `  sourcegraph: ${token(r.tokens.sourcegraph)}`,
    `  github: ${token(r.tokens.github)}`,
  ];
  if (r.dotEnv.length > 0) lines.push(`from .env: ${r.dotEnv.join(', ')}`);
  return lines.join('\n');
}
