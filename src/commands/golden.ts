import { Args, Flags } from '@oclif/core';
import { EXIT_FAILED, MigtraceCommand } from '../cli/base-command.js';
import { checkGolden, updateGolden, type GoldenManifest, type GoldenReport } from '../golden/golden.js';

export default class Golden extends MigtraceCommand {
  static override description =
    'Golden traces (traces/): `check` re-records every device guest and re-migrates every scenario, compares each with its golden export and verifies it; `update` rewrites them (only when a change is meant)';
  static override examples = ['<%= config.bin %> golden check', '<%= config.bin %> golden check --only timer', '<%= config.bin %> golden update'];

  static override args = {
    action: Args.string({ description: 'check or update', options: ['check', 'update'], required: true }),
  };

  static override flags = {
    only: Flags.string({ description: 'check: only the scenarios whose name contains this (or one guest)' }),
    dir: Flags.string({ description: 'the golden directory (default: traces/ of this checkout)' }),
  };

  async run(): Promise<GoldenReport | GoldenManifest> {
    const { args, flags } = await this.parse(Golden);
    const say = (line: string): void => {
      if (!this.jsonEnabled()) this.log(line);
    };
    if (args.action === 'update') return updateGolden({ dir: flags.dir, say });
    const report = await checkGolden({ dir: flags.dir, only: flags.only, say });
    if (!this.jsonEnabled()) {
      for (const r of report.results) if (r.diff !== undefined) this.log(`\n──── ${r.name}: differs from its golden trace ────\n${r.diff}`);
      this.log(report.ok ? `\n${report.results.length} golden traces: all the same, every migration verifies` : '\ngolden check FAILED');
    }
    if (!report.ok) process.exitCode = EXIT_FAILED;
    return report;
  }
}
