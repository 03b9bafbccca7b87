/** The body of a job thread (job-thread.ts): import the runner, run the one job, post the result. */
import { parentPort, workerData } from 'node:worker_threads';
import type { JobThreadInput } from './job-thread.js';
import type { JobRunner } from './types.js';

const input = workerData as JobThreadInput;
try {
  const mod = (await import(input.runnerModule)) as { runCampaignJob?: JobRunner };
  if (typeof mod.runCampaignJob !== 'function') throw new Error(`${input.runnerModule} does not export runCampaignJob`);
  parentPort!.postMessage({ result: await mod.runCampaignJob(input.job, input.traceDir) });
} catch (err) {
  parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
