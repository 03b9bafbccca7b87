/**
 * The campaign on BullMQ: a real redis-server on loopback, two `migtrace worker` processes
 * (the built CLI) running the test-only fake runner (src/campaign/testing/fake-runner.ts),
 * and the producer (runJobsOnQueue) in this process.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullConnection, DEFAULT_QUEUE, listenFromNow, runJobsOnQueue } from '../../src/campaign/queue.js';
import { runCampaignJob as fakeRunner } from '../../src/campaign/testing/fake-runner.js';
import { TraceCache, exportForStore, traceKey } from '../../src/campaign/trace-store.js';
import type { CampaignJob, LinkSetting } from '../../src/campaign/types.js';
import { guestSetup, MiB, recordReference, tempDir } from '../migration/helpers.js';
import { HAVE_REDIS, startRedisServer } from './redis-server.js';
import { migtraceAsync, ROOT, type Running } from '../migration/cli.js';

if (!HAVE_REDIS) console.warn('test/campaign/queue.test.ts skipped: redis-server is not installed (Debian: apt-get install redis-server)');

const FAKE_RUNNER = path.join(ROOT, 'dist', 'src', 'campaign', 'testing', 'fake-runner.js');

const SETTING: LinkSetting = {
  name: 'precopy',
  strategy: 'precopy',
  bandwidth: '1Gbps',
  latency: '100us',
  threshold: '64MiB',
  maxRounds: 30,
  prepage: 0,
  leadInstructions: 1000,
  doc: 'test setting',
};

function jobsFor(sha256: string, count: number, faults: (i: number) => string[], tag = ''): CampaignJob[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `p${i}-precopy${tag}`,
    traceSha256: sha256,
    point: 5000 * (i + 1),
    pointIndex: i,
    setting: SETTING,
    faults: faults(i),
  }));
}

/** Lines of a worker's output that report a finished or refused job, as [id, rest]. */
function jobLines(output: string): [string, string][] {
  return output
    .split('\n')
    .map((l) => /^(p\d+-\S+) (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]]);
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!HAVE_REDIS)('the campaign on BullMQ workers over a real Redis', () => {
  let redisServer: ChildProcess;
  let redisUrl: string;
  let redis: Redis;
  let queue: Queue;
  let trace: string;
  let sha256: string;
  const workers: { run: Running; cache: string; out: () => string }[] = [];

  beforeAll(async () => {
    ({ url: redisUrl, server: redisServer } = await startRedisServer());
    redis = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    redis.on('error', () => {});
    await until('redis-server to answer PING', async () => (await redis.ping().catch(() => '')) === 'PONG');
    queue = new Queue(DEFAULT_QUEUE, { connection: bullConnection(redisUrl) });

    trace = await recordReference(guestSetup('timer', 'hz=1000 every=100 ticks=20', 16 * MiB));
    sha256 = (await exportForStore(trace)).sha256;

    for (const name of ['a', 'b']) {
      const cache = path.join(tempDir('queue-cache'), name);
      const run = migtraceAsync(
        ['worker', '--redis', redisUrl, '--cache', cache, '--lock-duration', '2s', '--stalled-interval', '1s'],
        { MIGTRACE_TEST_RUNNER: FAKE_RUNNER },
      );
      let out = '';
      run.child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
      workers.push({ run, cache, out: () => out });
    }
    await Promise.all(workers.map((w) => w.run.line(/taking jobs from queue/)));
  });

  afterAll(async () => {
    for (const w of workers) if (w.run.child.exitCode === null && w.run.child.signalCode === null) w.run.child.kill('SIGKILL');
    await queue?.close();
    redis?.disconnect();
    redisServer?.kill('SIGKILL');
  });

  it('two workers run a campaign: every result once, as the runner gives it in-process; the trace imported once per cache', async () => {
    // Each job takes a moment, so both workers get some.
    const jobs = jobsFor(sha256, 8, (i) => (i % 3 === 0 ? ['test:diverge', 'test:delay-ms=300'] : ['test:delay-ms=300']));
    const reported: string[] = [];
    const results = await runJobsOnQueue(jobs, trace, { redisUrl, onResult: (r) => reported.push(r.id), timeoutMs: 30_000 });

    expect(results).toEqual(await Promise.all(jobs.map((j) => fakeRunner(j, trace))));
    expect(results.map((r) => r.verdict)).toEqual(['divergence', 'match', 'match', 'divergence', 'match', 'match', 'divergence', 'match']);
    expect(reported.slice().sort()).toEqual(jobs.map((j) => j.id).sort());

    const taken = workers.map((w) => jobLines(w.out()));
    expect(taken[0].length, workers[0].out()).toBeGreaterThan(0);
    expect(taken[1].length, workers[1].out()).toBeGreaterThan(0);
    expect(taken.flat().map(([id]) => id).sort()).toEqual(jobs.map((j) => j.id).sort());

    for (const w of workers) {
      expect(w.out().match(/^imported trace \S+ into .*$/gm), w.out()).toEqual([`imported trace ${sha256} into ${path.join(w.cache, sha256)}`]);
      expect(fs.readdirSync(w.cache)).toEqual([sha256]);
    }
    // Completed jobs are removed once their results are in.
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    expect(counts).toEqual({ completed: 0, failed: 0, waiting: 0, active: 0, delayed: 0 });
  });

  it('a worker killed mid-job: the other worker runs the job again, and every result comes once', async () => {
    const jobs = jobsFor(sha256, 2, () => ['test:delay-ms=3000'], '-slow');
    const reported: string[] = [];
    const running = runJobsOnQueue(jobs, trace, { redisUrl, onResult: (r) => reported.push(r.id), timeoutMs: 30_000 });
    await until('both workers to run a slow job', async () => (await queue.getActiveCount()) === 2);
    const [killed, survivor] = workers;
    killed.run.child.kill('SIGKILL');
    const killedAt = Date.now();
    const results = await running;
    // The killed job came back after its lock lapsed (2 s) and two stalled checks (1 s each),
    // and ran for its 3 s again: about 7 s here. With the default 30 s settings it would be over a minute.
    expect(Date.now() - killedAt).toBeLessThan(20_000);

    expect(results.map((r) => r.id)).toEqual(jobs.map((j) => j.id));
    expect(results).toEqual(await Promise.all(jobs.map((j) => fakeRunner(j, trace))));
    expect(reported.slice().sort()).toEqual(jobs.map((j) => j.id).sort());
    // The survivor ran both: its own, and the one the killed worker held.
    expect(jobLines(survivor.out()).map(([id]) => id).filter((id) => id.endsWith('-slow')).sort(), survivor.out()).toEqual(jobs.map((j) => j.id).sort());
    expect(jobLines(killed.out()).filter(([id]) => id.endsWith('-slow'))).toEqual([]);
    expect((await killed.run.done).status).not.toBe(0);
  });

  it('a trace whose stored export is corrupt is refused in one line, and its job kept as failed', async () => {
    const other = await recordReference(guestSetup('timer', 'hz=1000 every=100 ticks=10', 16 * MiB));
    const { sha256: otherSha, bytes } = await exportForStore(other);
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length >> 1] ^= 0x40;
    await redis.set(traceKey(otherSha), corrupt);
    const [job] = jobsFor(otherSha, 1, () => [], '-corrupt');

    const [result] = await runJobsOnQueue([job], other, { redisUrl, timeoutMs: 30_000 });
    expect(result.verdict).toBe('error');
    expect(result.cause).toMatch(/is corrupt: its \d+ bytes hash to [0-9a-f]{64}, not to their address/);
    const survivor = workers[1];
    const lines = survivor.out().split('\n').filter((l) => l.includes(job.id));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${job.id} refused: trace export ${traceKey(otherSha)} in Redis is corrupt`));
    expect(await queue.getFailedCount()).toBe(1);
    expect(fs.readdirSync(survivor.cache)).toEqual([sha256]);
  });

  it('an event written before the producer listener first reads is still seen (a refusal takes milliseconds)', async () => {
    // CI once waited 30 s for a refused job whose 'failed' event came before QueueEvents' first XREAD at '$'.
    const name = 'migtrace-events-race';
    const events = await listenFromNow(redis, name, bullConnection(redisUrl));
    try {
      const seen = new Promise<string>((resolve) => events.once('failed', ({ jobId }) => resolve(jobId)));
      await redis.xadd(`bull:${name}:events`, '*', 'event', 'failed', 'jobId', 'early', 'failedReason', 'refused');
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('(no event in 5 s)'), 5000));
      expect(await Promise.race([seen, timeout])).toBe('early');
    } finally {
      await events.close();
    }
  });

  it('two caches on one directory fetching the same trace at once end with one imported trace', async () => {
    const dir = tempDir('queue-shared-cache');
    const imports: string[] = [];
    const a = new TraceCache(redis, dir, (s) => imports.push(s));
    const b = new TraceCache(redis, dir, (s) => imports.push(s));
    const [da, db] = await Promise.all([a.get(sha256), b.get(sha256)]);
    expect(da).toBe(path.join(dir, sha256));
    expect(db).toBe(da);
    expect(fs.readdirSync(dir)).toEqual([sha256]);
    expect(imports.length).toBeGreaterThanOrEqual(1);
    expect((await fakeRunner(jobsFor(sha256, 1, () => [])[0], da)).verdict).toBe('match');
  });

  it('the surviving worker exits 0 on SIGTERM', async () => {
    const survivor = workers[1];
    survivor.run.child.kill('SIGTERM');
    const done = await survivor.run.done;
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/SIGTERM: finishing running jobs, then exiting/);
  });
});
