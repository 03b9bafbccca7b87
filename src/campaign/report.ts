/**
 * The campaign's report from its parts: the coverage, the chosen points, the jobs and their
 * results. Plain data in a fixed order — the same inputs give the same JSON byte for byte,
 * whether the jobs ran in one process, on every local core or on BullMQ workers.
 */
import type { CampaignFailure, CampaignJob, CampaignPoint, CampaignReport, Coverage, JobResult, LinkSetting } from './types.js';

export interface ReportParts {
  readonly coverage: Coverage;
  readonly traceSha256: string;
  readonly settings: readonly LinkSetting[];
  readonly points: readonly CampaignPoint[];
  readonly jobs: readonly CampaignJob[];
  /** By job id. */
  readonly results: ReadonlyMap<string, JobResult>;
}

export function buildReport(p: ReportParts): CampaignReport {
  const jobs = p.jobs.map((job) => {
    const result = p.results.get(job.id);
    if (result === undefined) throw new Error(`campaign: no result for job ${job.id}`);
    return { ...job, result };
  });
  const features = p.coverage.features.map((f) => ({
    id: f.id,
    group: f.group,
    kind: f.kind,
    doc: f.doc,
    points: p.points.filter((pt) => pt.features.includes(f.id)).map((pt) => pt.index),
  }));
  const count = (v: JobResult['verdict']) => jobs.filter((j) => j.result.verdict === v).length;
  return {
    format: 1,
    trace: { guest: p.coverage.guest, sha256: p.traceSha256, endIcount: p.coverage.endIcount },
    settings: p.settings,
    features,
    unreached: p.coverage.unreached,
    points: p.points,
    jobs,
    failures: groupFailures(jobs),
    summary: {
      points: p.points.length,
      jobs: jobs.length,
      match: count('match'),
      divergence: count('divergence'),
      error: count('error'),
      featuresReached: features.length,
      featuresCovered: features.filter((f) => f.points.length > 0).length,
    },
  };
}

/** Failures by root field (an error by its message), each with the jobs that reproduce it, in job order. */
function groupFailures(jobs: readonly (CampaignJob & { result: JobResult })[]): CampaignFailure[] {
  const groups = new Map<string, { field: string; cause: string; jobs: string[] }>();
  for (const j of jobs) {
    const r = j.result;
    if (r.verdict === 'match') continue;
    const field = r.verdict === 'error' ? 'error' : (r.fields[0] ?? 'unknown');
    const cause = r.cause ?? '';
    const key = r.verdict === 'error' ? `error\n${cause}` : field;
    const g = groups.get(key) ?? { field, cause, jobs: [] };
    g.jobs.push(j.id);
    groups.set(key, g);
  }
  return [...groups.values()];
}
