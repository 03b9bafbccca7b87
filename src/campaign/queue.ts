/**
 * The campaign across machines, on BullMQ over Redis (docs/campaign.md, "Distributed"): the
 * producer side. It stores the reference trace's export under its content address, queues one
 * BullMQ job per CampaignJob under a deterministic id, and collects each job's result once, by
 * id. `migtrace worker` processes (queue-worker.ts) on any host take the jobs.
 */
import { createHash } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { InputError, MigtraceError } from '../errors.js';
import { DEFAULT_QUEUE } from './queue-defaults.js';
import { exportForStore, storeExport, type StoredExport } from './trace-store.js';
import type { CampaignJob, JobResult } from './types.js';

export { DEFAULT_QUEUE };

/** Attempts per job: a runner that throws (it should not: errors are results) or a worker host that fails the job. */
export const DEFAULT_ATTEMPTS = 3;
/** First retry delay; doubled per attempt (BullMQ exponential backoff). */
export const DEFAULT_BACKOFF_MS = 2000;

export interface QueueRunOptions {
  readonly redisUrl: string;
  readonly queue?: string;
  readonly onResult?: (r: JobResult) => void;
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** Give up waiting after this long, naming the jobs without a result (default: wait for workers indefinitely). */
  readonly timeoutMs?: number;
  /** The trace's export, when the caller made it already (default: exported here). */
  readonly exported?: StoredExport;
}

/** BullMQ connection options for a redis:// URL (maxRetriesPerRequest null: BullMQ's blocking commands require it). */
export function bullConnection(redisUrl: string): { url: string; maxRetriesPerRequest: null } {
  return { url: redisUrl, maxRetriesPerRequest: null };
}

/** Refuse a malformed URL or an unreachable server with one line, before BullMQ starts retrying forever. */
export async function checkRedis(redisUrl: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch {
    throw new InputError('BAD_REDIS_URL', `${JSON.stringify(redisUrl)} is not a Redis URL (redis://HOST:PORT)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InputError('BAD_REDIS_URL', `${redisUrl} is not a Redis URL: it must start with redis:// or rediss://`);
  }
  const probe = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // ioredis rejects with "Connection is closed."; the 'error' event has the cause (ECONNREFUSED, ENOTFOUND).
  let cause: Error | undefined;
  probe.on('error', (err: Error) => (cause ??= err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new InputError('REDIS_UNREACHABLE', `cannot reach Redis at ${redisUrl}: ${(cause ?? (err as Error)).message}`);
  } finally {
    probe.disconnect();
  }
}

/**
 * A campaign's id: the trace's address and a hash of its job list. Queuing the same campaign
 * again gives the same BullMQ job ids, which BullMQ does not add twice.
 */
export function campaignId(traceSha256: string, jobs: readonly CampaignJob[]): string {
  const list = createHash('sha256').update(JSON.stringify(jobs)).digest('hex');
  return `c${traceSha256.slice(0, 12)}${list.slice(0, 12)}`;
}

/** The BullMQ job id of a campaign job (BullMQ ids may not contain ':'). */
export function queueJobId(campaign: string, job: CampaignJob): string {
  return `${campaign}-${job.id}`;
}

function errorResult(job: CampaignJob, cause: string): JobResult {
  return { id: job.id, verdict: 'error', cause, fields: [], divergenceIcount: null, migration: null, postMortem: '' };
}

/** A worker's return value, checked: it must be this job's JobResult. */
function resultOf(job: CampaignJob, value: unknown): JobResult {
  const r = value as Partial<JobResult> | null;
  if (r === null || typeof r !== 'object' || r.id !== job.id || !['match', 'divergence', 'error'].includes(r.verdict as string)) {
    return errorResult(job, `the worker returned something that is not job ${job.id}'s result: ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return r as JobResult;
}

/**
 * A QueueEvents that sees every event after this call. QueueEvents alone starts reading its
 * stream at '$' only once its first XREAD is sent, some time after it is ready: a job a fast
 * worker finished in between (a refusal takes milliseconds) would never be reported, and the
 * producer would wait for it until its timeout. So read the stream's last id first.
 */
export async function listenFromNow(
  redis: Redis,
  name: string,
  connection: ReturnType<typeof bullConnection>,
): Promise<QueueEvents> {
  const [last] = await redis.xrevrange(`bull:${name}:events`, '+', '-', 'COUNT', 1);
  return new QueueEvents(name, { connection, lastEventId: last?.[0] ?? '0-0' });
}

/**
 * Run `jobs` on whatever `migtrace worker` processes serve the queue, and return their results
 * in the jobs' order. A job the queue gives up on (its attempts or stall recoveries used up, or
 * refused by a worker) becomes an `error` result naming why; it stays in Redis as a failed job
 * for inspection. Completed jobs are removed once their results are in.
 */
export async function runJobsOnQueue(
  jobs: readonly CampaignJob[],
  traceDir: string,
  options: QueueRunOptions,
): Promise<JobResult[]> {
  if (jobs.length === 0) return [];
  const ids = new Set<string>();
  for (const j of jobs) {
    if (ids.has(j.id)) throw new InputError('DUPLICATE_JOB', `job ${j.id} is listed twice`);
    ids.add(j.id);
  }
  await checkRedis(options.redisUrl);
  const { sha256, bytes } = options.exported ?? (await exportForStore(traceDir));
  const stray = jobs.find((j) => j.traceSha256 !== sha256);
  if (stray !== undefined) {
    throw new InputError('TRACE_MISMATCH', `job ${stray.id} names trace ${stray.traceSha256}, but ${traceDir} exports as ${sha256}`);
  }

  const name = options.queue ?? DEFAULT_QUEUE;
  const connection = bullConnection(options.redisUrl);
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  const queue = new Queue(name, { connection });
  const events = await listenFromNow(redis, name, connection);
  const campaign = campaignId(sha256, jobs);
  const byQueueId = new Map(jobs.map((j) => [queueJobId(campaign, j), j]));
  const results = new Map<string, JobResult>();
  const failed = new Set<string>();
  let allIn: () => void = () => {};
  const done = new Promise<void>((resolve) => (allIn = resolve));
  // Each job counts once: a second report of a job (a completion seen both as an event and in
  // the scan below, or a job BullMQ ran twice) is ignored.
  const record = (job: CampaignJob, r: JobResult, isFailure = false) => {
    if (results.has(job.id)) return;
    results.set(job.id, r);
    if (isFailure) failed.add(job.id);
    options.onResult?.(r);
    if (results.size === jobs.length) allIn();
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    await storeExport(redis, sha256, bytes);
    events.on('completed', ({ jobId, returnvalue }) => {
      const job = byQueueId.get(jobId);
      if (job !== undefined) record(job, resultOf(job, returnvalue));
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const job = byQueueId.get(jobId);
      if (job !== undefined) {
        record(job, errorResult(job, `the queue gave up on it: ${failedReason} (failed job ${jobId} kept in queue ${name})`), true);
      }
    });
    await events.waitUntilReady();
    // The same campaign queued before (a producer that stopped): collect what finished, retry what failed.
    for (const queueId of byQueueId.keys()) {
      const j = await queue.getJob(queueId);
      if (j === undefined) continue;
      const state = await j.getState();
      if (state === 'completed') record(byQueueId.get(queueId)!, resultOf(byQueueId.get(queueId)!, j.returnvalue));
      else if (state === 'failed') await j.retry('failed');
    }
    const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
    const backoff = { type: 'exponential', delay: options.backoffMs ?? DEFAULT_BACKOFF_MS };
    await queue.addBulk(
      jobs
        .filter((j) => !results.has(j.id))
        .map((j) => ({ name: j.id, data: j, opts: { jobId: queueJobId(campaign, j), attempts, backoff, removeOnComplete: false, removeOnFail: false } })),
    );
    if (results.size < jobs.length) {
      const timeout =
        options.timeoutMs === undefined
          ? new Promise<never>(() => {})
          : new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                const missing = jobs.filter((j) => !results.has(j.id)).map((j) => j.id);
                reject(
                  new MigtraceError(
                    'CAMPAIGN_INCOMPLETE',
                    `no result after ${options.timeoutMs} ms for ${missing.length} of ${jobs.length} jobs on queue ${name}: ${missing.join(', ')}`,
                  ),
                );
              }, options.timeoutMs);
            });
      await Promise.race([done, timeout]);
    }
    // Results are in: completed jobs go, failed ones stay for inspection.
    for (const [queueId, job] of byQueueId) if (!failed.has(job.id)) await queue.remove(queueId);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await events.close();
    await queue.close();
    redis.disconnect();
  }
  const missing = jobs.filter((j) => !results.has(j.id)).map((j) => j.id);
  if (missing.length > 0) throw new MigtraceError('CAMPAIGN_INCOMPLETE', `no result for ${missing.join(', ')}`);
  return jobs.map((j) => results.get(j.id)!);
}
