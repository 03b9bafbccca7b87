import { describe, expect, it } from 'vitest';
import { startInProcessMigration } from '../../src/migration/in-process.js';
import { migrationOptions } from '../../src/migration/options.js';
import type { PostCopyFault } from '../../src/migration/postcopy-destination.js';
import { bootGuest, firstDifferentPage, freshDestination, machineState, oracleCapture } from './helpers.js';

const ARGS = 'mb=4 passes=0 spin=5000';

describe('post-copy', () => {
  it('resumes the destination before its memory arrives, faults pages in, and runs as the source would have', async () => {
    const source = bootGuest('memtouch', ARGS);
    source.run({ maxInstructions: 3_000_000 });
    const m = startInProcessMigration(
      { machine: source, devices: oracleCapture(source) },
      freshDestination(),
      migrationOptions({ strategy: 'postcopy', prepagePages: 2 }),
    );
    await m.resumed;
    const dest = m.destination.machine!;
    const switchIcount = source.clock.icount;
    expect(dest.clock.icount).toBe(switchIcount);
    expect(dest.memory.absentPages).toBeGreaterThan(0);
    // CPU and devices first: they equal the source's at the switch-over.
    expect(machineState(dest)).toEqual(machineState(source));

    const faults: PostCopyFault[] = [];
    m.destination.pager!.onFault = (f) => faults.push(f);
    // A machine that never migrated, for comparison (the source's memory must stay frozen: it serves pages).
    const reference = bootGuest('memtouch', ARGS);
    reference.run({ maxInstructions: switchIcount });
    const printed = reference.serialText.length;
    const until = switchIcount + 12_000_000;
    const a = reference.run({ maxInstructions: until });
    const b = dest.run({ maxInstructions: until });
    expect(b.status).toBe(a.status);
    expect(dest.serialText).toMatch(/checksum 0x[0-9a-f]{8}/);
    expect(dest.serialText).toBe(reference.serialText.slice(printed));
    expect(faults.length).toBeGreaterThan(0);
    // Prepaging: a fault brings neighbours along.
    expect(faults.some((f) => f.pages > 1)).toBe(true);
    // The guest's icount does not move while it waits; the stall is reported instead.
    expect(faults.every((f) => f.stallNs > 0)).toBe(true);

    const metrics = m.destination.finish();
    const outcome = await m.source;
    expect(dest.memory.absentPages).toBe(0);
    expect(firstDifferentPage(dest, reference)).toBe(-1);
    expect(machineState(dest)).toEqual(machineState(reference));

    const p = metrics.postcopy!;
    expect(p.faults).toBe(faults.length);
    expect(p.pushedPages).toBeGreaterThan(0);
    expect(p.faultPages + p.pushedPages).toBe(source.memory.ramPages - zeroPages(source));
    expect(outcome.metrics).toEqual(metrics);
    expect(metrics.rounds).toEqual([]);
    expect(metrics.totalNs).toBeGreaterThan(metrics.downtimeNs);
  });

  it('serves observers (checkpoints, snapshots) without changing the figures', async () => {
    const run = async (observe: boolean) => {
      const { source, m } = await postcopyAt2M();
      const dest = m.destination.machine!;
      if (observe) {
        for (let p = 0; p < dest.memory.ramPages; p++) dest.memory.page(p);
        expect(firstDifferentPage(dest, source)).toBe(-1); // every page readable, none present
      }
      dest.run({ maxInstructions: source.clock.icount + 3_000_000 });
      const metrics = m.destination.finish();
      await m.source;
      return { metrics, ram: Buffer.from(dest.memory.ram) };
    };
    const plain = await run(false);
    const observed = await run(true);
    expect(observed.metrics.postcopy!.faults).toBe(plain.metrics.postcopy!.faults);
    expect({ ...observed.metrics.postcopy!, requests: 0 }).toEqual({ ...plain.metrics.postcopy!, requests: 0 });
    expect(observed.metrics.downtimeNs).toBe(plain.metrics.downtimeNs);
    expect(observed.ram.equals(plain.ram)).toBe(true);
  });

  it('a reader walking all of memory (a checkpoint, the snapshot) costs the pager linear work, twice over or not', async () => {
    const { m } = await postcopyAt2M();
    const memory = m.destination.machine!.memory;
    const isAbsent = memory.isAbsent.bind(memory);
    let looks = 0;
    memory.isAbsent = (p: number) => (looks++, isAbsent(p));
    // Each pass reads every page in order; the second finds every one observed already.
    for (let pass = 0; pass < 2; pass++) for (let p = 0; p < memory.ramPages; p++) memory.page(p);
    // Before the fix, each page read scanned on through the observed pages: pages² / 2 looks.
    expect(looks).toBeLessThanOrEqual(2 * memory.ramPages);
    m.destination.finish();
    await m.source;
  });
});

/** memtouch migrated post-copy at icount 2 M, the destination resumed with its pages absent. */
async function postcopyAt2M() {
  const source = bootGuest('memtouch', ARGS);
  source.run({ maxInstructions: 2_000_000 });
  const m = startInProcessMigration(
    { machine: source, devices: oracleCapture(source) },
    freshDestination(),
    migrationOptions({ strategy: 'postcopy' }),
  );
  await m.resumed;
  return { source, m };
}

function zeroPages(machine: ReturnType<typeof bootGuest>): number {
  const zero = Buffer.alloc(4096);
  let n = 0;
  for (let p = 0; p < machine.memory.ramPages; p++) if (Buffer.from(machine.memory.page(p)).equals(zero)) n++;
  return n;
}
