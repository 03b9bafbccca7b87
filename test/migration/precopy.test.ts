import { describe, expect, it } from 'vitest';
import { migrateInProcess } from '../../src/migration/in-process.js';
import { migrationOptions } from '../../src/migration/options.js';
import type { RoundReport } from '../../src/migration/metrics.js';
import { PAGE_SIZE } from '../../src/machine/memory.js';
import { BOOT_ADDRESS, Machine } from '../../src/board/machine.js';
import { resolveImage } from '../../src/guests/catalog.js';
import { writtenSinceBoot } from '../../src/migration/source.js';
import { MiB, bootGuest, firstDifferentPage, freshDestination, machineState, oracleCapture } from './helpers.js';

describe('pre-copy', () => {
  it('converges on memtouch, and the destination equals the source at the switch-over, then runs on identically', async () => {
    // spin=5000: a store every ~10k instructions, a third of what a 1 Gbps link carries.
    const source = bootGuest('memtouch', 'mb=4 passes=0 spin=5000');
    source.run({ maxInstructions: 3_000_000 });
    const rounds: RoundReport[] = [];
    const { destination, outcome } = await migrateInProcess(
      { machine: source, devices: oracleCapture(source), onRound: (r) => rounds.push(r) },
      freshDestination(),
      migrationOptions({ thresholdBytes: 64 * 1024, maxRounds: 10 }),
    );
    const m = outcome.metrics;
    const dest = destination.machine!;

    // Round 1 sends every page, most of them as zero-page markers.
    expect(rounds[0].pages).toBe(source.memory.ramPages);
    expect(rounds[0].zeroPages).toBeGreaterThan(rounds[0].pages / 2);
    expect(rounds[0].bytes).toBeLessThan(rounds[0].pages * PAGE_SIZE);
    // Later rounds send what the guest dirtied meanwhile; the dirty set ends under the threshold.
    expect(rounds.length).toBeGreaterThan(1);
    expect(m.forced).toBe(false);
    expect(rounds[rounds.length - 1].dirtied * PAGE_SIZE).toBeLessThanOrEqual(64 * 1024);
    expect(m.stopCopyPages).toBe(rounds[rounds.length - 1].dirtied);
    // The guest kept running during the rounds, for as long as each took on the link.
    expect(rounds[1].startIcount).toBe(rounds[0].endIcount);
    expect(m.switchIcount).toBe(source.clock.icount);
    expect(m.switchIcount).toBeGreaterThan(3_000_000);

    expect(machineState(dest)).toEqual(machineState(source));
    expect(firstDifferentPage(dest, source)).toBe(-1);

    // Both ends agree on the figures.
    expect(destination.metrics).toEqual(m);

    // A pass over 1024 pages takes ~10M instructions and ends with a checksum line.
    const printed = source.serialText.length;
    const until = source.clock.icount + 12_000_000;
    const a = source.run({ maxInstructions: until });
    const b = dest.run({ maxInstructions: until });
    expect(b.status).toBe(a.status);
    expect(dest.serialText).toMatch(/checksum 0x[0-9a-f]{8}/);
    expect(dest.serialText).toBe(source.serialText.slice(printed));
    expect(firstDifferentPage(dest, source)).toBe(-1);
    expect(machineState(dest)).toEqual(machineState(source));
  });

  it('stops after max rounds when the guest dirties faster than the link', async () => {
    const source = bootGuest('memtouch', 'mb=4 passes=0 spin=0');
    source.run({ maxInstructions: 2_000_000 });
    const { outcome, destination } = await migrateInProcess(
      { machine: source, devices: oracleCapture(source) },
      freshDestination(),
      migrationOptions({ thresholdBytes: 4096, maxRounds: 3 }),
    );
    expect(outcome.metrics.rounds).toHaveLength(3);
    expect(outcome.metrics.forced).toBe(true);
    expect(machineState(destination.machine!)).toEqual(machineState(source));
    expect(firstDifferentPage(destination.machine!, source)).toBe(-1);
  });

  it('gives the same stream bytes for the same migration', async () => {
    const run = async () => {
      const source = bootGuest('memtouch', 'mb=2 passes=0 spin=5000');
      source.run({ maxInstructions: 1_000_000 });
      const { outcome } = await migrateInProcess(
        { machine: source, devices: oracleCapture(source) },
        freshDestination(),
        migrationOptions({ thresholdBytes: 64 * 1024 }),
      );
      return outcome;
    };
    const a = await run();
    const b = await run();
    expect(b.streamSha256).toBe(a.streamSha256);
    expect(b.streamBytes).toBe(a.streamBytes);
    expect(b.metrics).toEqual(a.metrics);
  });

  it('gives the same stream when it knows which pages were written since boot (it only skips reading zero pages)', async () => {
    const run = async (hint: boolean) => {
      const image = resolveImage('memtouch').bytes;
      const source = Machine.boot(image, { memory: 16 * MiB, args: 'mb=2 passes=0 spin=5000' });
      const maybeNonZero = writtenSinceBoot(source, image, BOOT_ADDRESS);
      source.run({ maxInstructions: 1_000_000 });
      source.memory.writeBytes(9 * MiB, new Uint8Array(8192).fill(7)); // DMA-like writes count as written
      const { outcome, destination } = await migrateInProcess(
        { machine: source, devices: oracleCapture(source), maybeNonZero: hint ? maybeNonZero : undefined },
        freshDestination(),
        migrationOptions({ thresholdBytes: 64 * 1024 }),
      );
      expect(firstDifferentPage(destination.machine!, source)).toBe(-1);
      return outcome.streamSha256;
    };
    expect(await run(true)).toBe(await run(false));
  });

  it('is refused by a destination with less memory, and the source runs on untouched', async () => {
    const source = bootGuest('memtouch', 'mb=2 passes=0 spin=5000');
    source.run({ maxInstructions: 1_000_000 });
    const log: string[] = [];
    const before = machineState(source);
    await expect(
      migrateInProcess({ machine: source, devices: oracleCapture(source, log) }, freshDestination(8 * MiB), migrationOptions()),
    ).rejects.toMatchObject({
      code: 'MIGRATION_REFUSED',
      message: expect.stringMatching(/refuse.*8 MiB of memory, less than the source's 16 MiB/),
    });
    expect(log).toEqual([]); // never captured: the guest was never stopped
    expect(machineState(source)).toEqual(before);
    expect(source.run({ maxInstructions: 2_000_000 }).status).toBe('limit');
  });

  it('accepts a destination with more memory', async () => {
    const source = bootGuest('memtouch', 'mb=2 passes=0 spin=5000');
    source.run({ maxInstructions: 1_000_000 });
    const { destination } = await migrateInProcess(
      { machine: source, devices: oracleCapture(source) },
      freshDestination(32 * MiB),
      migrationOptions(),
    );
    expect(destination.machine!.memory.size).toBe(32 * MiB);
    expect(firstDifferentPage(destination.machine!, source, source.memory.ramPages)).toBe(-1);
  });
});
