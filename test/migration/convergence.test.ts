/**
 * Pre-copy that cannot converge (issue 14, item 3): the guest dirties memory at more than
 * half the link's rate, round after round. Before, pre-copy ran its 30 rounds and stopped
 * anyway with a dirty set far above the threshold; now it notices after two such rounds and
 * throttles the source (QEMU's auto-converge: 20%, +10 per further such round, up to 99%), or,
 * with `fail`, gives up with the guest running on on the source. Figures say which.
 */
import { describe, expect, it } from 'vitest';
import { migrateInProcess } from '../../src/migration/in-process.js';
import { migrationOptions } from '../../src/migration/options.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { ConvergenceWatch, THROTTLE_MAX_PERCENT } from '../../src/migration/convergence.js';
import { formatMetrics } from '../../src/migration/metrics.js';
import { PAGE_SIZE } from '../../src/machine/memory.js';
import { verifyTraces } from '../../verify/verify.js';
import { MiB, bootGuest, firstDifferentPage, freshDestination, guestSetup, machineState, oracleCapture, recordReference, tempDir } from './helpers.js';
import path from 'node:path';

/** 2 MiB rewritten continuously, a store every few hundred instructions: ~4× what half a 1 Gbps link carries. */
const HOT = 'base=1 mb=2 passes=0 spin=500';
const THRESHOLD = 256 * 1024;

describe('non-convergence', () => {
  it('is found after two rounds that dirty more than half of what they sent, above the threshold', () => {
    const w = new ConvergenceWatch('throttle', THRESHOLD);
    const sent = 2 * MiB;
    expect(w.afterRound(1, sent, 10)).toBe(false); // under the threshold: converging
    expect(w.afterRound(2, sent, 400)).toBe(false); // 1.56 MiB dirtied of 2 MiB sent: high, once
    expect(w.throttlePercent).toBe(0);
    expect(w.afterRound(3, sent, 400)).toBe(false); // twice: not converging
    expect(w.detectedRound).toBe(3);
    expect(w.throttlePercent).toBe(20);
    w.afterRound(4, sent, 400);
    expect(w.throttlePercent).toBe(20); // the count starts again
    w.afterRound(5, sent, 400);
    expect(w.throttlePercent).toBe(30);
    for (let r = 6; r < 40; r++) w.afterRound(r, sent, 400);
    expect(w.throttlePercent).toBe(THROTTLE_MAX_PERCENT);
    expect(w.guestInstructions(1000)).toBe(10);
    const low = new ConvergenceWatch('fail', THRESHOLD);
    expect(low.afterRound(2, sent, 100 * 1024 / PAGE_SIZE + 200)).toBe(false);
    expect(low.afterRound(3, sent, 200)).toBe(false); // 0.78 MiB of 2 MiB sent: under half
    expect(low.afterRound(4, sent, 300)).toBe(false);
    expect(low.afterRound(5, sent, 300)).toBe(true);
  });

  it('auto-converge (the default) throttles the source until the dirty set falls under the threshold; the destination is the source', async () => {
    const source = bootGuest('memtouch', HOT, 8 * MiB);
    source.run({ maxInstructions: 2_000_000 });
    const { destination, outcome } = await migrateInProcess(
      { machine: source, devices: oracleCapture(source) },
      freshDestination(),
      migrationOptions({ thresholdBytes: THRESHOLD }),
    );
    const m = outcome.metrics;
    expect(m.onNoConvergence).toBe('throttle');
    expect(m.noConvergenceRound).toBe(2);
    expect(m.forced).toBe(false); // was: 30 rounds, then a forced stop with ~2 MiB dirty
    expect(m.rounds.length).toBeLessThan(30);
    expect(m.rounds[0].throttlePercent).toBe(0);
    expect(Math.max(...m.rounds.map((r) => r.throttlePercent))).toBeGreaterThanOrEqual(20);
    // Converged under the threshold; the guest (still throttled) runs on while the destination
    // confirms the rounds, so the stop-and-copy set may have grown a little past it since.
    expect(m.stopCopyPages * PAGE_SIZE).toBeLessThan(THRESHOLD * 1.25);
    // A held round runs fewer guest instructions than the link time it takes.
    const held = m.rounds.find((r) => r.throttlePercent > 0)!;
    expect(held.endIcount - held.startIcount).toBeLessThan(held.ns / 10);
    expect(formatMetrics(m).join('\n')).toMatch(/not converging after round 2 .*auto-converge held the source machine up to \d+% of each round/);
    expect(destination.metrics).toEqual(m);
    expect(machineState(destination.machine!)).toEqual(machineState(source));
    expect(firstDifferentPage(destination.machine!, source)).toBe(-1);
  });

  it('with fail, gives up before the stop: nothing is switched over and the guest runs on on the source', async () => {
    const source = bootGuest('memtouch', HOT, 8 * MiB);
    source.run({ maxInstructions: 2_000_000 });
    const run = migrateInProcess(
      { machine: source, devices: oracleCapture(source) },
      freshDestination(),
      migrationOptions({ thresholdBytes: THRESHOLD, onNoConvergence: 'fail' }),
    );
    await expect(run).rejects.toMatchObject({ code: 'MIGRATION_NO_CONVERGENCE' });
    await expect(run).rejects.toThrow(/not converging: after round \d+ .*the guest runs on on the source/);
    const at = source.clock.icount;
    expect(source.run({ maxInstructions: at + 100_000 }).status).toBe('limit');
  });

  it('a throttled migration still verifies MATCH against the unmigrated run', async () => {
    const ref = await recordReference(guestSetup('memtouch', HOT, 8 * MiB), 30_000_000);
    const out = path.join(tempDir('convergence'), 'dst');
    const r = await migrateTraceInProcess({ trace: ref, at: 2_000_000, out, options: migrationOptions({ thresholdBytes: THRESHOLD }) });
    const m = r.destination.metrics;
    expect(m.noConvergenceRound).toBeGreaterThan(0);
    expect(m.forced).toBe(false);
    const report = await verifyTraces(ref, out);
    expect(report.verdict).toBe('match');
  }, 120_000);
});
