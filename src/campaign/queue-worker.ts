/**
 * The campaign's distributed worker (`migtrace worker`): a BullMQ Worker that takes
 * CampaignJobs from the queue, fetches their trace by content address (trace-store.ts), runs
 * the job in a thread (job-thread.ts) and returns its JobResult as the BullMQ job's return value.
 *
 * Workers that die. Each running job holds a lock in Redis that its worker renews every
 * lockDuration / 2. A worker killed mid-job (SIGKILL, a host lost) stops renewing; the lock
 * lapses after lockDuration, and the stalled-job check — run by every live worker each
 * stalledInterval — moves the job back to waiting, where another worker takes it. BullMQ
 * marks a job stalled at one check and moves it at the next, so a dead worker's job is taken
 * again about lockDuration + 1–2 × stalledInterval after the worker's last renewal. A job
 * found stalled more than maxStalledCount times fails (a job that kills every worker it
 * lands on must not take the fleet down one host at a time).
 *
 * The defaults (30 s, 30 s, 2) suit hosts on a network, where a GC pause or a busy Redis must
 * not make a live worker look dead: a lapsed lock on a job still running means the job runs
 * twice (the producer counts it once). The tests use 2 s and 1 s so a killed worker's job
 * comes back within a few seconds.
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { InputError } from '../errors.js';
import { DEFAULT_RUNNER_MODULE, runJobInThread } from './job-thread.js';
import { DEFAULT_QUEUE, bullConnection, checkRedis } from './queue.js';
import { TraceCache, defaultTraceCache } from './trace-store.js';
import type { CampaignJob, JobResult } from './types.js';
import { STALLED_DEFAULTS } from './queue-defaults.js';

export { STALLED_DEFAULTS };

/**
 * TEST-ONLY: when set, the module path whose `runCampaignJob` the worker runs instead of the
 * real one (src/campaign/testing/fake-runner.ts, built). Not for campaigns.
 */
export const TEST_RUNNER_ENV = 'MIGTRACE_TEST_RUNNER';

export interface QueueWorkerOptions {
  readonly redisUrl: string;
  readonly queue?: string;
  readonly concurrency?: number;
  readonly cacheDir?: string;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly maxStalledCount?: number;
  /** One line per event: a trace imported, a job finished, a job refused. */
  readonly log: (line: string) => void;
}

export interface RunningQueueWorker {
  readonly name: string;
  readonly runnerModule: string;
  /** Stop taking jobs; with `force`, do not wait for running ones (their locks lapse, and they are retried elsewhere). */
  close(force?: boolean): Promise<void>;
}

/** The runner module: the real one, or the test override. */
export function runnerModule(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[TEST_RUNNER_ENV];
  return override === undefined || override === '' ? DEFAULT_RUNNER_MODULE : pathToFileURL(path.resolve(override)).href;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<RunningQueueWorker> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError('BAD_NUMBER', `--concurrency: ${concurrency} is not a positive whole number`);
  await checkRedis(options.redisUrl);
  const module = runnerModule();
  const name = `${os.hostname()}:${process.pid}`;
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  const cache = new TraceCache(redis, options.cacheDir ?? defaultTraceCache(), (sha256, dir) => options.log(`imported trace ${sha256} into ${dir}`));

  const processJob = async (bjob: Job<CampaignJob, JobResult>): Promise<JobResult> => {
    const job = bjob.data;
    let traceDir: string;
    try {
      traceDir = await cache.get(job.traceSha256);
    } catch (err) {
      // The trace cannot be had (corrupt or absent in Redis): no other worker would do better.
      if (err instanceof InputError) {
        options.log(`${job.id} refused: ${err.message}`);
        throw new UnrecoverableError(err.message);
      }
      throw err;
    }
    try {
      const result = await runJobInThread(module, job, traceDir);
      options.log(`${job.id} ${result.verdict}${result.cause === null ? '' : `: ${result.cause.split('\n')[0]}`}`);
      return result;
    } catch (err) {
      options.log(`${job.id} failed (attempt ${bjob.attemptsMade + 1}): ${(err as Error).message}`);
      throw err;
    }
  };

  const worker = new Worker<CampaignJob, JobResult>(options.queue ?? DEFAULT_QUEUE, processJob, {
    connection: bullConnection(options.redisUrl),
    name,
    concurrency,
    lockDuration: options.lockDurationMs ?? STALLED_DEFAULTS.lockDurationMs,
    stalledInterval: options.stalledIntervalMs ?? STALLED_DEFAULTS.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount ?? STALLED_DEFAULTS.maxStalledCount,
  });
  let lastError = '';
  worker.on('error', (err) => {
    // ioredis repeats a lost connection's error on every reconnect attempt: say it once.
    if (err.message !== lastError) options.log(`queue error: ${err.message}`);
    lastError = err.message;
  });
  await worker.waitUntilReady();
  return {
    name,
    runnerModule: module,
    async close(force = false) {
      await worker.close(force);
      redis.disconnect();
    },
  };
}
