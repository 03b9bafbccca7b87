/**
 * Running a campaign's jobs on this machine: in this process one after another, or on
 * `processes` worker processes (local-worker.ts), each taking the next job when it is done.
 * Results are keyed by job id, so their order never depends on which process was faster.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../guests/catalog.js';
import { runCampaignJob } from './job.js';
import type { LocalJobMessage, LocalResultMessage } from './local-worker.js';
import type { CampaignJob, JobResult } from './types.js';

export interface LocalRunOptions {
  /** 1: in this process. */
  readonly processes: number;
  readonly onResult?: (r: JobResult) => void;
}

export async function runJobsLocally(jobs: readonly CampaignJob[], traceDir: string, options: LocalRunOptions): Promise<Map<string, JobResult>> {
  const results = new Map<string, JobResult>();
  if (options.processes <= 1 || jobs.length <= 1) {
    for (const job of jobs) {
      const r = await runCampaignJob(job, traceDir);
      results.set(job.id, r);
      options.onResult?.(r);
    }
    return results;
  }
  const script = path.join(packageRoot(), 'dist', 'src', 'campaign', 'local-worker.js');
  if (!fs.existsSync(script)) throw new Error(`campaign: ${script} is missing (npm run build)`);
  const queue = [...jobs];
  const workers: ChildProcess[] = [];
  /** The job each busy worker process runs now. */
  const running = new Map<ChildProcess, CampaignJob>();
  try {
    await new Promise<void>((resolve, reject) => {
      const next = (w: ChildProcess): void => {
        const job = queue.shift();
        if (job === undefined) {
          running.delete(w);
          if (running.size === 0) resolve();
          return;
        }
        running.set(w, job);
        w.send({ job, traceDir } satisfies LocalJobMessage);
      };
      for (let i = 0; i < Math.min(options.processes, jobs.length); i++) {
        const w = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        workers.push(w);
        w.on('message', (m: LocalResultMessage) => {
          results.set(m.result.id, m.result);
          options.onResult?.(m.result);
          next(w);
        });
        w.on('exit', (code, signal) => {
          const job = running.get(w);
          if (job !== undefined) reject(new Error(`campaign: the worker process running job ${job.id} ended (${signal ?? `exit ${code}`})`));
        });
        next(w);
      }
    });
  } finally {
    for (const w of workers) if (w.connected) w.disconnect();
  }
  return results;
}
