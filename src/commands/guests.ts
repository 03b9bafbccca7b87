import { MigtraceCommand } from '../cli/base-command.js';
import { listGuests, type GuestInfo } from '../guests/catalog.js';

export default class Guests extends MigtraceCommand {
  static override description = 'List the built-in guests';
  static override examples = ['<%= config.bin %> guests', '<%= config.bin %> guests --json'];

  async run(): Promise<{ guests: GuestInfo[] }> {
    await this.parse(Guests);
    const guests = listGuests();
    if (!this.jsonEnabled()) {
      const width = Math.max(4, ...guests.map((g) => g.name.length));
      for (const g of guests) this.log(`${g.name.padEnd(width)}  ${g.description}`);
    }
    return { guests };
  }
}
