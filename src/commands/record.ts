import { Flags } from '@oclif/core';
import { EXIT_FAILED, EXIT_FAULT, MigtraceCommand } from '../cli/base-command.js';
import { guestArg, guestFlags, recordingSetup, resolveGuestRequest } from '../cli/guest-options.js';
import { ProgressLine } from '../cli/progress.js';
import { formatBytes, formatCount, parseCount } from '../units.js';
import { InputError } from '../errors.js';
import { KIND_CLASSES, type RecordKind } from '../trace/format.js';
import { recordBoot, type RecordingSummary } from '../trace/session.js';

export interface RecordOutput extends RecordingSummary {
  guest: string;
  /** Wall time of the recording (display only; not in the trace). */
  seconds: number;
  recordsPerSecond: number;
}

export default class Record extends MigtraceCommand {
  static override description =
    'Boot a guest and record every PIO/MMIO access, device transition, interrupt, input and output into a trace directory';
  static override examples = [
    '<%= config.bin %> record hello --out traces/hello',
    '<%= config.bin %> record net-echo --input guests/inputs/net-echo.input --out /tmp/net',
    '<%= config.bin %> record timer --args "ticks=100" --until 5e7 --checkpoint-interval 1e6 --out /tmp/timer --json',
    '<%= config.bin %> record test386 --out /tmp/test386',
    '<%= config.bin %> record --kernel bzImage --initrd initramfs.cpio.gz --append "console=ttyS0" --until 1e9 --out /tmp/linux',
  ];

  static override args = { guest: guestArg };

  static override flags = {
    ...guestFlags,
    out: Flags.string({ description: 'trace directory to create (must not exist or be empty)', required: true }),
    until: Flags.string({ description: 'stop recording when the instruction count reaches ICOUNT (default: when the guest stops)' }),
    'checkpoint-interval': Flags.string({ description: 'instructions between checkpoints (CPU, device and page-hash state)' }),
    progress: Flags.boolean({ description: 'print progress lines to stderr even when it is not a terminal', default: false }),
  };

  async run(): Promise<RecordOutput> {
    const { args, flags } = await this.parse(Record);
    const until = flags.until === undefined ? undefined : parseCount(flags.until, '--until');
    const interval = flags['checkpoint-interval'] === undefined ? undefined : parseCount(flags['checkpoint-interval'], '--checkpoint-interval');
    if (interval === 0) throw new InputError('BAD_NUMBER', '--checkpoint-interval: must be at least 1 instruction');
    const request = resolveGuestRequest(args.guest, flags);
    // A file disk is opened read-only under an overlay: the recording never changes it, so replay finds it as it was.
    const { setup, close } = recordingSetup(request);
    const progress = new ProgressLine('recording', flags.progress);
    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort();
    process.once('SIGINT', onSigint);
    let summary: RecordingSummary;
    try {
      summary = await recordBoot(flags.out, setup, {
        until,
        writer: interval === undefined ? undefined : { checkpointInterval: interval },
        onProgress: (p) => progress.update(p),
        signal: interrupt.signal,
      });
    } finally {
      process.off('SIGINT', onSigint);
      progress.done();
      close();
    }
    const seconds = progress.seconds;
    const out: RecordOutput = { guest: request.image.label, ...summary, seconds, recordsPerSecond: summary.records / Math.max(seconds, 1e-6) };
    if (!this.jsonEnabled()) this.printSummary(out);
    if (summary.status === 'fault') {
      if (!this.jsonEnabled()) process.stderr.write(`migtrace: ${summary.message}\n`);
      process.exitCode = EXIT_FAULT;
    } else if (summary.status === 'aborted' || (summary.status === 'exited' && summary.exitStatus !== 1)) {
      process.exitCode = EXIT_FAILED;
    }
    return out;
  }

  private printSummary(s: RecordOutput): void {
    const kinds = (Object.entries(s.recordsByKind) as [RecordKind, number][])
      .filter(([, n]) => n > 0)
      .sort((a, b) => KIND_CLASSES.indexOf(a[0]) - KIND_CLASSES.indexOf(b[0]))
      .map(([k, n]) => `${k} ${formatCount(n)}`)
      .join(', ');
    const perRecord = s.records === 0 ? 0 : s.bytesOnDisk / s.records;
    this.log(`[migtrace] ${s.message}; trace written to ${s.dir}`);
    this.log(`  instructions   ${s.icount - s.firstIcount}`);
    this.log(`  records        ${s.records} (${kinds})`);
    this.log(`  checkpoints    ${s.checkpoints}`);
    this.log(`  bytes on disk  ${formatBytes(s.bytesOnDisk)} (${perRecord.toFixed(2)} B/record)`);
    this.log(`  records/s      ${formatCount(s.recordsPerSecond)} (${s.seconds.toFixed(2)} s)`);
  }
}
