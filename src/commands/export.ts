import { Args } from '@oclif/core';
import { MigtraceCommand } from '../cli/base-command.js';
import { formatBytes } from '../units.js';
import { exportTrace } from '../trace/export.js';

export interface ExportOutput {
  trace: string;
  file: string;
  bytes: number;
  sha256: string;
  frames: number;
}

export default class Export extends MigtraceCommand {
  static override description = 'Write a trace to one portable file (header, records, checkpoints, checksum) for golden traces and bug reports';
  static override examples = ['<%= config.bin %> export /tmp/hello traces/hello.mtx'];

  static override args = {
    trace: Args.string({ description: 'trace directory', required: true }),
    file: Args.string({ description: 'export file to write (replaced if it exists)', required: true }),
  };

  async run(): Promise<ExportOutput> {
    const { args } = await this.parse(Export);
    const r = await exportTrace(args.trace, args.file);
    const out = { trace: args.trace, file: args.file, ...r };
    if (!this.jsonEnabled()) this.log(`exported ${args.trace} to ${args.file}: ${formatBytes(r.bytes)}, sha256 ${r.sha256}`);
    return out;
  }
}
