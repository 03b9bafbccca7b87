/**
 * xv6, unmodified, migrated in the middle of real work — the "Migrate unmodified OSes" issue's
 * first experiment. The shell runs `echo hi > x` and `ls` typed on the keyboard; the switch-over
 * lands where the state is hardest to carry: a process in ring 3, a system call, the timer and
 * disk interrupt handlers, a disk transfer in flight, a LAPIC timer interrupt pending, fork
 * copying page tables, a disk write's interrupt left pending (found by running the guest: xv6-points.ts). Each point, pre-copy and
 * post-copy, must verify MATCH — the destination then also prints what the reference prints.
 * Skips, saying so, when xv6 is not built (npm run guests:third-party).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootRequest, resolveGuestRequest } from '../../src/cli/guest-options.js';
import { guestCacheDir, loadThirdPartyGuests, missingFiles } from '../../src/guests/third-party.js';
import { ROOT } from '../cli/cli.js';
import { migtraceAsync } from '../migration/cli.js';

/** The CLI in a child process, awaited: the worker stays free to answer vitest's RPC (60 s) meanwhile. */
const migtrace = async (args: string[]) => migtraceAsync(args).done;
import { findXv6Points, type GuestPoint } from './xv6-points.js';

const xv6 = loadThirdPartyGuests(ROOT).find((g) => g.name === 'xv6');
const built = xv6 !== undefined && missingFiles(xv6).length === 0;
if (!built) console.log('xv6 migration: skipped — xv6 is not built (npm run guests:third-party)');

const INPUT = join(ROOT, 'guests/inputs/xv6-writes.input');
const END = 150_000_000; // `echo hi > x` at 110 M, ls at 130 M: both answered by then

function switchIcount(stdout: string): number {
  const m = /switch-over at icount (\d+)/.exec(stdout);
  if (m === null) throw new Error(`no switch-over in:\n${stdout}`);
  return Number(m[1]);
}

describe.skipIf(!built)('xv6 migrated mid-workload', () => {
  const work = mkdtempSync(join(tmpdir(), 'migtrace-xv6-mig-'));
  const reference = join(work, 'ref');
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let points: GuestPoint[] = [];
  /** Pre-copy's rounds take this long before the switch-over (measured by the first pre-copy). */
  let precopyLead: number | null = null;

  it('records the shell session and finds the points that matter', async () => {
    const r = await migtrace(['record', 'xv6', '--input', INPUT, '--until', String(END), '--out', reference]);
    expect(r.status, r.stderr).toBe(0);
    const machine = bootRequest(resolveGuestRequest('xv6', { input: INPUT }));
    points = findXv6Points(machine, join(guestCacheDir(), 'xv6', 'kernel.sym'), 110_000_000, END - 20_000_000);
    expect(points.map((p) => p.name)).toEqual(['user', 'syscall', 'timer-handler', 'disk-handler', 'disk-transfer', 'timer-pending', 'fork', 'after-write']);
  }, 600_000);

  /** Migrate so the switch-over lands exactly at `at` (pre-copy starts its rounds' length earlier). */
  async function migrateTo(at: number, strategy: 'precopy' | 'postcopy', out: string): Promise<{ stdout: string; switchAt: number }> {
    let begin = strategy === 'postcopy' ? at : at - (precopyLead ?? 0);
    for (let attempt = 0; attempt < 3; attempt++) {
      rmSync(out, { recursive: true, force: true });
      const m = await migtrace(['migrate', reference, '--at', String(begin), '--strategy', strategy, '--out', out]);
      expect(m.status, m.stderr).toBe(0);
      const s = switchIcount(m.stdout);
      if (strategy === 'precopy' && precopyLead === null) precopyLead = s - begin;
      if (s === at) return { stdout: m.stdout, switchAt: s };
      begin += at - s;
    }
    throw new Error(`${strategy}: the switch-over did not land at icount ${at}`);
  }

  for (const name of ['user', 'syscall', 'timer-handler', 'disk-handler', 'disk-transfer', 'timer-pending', 'fork', 'after-write']) {
    for (const strategy of ['precopy', 'postcopy'] as const) {
      it(`${strategy}, switch-over ${name}: verify says MATCH`, async () => {
        const point = points.find((p) => p.name === name);
        expect(point, 'the points were found').toBeDefined();
        const dest = join(work, `${name}-${strategy}`);
        const { switchAt } = await migrateTo(point!.icount, strategy, dest);
        expect(switchAt).toBe(point!.icount);
        const v = await migtrace(['verify', reference, dest]);
        expect(v.status, v.stdout + v.stderr).toBe(0);
        expect(v.stdout).toMatch(/switch-over: agrees/);
        expect(v.stdout).toMatch(/checkpoints: \d+ compared, all agree/);
        rmSync(dest, { recursive: true, force: true });
      }, 600_000);
    }
  }
});
