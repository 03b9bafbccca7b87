/**
 * Post-copy and page tables: the paging guest resumes on the destination in ring 3 with its
 * page directory and tables not yet there. The first instruction's walk reads them, so they
 * are the first pages it faults in (prepaging off: each fault brings only its page) — the
 * walker's reads go through the absent-page path like any other access (docs/design.md,
 * "Paging and the TLB") — and the guest then runs as the source would have.
 */
import { describe, expect, it } from 'vitest';
import { startInProcessMigration } from '../../src/migration/in-process.js';
import { migrationOptions } from '../../src/migration/options.js';
import type { PostCopyFault } from '../../src/migration/postcopy-destination.js';
import { bootMachine } from '../../src/trace/run-setup.js';
import { PAGE_ABSENT } from '../../src/machine/memory.js';
import { firstDifferentPage, freshDestination, guestSetup, machineState, oracleCapture } from './helpers.js';
import { PAGING_POINTS, demandTable, pointIcount } from './paging-points.js';

describe('post-copy of a paging guest', () => {
  it('faults the page directory and page table in on the first walk, then runs as the source would have', async () => {
    const setup = guestSetup('paging');
    const at = pointIcount(setup, PAGING_POINTS[2]); // ring 3, every demand page mapped
    const source = bootMachine(setup);
    source.run({ maxInstructions: at });
    const s = source.cpu.getState();
    const dir = (s.cr3 & ~0xfff) >>> 12;
    const codeTable = new DataView(source.memory.ram.buffer).getUint32((s.cr3 & ~0xfff) + 4 * (s.eip >>> 22), true) >>> 12;

    const m = startInProcessMigration({ machine: source, devices: oracleCapture(source) }, freshDestination(), migrationOptions({ strategy: 'postcopy', prepagePages: 0 }));
    await m.resumed;
    const dest = m.destination.machine!;
    expect([dest.memory.pageKind[dir], dest.memory.pageKind[codeTable]]).toEqual([PAGE_ABSENT, PAGE_ABSENT]);
    const faults: PostCopyFault[] = [];
    m.destination.pager!.onFault = (f) => faults.push(f);
    dest.run({ maxInstructions: at + 1 });
    // The walk for the first fetch: directory, then the table under EIP, then the code page itself.
    expect(faults.slice(0, 2).map((f) => f.page)).toEqual([dir, codeTable]);
    expect(faults.every((f) => f.icount === at)).toBe(true);

    const reference = bootMachine(setup);
    reference.run({ maxInstructions: at });
    const printed = reference.serialText.length;
    const a = reference.run({ maxInstructions: 50_000_000 });
    const b = dest.run({ maxInstructions: 50_000_000 });
    expect(a.status).toBe('exited');
    expect(b.status).toBe(a.status);
    expect(dest.serialText).toBe(reference.serialText.slice(printed));
    expect(dest.serialText).toMatch(/checksum 0x[0-9a-f]{8}/);
    m.destination.finish();
    await m.source;
    expect(firstDifferentPage(dest, reference)).toBe(-1);
    expect(machineState(dest)).toEqual(machineState(reference));
    expect(demandTable(dest)).toBe(demandTable(reference));
  }, 60_000);
});
