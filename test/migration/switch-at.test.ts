/**
 * Pre-copy with its stop-and-copy asked for at an icount (`migrate --switch-at`): the campaign
 * migrates at chosen points, so the guest must stop exactly there — after rounds that converged
 * early (the guest runs on to the point), in the middle of a round (cut short), or after
 * max-rounds. Each destination verifies MATCH.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationOptions } from '../../src/migration/options.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { verifyTraces } from '../../verify/verify.js';
import { migtrace } from '../cli/cli.js';
import { MiB, guestSetup, recordReference, tempDir } from './helpers.js';

let reference = '';
const dir = tempDir('switch-at');

beforeAll(async () => {
  // Keeps rewriting 1 MiB: every round has pages dirtied since the one before.
  reference = await recordReference(guestSetup('memtouch', 'base=1 mb=1 passes=40 spin=2000', 8 * MiB));
});

async function migrateAt(name: string, at: number, switchAt: number, extra: Parameters<typeof migrationOptions>[0] = {}) {
  const out = path.join(dir, name);
  const r = await migrateTraceInProcess({ trace: reference, at, out, options: migrationOptions({ switchAt, ...extra }) });
  return { metrics: r.source.metrics, verdict: (await verifyTraces(reference, out)).verdict };
}

describe('pre-copy stopping at --switch-at', () => {
  it('rounds that converge early: the guest runs on to the point, which is the switch-over', async () => {
    const { metrics, verdict } = await migrateAt('early', 1_000_000, 1_900_000);
    expect(metrics.switchIcount).toBe(1_900_000);
    expect(metrics.rounds.at(-1)!.endIcount).toBe(1_900_000);
    expect(verdict).toBe('match');
  });

  it('a round still going at the point is cut short there; a zero threshold keeps the rounds going until then', async () => {
    const { metrics, verdict } = await migrateAt('rounds', 1_000_000, 1_500_123, { thresholdBytes: 0 });
    expect(metrics.switchIcount).toBe(1_500_123);
    expect(metrics.rounds.length).toBeGreaterThanOrEqual(2);
    expect(metrics.forced).toBe(true);
    const last = metrics.rounds.at(-1)!;
    expect(last.endIcount).toBe(1_500_123);
    // The rest of the cut round crosses the link with the guest stopped: downtime, beyond the stop-and-copy's own pages.
    const ran = last.endIcount - last.startIcount;
    expect(ran).toBeLessThan(last.ns / 10); // 100 M instructions per virtual second: 10 ns each
    expect(metrics.downtimeParts.lastPagesNs).toBeGreaterThan(last.ns - ran * 10 - 1);
    expect(verdict).toBe('match');
  });

  it('max-rounds reached first: the guest still runs on to the point', async () => {
    const { metrics, verdict } = await migrateAt('max', 1_000_000, 2_000_000, { thresholdBytes: 0, maxRounds: 2 });
    expect(metrics.rounds.length).toBe(2);
    expect(metrics.switchIcount).toBe(2_000_000);
    expect(verdict).toBe('match');
  });

  it('is refused before the migration begins, with post-copy, and on a destination, in one line (exit 2)', () => {
    const before = migtrace(['migrate', reference, '--at', '2000', '--switch-at', '1000', '--out', path.join(dir, 'x')]);
    expect(before.status).toBe(2);
    expect(before.stderr.trim()).toMatch(/^.*--switch-at 1000 is before --at 2000/);
    const post = migtrace(['migrate', reference, '--at', '2000', '--switch-at', '3000', '--strategy', 'postcopy', '--out', path.join(dir, 'y')]);
    expect(post.status).toBe(2);
    expect(post.stderr).toMatch(/--switch-at is for pre-copy/);
    const dest = migtrace(['migrate', '--incoming', 'tcp:0', '--switch-at', '5', '--out', path.join(dir, 'z')]);
    expect(dest.status).toBe(2);
  });
});
