import { Args, Flags } from '@oclif/core';
import { EXIT_FAILED, MigtraceCommand } from '../cli/base-command.js';
import { ProgressLine } from '../cli/progress.js';
import { describeRecord, deviceNames, recordJson } from '../trace/describe.js';
import { replayTrace, type ReplayResult } from '../trace/replay.js';
import { TraceReader } from '../trace/reader.js';

export interface ReplayOutput extends Omit<ReplayResult, 'mismatch'> {
  matches: boolean;
  mismatch: {
    seq: number;
    icount: number;
    what: string;
    message: string;
    expected: Record<string, unknown> | null;
    actual: Record<string, unknown> | null;
  } | null;
}

export default class Replay extends MigtraceCommand {
  static override description =
    "Re-run a recording from the trace's own guest image, arguments, input script and disk, and check every record (exit 1 at the first mismatch)";
  static override examples = ['<%= config.bin %> replay /tmp/hello', '<%= config.bin %> replay /tmp/disk-run --disk ./moved/disk.img --json'];

  static override args = {
    trace: Args.string({ description: 'trace directory', required: true }),
  };

  static override flags = {
    disk: Flags.string({ description: 'the disk image file, if it moved since the recording (its contents must be unchanged)' }),
    'slave-disk': Flags.string({ description: 'the slave disk image file, if it moved since the recording (its contents must be unchanged)' }),
    progress: Flags.boolean({ description: 'print progress lines to stderr even when it is not a terminal', default: false }),
  };

  async run(): Promise<ReplayOutput> {
    const { args, flags } = await this.parse(Replay);
    const progress = new ProgressLine('replaying', flags.progress);
    let result: ReplayResult;
    try {
      result = await replayTrace(args.trace, { disk: flags.disk, slaveDisk: flags['slave-disk'], onProgress: (p) => progress.update(p) });
    } finally {
      progress.done();
    }
    // Device names for the report; the header is what the replay checked against.
    const reader = await TraceReader.open(args.trace);
    const names = deviceNames(reader.header.machine.devices);
    await reader.close();
    const m = result.mismatch;
    const out: ReplayOutput = {
      ...result,
      matches: m === null,
      mismatch:
        m === null
          ? null
          : {
              seq: m.seq,
              icount: m.icount,
              what: m.what,
              message: m.message,
              expected: m.expected === null ? null : recordJson(m.expected, names),
              actual: m.actual === null ? null : recordJson(m.actual, names),
            },
    };
    if (!this.jsonEnabled()) {
      const scope = result.complete ? '' : ` (the trace is incomplete: checked up to its last record, seq ${result.traceRecords - 1})`;
      if (m === null) {
        this.log(
          `replay matches ${args.trace}: ${result.recordsChecked} records and ${result.checkpointsChecked} checkpoints, ` +
            `to icount ${result.icount} (${result.status})${scope}`,
        );
      } else {
        this.log(`replay differs from ${args.trace} at seq ${m.seq} (icount ${m.icount}): ${m.message}`);
        if (m.expected !== null) this.log(`  trace:  ${describeRecord(m.expected, names)}`);
        if (m.actual !== null) this.log(`  replay: ${describeRecord(m.actual, names)}`);
        this.log(`  ${result.recordsChecked} records matched before it${scope}`);
      }
    }
    if (m !== null) process.exitCode = EXIT_FAILED;
    return out;
  }
}
