/**
 * `migtrace campaign`: from a reference trace, its coverage; from the coverage, the points
 * that cover every feature the run reaches; at each point, a migration per link setting and a
 * verification; from all of it, the report. The jobs run in this process, on local worker
 * processes, or on BullMQ workers — the report is the same.
 */
import { TraceReader } from '../trace/reader.js';
import { computeCoverage } from './coverage.js';
import { runJobsLocally } from './local-pool.js';
import { campaignJobs, campaignSettings, SETTING_NAMES } from './plan.js';
import { buildReport } from './report.js';
import { choosePoints } from './select.js';
import { exportForStore } from './trace-store.js';
import type { CampaignPoint, CampaignReport, Coverage, JobResult } from './types.js';

export interface CampaignOptions {
  readonly settings?: readonly string[];
  readonly maxPoints?: number;
  /** Migrate at these icounts instead of choosing points by coverage (e.g. the golden matrix's, to compare). */
  readonly points?: readonly number[];
  /** Injected migration bugs, for every job. */
  readonly faults?: readonly string[];
  /** Coverage options (coverage.ts). */
  readonly coverage?: Parameters<typeof computeCoverage>[1];
  /** Local worker processes (default: 1, in this process). */
  readonly processes?: number;
  /** Run the jobs on BullMQ workers through this Redis instead. */
  readonly redisUrl?: string;
  readonly onCoverage?: (c: Coverage, points: readonly CampaignPoint[]) => void;
  readonly onResult?: (r: JobResult) => void;
}

export async function runCampaign(traceDir: string, options: CampaignOptions = {}): Promise<CampaignReport> {
  const reader = await TraceReader.open(traceDir);
  const machine = reader.header.machine;
  await reader.close();
  const coverage = await computeCoverage(traceDir, options.coverage);
  const points = options.points === undefined ? choosePoints(coverage, { maxPoints: options.maxPoints }) : pointsAt(coverage, options.points);
  options.onCoverage?.(coverage, points);
  const settings = campaignSettings(machine.memoryBytes, machine.instructionsPerSecond, options.settings ?? SETTING_NAMES);
  // The trace's content address; on a queue the same export travels to the workers.
  const exported = await exportForStore(traceDir);
  const sha256 = exported.sha256;
  const jobs = campaignJobs(sha256, points, settings, options.faults ?? []);
  let results: Map<string, JobResult>;
  if (options.redisUrl !== undefined) {
    const { runJobsOnQueue } = await import('./queue.js');
    const list = await runJobsOnQueue(jobs, traceDir, { redisUrl: options.redisUrl, onResult: options.onResult, exported });
    results = new Map(list.map((r) => [r.id, r]));
  } else {
    results = await runJobsLocally(jobs, traceDir, { processes: options.processes ?? 1, onResult: options.onResult });
  }
  return buildReport({ coverage, traceSha256: sha256, settings, points, jobs, results });
}

/** Points given by icount, with the features holding at each (in icount order). */
export function pointsAt(coverage: Coverage, icounts: readonly number[]): CampaignPoint[] {
  const covered = new Set<string>();
  return [...new Set(icounts)].sort((a, b) => a - b).map((icount, index) => {
    const seg = coverage.segments.find((s) => s.from <= icount && icount < s.to);
    const features = (seg?.holding ?? []).map((i) => coverage.features[i].id);
    const newlyCovered = features.filter((f) => !covered.has(f));
    for (const f of features) covered.add(f);
    return { index, icount, features, newlyCovered };
  });
}
