/**
 * The primitive accesses every instruction builds on: segment caches and their limit
 * checks, memory through segments, linear→physical translation, code fetch and the stack.
 * Instructions (exec.ts and ops-*.ts) are functions of a `CpuCore`; the public API and the
 * run loop live in cpu.ts.
 *
 * Nothing here allocates. Every value is an int32 (see registers.ts).
 */
import * as memory from '../memory.js';
import * as constants from './constants.js';
import { CpuPaging } from './paging.js';
import { hexDigits } from '../../hex.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { PAGE_ABSENT, PAGE_MMIO, PAGE_RAM, PAGE_ROM } = memory;
const {
  ATTR_DB, ATTR_P, ATTR_REAL_CODE, ATTR_REAL_DATA, ATTR_TYPE_CODE, ATTR_TYPE_DC, ATTR_TYPE_RW, ATTR_UNUSABLE, CR0_PE,
  CS, EXC_GP, EXC_SS, SS,
} = constants;

export { GUEST_EXCEPTION } from './registers.js';
export { PARITY, R8 } from './constants.js';

/** Flipping bit 31 of two int32s makes their signed order the unsigned order. */
const SIGN_BIT = 0x80000000 | 0;

export class CpuCore extends CpuPaging {
  // ================================================================ segments

  /** Recompute what the limit checks use from segment `s`'s cache. */
  refreshSeg(s: number): void {
    const attr = this.segAttr[s];
    const limit = this.segLimit[s] >>> 0;
    let lo = 0;
    let hiR: number = limit;
    let hiW: number = limit;
    if (this.cr0 & CR0_PE) {
      if (attr & ATTR_UNUSABLE || !(attr & ATTR_P)) {
        hiR = -1;
        hiW = -1;
      } else if (attr & ATTR_TYPE_CODE) {
        hiW = -1;
        if (!(attr & ATTR_TYPE_RW)) hiR = -1;
      } else {
        if (!(attr & ATTR_TYPE_RW)) hiW = -1;
        if (attr & ATTR_TYPE_DC) {
          // Expand-down: valid offsets are limit+1 .. 0xFFFF (or 0xFFFFFFFF when B is set).
          lo = limit + 1;
          const top = attr & ATTR_DB ? 0xffffffff : 0xffff;
          hiR = top;
          if (hiW !== -1) hiW = top;
        }
      }
    }
    // Real mode checks only the limit: the type in the cache is not enforced (CS is writable).
    this.segLo[s] = lo;
    this.segHiR[s] = hiR;
    this.segHiW[s] = hiW;
    this.segFast[s] = lo === 0 ? (hiR === 0xffffffff ? 1 : 0) | (hiW === 0xffffffff ? 2 : 0) : 0;
    this.updateFlat(s);
    if (s === CS) {
      this.csD = (attr >> 14) & 1;
      this.csLimitFlipped = this.segLimit[CS] ^ SIGN_BIT;
      if (!this.prefixed) {
        this.o32 = this.csD;
        this.a32 = this.csD;
      }
      this.fLen = 0;
    } else if (s === SS) {
      this.ssB = (attr >> 14) & 1;
    }
  }

  /** Recompute segment s's bits of flatRead / flatWrite (after its base or segFast changed). */
  private updateFlat(s: number): void {
    const bit = 1 << s;
    const base0 = this.segBase[s] === 0;
    const fast = this.segFast[s];
    this.flatRead = base0 && (fast & 1) !== 0 ? this.flatRead | bit : this.flatRead & ~bit;
    this.flatWrite = base0 && (fast & 2) !== 0 ? this.flatWrite | bit : this.flatWrite & ~bit;
  }

  refreshAllSegs(): void {
    for (let s = 0; s < 6; s++) this.refreshSeg(s);
  }

  /** Load a segment register the real-mode way: base = selector << 4, limit and rights kept. */
  loadSegReal(s: number, sel: number): void {
    sel &= 0xffff;
    this.segSel[s] = sel;
    this.segBase[s] = sel << 4;
    this.updateFlat(s);
    if (s === CS) this.fLen = 0;
  }

  /** Power-on caches: base/selector given, limit 0xFFFF, present read/write (CS: code) segments. */
  resetSeg(s: number, sel: number, base: number): void {
    this.segSel[s] = sel;
    this.segBase[s] = base;
    this.segLimit[s] = 0xffff;
    this.segAttr[s] = s === CS ? ATTR_REAL_CODE : ATTR_REAL_DATA;
    this.refreshSeg(s);
  }

  /** Limit/rights violation on segment `s`: #SS(0) for the stack segment, #GP(0) otherwise. */
  segFault(s: number): never {
    return this.raise(s === SS ? EXC_SS : EXC_GP, 0);
  }

  checkRead(s: number, off: number, size: number): void {
    const o = off >>> 0;
    if (o < this.segLo[s] || o + size - 1 > this.segHiR[s]) this.segFault(s);
  }

  checkWrite(s: number, off: number, size: number): void {
    const o = off >>> 0;
    if (o < this.segLo[s] || o + size - 1 > this.segHiW[s]) this.segFault(s);
  }

  // ================================================================ memory through segments

  rd8(s: number, off: number): number {
    if ((this.flatRead >> s) & 1) return this.rdLin8(off);
    if ((this.segFast[s] & 1) === 0) this.checkRead(s, off, 1);
    return this.rdLin8((this.segBase[s] + off) | 0);
  }

  rd16(s: number, off: number): number {
    if ((this.flatRead >> s) & 1) return this.rdLin16(off);
    if ((this.segFast[s] & 1) === 0) this.checkRead(s, off, 2);
    return this.rdLin16((this.segBase[s] + off) | 0);
  }

  /** A signed int32. */
  rd32(s: number, off: number): number {
    if ((this.flatRead >> s) & 1) return this.rdLin32(off);
    if ((this.segFast[s] & 1) === 0) this.checkRead(s, off, 4);
    return this.rdLin32((this.segBase[s] + off) | 0);
  }

  wr8(s: number, off: number, v: number): void {
    if ((this.flatWrite >> s) & 1) {
      this.wrLin8(off, v);
      return;
    }
    if ((this.segFast[s] & 2) === 0) this.checkWrite(s, off, 1);
    this.wrLin8((this.segBase[s] + off) | 0, v);
  }

  wr16(s: number, off: number, v: number): void {
    if ((this.flatWrite >> s) & 1) {
      this.wrLin16(off, v);
      return;
    }
    if ((this.segFast[s] & 2) === 0) this.checkWrite(s, off, 2);
    this.wrLin16((this.segBase[s] + off) | 0, v);
  }

  wr32(s: number, off: number, v: number): void {
    if ((this.flatWrite >> s) & 1) {
      this.wrLin32(off, v);
      return;
    }
    if ((this.segFast[s] & 2) === 0) this.checkWrite(s, off, 4);
    this.wrLin32((this.segBase[s] + off) | 0, v);
  }

  // ================================================================ linear → physical
  // Every access goes linear → physical (paging.ts when CR0.PG is set; A20 applied) → the
  // RAM fast path, or MMIO/unmapped/absent through the slow path. An access that crosses a
  // page splits into bytes, each translated; a split write translates both pages first, so
  // a #PF on the second leaves memory untouched, as on a 486.

  rdLin8(lin: number): number {
    const p = this.pg === 0 ? lin & this.a20 : this.physRead(lin);
    if (this.pageKind[p >>> 12] === PAGE_RAM) return this.ram[p];
    return this.rdPhysSlow(p, 1);
  }

  rdLin16(lin: number): number {
    if ((lin & 0xfff) === 0xfff) return this.rdLin8(lin) | (this.rdLin8((lin + 1) | 0) << 8);
    const p = this.pg === 0 ? lin & this.a20 : this.physRead(lin);
    if (this.pageKind[p >>> 12] === PAGE_RAM) {
      const r = this.ram;
      return r[p] | (r[p + 1] << 8);
    }
    return this.rdPhysSlow(p, 2);
  }

  rdLin32(lin: number): number {
    if ((lin & 0xfff) > 0xffc) {
      let v = 0;
      for (let i = 0; i < 4; i++) v |= this.rdLin8((lin + i) | 0) << (8 * i);
      return v;
    }
    const p = this.pg === 0 ? lin & this.a20 : this.physRead(lin);
    if (this.pageKind[p >>> 12] === PAGE_RAM) {
      if ((p & 3) === 0) return this.ram32[p >> 2];
      const r = this.ram;
      return r[p] | (r[p + 1] << 8) | (r[p + 2] << 16) | (r[p + 3] << 24);
    }
    return this.rdPhysSlow(p, 4) | 0;
  }

  wrLin8(lin: number, v: number): void {
    const p = this.pg === 0 ? lin & this.a20 : this.physWrite(lin);
    if (this.pageKind[p >>> 12] === PAGE_RAM) {
      this.ram[p] = v;
      this.dirty[p >>> 12] = 1;
      if (this.codePages[p >>> 12] !== 0) this.mem.codeWritten(p, 1);
      return;
    }
    this.wrPhysSlow(p, 1, v);
  }

  wrLin16(lin: number, v: number): void {
    if ((lin & 0xfff) === 0xfff) {
      this.wrSplit(lin, 2, v);
      return;
    }
    const p = this.pg === 0 ? lin & this.a20 : this.physWrite(lin);
    if (this.pageKind[p >>> 12] === PAGE_RAM) {
      const r = this.ram;
      r[p] = v;
      r[p + 1] = v >> 8;
      this.dirty[p >>> 12] = 1;
      if (this.codePages[p >>> 12] !== 0) this.mem.codeWritten(p, 2);
      return;
    }
    this.wrPhysSlow(p, 2, v);
  }

  wrLin32(lin: number, v: number): void {
    if ((lin & 0xfff) > 0xffc) {
      this.wrSplit(lin, 4, v);
      return;
    }
    const p = this.pg === 0 ? lin & this.a20 : this.physWrite(lin);
    if (this.pageKind[p >>> 12] === PAGE_RAM) {
      if ((p & 3) === 0) this.ram32[p >> 2] = v;
      else {
        const r = this.ram;
        r[p] = v;
        r[p + 1] = v >> 8;
        r[p + 2] = v >> 16;
        r[p + 3] = v >> 24;
      }
      this.dirty[p >>> 12] = 1;
      if (this.codePages[p >>> 12] !== 0) this.mem.codeWritten(p, 4);
      return;
    }
    this.wrPhysSlow(p, 4, v);
  }

  /** A write that crosses a page: both pages are checked (and their D bits set) before any byte is written. */
  private wrSplit(lin: number, size: number, v: number): void {
    if (this.pg !== 0) {
      this.physWrite(lin);
      this.physWrite((lin + size - 1) & ~0xfff); // CR2 names the first byte on the second page
    }
    for (let i = 0; i < size; i++) this.wrLin8((lin + i) | 0, v >> (8 * i));
  }

  // ---- implicit supervisor accesses ----
  // The processor reads and writes the GDT, LDT, IDT and TSS with supervisor rights whatever
  // the CPL (SDM vol. 3, 4.6.1): under paging a U/S=0 page is reachable from ring 3 this way.
  // Descriptor-table, gate and TSS code uses these, never rdLin/wrLin.

  rdSys8(lin: number): number {
    return this.cpl !== 3 || this.pg === 0 ? this.rdLin8(lin) : this.supervisorRead(lin, 1);
  }

  rdSys16(lin: number): number {
    return this.cpl !== 3 || this.pg === 0 ? this.rdLin16(lin) : this.supervisorRead(lin, 2);
  }

  rdSys32(lin: number): number {
    return this.cpl !== 3 || this.pg === 0 ? this.rdLin32(lin) : this.supervisorRead(lin, 4);
  }

  wrSys8(lin: number, v: number): void {
    if (this.cpl !== 3 || this.pg === 0) this.wrLin8(lin, v);
    else this.supervisorWrite(lin, 1, v);
  }

  wrSys16(lin: number, v: number): void {
    if (this.cpl !== 3 || this.pg === 0) this.wrLin16(lin, v);
    else this.supervisorWrite(lin, 2, v);
  }

  wrSys32(lin: number, v: number): void {
    if (this.cpl !== 3 || this.pg === 0) this.wrLin32(lin, v);
    else this.supervisorWrite(lin, 4, v);
  }

  /** Ring 3 with paging on: the access is checked as CPL 0 (the page walk reads `cpl`). */
  private supervisorRead(lin: number, size: number): number {
    this.cpl = 0;
    try {
      return size === 1 ? this.rdLin8(lin) : size === 2 ? this.rdLin16(lin) : this.rdLin32(lin);
    } finally {
      this.cpl = 3;
    }
  }

  private supervisorWrite(lin: number, size: number, v: number): void {
    this.cpl = 0;
    try {
      if (size === 1) this.wrLin8(lin, v);
      else if (size === 2) this.wrLin16(lin, v);
      else this.wrLin32(lin, v);
    } finally {
      this.cpl = 3;
    }
  }

  /** A physical access to a non-RAM page (MMIO or unmapped), within one page. */
  private rdPhysSlow(p: number, size: number): number {
    const addr = p >>> 0;
    const kind = this.pageKind[addr >>> 12];
    if (kind === PAGE_ABSENT) {
      // Post-copy: the page is fetched (synchronously) and the access goes to RAM.
      this.mem.faultIn(addr >>> 12);
      return size === 1 ? this.mem.read8(addr) : size === 2 ? this.mem.read16(addr) : this.mem.read32(addr);
    }
    if (kind === PAGE_ROM) return size === 1 ? this.mem.read8(addr) : size === 2 ? this.mem.read16(addr) : this.mem.read32(addr);
    if (kind !== PAGE_MMIO) return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    const v = size === 1 ? this.mem.read8(addr) : size === 2 ? this.mem.read16(addr) : this.mem.read32(addr);
    this.afterIo();
    return v;
  }

  private wrPhysSlow(p: number, size: number, v: number): void {
    const addr = p >>> 0;
    const kind = this.pageKind[addr >>> 12];
    if (kind === PAGE_ABSENT) {
      this.mem.faultIn(addr >>> 12);
      if (size === 1) this.mem.write8(addr, v & 0xff);
      else if (size === 2) this.mem.write16(addr, v & 0xffff);
      else this.mem.write32(addr, v);
      return;
    }
    if (kind !== PAGE_MMIO) return;
    if (size === 1) this.mem.write8(addr, v & 0xff);
    else if (size === 2) this.mem.write16(addr, v & 0xffff);
    else this.mem.write32(addr, v);
    this.afterIo();
  }

  /**
   * After a device access: devices may have flipped A20, remapped MMIO, armed an earlier
   * timer, raised INTR or asked to stop. The A20 mask is re-read, the fetch window dropped if
   * A20 changed or its page is no longer RAM, and the slice cut at the next timer deadline
   * (INTR and stop cut it themselves).
   */
  afterIo(): void {
    // Most accesses change neither A20 nor the memory map: one compare, and a call only when one did.
    if (this.mem.mapEpoch !== this.memEpoch) this.revalidateMemory();
    const next = this.clock.nextEventAt;
    if (next < this.sliceEnd) this.sliceEnd = next;
  }

  /**
   * Re-read memory.a20Mask; keep the fetch window only while its page is still RAM under the
   * same mask. The slice is cut in any case: a compiled block that went on into the next page
   * (jit/) must not run on over a page that is no longer RAM; the compiler drops such blocks
   * before its next run (Jit.execute).
   */
  revalidateMemory(): void {
    this.memEpoch = this.mem.mapEpoch;
    this.sliceEnd = 0;
    const a20 = this.mem.a20Mask;
    if (a20 !== this.a20) {
      this.a20 = a20;
      this.flushTlb(); // cached physical bases have A20 applied (and drops the fetch window)
      this.sliceEnd = 0; // compiled code (jit/) must not run on from the old window
    } else if (this.fLen !== 0) {
      // The window indexes RAM: its page (a ROM window's is the low copy) must still be RAM or ROM.
      const kind = this.pageKind[((this.fLo + this.fDelta) | 0) >>> 12];
      if (kind !== PAGE_RAM && kind !== PAGE_ROM) {
        this.fLen = 0;
        this.sliceEnd = 0;
      }
    }
  }

  // ================================================================ code fetch

  // The window test is `0 <= eip - fLo < fLen` in int32 arithmetic: the same as the unsigned
  // `(eip - fLo) >>> 0 < fLen` (fLen <= 4096), which V8 compiles to float64 compares.

  fetch8(): number {
    const e = this.eip;
    const d = (e - this.fLo) | 0;
    if (d >= 0 && d < this.fLen) {
      this.eip = (e + 1) | 0;
      return this.ram[(e + this.fDelta) | 0];
    }
    return this.fetchSlow(1);
  }

  fetch16(): number {
    const e = this.eip;
    const d = (e - this.fLo) | 0;
    if (d >= 0 && d < this.fLen - 1) {
      this.eip = (e + 2) | 0;
      const r = this.ram;
      const p = (e + this.fDelta) | 0;
      return r[p] | (r[p + 1] << 8);
    }
    return this.fetchSlow(2);
  }

  /** A signed int32. */
  fetch32(): number {
    const e = this.eip;
    const d = (e - this.fLo) | 0;
    if (d >= 0 && d < this.fLen - 3) {
      this.eip = (e + 4) | 0;
      const r = this.ram;
      const p = (e + this.fDelta) | 0;
      return r[p] | (r[p + 1] << 8) | (r[p + 2] << 16) | (r[p + 3] << 24);
    }
    return this.fetchSlow(4);
  }

  /** Sign-extended 8-bit immediate. */
  fetchS8(): number {
    return (this.fetch8() << 24) >> 24;
  }

  private fetchSlow(size: number): number {
    this.refillFetch();
    let v = 0;
    for (let i = 0; i < size; i++) {
      const e = this.eip;
      let b: number;
      if ((e - this.fLo) >>> 0 < this.fLen) {
        b = this.ram[e + this.fDelta];
      } else {
        // Past the window: a page boundary (refill and retry), MMIO code, or the CS limit.
        this.refillFetch();
        if ((e - this.fLo) >>> 0 < this.fLen) b = this.ram[e + this.fDelta];
        else {
          if (e >>> 0 > this.segLimit[CS] >>> 0) this.raise(EXC_GP, 0);
          b = this.rdLin8((this.segBase[CS] + e) | 0);
        }
      }
      this.eip = (e + 1) | 0;
      v |= b << (8 * i);
    }
    return v;
  }

  /** Point the fetch window at the RAM page holding CS:EIP (or leave it empty). */
  refillFetch(): void {
    this.fLen = 0;
    const e = this.eip >>> 0;
    if (e > this.segLimit[CS] >>> 0) return;
    const lin = (this.segBase[CS] + e) | 0;
    this.windowAt(lin, this.pg === 0 ? lin & this.a20 : this.physRead(lin));
  }

  /** The window on the page of CS:EIP (within CS's limit), at linear `lin` and physical `phys` (left empty unless RAM or ROM). */
  private windowAt(lin: number, phys: number): void {
    const e = this.eip >>> 0;
    const limit = this.segLimit[CS] >>> 0;
    let p = phys;
    const kind = this.pageKind[p >>> 12];
    if (kind !== PAGE_RAM) {
      // Code in ROM runs from a window on the RAM that holds it (writes to it are ignored elsewhere).
      if (kind !== PAGE_ROM) return;
      p = this.mem.romBacking(p) | 0;
    }
    const pageOff = lin & 0xfff;
    let lo = e - pageOff;
    let hi = e + (0x1000 - pageOff);
    if (lo < 0) lo = 0;
    if (hi > limit + 1) hi = limit + 1;
    // Keep the window on one side of eip 2^31, where the int32 eip changes sign.
    if (lo < 0x80000000 && hi > 0x80000000) {
      if (e < 0x80000000) hi = 0x80000000;
      else lo = 0x80000000;
    }
    const eInt = this.eip | 0;
    this.fLo = lo | 0;
    this.fLen = hi - lo;
    this.fDelta = p - eInt;
  }

  /** `length` instruction bytes at CS:startEip (at least one, at most 15), for messages. Never throws. */
  instructionBytes(length: number): string {
    let n = length | 0;
    if (n < 1) n = 1;
    if (n > 15) n = 15;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      // RAM only: reading MMIO for a message could change a device's state.
      const p = this.peekPhysical((this.segBase[CS] + this.startEip + i) | 0);
      const kind = p === -1 ? -1 : this.pageKind[p >>> 12];
      out.push(kind === PAGE_RAM || kind === PAGE_ROM ? hexDigits(this.ram[this.mem.romBacking(p)], 2) : '??');
    }
    return out.join(' ');
  }

  // ================================================================ stack

  push16(v: number): void {
    if (this.ssB) {
      const sp = (this.regs[4] - 2) | 0;
      this.wr16(SS, sp, v);
      this.regs[4] = sp;
    } else {
      const sp = (this.regs[4] - 2) & 0xffff;
      this.wr16(SS, sp, v);
      this.r16[8] = sp;
    }
  }

  push32(v: number): void {
    if (this.ssB) {
      const sp = (this.regs[4] - 4) | 0;
      this.wr32(SS, sp, v);
      this.regs[4] = sp;
    } else {
      const sp = (this.regs[4] - 4) & 0xffff;
      this.wr32(SS, sp, v);
      this.r16[8] = sp;
    }
  }

  pop16(): number {
    if (this.ssB) {
      const sp = this.regs[4];
      const v = this.rd16(SS, sp);
      this.regs[4] = (sp + 2) | 0;
      return v;
    }
    const sp = this.regs[4] & 0xffff;
    const v = this.rd16(SS, sp);
    this.r16[8] = sp + 2;
    return v;
  }

  pop32(): number {
    if (this.ssB) {
      const sp = this.regs[4];
      const v = this.rd32(SS, sp);
      this.regs[4] = (sp + 4) | 0;
      return v;
    }
    const sp = this.regs[4] & 0xffff;
    const v = this.rd32(SS, sp);
    this.r16[8] = sp + 4;
    return v;
  }

  /** Read the stack `delta` bytes above the stack pointer without popping. */
  peek16(delta: number): number {
    return this.ssB ? this.rd16(SS, (this.regs[4] + delta) | 0) : this.rd16(SS, (this.regs[4] + delta) & 0xffff);
  }

  peek32(delta: number): number {
    return this.ssB ? this.rd32(SS, (this.regs[4] + delta) | 0) : this.rd32(SS, (this.regs[4] + delta) & 0xffff);
  }

  /** Move the stack pointer by `delta` (ESP or SP, by SS.B). */
  addSp(delta: number): void {
    if (this.ssB) this.regs[4] = (this.regs[4] + delta) | 0;
    else this.r16[8] = this.regs[4] + delta;
  }

  // ================================================================ near jumps

  /** Jump to `target` in the current code segment (masked to 16 bits for 16-bit operand size). */
  jumpNear(target: number): void {
    if (!this.o32) target &= 0xffff;
    if ((target ^ SIGN_BIT) > this.csLimitFlipped) this.raise(EXC_GP, 0);
    this.eip = target | 0;
    if (this.stopAtBranch) this.branchTaken();
  }

  /**
   * A near transfer was taken while the compiler watches for them: end the slice here (unless
   * something already did) if the transfer is a sample (sampleBranch; branchSampled: the
   * profile counts its target), or if the target is in a page with
   * compiled blocks (one may start there). Only where compiled code runs depends on this,
   * never what the guest sees.
   */
  branchTaken(): void {
    if (this.sliceEnd === 0) return;
    const sampled = this.sampleBranch();
    if (!sampled) {
      const d = (this.eip - this.fLo) | 0;
      const pn = d >= 0 && d < this.fLen ? ((this.eip + this.fDelta) | 0) >>> 12 : this.codePageKnown();
      if (pn < 0 || this.codePages[pn] !== 1) return;
    }
    this.sliceEnd = 0;
    this.branchCut = true;
    this.branchSampled = sampled;
  }

  /**
   * The physical address of CS:EIP when finding it takes no page walk (paging off, or a TLB
   * entry that grants the read at this CPL) and EIP is within CS's limit; else -1 (so also for
   * physical 0xffffffff, where no block is compiled). Nothing changes.
   */
  codePhysKnown(): number {
    const e = this.eip >>> 0;
    if (e > this.segLimit[CS] >>> 0) return -1;
    const lin = (this.segBase[CS] + e) | 0;
    if (this.pg === 0) return lin & this.a20;
    const vpn = lin >>> 12;
    return this.readCached(vpn) ? this.tlbPhys[vpn] | (lin & 0xfff) : -1;
  }

  /** codePhysKnown's page, or -1. */
  codePageKnown(): number {
    const p = this.codePhysKnown();
    return p === -1 ? -1 : p >>> 12;
  }

  /**
   * refillFetch if it takes no page walk (codePhysKnown), as the interpreter's next fetch would:
   * the compiler's dispatch, after a transfer to another page, looks for a block there. True if
   * the window now covers EIP.
   */
  refillFetchKnown(): boolean {
    const p = this.codePhysKnown();
    if (p === -1) return false;
    this.fLen = 0;
    this.windowAt((this.segBase[CS] + this.eip) | 0, p);
    return this.fLen !== 0; // a window always holds the EIP it was made for
  }

  /**
   * Whether this transfer is one the compiler's profile counts: one in branchMask + 1, picked by
   * a xorshift sequence rather than a period (a loop with as many transfers as the period would
   * be sampled at one transfer only, every time round). Deterministic: the sequence depends on
   * nothing but the transfers taken, and it only decides what gets compiled.
   */
  sampleBranch(): boolean {
    let x = this.branchRandom;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.branchRandom = x;
    return (x & this.branchMask) === 0;
  }
}
