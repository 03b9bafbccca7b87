/**
 * TEST-ONLY. A stand-in JobRunner for the distributed campaign's tests (test/campaign/queue.test.ts):
 * `migtrace worker` loads it instead of the real runner when MIGTRACE_TEST_RUNNER names this
 * module's built file. It migrates nothing. Its result is computed from the job and the trace
 * header it reads through TraceReader — proof that the trace arrived, whole, on the worker — so
 * the same job gives the same result in-process and on any worker.
 *
 * Faults it understands: `test:delay-ms=N` (take N ms, to be killed mid-job) and
 * `test:diverge` (report a divergence).
 */
import { createHash } from 'node:crypto';
import { TraceReader } from '../../trace/reader.js';
import type { CampaignJob, JobResult, JobRunner } from '../types.js';

export const runCampaignJob: JobRunner = async (job: CampaignJob, traceDir: string): Promise<JobResult> => {
  const delay = job.faults.map((f) => /^test:delay-ms=(\d+)$/.exec(f)).find((m) => m !== null);
  if (delay) await new Promise((r) => setTimeout(r, Number(delay[1])));
  let header: string;
  try {
    const reader = await TraceReader.open(traceDir);
    try {
      header = `${reader.header.guestImageSha256}:${reader.header.guestArgs}:${reader.header.firstIcount}:${reader.status.recordCount}`;
    } finally {
      await reader.close();
    }
  } catch (err) {
    return { id: job.id, verdict: 'error', cause: (err as Error).message, fields: [], divergenceIcount: null, migration: null, postMortem: '' };
  }
  const digest = createHash('sha256').update(`${header}|${job.traceSha256}|${job.point}|${job.setting.name}`).digest('hex');
  const diverge = job.faults.includes('test:diverge');
  return {
    id: job.id,
    verdict: diverge ? 'divergence' : 'match',
    cause: diverge ? `fake divergence at ${job.point}` : null,
    fields: diverge ? [`fake.${digest.slice(0, 8)}`] : [],
    divergenceIcount: diverge ? job.point : null,
    migration: null,
    postMortem: `trace ${header}\njob ${digest}`,
  };
};
