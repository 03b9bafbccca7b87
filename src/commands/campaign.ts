import os from 'node:os';
import { Args, Flags } from '@oclif/core';
import { EXIT_FAILED, MigtraceCommand } from '../cli/base-command.js';
import { parseCount } from '../units.js';
import { InputError } from '../errors.js';
import { runCampaign } from '../campaign/campaign.js';
import { renderCampaignText } from '../campaign/render-text.js';
import { SETTING_NAMES } from '../campaign/plan.js';
import type { CampaignReport } from '../campaign/types.js';
import { ALL_FAULT_NAMES, checkFaultNames } from '../migration/faults.js';

export default class Campaign extends MigtraceCommand {
  static override description =
    'Migrate a recording at the points that matter: compute its state coverage, choose the fewest points that cover every feature it reaches, ' +
    'migrate and verify at each with every link setting (on local cores or BullMQ workers), and report what diverged and where';

  static override examples = [
    '<%= config.bin %> campaign ref.trace',
    '<%= config.bin %> campaign ref.trace --jobs 2 --html report/ --json > report.json',
    '<%= config.bin %> campaign ref.trace --redis redis://10.0.0.5:6379      # jobs for `migtrace worker`s',
    '<%= config.bin %> campaign ref.trace --points 5000000,9000000 --settings precopy,postcopy',
  ];

  static override args = {
    trace: Args.string({ description: 'the reference trace', required: true }),
  };

  static override flags = {
    jobs: Flags.string({ description: 'local worker processes (default: every core; 1 runs in this process)' }),
    redis: Flags.string({ description: 'run the jobs on BullMQ workers (`migtrace worker`) through this Redis, redis://HOST:PORT' }),
    settings: Flags.string({ description: `link settings to cross the points with, comma-separated (${SETTING_NAMES.join(', ')})` }),
    'max-points': Flags.string({ description: 'choose at most this many points (features left uncovered are reported)' }),
    points: Flags.string({ description: 'migrate at these icounts instead of choosing points, comma-separated' }),
    fault: Flags.string({ description: `inject a migration bug in every job; repeatable (${ALL_FAULT_NAMES.join(', ')})`, multiple: true }),
    html: Flags.string({ description: 'write a static HTML report into this directory' }),
  };

  async run(): Promise<CampaignReport> {
    const { args, flags } = await this.parse(Campaign);
    if (flags.redis !== undefined && flags.jobs !== undefined) throw new InputError('BAD_USAGE', '--jobs runs on this machine, --redis on workers: give one');
    const processes = flags.jobs === undefined ? os.availableParallelism() : parseCount(flags.jobs, '--jobs');
    if (processes < 1) throw new InputError('BAD_USAGE', '--jobs must be at least 1');
    const say = (line: string) => {
      if (!this.jsonEnabled()) this.log(line);
    };
    const report = await runCampaign(args.trace, {
      processes,
      redisUrl: flags.redis,
      settings: flags.settings?.split(',').map((s) => s.trim()),
      maxPoints: flags['max-points'] === undefined ? undefined : parseCount(flags['max-points'], '--max-points'),
      points: flags.points?.split(',').map((p) => parseCount(p.trim(), '--points')),
      faults: checkFaultNames(flags.fault ?? []),
      onCoverage: (c, pts) => say(`coverage: ${c.features.length} features reached; ${pts.length} points cover ${new Set(pts.flatMap((p) => p.features)).size} of them`),
      onResult: (r) => say(`  ${r.id}: ${r.verdict.toUpperCase()}${r.cause === null ? '' : ` — ${r.cause}`}`),
    });
    if (flags.html !== undefined) {
      const { writeHtmlReport } = await import('../campaign/html.js');
      say(`HTML report: ${writeHtmlReport(report, flags.html)}`);
    }
    for (const line of renderCampaignText(report)) say(line);
    if (report.summary.divergence + report.summary.error > 0) process.exitCode = EXIT_FAILED;
    return report;
  }
}
