/** `help [command...]`: the same help as `--help` (and `-h`), for mallard or for one command or topic. */
import { Args, Command, loadHelpClass, toStandardizedId } from '@oclif/core';

export class HelpCommand extends Command {
  static override summary = 'Show help for mallard, a topic or a command (the same as --help or -h).';
  static override strict = false;
  static override args = {
    command: Args.string({ description: 'The command or topic, words separated by spaces (e.g. artifacts list).', required: false }),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> download-datasets-info',
    '<%= config.bin %> <%= command.id %> artifacts list',
  ];

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand);
    const words = (argv as string[]).filter((a) => !a.startsWith('-'));
    if (words.length > 0) {
      const id = toStandardizedId(words.join(' '), this.config);
      const known = this.config.commandIDs.includes(id) || this.config.topics.some((t) => t.name === id);
      // The suggestion module loads only when needed: help itself loads no other module (start-up).
      if (!known) throw (await import('./command-suggestion.js')).unknownCommandError(id, this.config);
    }
    const Help = await loadHelpClass(this.config);
    await new Help(this.config, this.config.pjson.oclif.helpOptions ?? {}).showHelp(argv as string[]);
  }
}
