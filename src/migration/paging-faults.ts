/**
 * The engine's faults on paging-era guest memory (faults.ts):
 *
 * - tss-busy-bit-lost: the destination clears the busy bit of TR's TSS descriptor in the
 *   guest's GDT (what a VMM reloading TR with LTR has to do first) and never sets it back.
 *   The source says where in a note; the destination acts (`clearTssBusyBit`), after the
 *   CPU state is in place and before the guest runs.
 * - postcopy-page-table-stale: the source serves the pages that hold the guest's paging
 *   structures, found from CR3 on the frozen source (`pagingStructurePages`), as zeros.
 *
 * Both need the guest's linear-to-physical map for one address (the GDT is a linear
 * address): `linearToPhysical` walks the tables read-only, A20 ignored (these guests run
 * with it open), setting no A/D bit.
 */
import { CR0_PE, CR0_PG, CR4_PSE } from '../machine/cpu/constants.js';
import type { CpuState } from '../machine/cpu/cpu.js';
import type { Machine } from '../board/machine.js';
import { PAGE_SIZE } from '../machine/memory.js';
import { hex } from '../hex.js';
import { POSTCOPY_PAGE_TABLE_STALE, TSS_BUSY_BIT_LOST } from './faults.js';

/** Reads a little-endian dword of guest physical memory, or null outside RAM. */
export type PhysRead32 = (addr: number) => number | null;

const PTE_P = 0x01;
const PDE_PS = 0x80;
/** Descriptor type in bits 8-11 of the high dword: 0xB busy 32-bit TSS, 0x3 busy 16-bit (the busy bit is 0x2). */
const TSS_BUSY = 0x200;

export function ramReader(ram: Uint8Array): PhysRead32 {
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  return (a) => (a < 0 || a + 4 > ram.length ? null : view.getUint32(a, true));
}

/** The physical address `lin` maps to under `state`'s paging, or -1 where nothing is mapped. */
export function linearToPhysical(state: CpuState, read32: PhysRead32, lin: number): number {
  if ((state.cr0 & CR0_PG) === 0 || (state.cr0 & CR0_PE) === 0) return lin >>> 0;
  const pde = read32(((state.cr3 & ~0xfff) >>> 0) + ((lin >>> 22) << 2));
  if (pde === null || (pde & PTE_P) === 0) return -1;
  if ((pde & PDE_PS) !== 0 && (state.cr4 & CR4_PSE) !== 0) return ((pde & 0xffc00000) | (lin & 0x3fffff)) >>> 0;
  const pte = read32(((pde & ~0xfff) >>> 0) + (((lin >>> 12) & 0x3ff) << 2));
  if (pte === null || (pte & PTE_P) === 0) return -1;
  return ((pte & ~0xfff) | (lin & 0xfff)) >>> 0;
}

/** Physical address of the high dword of TR's descriptor when it is a busy TSS in the GDT, else -1. */
function busyTssDescriptor(state: CpuState, read32: PhysRead32): number {
  const sel = state.tr.selector & 0xffff;
  if ((sel & 0xfffc) === 0 || (sel & 4) !== 0 || (sel & 0xfff8) + 7 > state.gdtr.limit) return -1;
  const phys = linearToPhysical(state, read32, (state.gdtr.base + (sel & 0xfff8) + 4) >>> 0);
  if (phys < 0) return -1;
  const hi = read32(phys);
  return hi !== null && (hi & TSS_BUSY) !== 0 && (hi & 0x1500) === 0x0100 ? phys : -1;
}

/** The source's note for tss-busy-bit-lost: which descriptor the destination will clear. */
export function tssBusyNote(state: CpuState, ram: Uint8Array): string {
  const at = busyTssDescriptor(state, ramReader(ram));
  return at < 0
    ? `${TSS_BUSY_BIT_LOST}: TR (selector ${hex(state.tr.selector)}) names no busy TSS descriptor in the GDT: nothing to lose`
    : `${TSS_BUSY_BIT_LOST}: the destination clears the busy bit of TR's descriptor (selector ${hex(state.tr.selector)}, GDT entry at physical ${hex(at - 4)}, page ${hex(Math.floor(at / PAGE_SIZE), 5)}) before loading TR, and leaves it clear`;
}

/** The destination's half of tss-busy-bit-lost: clear the busy bit through guest memory (post-copy fetches the page first). */
export function clearTssBusyBit(machine: Machine, state: CpuState): void {
  const memory = machine.memory;
  const read32: PhysRead32 = (a) => (a < 0 || a + 4 > memory.size ? null : new DataView(memory.readBytes(a, 4).buffer).getUint32(0, true));
  const at = busyTssDescriptor(state, read32);
  if (at < 0) return;
  const hi = (read32(at)! & ~TSS_BUSY) >>> 0;
  memory.writeBytes(at, Uint8Array.of(hi & 0xff, (hi >>> 8) & 0xff, (hi >>> 16) & 0xff, hi >>> 24));
}

/** The pages holding the page directory CR3 names and every page table a present, non-4 MiB entry points to (none with paging off). */
export function pagingStructurePages(state: CpuState, ram: Uint8Array): number[] {
  if ((state.cr0 & CR0_PG) === 0 || (state.cr0 & CR0_PE) === 0) return [];
  const read32 = ramReader(ram);
  const dir = (state.cr3 & ~0xfff) >>> 0;
  const pages = new Set<number>([dir / PAGE_SIZE]);
  for (let i = 0; i < 1024; i++) {
    const pde = read32(dir + i * 4);
    if (pde === null || (pde & PTE_P) === 0 || ((pde & PDE_PS) !== 0 && (state.cr4 & CR4_PSE) !== 0)) continue;
    const table = Math.floor(((pde & ~0xfff) >>> 0) / PAGE_SIZE);
    if (table * PAGE_SIZE < ram.length) pages.add(table);
  }
  return [...pages].filter((p) => p * PAGE_SIZE < ram.length).sort((a, b) => a - b);
}

/** The source's half of postcopy-page-table-stale: the pages it will serve stale, and its note. */
export function stalePagingPages(state: CpuState, ram: Uint8Array): { pages: ReadonlySet<number>; note: string } {
  const pages = pagingStructurePages(state, ram);
  return {
    pages: new Set(pages),
    note:
      pages.length === 0
        ? `${POSTCOPY_PAGE_TABLE_STALE}: paging is off: no page tables to serve stale`
        : `${POSTCOPY_PAGE_TABLE_STALE}: the source serves ${pages.length} paging-structure page(s) as zeros when the destination asks: ${pages.map((p) => hex(p, 5)).join(', ')}`,
  };
}
