/** `help [command...]`: the same help as `--help`, for mallard or for one command or topic. */
import { Args, Command, loadHelpClass } from '@oclif/core';

export class HelpCommand extends Command {
  static override summary = 'Show help for mallard, a topic or a command (the same as --help).';
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
    const Help = await loadHelpClass(this.config);
    await new Help(this.config, this.config.pjson.oclif.helpOptions ?? {}).showHelp(argv as string[]);
  }
}
