import { Args, Help } from '@oclif/core';
import { MigtraceCommand } from '../cli/base-command.js';
import { InputError } from '../errors.js';

export default class HelpCommand extends MigtraceCommand {
  static override summary = 'list the commands, or show one command\'s arguments and flags';
  static override description = 'migtrace help lists every command with what it does; migtrace help COMMAND shows its usage, arguments, flags and examples (the same as COMMAND --help).';
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help migrate'];
  static override args = { command: Args.string({ description: 'the command to describe' }) };

  async run(): Promise<{ commands: { id: string; summary: string }[] }> {
    const { args } = await this.parse(HelpCommand);
    const commands = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({ id: c.id, summary: c.summary ?? (c.description ?? '').split('\n')[0] }))
      .sort((a, b) => a.id.localeCompare(b.id));
    if (args.command !== undefined && this.config.findCommand(args.command) === undefined) {
      throw new InputError('UNKNOWN_COMMAND', `unknown command "${args.command}" (commands: ${commands.map((c) => c.id).join(', ')})`);
    }
    if (!this.jsonEnabled()) await new Help(this.config).showHelp(args.command === undefined ? [] : [args.command]);
    return { commands };
  }
}
