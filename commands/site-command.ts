/**
 * Base of every command that works for one site: adds --site and --config-file, and loads
 * `.env` (never overriding variables already set) and then the site's config.
 */
import { Flags } from '@oclif/core';
import { loadDotEnv, loadSiteConfig, type LoadedConfig } from '../src/config/index.js';
import { BaseCommand } from './base-command.js';

export interface SiteFlags {
  site?: string;
  'config-file'?: string;
}

export abstract class SiteCommand extends BaseCommand {
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    site: Flags.string({
      description: 'Site to work on: loads configs/<site>.yaml, .yml or .json (takes precedence over --config-file and CONFIG_PATH).',
      helpGroup: 'CONFIG',
    }),
    'config-file': Flags.string({
      description: 'Path of a site config file, when --site is not given (otherwise the CONFIG_PATH environment variable is used).',
      helpGroup: 'CONFIG',
    }),
  };

  /** Names of the variables the last loadConfig() took from .env (names only, never values). */
  protected dotEnvNames: string[] = [];

  /** Loads ./.env into process.env, then the config chosen by --site / --config-file / CONFIG_PATH. */
  protected async loadConfig(flags: SiteFlags): Promise<LoadedConfig> {
    const cwd = process.cwd();
    this.dotEnvNames = loadDotEnv(cwd, process.env);
    return loadSiteConfig({ site: flags.site, configFile: flags['config-file'], env: process.env, cwd });
  }
}
