import { MigtraceCommand } from '../cli/base-command.js';
import { listGuests, listThirdPartyGuests, type GuestInfo } from '../guests/catalog.js';
import { guestCacheDir, missingFiles, type ThirdPartyGuest } from '../guests/third-party.js';

export interface ThirdPartyGuestStatus extends ThirdPartyGuest {
  built: boolean;
  /** Files the build makes that are not there yet (absolute paths). */
  missing: string[];
}

export interface GuestsOutput {
  guests: GuestInfo[];
  thirdParty: ThirdPartyGuestStatus[];
  /** Where third-party guests are built ($MIGTRACE_GUESTS, default ~/.cache/migtrace/guests). */
  cacheDir: string;
}

export default class Guests extends MigtraceCommand {
  static override description =
    'List the guests: built-in ones (committed images) and third-party ones (built by a script into $MIGTRACE_GUESTS), whether each is built and how to build it';
  static override examples = ['<%= config.bin %> guests', '<%= config.bin %> guests --json', 'MIGTRACE_GUESTS=/data/guests <%= config.bin %> guests'];

  async run(): Promise<GuestsOutput> {
    await this.parse(Guests);
    const guests = listGuests();
    const cacheDir = guestCacheDir();
    const thirdParty = listThirdPartyGuests().map((g) => {
      const missing = missingFiles(g, cacheDir);
      return { ...g, built: missing.length === 0, missing };
    });
    if (!this.jsonEnabled()) {
      const width = Math.max(4, ...guests.map((g) => g.name.length), ...thirdParty.map((g) => g.name.length));
      for (const g of guests) this.log(`${g.name.padEnd(width)}  ${g.description}`);
      if (thirdParty.length > 0) {
        this.log('');
        this.log(`third-party guests, built by scripts into ${cacheDir} (MIGTRACE_GUESTS):`);
        for (const g of thirdParty) {
          const state = g.built ? `built, ${g.boot.mode} boot` : `not built: run ${g.build}`;
          this.log(`${g.name.padEnd(width)}  ${g.description} [${state}]`);
        }
      }
    }
    return { guests, thirdParty, cacheDir };
  }
}
