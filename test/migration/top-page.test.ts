/**
 * top-page-not-sent (src/migration/dirty-faults.ts): the stop-and-copy's dirty set loses the
 * highest RAM page. memtouch over the last MiB of a 16 MiB machine ends every pass on the top
 * page, so it is dirtied after the last round; a golden-matrix point of a guest that never
 * writes it shows nothing.
 */
import { describe, expect, it } from 'vitest';
import { migrateInProcess } from '../../src/migration/in-process.js';
import { migrationOptions } from '../../src/migration/options.js';
import { bootMachine, type RunSetup } from '../../src/trace/run-setup.js';
import { PAGE_SIZE } from '../../src/machine/memory.js';
import { DirtyLogFaults } from '../../src/migration/dirty-faults.js';
import { freshDestination, guestSetup, oracleCapture } from './helpers.js';

/** Passes forever over 15–16 MiB, two stores each: the range's first page and the top page of RAM. */
const TOP = guestSetup('memtouch', 'base=15 mb=1 stride=1044480 passes=0 spin=20000');

async function precopy(setup: RunSetup, at: number, faults: string[], switchAt?: number) {
  const source = bootMachine(setup);
  source.run({ maxInstructions: at });
  const options = migrationOptions({ faults, ...(switchAt === undefined ? {} : { switchAt }) });
  const { destination, outcome } = await migrateInProcess({ machine: source, devices: oracleCapture(source) }, freshDestination(), options);
  return { source, dest: destination.machine!, notes: outcome.notes };
}

/** The icount right after the guest's first store to the top page of RAM at or after `from` (stepping 100 instructions at a time). */
function afterTopPageStore(setup: RunSetup, from: number): number {
  const m = bootMachine(setup);
  m.run({ maxInstructions: from });
  const top = m.memory.ram.length - PAGE_SIZE;
  const before = m.memory.ram.slice(top, top + PAGE_SIZE);
  for (let i = 0; i < 100_000; i++) {
    m.run({ maxInstructions: m.clock.icount + 100 });
    if (Buffer.compare(m.memory.ram.subarray(top, top + PAGE_SIZE), before) !== 0) return m.clock.icount;
  }
  throw new Error('the guest never wrote the top page');
}

/** Pages whose bytes differ between the two machines' RAM. */
function differentPages(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let p = 0; p < a.length / PAGE_SIZE; p++) {
    const o = p * PAGE_SIZE;
    if (Buffer.compare(a.subarray(o, o + PAGE_SIZE), b.subarray(o, o + PAGE_SIZE)) !== 0) out.push(p);
  }
  return out;
}

describe('top-page-not-sent', () => {
  it('drops only the highest page of the final dirty set, and says so', () => {
    const ram = new Uint8Array(8 * PAGE_SIZE);
    const f = new DirtyLogFaults(['top-page-not-sent'], ram);
    f.sent(Uint32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), 1, 0);
    const lost = f.finalSet(Uint32Array.from([2, 7]), 1);
    expect([...lost.pages]).toEqual([2]);
    expect(lost.notes[0]).toMatch(/highest RAM page 0x00007 was dropped .* keeps the copy round 1 sent/);
    const kept = f.finalSet(Uint32Array.from([2, 6]), 1);
    expect([...kept.pages]).toEqual([2, 6]);
    expect(kept.notes[0]).toMatch(/nothing to lose/);
  });

  it('leaves the top page of RAM stale when the guest wrote it after the last round, and nothing else', async () => {
    const at = 400_000;
    // The switch-over right after a store to the top page, a virtual 20 ms into the rounds (as a campaign chooses it).
    const switchAt = afterTopPageStore(TOP, at + 2_000_000);
    const clean = await precopy(TOP, at, [], switchAt);
    expect(differentPages(clean.source.memory.ram, clean.dest.memory.ram)).toEqual([]);
    const { source, dest, notes } = await precopy(TOP, at, ['top-page-not-sent'], switchAt);
    const top = source.memory.ram.length / PAGE_SIZE - 1;
    expect(differentPages(source.memory.ram, dest.memory.ram), notes.join('\n')).toEqual([top]);
  }, 60_000);

  it('is invisible at the golden matrix\'s points of a guest that never writes the top page (disk)', async () => {
    const setup = guestSetup('disk', 'count=4', 64 * 1024 * 1024);
    const ref = bootMachine(setup);
    const end = ref.run({ maxInstructions: 2_000_000_000 }).icount;
    for (const at of [Math.floor(end / 3), Math.floor(end / 2)]) {
      const { source, dest } = await precopy(setup, at, ['top-page-not-sent']);
      expect(differentPages(source.memory.ram, dest.memory.ram), `at ${at}`).toEqual([]);
    }
  }, 60_000);
});
