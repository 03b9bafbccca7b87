/**
 * The campaign issue's figures: one campaign (the apic guest: LAPIC timer, TPR, in-service
 * interrupts; every link setting) run in one process, on every local core, and on two BullMQ
 * workers through a redis-server started here on loopback — the wall time of each, and
 * whether the three reports are the same bytes. Only when asked for
 * (`npm run bench -- campaign`: a few minutes).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { runCampaign } from '../src/campaign/campaign.js';
import { packageRoot } from '../src/guests/catalog.js';
import { timedAsync, type Figure } from './harness.js';

const GUEST = 'apic';
const ARGS = 'n=10 pit=10';

function cli(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'run.js'), ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Start a child and resolve once a line of its stdout matches. */
function started(child: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (re.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before "${re.source}": ${out}`)));
  });
}

export async function benchCampaign(): Promise<Figure[]> {
  const work = mkdtempSync(join(os.tmpdir(), 'migtrace-campaign-bench-'));
  const children: ChildProcess[] = [];
  try {
    const trace = join(work, 'ref');
    const rec = cli(['record', GUEST, '--args', ARGS, '--out', trace]);
    if (!rec.ok) return [{ name: `campaign: recording ${GUEST} failed`, value: NaN, unit: '', note: rec.out.split('\n')[0] }];
    const cores = os.availableParallelism();
    const one = await timedAsync(() => runCampaign(trace, { processes: 1 }));
    const local = await timedAsync(() => runCampaign(trace, { processes: cores }));
    const same = (a: unknown, b: unknown) => (JSON.stringify(a) === JSON.stringify(b) ? 1 : 0);
    const s = one.result.summary;
    const out: Figure[] = [
      { name: `campaign of ${GUEST} (${ARGS}): points × settings = jobs`, value: s.jobs, unit: '', note: `(${s.points} points × ${one.result.settings.length}; ${s.match} MATCH, ${s.divergence} DIVERGENCE, ${s.error} error; ${s.featuresCovered}/${s.featuresReached} features covered)` },
      { name: '  1 process: wall', value: one.seconds, unit: 's' },
      { name: `  ${cores} local processes: wall`, value: local.seconds, unit: 's', note: `(${(one.seconds / local.seconds).toFixed(2)}× faster)` },
      { name: `  ${cores} local processes: the same report`, value: same(one.result, local.result), unit: '', target: '1' },
    ];
    if (spawnSync('redis-server', ['--version']).status !== 0) {
      out.push({ name: '  2 BullMQ workers: redis-server not installed', value: NaN, unit: '' });
      return out;
    }
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(redis);
    await started(redis, /Ready to accept connections/);
    for (const name of ['a', 'b']) {
      const w = spawn(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'worker', '--redis', url, '--cache', join(work, `cache-${name}`)], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(w);
      await started(w, /taking jobs from queue/);
    }
    const bull = await timedAsync(() => runCampaign(trace, { redisUrl: url }));
    out.push({ name: '  2 BullMQ workers (this machine): wall', value: bull.seconds, unit: 's', note: `(${(one.seconds / bull.seconds).toFixed(2)}× faster than 1 process)` });
    out.push({ name: '  2 BullMQ workers: the same report', value: same(one.result, bull.result), unit: '', target: '1' });
    return out;
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}
