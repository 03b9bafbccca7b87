/**
 * `migtrace campaign` end to end on a small timer run: points chosen from coverage, every job
 * verified, the same report from one process, from two local worker processes and from two
 * BullMQ workers over a real redis-server; the HTML report written; bad input refused.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignReport } from '../../src/campaign/types.js';
import { expectRefused } from '../cli/cli.js';
import { migtraceAsync, type Running } from '../migration/cli.js';
import { MiB, guestSetup, recordReference, tempDir } from '../migration/helpers.js';
import { HAVE_REDIS, startRedisServer } from './redis-server.js';

if (!HAVE_REDIS) console.warn('campaign on BullMQ workers skipped: redis-server is not installed (Debian: apt-get install redis-server)');

let trace = '';
const dir = tempDir('campaign-cli');
/** Two settings, three points: six migrations. */
const SMALL = ['--settings', 'precopy,postcopy', '--max-points', '3'];

async function campaign(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const run = migtraceAsync(['campaign', trace, ...args]);
  const r = await run.done;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  // Normal EOI: the handler runs with the timer's IR in service.
  trace = await recordReference(guestSetup('timer', 'hz=1000 every=100 ticks=30 eoi=normal', 16 * MiB));
});

describe('migtrace campaign', () => {
  let oneProcess: CampaignReport;
  let oneProcessJson = '';

  it('chooses points that cover what they can of the run, migrates at each with each setting, and every job verifies MATCH', async () => {
    const r = await campaign([...SMALL, '--jobs', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    oneProcessJson = r.stdout;
    oneProcess = JSON.parse(r.stdout) as CampaignReport;
    const s = oneProcess.summary;
    expect(s).toMatchObject({ points: 3, jobs: 6, match: 6, divergence: 0, error: 0 });
    expect(oneProcess.points.map((p) => p.icount)).toEqual([...oneProcess.points.map((p) => p.icount)].sort((a, b) => a - b));
    expect(oneProcess.features.some((f) => f.id.startsWith('pic.master.isr'))).toBe(true);
    for (const j of oneProcess.jobs) expect(j.result.migration!.switchIcount).toBe(j.point);
  });

  it('two local worker processes give the same report, byte for byte, and the HTML report is written beside it', async () => {
    const html = path.join(dir, 'html');
    const r = await campaign([...SMALL, '--jobs', '2', '--json', '--html', html]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(oneProcessJson);
    expect(fs.readFileSync(path.join(html, 'index.html'), 'utf8')).toContain(oneProcess.trace.sha256.slice(0, 12));
  });

  describe.skipIf(!HAVE_REDIS)('on two BullMQ workers over a real redis-server', () => {
    let server: ChildProcess;
    const workers: Running[] = [];
    let url = '';

    beforeAll(async () => {
      ({ url, server } = await startRedisServer());
      for (const name of ['a', 'b']) {
        const w = migtraceAsync(['worker', '--redis', url, '--cache', path.join(dir, `cache-${name}`)]);
        workers.push(w);
      }
      await Promise.all(workers.map((w) => w.line(/taking jobs from queue/)));
    });

    afterAll(() => {
      for (const w of workers) w.child.kill('SIGKILL');
      server?.kill('SIGKILL');
    });

    it('gives the same report too', async () => {
      const r = await campaign([...SMALL, '--redis', url, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(oneProcessJson);
    });
  });

  it('an injected bug is found at a chosen point, named with its field, and the points that reproduce it listed (exit 1)', async () => {
    const r = await campaign(['--settings', 'postcopy', '--max-points', '3', '--jobs', '2', '--fault', 'uart-divisor-dropped']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^campaign: 3 DIVERGENCE, 0 error — 3 migrations at 3 points × 1 settings/m);
    expect(r.stdout).toMatch(/^failures:\n  uart\.dll: .*uart-divisor-dropped\n    reproduced by p0-postcopy\+uart-divisor-dropped, p1-postcopy\+uart-divisor-dropped, p2-postcopy\+uart-divisor-dropped$/m);
  });

  it('refuses bad input in one line (exit 2)', async () => {
    expectRefused(await campaign(['--settings', 'precopy,warp']), /no link setting "warp"/);
    expectRefused(await campaign(['--jobs', '0']), /--jobs must be at least 1/);
    expectRefused(await campaign(['--jobs', '2', '--redis', 'redis://127.0.0.1:1']), /give one/);
    const missing = migtraceAsync(['campaign', path.join(dir, 'no-such-trace')]);
    expectRefused(await missing.done, /no-such-trace/);
  });
});
