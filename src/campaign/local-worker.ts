/**
 * A local campaign worker process (local-pool.ts forks it): takes one job at a time from its
 * parent over IPC, runs it and sends the result back.
 */
import { runCampaignJob } from './job.js';
import type { CampaignJob, JobResult } from './types.js';

export interface LocalJobMessage { readonly job: CampaignJob; readonly traceDir: string }
export interface LocalResultMessage { readonly result: JobResult }

process.on('message', (m: LocalJobMessage) => {
  void runCampaignJob(m.job, m.traceDir).then((result) => process.send?.({ result } satisfies LocalResultMessage));
});
process.on('disconnect', () => process.exit(0));
