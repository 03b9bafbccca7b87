import { Args } from '@oclif/core';
import { MigtraceCommand } from '../cli/base-command.js';
import { importTrace } from '../trace/export.js';

export interface ImportOutput {
  file: string;
  trace: string;
  records: number;
  chunks: number;
}

export default class Import extends MigtraceCommand {
  static override description = 'Rebuild a trace directory from an export file (checked: magic, version, length, checksum)';
  static override examples = ['<%= config.bin %> import traces/hello.mtx /tmp/hello'];

  static override args = {
    file: Args.string({ description: 'export file', required: true }),
    trace: Args.string({ description: 'trace directory to create (must not exist or be empty)', required: true }),
  };

  async run(): Promise<ImportOutput> {
    const { args } = await this.parse(Import);
    const r = await importTrace(args.file, args.trace);
    const out = { file: args.file, trace: args.trace, ...r };
    if (!this.jsonEnabled()) this.log(`imported ${args.file} into ${args.trace}: ${r.records} records in ${r.chunks} chunks`);
    return out;
  }
}
