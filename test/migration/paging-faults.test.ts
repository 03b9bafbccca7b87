/**
 * The paging-era faults of the catalog (src/migration/faults.ts, the 8042's in its driver),
 * each injected into a migration of the paging guest at a point where it matters
 * (paging-points.ts): the verifier catches it at the switch-over and its first state
 * difference names the field (CPU register, device field, memory page) the fault breaks; the
 * same migration without the fault MATCHes. End to end through the CLI:
 * test/long/fault-catalog.test.ts.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Machine } from '../../src/board/machine.js';
import { migrationOptions } from '../../src/migration/options.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { hex } from '../../src/hex.js';
import { bootMachine, type RunSetup } from '../../src/trace/run-setup.js';
import { verifyTraces } from '../../verify/verify.js';
import { guestSetup, recordReference, tempDir } from './helpers.js';
import { PAGING_POINTS, demandTable, pointIcount } from './paging-points.js';

let reference = '';
let setup: RunSetup;
const icounts = new Map<string, number>();

const page = (addr: number) => `memory page ${hex(Math.floor(addr / 4096), 5)}`;

/** The source machine at `at`, as the reference ran it (for the pages a fault must name). */
function sourceAt(at: number): Machine {
  const m = bootMachine(setup);
  m.run({ maxInstructions: at });
  return m;
}

const PF = PAGING_POINTS[1].name;
const RING3 = PAGING_POINTS[2].name;
const TIMER = PAGING_POINTS[3].name;
const A20 = PAGING_POINTS[0].name;
const D_BITS = PAGING_POINTS[4].name;

interface Case {
  readonly fault: string;
  readonly point: string;
  readonly strategy: 'precopy' | 'postcopy';
  /** The paths the first state difference may name, given the source machine at the point and the fault's note. */
  readonly fields: (m: Machine, note: string) => string[];
  /** What the source's note for the fault must say. */
  readonly note: RegExp;
}

/** The pages a note names ("0x0000e, 0x0000f"): each must hold the source's page directory or one of its tables. */
const notedPagingPages = (m: Machine, note: string): string[] => {
  const dir = m.cpu.getState().cr3 & ~0xfff;
  const lowTable = new DataView(m.memory.ram.buffer).getUint32(dir, true) & ~0xfff;
  const structures = [page(dir), page(lowTable), page(demandTable(m))];
  const noted = [...note.matchAll(/0x([0-9a-f]{5})\b/g)].map((x) => `memory page 0x${x[1]}`);
  expect(noted.length).toBeGreaterThan(0);
  for (const p of noted) expect(structures).toContain(p);
  return noted;
};

const cases: Case[] = [
  { fault: 'cr3-not-carried', point: RING3, strategy: 'postcopy', fields: () => ['cpu.cr3'], note: /CR3 0x\w+ \(paging on\) not carried/ },
  { fault: 'cr4-pse-dropped', point: RING3, strategy: 'precopy', fields: () => ['cpu.cr4'], note: /CR4 0x10 sent as 0x0 \(PSE dropped/ },
  { fault: 'cr2-lost', point: PF, strategy: 'postcopy', fields: () => ['cpu.cr2'], note: /CR2 0x80\w{4} \(the last page-fault address\) not carried/ },
  { fault: 'tr-cache-lost', point: TIMER, strategy: 'postcopy', fields: () => ['cpu.tr.base', 'cpu.tr.limit', 'cpu.tr.attributes'], note: /TR \(selector 0x28\): base 0x\w+ limit 0x67 attributes 0x8b sent as the power-on/ },
  { fault: 'tss-busy-bit-lost', point: RING3, strategy: 'precopy', fields: (m) => [page(m.cpu.getState().gdtr.base)], note: /clears the busy bit of TR's descriptor \(selector 0x28/ },
  { fault: 'tss-busy-bit-lost', point: TIMER, strategy: 'postcopy', fields: (m) => [page(m.cpu.getState().gdtr.base)], note: /clears the busy bit/ },
  { fault: 'walker-dirty-bit-untracked', point: D_BITS, strategy: 'precopy', fields: notedPagingPages, note: /page\(s\) whose only change since a round sent them was the page walker's A\/D bits were not resent: 0x/ },
  { fault: 'postcopy-page-table-stale', point: RING3, strategy: 'postcopy', fields: notedPagingPages, note: /serves 3 paging-structure page\(s\) as zeros/ },
  { fault: 'i8042-a20-lost', point: A20, strategy: 'postcopy', fields: () => ['i8042.output_port'], note: /.*/ },
  { fault: 'i8042-command-byte-lost', point: RING3, strategy: 'precopy', fields: () => ['i8042.command_byte'], note: /.*/ },
];

beforeAll(async () => {
  setup = guestSetup('paging');
  reference = await recordReference(setup);
  for (const p of new Set(cases.map((c) => c.point))) icounts.set(p, pointIcount(setup, PAGING_POINTS.find((q) => q.name === p)!));
}, 240_000);

async function migrate(at: number, strategy: 'precopy' | 'postcopy', faults: string[]) {
  const out = path.join(tempDir('paging-fault'), 'dest');
  const r = await migrateTraceInProcess({ trace: reference, at, out, options: migrationOptions({ strategy, faults }) });
  return { notes: r.source.notes, verify: await verifyTraces(reference, out) };
}

describe('paging-era faults are caught and named; the clean migration at the same point MATCHes', () => {
  it.each(cases)('$fault ($strategy, $point)', async (c) => {
    const at = icounts.get(c.point)!;
    const clean = await migrate(at, c.strategy, []);
    expect(clean.verify.firstDivergence?.cause ?? '').toBe('');
    expect(clean.verify.verdict).toBe('match');

    const bad = await migrate(at, c.strategy, [c.fault]);
    const note = bad.notes.find((n) => n.startsWith(`${c.fault}:`)) ?? '';
    if (note !== '') expect(note).toMatch(c.note);
    else expect(c.fault).toMatch(/^i8042-/); // the hypervisor's faults act in reconstruction and say nothing
    const v = bad.verify;
    expect(v.verdict).toBe('divergence');
    expect(v.firstDivergence!.state!.how).toBe('switch-over');
    const first = v.firstDivergence!.state!.differences[0];
    expect(c.fields(sourceAt(at), note)).toContain(first.path);
    expect(v.firstDivergence!.cause).toContain(`injected fault(s): ${c.fault}`);
  }, 120_000);
});
