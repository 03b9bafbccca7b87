/**
 * Where the paging guest (guests/src/paging.c) is migrated: points found by running it as
 * `record` boots it and watching the CPU and the oracle, not hard-coded icounts. Each point is
 * the icount after the first instruction where its condition holds; the guest runs there in
 * steps of one instruction from where a coarser run (chunks of `COARSE`) first saw the phase.
 */
import type { Machine } from '../../src/board/machine.js';
import type { CpuState } from '../../src/machine/cpu/cpu.js';
import { bootMachine, type RunSetup } from '../../src/trace/run-setup.js';

/** The guest's layout (paging.c): the demand region's linear base and its page count. */
export const DEMAND_BASE = 0x800000;
export const DEMAND_PAGES = 16;
const CR4_PSE = 0x10;
const PTE_D = 0x40;
const COARSE = 2_000;

const le32 = (m: Machine, addr: number) => new DataView(m.memory.ram.buffer).getUint32(addr, true);

/** The physical address of the demand region's page table (directory entry 2), or 0 before paging. */
export function demandTable(m: Machine): number {
  const s = m.cpu.getState();
  if (s.cr3 === 0) return 0;
  return le32(m, (s.cr3 & ~0xfff) + 8) & ~0xfff;
}

/** How many of the demand region's page-table entries have their D bit set. */
export function dirtyEntries(m: Machine): number {
  const t = demandTable(m);
  if (t === 0) return 0;
  let n = 0;
  for (let i = 0; i < DEMAND_PAGES; i++) if (le32(m, t + i * 4) & PTE_D) n++;
  return n;
}

/** The last demand page has faulted in (CR2 keeps its address from then on). */
const lastPageMapped = (s: CpuState) => s.cr2 >>> 12 === (DEMAND_BASE >>> 12) + DEMAND_PAGES - 1 && s.cpl === 3;

const i8042 = (m: Machine) => (m.devices.find((d) => d.name === 'i8042')!.state as Record<string, unknown>);

export interface PagingPoint {
  readonly name: string;
  /** Cheap to test every COARSE instructions: the phase the point lies in has begun. */
  readonly near: (s: CpuState, m: Machine) => boolean;
  /** Tested after every instruction from there, with the state before that instruction. */
  readonly at: (s: CpuState, before: CpuState, m: Machine) => boolean;
}

export const PAGING_POINTS: readonly PagingPoint[] = [
  {
    name: 'A20 closed through the 8042, paging on (kernel)',
    near: (s) => (s.cr4 & CR4_PSE) !== 0,
    at: (_s, _b, m) => ((i8042(m).output_port as number) & 2) === 0,
  },
  {
    name: 'inside the #PF handler before it reads CR2 (a demand fault from ring 3)',
    // The kernel's last step before ring 3 leaves 0x5A pending in the 8042 (0xD2).
    near: (_s, m) => ((i8042(m).status as number) & 1) !== 0,
    at: (s, before) => before.cpl === 3 && s.cpl === 0 && s.cr2 !== before.cr2 && s.cr2 >>> 0 >= DEMAND_BASE,
  },
  {
    name: 'ring 3, every demand page mapped',
    near: lastPageMapped,
    at: (s) => s.cpl === 3,
  },
  {
    name: 'a timer interrupt taken from ring 3, on the TSS\'s kernel stack',
    near: lastPageMapped,
    at: (s, before) => before.cpl === 3 && s.cpl === 0 && s.cr2 === before.cr2,
  },
  {
    name: 'ring 3 writing the demand pages (D bits being set)',
    near: (_s, m) => dirtyEntries(m) >= 2,
    at: (s) => s.cpl === 3,
  },
];

/** Run a fresh machine of `setup` to `point`; returns the icount (throws if the guest never gets there). */
export function pointIcount(setup: RunSetup, point: PagingPoint, from = 0): number {
  const m = bootMachine(setup);
  if (from > 0) m.run({ maxInstructions: from });
  while (!m.stopped && !point.near(m.cpu.getState(), m)) m.run({ maxInstructions: m.clock.icount + COARSE });
  let before = m.cpu.getState();
  for (let i = 0; i < 4 * COARSE * 100 && !m.stopped; i++) {
    m.run({ maxInstructions: m.clock.icount + 1 });
    const s = m.cpu.getState();
    if (point.at(s, before, m)) return m.clock.icount;
    before = s;
  }
  throw new Error(`paging guest: no point "${point.name}"`);
}
