/**
 * The page walker's A/D bits are guest memory writes (docs/design.md, "Paging and the TLB"):
 * pre-copy must resend a page whose only change since a round sent it is a D bit the walker
 * set, and the injected walker-dirty-bit-untracked shows what a dirty log that misses those
 * writes leaves behind. The paging guest's ring 3 writes one demand page per tick, so for a
 * while its page table changes by D bits alone.
 */
import { describe, expect, it } from 'vitest';
import { migrateInProcess } from '../../src/migration/in-process.js';
import { migrationOptions } from '../../src/migration/options.js';
import { bootMachine } from '../../src/trace/run-setup.js';
import { freshDestination, guestSetup, oracleCapture } from './helpers.js';
import { PAGING_POINTS, demandTable, pointIcount } from './paging-points.js';

const setup = guestSetup('paging');
const PTE_D = 0x40;

/** The source at the point where ring 3 has begun setting D bits, and its demand page table as round 1 will send it. */
function sourceAtDBits() {
  const at = pointIcount(setup, PAGING_POINTS[4]);
  const source = bootMachine(setup);
  source.run({ maxInstructions: at });
  const table = demandTable(source);
  return { source, table, sentFirst: new Uint32Array(source.memory.ram.slice(table, table + 4096).buffer) };
}

/** Entries that differ between two copies of the table, and whether every difference is the D bit. */
function changes(before: Uint32Array, ram: Uint8Array, table: number) {
  const now = new Uint32Array(ram.slice(table, table + 4096).buffer);
  const diffs = [...now.keys()].filter((i) => now[i] !== before[i]);
  return { now, diffs, onlyD: diffs.every((i) => (now[i] ^ before[i]) === PTE_D) };
}

async function precopy(faults: string[]) {
  const { source, table, sentFirst } = sourceAtDBits();
  const { destination } = await migrateInProcess({ machine: source, devices: oracleCapture(source) }, freshDestination(), migrationOptions({ faults }));
  return { source, dest: destination.machine!, table, sentFirst };
}

describe('pre-copy and the page walker\'s D bits', () => {
  it('resends a page table whose only change since round 1 is D bits the walker set', async () => {
    const { source, dest, table, sentFirst } = await precopy([]);
    const c = changes(sentFirst, source.memory.ram, table);
    expect(c.diffs.length).toBeGreaterThan(0); // the guest set D bits during the rounds …
    expect(c.onlyD).toBe(true); // … and changed nothing else in the table
    expect(new Uint32Array(dest.memory.ram.slice(table, table + 4096).buffer)).toEqual(c.now);
  }, 60_000);

  it('walker-dirty-bit-untracked leaves the destination\'s page table with the D bits clear', async () => {
    const { source, dest, table, sentFirst } = await precopy(['walker-dirty-bit-untracked']);
    const c = changes(sentFirst, source.memory.ram, table);
    expect(c.diffs.length).toBeGreaterThan(0);
    expect(new Uint32Array(dest.memory.ram.slice(table, table + 4096).buffer)).toEqual(sentFirst);
  }, 60_000);
});
