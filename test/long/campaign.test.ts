/**
 * The campaign against the golden matrix (issue 13): each injected bug of the kinds the issue
 * lists — inside an interrupt handler, with a request pending, with the LAPIC timer running,
 * with TPR ≠ 0, after SET MULTIPLE, after an RTC update, with the top page of RAM dirtied
 * last — is caught by `migtrace campaign` at the points it chooses by coverage, with the right
 * field named, and missed by the old golden scenario (the golden guest migrated at a third and
 * a half of its run). A clean campaign on the same traces is MATCH everywhere, and covers
 * every feature the run reaches.
 */
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../../src/campaign/campaign.js';
import type { CampaignReport } from '../../src/campaign/types.js';
import { GOLDEN_GUESTS } from '../../src/golden/matrix.js';
import { TraceReader } from '../../src/trace/reader.js';
import { MiB, guestSetup, recordReference } from '../migration/helpers.js';

interface Case {
  readonly fault: string;
  /** A run where the state the fault breaks holds somewhere. */
  readonly guest: string;
  readonly args: string;
  readonly memory?: number;
  readonly until?: number;
  /** The field the campaign must name (the first failure's root). */
  readonly field: RegExp;
  readonly settings: string[];
  /** Root fields of bugs a clean campaign here may find that are still open (docs/campaign.md, "What campaigns found"). */
  readonly open?: string[];
}

const CASES: Case[] = [
  { fault: 'pic-isr-dropped', guest: 'timer', args: 'hz=1000 every=100 ticks=60 eoi=normal', field: /^pic\.master\.isr$/, settings: ['postcopy'] },
  { fault: 'pic-request-dropped', guest: 'timer', args: 'hz=1000 every=100 ticks=60 eoi=normal', field: /^pic\.master\.irr$/, settings: ['postcopy'] },
  { fault: 'lapic-timer-not-rearmed', guest: 'apic', args: 'n=10 pit=10', field: /^lapic\.(initial_count|timer)$/, settings: ['postcopy'] },
  { fault: 'lapic-tpr-lost', guest: 'apic', args: 'n=10 pit=10', field: /^lapic\.tpr$/, settings: ['postcopy'] },
  { fault: 'ata-multiple-lost', guest: 'disk', args: 'count=4', field: /^ata0\./, settings: ['postcopy'] },
  { fault: 'rtc-time-stale', guest: 'rtc', args: 'n=3 rate=15', field: /^rtc\.cmos/, settings: ['postcopy'] },
  // Rewrites the last MiB of a 16 MiB machine, ending every pass on the top page.
  { fault: 'top-page-not-sent', guest: 'memtouch', args: 'base=15 mb=1 stride=1044480 passes=0 spin=20000', memory: 16 * MiB, until: 3_000_000, field: /^memory page/, settings: ['precopy-rounds'] },
];

const traces = new Map<string, Promise<string>>();
function trace(guest: string, args: string | undefined, memory = 64 * MiB, until?: number): Promise<string> {
  const key = `${guest} ${args} ${memory} ${until}`;
  if (!traces.has(key)) traces.set(key, recordReference(guestSetup(guest, args, memory), until));
  return traces.get(key)!;
}

/** The old golden scenario of a guest: its golden arguments, migrated at a third and a half of its run. */
async function goldenScenario(guest: string): Promise<{ dir: string; points: number[] }> {
  const g = GOLDEN_GUESTS.find((x) => x.name === guest);
  const dir = await trace(guest, g?.args);
  const reader = await TraceReader.open(dir);
  const end = reader.status.complete ? reader.status.finalIcount : 0;
  await reader.close();
  return { dir, points: [Math.floor(end / 3), Math.floor(end / 2)] };
}

const failedFields = (r: CampaignReport) => r.failures.map((f) => f.field);

describe('a campaign catches what the golden points miss', () => {
  for (const c of CASES) {
    it(`${c.fault}: caught at a chosen point and named; missed by the golden scenario of ${c.guest}`, async () => {
      const dir = await trace(c.guest, c.args, c.memory, c.until);
      const clean = await runCampaign(dir, { settings: c.settings, processes: 2 });
      // Any failure of the clean campaign is one of the open bugs it is known to find.
      for (const field of failedFields(clean)) expect(c.open ?? [], JSON.stringify(clean.failures, null, 1)).toContain(field);
      expect(clean.summary.error).toBe(0);
      expect(clean.summary.featuresCovered).toBe(clean.summary.featuresReached);

      const caught = await runCampaign(dir, { settings: c.settings, processes: 2, faults: [c.fault] });
      // Caught where the clean migration matched: by the fault, nothing else.
      const cleanVerdict = (j: CampaignReport['jobs'][number]) => clean.jobs.find((x) => x.point === j.point && x.setting.name === j.setting.name)?.result.verdict;
      const byFault = caught.jobs.filter((j) => j.result.verdict === 'divergence' && cleanVerdict(j) === 'match');
      expect(byFault.length, `${c.fault}: no chosen point caught it`).toBeGreaterThan(0);
      expect(byFault.some((j) => c.field.test(j.result.fields[0] ?? '')), JSON.stringify(caught.failures, null, 1)).toBe(true);

      if (c.fault === 'top-page-not-sent') return; // no golden scenario migrates memtouch; the clean/caught pair above is the comparison
      const old = await goldenScenario(c.guest);
      const missed = await runCampaign(old.dir, { points: old.points, settings: ['precopy', 'postcopy'].filter((s) => c.settings.includes(s) || s === 'postcopy'), processes: 2, faults: [c.fault] });
      expect(missed.summary.divergence + missed.summary.error, JSON.stringify(missed.failures, null, 1)).toBe(0);
    });
  }
});
