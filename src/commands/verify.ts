import { Args, Flags } from '@oclif/core';
import { EXIT_FAILED, MigtraceCommand } from '../cli/base-command.js';
import { renderVerifyReport } from '../../verify/report.js';
import { verifyTraces, type VerifyReport } from '../../verify/verify.js';

export default class Verify extends MigtraceCommand {
  static override description =
    'Verify a migrated destination trace against its unmigrated reference: the switch-over state, every record and every checkpoint from the switch-over on; on a divergence, the first record where they part and the earliest state difference behind it';
  static override examples = [
    '<%= config.bin %> verify ref.trace dest.trace',
    '<%= config.bin %> verify ref.trace dest.trace --json',
    '<%= config.bin %> verify ref.trace dest.trace --no-bisect',
  ];

  static override args = {
    reference: Args.string({ description: 'trace of the unmigrated run (migtrace record)', required: true }),
    destination: Args.string({ description: 'trace of the migration\'s destination (migtrace migrate --out)', required: true }),
  };

  static override flags = {
    bisect: Flags.boolean({ description: 'locate the earliest state difference by re-executing both sides when the switch-over agrees', default: true, allowNo: true }),
  };

  async run(): Promise<VerifyReport> {
    const { args, flags } = await this.parse(Verify);
    const report = await verifyTraces(args.reference, args.destination, { bisect: flags.bisect });
    if (!this.jsonEnabled()) this.log(renderVerifyReport(report));
    if (report.verdict !== 'match') process.exitCode = EXIT_FAILED;
    return report;
  }
}
