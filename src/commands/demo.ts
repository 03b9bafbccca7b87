import { Flags } from '@oclif/core';
import { EXIT_FAILED, MigtraceCommand } from '../cli/base-command.js';
import { parseCount } from '../units.js';
import { runDemo, type DemoResult } from '../demo/demo.js';
import { renderVerifyReport } from '../../verify/report.js';
import { renderPostMortem } from '../../verify/post-mortem-render.js';

export default class Demo extends MigtraceCommand {
  static override description =
    'Record a guest, migrate it live mid-run and verify it (a match), then migrate it again with an injected migration bug and show how the verifier catches it and why; --guest linux tells the story on Linux 6.1 booting with its own drivers (built with npm run guests:third-party)';
  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --fault pit-latch-lost --dir ./demo-traces',
    '<%= config.bin %> demo --guest linux',
    '<%= config.bin %> demo --json',
  ];

  static override flags = {
    guest: Flags.string({ description: 'guest to run: a built-in guest, or linux (a third-party guest, built first)', default: 'timer' }),
    args: Flags.string({ description: 'guest arguments (default for timer: auto-EOI mode)' }),
    at: Flags.string({ description: 'icount at which the migration begins (default: 5000000; linux: 120000000, mid-boot while it probes its drivers)' }),
    fault: Flags.string({ description: 'the migration bug to inject the second time (see `migtrace migrate --help`; default icw4-shadow-skipped)' }),
    strategy: Flags.string({ description: 'precopy or postcopy', options: ['precopy', 'postcopy'], default: 'precopy' }),
    dir: Flags.string({ description: 'keep the traces in this directory (default: a temporary one)' }),
  };

  async run(): Promise<DemoResult> {
    const { flags } = await this.parse(Demo);
    const json = this.jsonEnabled();
    const say = (line: string): void => {
      if (!json) this.log(line);
    };
    const result = await runDemo({
      guest: flags.guest,
      args: flags.args,
      at: flags.at === undefined ? undefined : parseCount(flags.at, '--at'),
      fault: flags.fault,
      strategy: flags.strategy as 'precopy' | 'postcopy',
      dir: flags.dir,
      say,
    });
    if (!json) {
      this.log('\n──── verify, clean migration ────');
      this.log(renderVerifyReport(result.clean.report));
      this.log(`\n──── verify, migration with ${result.faulty.fault} ────`);
      this.log(renderVerifyReport(result.faulty.report));
      this.log('\n──── post-mortem (migtrace diff) ────');
      this.log(renderPostMortem(result.faulty.postMortem));
      this.log(result.asExpected ? '\nThe clean migration verified; the injected bug was caught and named.' : '\nUnexpected: see the reports above.');
    }
    if (!result.asExpected) process.exitCode = EXIT_FAILED;
    return result;
  }
}
