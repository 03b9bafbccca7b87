/**
 * Paging as a 486 does it (SDM vol. 3, 4.3 "32-bit paging"): CR3 names a page directory,
 * a directory entry names a page table or (CR4.PSE, PS set) a 4 MiB page, U/S and R/W
 * combine across both levels, CR0.WP makes read-only pages read-only for the supervisor
 * too, and the walker sets Accessed and Dirty bits in guest memory.
 *
 * The software TLB caches one translation per linear page number in two flat arrays
 * (permission bits and physical base), so a hit costs two typed-array loads. It is derived
 * state: never captured or migrated, dropped on every CR3 load, CR0.PG/WP or CR4.PSE change,
 * A20 change, INVLPG and state restore, and rebuilt by walks the guest cannot tell from
 * a cold TLB (a walk finds what a real 486 would find in memory, A/D bits included).
 *
 * A walk's reads and writes are physical accesses to guest memory like any other: an A or
 * D bit written marks its page dirty for pre-copy, and a page table on a page post-copy has
 * not sent yet is fetched first.
 *
 * Permissions are cached already decided: a TLB entry grants supervisor/user read/write
 * only where the access would succeed without a walk. A write is granted only once the
 * entry's D bit is set, so the first write to a clean page walks and sets it. Whatever an
 * entry does not grant walks, and only a walk raises #PF.
 */
import * as memory from '../memory.js';
import * as constants from './constants.js';
import { CpuRegisters, TLB_LIST_SIZE } from './registers.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { PAGE_RAM } = memory;
const { CR0_PE, CR0_PG, CR0_WP, CR4_PSE, EXC_PF } = constants;

/** TLB permission bits (tlbBits): what an access may do without walking. */
export const TLB_SUPERVISOR_READ = 1;
export const TLB_SUPERVISOR_WRITE = 2;
export const TLB_USER_READ = 4;
export const TLB_USER_WRITE = 8;
/** The entry came from a 4 MiB page: INVLPG of any part of it drops every translation. */
export const TLB_LARGE = 16;

/** Page-table entry bits. */
const PTE_P = 0x01;
const PTE_RW = 0x02;
const PTE_US = 0x04;
const PTE_A = 0x20;
const PTE_D = 0x40;
const PDE_PS = 0x80;

/** #PF error code bits (SDM vol. 3, 4.7). */
const PF_PROTECTION = 1;
const PF_WRITE = 2;
const PF_USER = 4;

export class CpuPaging extends CpuRegisters {
  /** Recompute `pg` after CR0 or a state restore changed PE/PG; every translation goes. */
  updatePaging(): void {
    this.pg = (this.cr0 & CR0_PG) !== 0 && (this.cr0 & CR0_PE) !== 0 ? 1 : 0;
    this.flushTlb();
  }

  /** Load CR3 (MOV CR3, a task switch): the page directory changes and every translation goes. */
  setCr3(v: number): void {
    this.cr3 = v | 0;
    this.flushTlb();
  }

  /** Drop every cached translation, and the fetch window built on one. */
  flushTlb(): void {
    const n = this.tlbCount;
    if (n > TLB_LIST_SIZE) this.tlbBits.fill(0);
    else {
      const bits = this.tlbBits;
      const list = this.tlbList;
      for (let i = 0; i < n; i++) bits[list[i]] = 0;
    }
    this.tlbCount = 0;
    this.fLen = 0;
  }

  /** INVLPG: drop the translation of the page holding linear address `lin` (of a 4 MiB page: all). */
  invlpg(lin: number): void {
    const vpn = lin >>> 12;
    if (this.tlbBits[vpn] & TLB_LARGE) this.flushTlb();
    else {
      this.tlbBits[vpn] = 0;
      this.fLen = 0;
    }
  }

  /** Physical address of a read of `lin` at the current CPL (paging on): a TLB hit, or a walk. */
  physRead(lin: number): number {
    const vpn = lin >>> 12;
    return this.readCached(vpn) ? this.tlbPhys[vpn] | (lin & 0xfff) : this.translate(lin, false);
  }

  /** The TLB holds linear page `vpn` and grants a read of it at the current CPL (no walk needed). */
  readCached(vpn: number): boolean {
    return (this.tlbBits[vpn] & (this.cpl === 3 ? TLB_USER_READ : TLB_SUPERVISOR_READ)) !== 0;
  }

  /** Physical address of a write to `lin` at the current CPL (paging on). */
  physWrite(lin: number): number {
    const vpn = lin >>> 12;
    return (this.tlbBits[vpn] & (this.cpl === 3 ? TLB_USER_WRITE : TLB_SUPERVISOR_WRITE)) !== 0
      ? this.tlbPhys[vpn] | (lin & 0xfff)
      : this.translate(lin, true);
  }

  /**
   * Walk the page tables for an access to `lin` at the current CPL: check it, set the
   * Accessed (and for a write Dirty) bits, cache what the entry allows and return the
   * physical address (A20 applied). Raises #PF, with CR2 = lin, when the access may not go.
   */
  translate(lin: number, write: boolean): number {
    const user = this.cpl === 3;
    const a20 = this.a20;
    const code = (write ? PF_WRITE : 0) | (user ? PF_USER : 0);
    const pdeAddr = ((this.cr3 & ~0xfff) | ((lin >>> 20) & 0xffc)) & a20;
    let pde = this.readEntry(pdeAddr);
    if ((pde & PTE_P) === 0) this.pageFault(lin, code);
    let allow: number;
    let base: number;
    let dirty: number;
    let large = 0;
    if ((pde & PDE_PS) !== 0 && (this.cr4 & CR4_PSE) !== 0) {
      allow = pde & (PTE_US | PTE_RW);
      this.checkAccess(lin, allow, write, user, code);
      const set = pde | PTE_A | (write ? PTE_D : 0);
      if (set !== pde) this.writeEntry(pdeAddr, (pde = set));
      base = (pde & 0xffc00000) | (lin & 0x3ff000);
      dirty = pde & PTE_D;
      large = TLB_LARGE;
    } else {
      // The directory entry becomes Accessed only with a walk that succeeds: a 386 leaves it
      // alone when the table entry below is absent or forbids the access (test386.asm POST 11,
      // checked on real hardware; QEMU and later CPUs set it as soon as it is found present).
      const pteAddr = ((pde & ~0xfff) | ((lin >>> 10) & 0xffc)) & a20;
      let pte = this.readEntry(pteAddr);
      if ((pte & PTE_P) === 0) this.pageFault(lin, code);
      allow = pde & pte & (PTE_US | PTE_RW);
      this.checkAccess(lin, allow, write, user, code);
      if ((pde & PTE_A) === 0) this.writeEntry(pdeAddr, (pde |= PTE_A));
      const set = pte | PTE_A | (write ? PTE_D : 0);
      if (set !== pte) this.writeEntry(pteAddr, (pte = set));
      base = pte & ~0xfff;
      dirty = pte & PTE_D;
    }
    base &= a20;
    let bits = TLB_SUPERVISOR_READ | large;
    if (dirty !== 0) {
      if ((allow & PTE_RW) !== 0 || (this.cr0 & CR0_WP) === 0) bits |= TLB_SUPERVISOR_WRITE;
      if ((allow & (PTE_US | PTE_RW)) === (PTE_US | PTE_RW)) bits |= TLB_USER_WRITE;
    }
    if ((allow & PTE_US) !== 0) bits |= TLB_USER_READ;
    const vpn = lin >>> 12;
    if (this.tlbBits[vpn] === 0) {
      if (this.tlbCount < TLB_LIST_SIZE) this.tlbList[this.tlbCount] = vpn;
      this.tlbCount++;
    }
    this.tlbBits[vpn] = bits;
    this.tlbPhys[vpn] = base;
    return base | (lin & 0xfff);
  }

  /** U/S and R/W (with CR0.WP for the supervisor) against the combined entry bits `allow`. */
  private checkAccess(lin: number, allow: number, write: boolean, user: boolean, code: number): void {
    if (user) {
      if ((allow & PTE_US) === 0 || (write && (allow & PTE_RW) === 0)) this.pageFault(lin, code | PF_PROTECTION);
    } else if (write && (allow & PTE_RW) === 0 && (this.cr0 & CR0_WP) !== 0) {
      this.pageFault(lin, code | PF_PROTECTION);
    }
  }

  pageFault(lin: number, code: number): never {
    this.cr2 = lin | 0;
    return this.raise(EXC_PF, code);
  }

  /**
   * The physical address `lin` maps to, or -1 when it maps nowhere, with no side effect (no
   * A/D bits, no TLB fill, no post-copy fetch, no fault): for messages and inspection.
   */
  peekPhysical(lin: number): number {
    if (this.pg === 0) return lin & this.a20;
    const a20 = this.a20;
    const pde = this.peekEntry(((this.cr3 & ~0xfff) | ((lin >>> 20) & 0xffc)) & a20);
    if (pde === -1 || (pde & PTE_P) === 0) return -1;
    if ((pde & PDE_PS) !== 0 && (this.cr4 & CR4_PSE) !== 0) return ((pde & 0xffc00000) | (lin & 0x3fffff)) & a20;
    const pte = this.peekEntry(((pde & ~0xfff) | ((lin >>> 10) & 0xffc)) & a20);
    if (pte === -1 || (pte & PTE_P) === 0) return -1;
    return ((pte & ~0xfff) | (lin & 0xfff)) & a20;
  }

  // ---- the walker's physical accesses (entries are 4-byte aligned: never split) ----

  private readEntry(p: number): number {
    if (this.pageKind[p >>> 12] === PAGE_RAM) return this.ram32[p >> 2];
    return this.mem.read32(p >>> 0); // fetches an absent page; MMIO answers; unmapped floats high
  }

  private writeEntry(p: number, v: number): void {
    if (this.pageKind[p >>> 12] === PAGE_RAM) {
      this.ram32[p >> 2] = v;
      this.dirty[p >>> 12] = 1;
      if (this.codePages[p >>> 12] !== 0) this.mem.codeWritten(p, 4);
      return;
    }
    this.mem.write32(p >>> 0, v);
  }

  /** An entry from RAM only, or -1 (peekPhysical must not touch devices or fetch pages). */
  private peekEntry(p: number): number {
    return this.pageKind[p >>> 12] === PAGE_RAM ? this.ram32[p >> 2] : -1;
  }
}
