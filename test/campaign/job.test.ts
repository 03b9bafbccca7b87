/**
 * One campaign job: a migration at the point with its setting, then verify. Results are the
 * same wherever the job runs — no wall time, no temporary path — and a job never throws.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationStart, runCampaignJob } from '../../src/campaign/job.js';
import { campaignSettings } from '../../src/campaign/plan.js';
import type { CampaignJob, LinkSetting } from '../../src/campaign/types.js';
import { MiB, guestSetup, recordReference } from '../migration/helpers.js';

let reference = '';
let settings: LinkSetting[] = [];
const setting = (name: string) => settings.find((s) => s.name === name)!;
const job = (point: number, name: string, faults: string[] = []): CampaignJob => ({ id: `t-${name}`, traceSha256: 'x', point, pointIndex: 0, setting: setting(name), faults });

beforeAll(async () => {
  reference = await recordReference(guestSetup('timer', 'hz=1000 every=100 ticks=60', 16 * MiB));
  settings = campaignSettings(16 * MiB, 100_000_000);
});

describe('a campaign job', () => {
  it('pre-copy stops exactly at the point after leading it by round 1; the destination verifies MATCH', async () => {
    const r = await runCampaignJob(job(2_500_000, 'precopy'), reference);
    expect(r).toMatchObject({ verdict: 'match', cause: null, fields: [], postMortem: '' });
    expect(r.migration!.switchIcount).toBe(2_500_000);
    expect(r.migration!.startIcount).toBe(migrationStart(job(2_500_000, 'precopy')));
    expect(r.migration!.rounds.length).toBeGreaterThan(0);
  });

  it('post-copy switches over at the point; the same job gives the same result twice', async () => {
    const a = await runCampaignJob(job(2_500_000, 'postcopy-faults'), reference);
    expect(a.verdict).toBe('match');
    expect(a.migration!.switchIcount).toBe(2_500_000);
    expect(a.migration!.rounds).toEqual([]);
    expect(a.migration!.postcopy).not.toBeNull();
    expect(await runCampaignJob(job(2_500_000, 'postcopy-faults'), reference)).toEqual(a);
  });

  it('an injected bug is a divergence with its field, cause and post-mortem — without the temporary paths', async () => {
    const r = await runCampaignJob(job(2_500_000, 'postcopy', ['uart-divisor-dropped']), reference);
    expect(r.verdict).toBe('divergence');
    expect(r.fields[0]).toMatch(/^uart\.dl/);
    expect(r.cause).toMatch(/uart\.dl/);
    expect(r.postMortem).toMatch(/<destination>/);
    expect(r.postMortem).not.toMatch(/migtrace-job-/);
    expect(r.postMortem).not.toContain(reference);
  });

  it('a migration that cannot run is verdict error with the reason, not a throw', async () => {
    const r = await runCampaignJob(job(999_000_000_000, 'postcopy'), reference);
    expect(r.verdict).toBe('error');
    expect(r.cause).toMatch(/beyond|after|ends/);
    expect(r.cause).not.toContain(reference);
  });
});
