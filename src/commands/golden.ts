import { Args, Flags } from '@oclif/core';
import { EXIT_FAILED, MigtraceCommand } from '../cli/base-command.js';
import { checkGolden, updateGolden, type GoldenManifest, type GoldenReport } from '../golden/golden.js';

export default class Golden extends MigtraceCommand {
  static override description =
    'Golden traces (traces/): `check` re-records every device guest and Linux 6.1 and re-migrates every scenario, compares each with its golden export (Linux: its digest) and verifies it — a third-party guest not built here, or built from other inputs, is skipped with the reason; `update` rewrites them (only when a change is meant)';
  static override examples = [
    '<%= config.bin %> golden check',
    '<%= config.bin %> golden check --only timer',
    '<%= config.bin %> golden update',
    '<%= config.bin %> golden update --only linux',
  ];

  static override args = {
    action: Args.string({ description: 'check or update', options: ['check', 'update'], required: true }),
  };

  static override flags = {
    only: Flags.string({ description: 'check: only the scenarios whose name contains this (or one guest); update: only this guest (the others\' entries are kept)' }),
    dir: Flags.string({ description: 'the golden directory (default: traces/ of this checkout)' }),
  };

  async run(): Promise<GoldenReport | GoldenManifest> {
    const { args, flags } = await this.parse(Golden);
    const say = (line: string): void => {
      if (!this.jsonEnabled()) this.log(line);
    };
    if (args.action === 'update') return updateGolden({ dir: flags.dir, only: flags.only, say });
    const report = await checkGolden({ dir: flags.dir, only: flags.only, say });
    if (!this.jsonEnabled()) {
      for (const r of report.results) if (r.diff !== undefined) this.log(`\n──── ${r.name}: differs from its golden trace ────\n${r.diff}`);
      const skipped = report.results.filter((r) => r.golden === 'skipped');
      const checked = report.results.length - skipped.length;
      const skips = skipped.length === 0 ? '' : ` (skipped: ${skipped.map((r) => r.name).join(', ')} — see above)`;
      this.log(report.ok ? `\n${checked} golden traces: all the same, every migration verifies${skips}` : '\ngolden check FAILED');
    }
    if (!report.ok) process.exitCode = EXIT_FAILED;
    return report;
  }
}
