import { Flags } from '@oclif/core';
import { EXIT_FAILED, EXIT_FAULT, MigtraceCommand } from '../cli/base-command.js';
import { bootRequest, guestArg, guestFlags, resolveGuestRequest } from '../cli/guest-options.js';
import { parseCount, formatSize } from '../units.js';
import type { RunResult } from '../board/machine.js';
import { unmetExpectations } from '../guests/third-party.js';

export interface RunOutput extends RunResult {
  guest: string;
  memory: number;
  /** How the machine booted: disk, linux, rom, multiboot. */
  mode: string;
  /** The last code on the POST port (0 when none was written). */
  lastPostCode: number;
  /** A third-party guest: how the run differs from its catalog entry's `expect` (empty: a good run). */
  unmetExpectations?: string[];
}

export default class Run extends MigtraceCommand {
  static override description = 'Boot a guest on the simulated PC and run it to exit, halt or an instruction limit';
  static override examples = [
    '<%= config.bin %> run hello',
    '<%= config.bin %> run memtouch --args "mb=16 passes=2" --memory 128MiB',
    '<%= config.bin %> run ./my.img --max-instructions 1e8 --json',
    '<%= config.bin %> run test386',
    '<%= config.bin %> run --kernel bzImage --initrd initramfs.cpio.gz --append "console=ttyS0" --memory 256MiB',
    '<%= config.bin %> run --rom test386.bin',
  ];

  static override args = { guest: guestArg };

  static override flags = {
    ...guestFlags,
    'max-instructions': Flags.string({ description: 'stop after this many instructions', default: '2000000000' }),
    'disk-read-only': Flags.boolean({ description: 'open --disk and --slave-disk read-only (guest writes fail with ABRT)', default: false }),
  };

  async run(): Promise<RunOutput> {
    const { args, flags } = await this.parse(Run);
    const maxInstructions = parseCount(flags['max-instructions'], '--max-instructions');
    // Every input is checked before the machine starts: a bad file is an error now, never mid-run.
    const request = resolveGuestRequest(args.guest, flags);
    const { image, memory } = request;
    const machine = bootRequest(request, { diskReadOnly: flags['disk-read-only'] });
    const json = this.jsonEnabled();
    if (!json) machine.onSerial = (byte) => process.stdout.write(String.fromCharCode(byte));
    const result = machine.run({ maxInstructions });
    if (!json) {
      if (result.serial.length > 0 && !result.serial.endsWith('\n')) process.stdout.write('\n');
      // A ROM reports its progress on the POST port only: say how far it got.
      const post = image.mode === 'rom' ? `, last POST code 0x${machine.lastPostCode.toString(16).padStart(2, '0')}` : '';
      const line = `[migtrace] ${result.message}; ${result.icount} instructions, ${formatSize(memory)} RAM${post}`;
      if (result.status === 'fault') process.stderr.write(`migtrace: ${result.message}${post}\n`);
      else this.log(line);
    }
    // A third-party guest says what a good run ends with (guests/third-party.json "expect").
    const unmet = unmetExpectations(image.thirdParty?.expect, { ...result, lastPostCode: machine.lastPostCode });
    if (!json && unmet.length > 0 && result.status !== 'fault') process.stderr.write(`migtrace: ${image.label} did not end as a good run does: ${unmet.join('; ')}\n`);
    if (result.status === 'fault') process.exitCode = EXIT_FAULT;
    else if ((result.status === 'exited' && result.exitStatus !== 1 && image.thirdParty?.expect?.exit === undefined) || unmet.length > 0) process.exitCode = EXIT_FAILED;
    return { guest: image.label, memory, mode: image.mode, lastPostCode: machine.lastPostCode, ...(image.thirdParty === undefined ? {} : { unmetExpectations: unmet }), ...result };
  }
}
