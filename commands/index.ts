/**
 * Every command of the CLI, by id (oclif's explicit discovery: one import, no directory scan,
 * so start-up stays fast). Topic commands are keyed with a colon (`config:check`): oclif
 * matches ids by colon and shows them with the space separator (`config check`). A key with a
 * space is never found (`command config:check not found`).
 */
import type { Command } from '@oclif/core';
import { ConfigCheck } from './config/check.js';
import { ConfigList } from './config/list.js';
import { Runs } from './runs.js';
import { RunsShow } from './runs/show.js';

export const COMMANDS: Record<string, Command.Class> = {
  'config:check': ConfigCheck,
  'config:list': ConfigList,
  runs: Runs,
  'runs:show': RunsShow,
};
