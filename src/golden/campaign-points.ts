/**
 * The campaign's points in the golden matrix (docs/campaign.md, "In the golden matrix"). For a
 * guest with `campaign`, `golden update` computes the coverage of its reference and chooses
 * points exactly as `migtrace campaign` does (src/campaign: computeCoverage with its defaults,
 * then choosePoints' greedy set cover, uncapped), so every state feature the run reaches holds
 * at the switch-over of one of its scenarios. Each point is migrated as the campaign's
 * `precopy` and `postcopy` jobs (src/campaign/plan.ts, job.ts): the pre-copy begins where the
 * campaign's does (its lead before the point, at least icount 0) and stops the guest exactly
 * at the point (`--switch-at`); the post-copy switches over at the point.
 *
 * All the points, neither capped nor thinned: greedy chooses 5–8 per device guest, and seeding
 * it with the features the default points (a third and a half of the run) already hold would
 * save 3 of 39 — what the default points miss is a long tail of points adding a feature or
 * two each, the states a campaign exists to reach. Their cost in the checks is measured in
 * docs/campaign.md ("In the golden matrix").
 */
import { isDeepStrictEqual } from 'node:util';
import { computeCoverage } from '../campaign/coverage.js';
import { jobMigrationOptions, migrationStart } from '../campaign/job.js';
import { campaignJobs, campaignSettings } from '../campaign/plan.js';
import { choosePoints } from '../campaign/select.js';
import type { Coverage } from '../campaign/types.js';
import { InputError } from '../errors.js';
import { migrationOptions, type MigrationOptions } from '../migration/options.js';
import { TraceReader } from '../trace/reader.js';
import type { GoldenCampaignPoint, GoldenMigration } from './matrix.js';

/** The campaign's link settings a golden campaign point is migrated with (plan.ts). */
export const GOLDEN_CAMPAIGN_SETTINGS = ['precopy', 'postcopy'] as const;

/** How the golden matrix migrates a scenario: BLMVisor's defaults, with `switchAt` if it has one. */
export function goldenMigrationOptions(m: GoldenMigration): MigrationOptions {
  return migrationOptions({ strategy: m.strategy, ...(m.switchAt === undefined ? {} : { switchAt: m.switchAt }) });
}

/** The points `migtrace campaign` chooses on the reference at `ref`, in icount order. */
export async function campaignPoints(ref: string): Promise<GoldenCampaignPoint[]> {
  return pointsFor(await computeCoverage(ref));
}

/** The points `migtrace campaign` chooses for a reference's coverage (its defaults: uncapped). */
export function pointsFor(coverage: Coverage): GoldenCampaignPoint[] {
  return choosePoints(coverage).map((p) => ({ icount: p.icount, newlyCovered: p.newlyCovered }));
}

/**
 * The campaign's jobs at `points` as golden migrations, point by point (pre-copy, then
 * post-copy). Each is checked to migrate with the very options the campaign's job does, so
 * a golden campaign scenario is that job; a campaign setting that drifts from the golden's
 * defaults is refused here rather than recorded as something else.
 */
export async function campaignMigrations(ref: string, points: readonly GoldenCampaignPoint[]): Promise<{ point: number; migration: GoldenMigration }[]> {
  const reader = await TraceReader.open(ref);
  const machine = reader.header.machine;
  await reader.close();
  const settings = campaignSettings(machine.memoryBytes, machine.instructionsPerSecond, GOLDEN_CAMPAIGN_SETTINGS);
  const chosen = points.map((p, index) => ({ index, icount: p.icount, features: [], newlyCovered: p.newlyCovered }));
  // The jobs run here, not on a queue: their trace address is not needed.
  return campaignJobs('', chosen, settings).map((job) => {
    const migration: GoldenMigration = {
      at: migrationStart(job),
      strategy: job.setting.strategy,
      ...(job.setting.strategy === 'precopy' ? { switchAt: job.point } : {}),
    };
    if (!isDeepStrictEqual(goldenMigrationOptions(migration), jobMigrationOptions(job))) {
      throw new InputError(
        'GOLDEN_CAMPAIGN_SETTING',
        `the campaign's ${job.setting.name} setting (${JSON.stringify(job.setting)}) no longer migrates with the golden matrix's options: make goldenMigrationOptions (src/golden/campaign-points.ts) follow it`,
      );
    }
    return { point: job.point, migration };
  });
}
