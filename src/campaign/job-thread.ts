/**
 * Runs a JobRunner in a worker thread, one thread per job. A migration job is CPU-bound for
 * seconds at a time; run on the queue worker's own event loop it would starve BullMQ's lock
 * renewal, the job's lock would lapse, and the stalled-job check would hand a job that is
 * still running to another worker. In a thread, the event loop stays free to renew the lock.
 */
import { Worker } from 'node:worker_threads';
import type { CampaignJob, JobResult } from './types.js';

/** The module the thread imports; it must export `runCampaignJob: JobRunner`. */
export const DEFAULT_RUNNER_MODULE = new URL('./job.js', import.meta.url).href;

export interface JobThreadInput {
  readonly runnerModule: string;
  readonly job: CampaignJob;
  readonly traceDir: string;
}

export function runJobInThread(runnerModule: string, job: CampaignJob, traceDir: string): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const input: JobThreadInput = { runnerModule, job, traceDir };
    const thread = new Worker(new URL('./job-thread-entry.js', import.meta.url), { workerData: input });
    let settled = false;
    thread.once('message', (m: { result?: JobResult; error?: string }) => {
      settled = true;
      if (m.result !== undefined) resolve(m.result);
      else reject(new Error(m.error ?? 'the job thread sent nothing'));
    });
    thread.once('error', (err) => {
      settled = true;
      reject(err);
    });
    thread.once('exit', (code) => {
      if (!settled) reject(new Error(`the job thread exited (status ${code}) without a result`));
    });
  });
}
