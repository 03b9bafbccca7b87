import { Args, Flags } from '@oclif/core';
import { MigtraceCommand } from '../cli/base-command.js';
import { parseCount } from '../units.js';
import { computeCoverage } from '../campaign/coverage.js';
import { InputError } from '../errors.js';
import type { Coverage, FeatureCoverage } from '../campaign/types.js';

/** The coverage as --json prints it: segments counted, not listed (a long run has tens of thousands). */
export type CoverageOutput = Omit<Coverage, 'segments'> & { segments: number };

/** Ranges shown per feature in the text table. */
const FIRST_RANGES = 3;

export default class CoverageCommand extends MigtraceCommand {
  static override description = 'Show which state features (device fields, write-only sequences, FIFOs, timers, interrupts, CPU modes, memory written) a recorded run reaches, how often and where';
  static override examples = [
    '<%= config.bin %> coverage /tmp/timer',
    '<%= config.bin %> coverage /tmp/disk --window 50000 --json',
  ];

  static override args = {
    trace: Args.string({ description: 'trace directory (a complete recording from power-on)', required: true }),
  };

  static override flags = {
    window: Flags.string({ description: 'memory window in instructions (default: 1/256 of the run, at least 10000)' }),
  };

  async run(): Promise<CoverageOutput> {
    const { args, flags } = await this.parse(CoverageCommand);
    const window = flags.window === undefined ? undefined : parseCount(flags.window, '--window');
    if (window === 0) throw new InputError('BAD_NUMBER', '--window: 0 is not a positive number of instructions');
    const coverage = await computeCoverage(args.trace, { window });
    if (!this.jsonEnabled()) this.print(coverage);
    return { ...coverage, segments: coverage.segments.length };
  }

  private print(c: Coverage): void {
    const run = c.endIcount - c.firstIcount;
    this.log(`coverage of ${c.guest}: icount ${c.firstIcount}–${c.endIcount}, ${c.features.length} features reached, ${c.unreached.length} never, ${c.segments.length} segments`);
    const groups = new Map<string, FeatureCoverage[]>();
    for (const f of c.features) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
    const width = Math.max(7, ...c.features.map((f) => f.id.length));
    for (const [group, features] of groups) {
      this.log('');
      this.log(`${group}:`);
      this.log(`  ${'feature'.padEnd(width)}  ${'ranges'.padStart(6)}  ${'instructions'.padStart(12)}  ${'of run'.padStart(6)}  first ranges`);
      for (const f of features) {
        const share = run === 0 ? 0 : (100 * f.instructions) / run;
        const first = f.ranges.slice(0, FIRST_RANGES).map(([a, b]) => `${a}–${b}`).join(', ') + (f.ranges.length > FIRST_RANGES ? ', …' : '');
        this.log(`  ${f.id.padEnd(width)}  ${String(f.ranges.length).padStart(6)}  ${String(f.instructions).padStart(12)}  ${share.toFixed(1).padStart(5)}%  ${first}`);
      }
    }
    if (c.unreached.length > 0) {
      this.log('');
      this.log('never reached:');
      const w = Math.max(...c.unreached.map((u) => u.id.length));
      for (const u of c.unreached) this.log(`  ${u.id.padEnd(w)}  ${u.why}`);
    }
  }
}
