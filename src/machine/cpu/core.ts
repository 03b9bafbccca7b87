/**
 * The CPU's architectural state and the primitive accesses every instruction builds on:
 * lazy flags, segment-checked memory access, linear→physical translation, code fetch and
 * the stack. Instructions (exec.ts and ops-*.ts) are functions of a `CpuCore`; the public
 * API and the run loop live in cpu.ts.
 *
 * Conventions, chosen for V8: every register and field holds an int32 (`| 0`); unsigned
 * views are made with `>>> 0` only where a comparison needs them. Nothing here allocates.
 * A guest exception aborts the instruction by throwing the preallocated `GUEST_EXCEPTION`
 * with the vector and error code left in `excVector` / `excCode`.
 */
import { MachineFault } from '../../errors.js';
import type { Bus } from '../bus.js';
import type { Clock } from '../clock.js';
import { PAGE_MMIO, PAGE_RAM, type PhysicalMemory } from '../memory.js';
import {
  AF, ARITH_FLAGS, ATTR_DB, ATTR_P, ATTR_REAL_CODE, ATTR_REAL_DATA, ATTR_TYPE_CODE, ATTR_TYPE_DC,
  ATTR_TYPE_RW, ATTR_UNUSABLE, CF, CR0_PE, CR0_RESET, CS, EXC_GP, EXC_SS, FLAGS_FIXED, OF, PF, SF,
  SS, ZF,
} from './constants.js';

/** Thrown to abort an instruction with a guest exception (the details are on the CPU). */
export const GUEST_EXCEPTION = Object.freeze({ guestException: true });

/** PF for each low result byte: set when the byte has an even number of one bits. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b !== 0; b >>= 1) bits += b & 1;
  PARITY[i] = bits & 1 ? 0 : PF;
}

/** Index into the byte view of the registers for r8 encodings AL CL DL BL AH CH DH BH. */
export const R8 = new Uint8Array([0, 4, 8, 12, 1, 5, 9, 13]);

/** Lazy-flag operation kinds: which formula derives CF, AF and OF from la, lb and lres. */
export const LOP_ADD = 0;
export const LOP_SUB = 1;

export class CpuCore {
  readonly mem: PhysicalMemory;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly ram: Uint8Array;
  /** The same RAM as int32 words, for aligned 32-bit accesses. */
  readonly ram32: Int32Array;
  readonly pageKind: Uint8Array;
  readonly dirty: Uint8Array;
  /** memory.a20Mask, re-read after every I/O or MMIO access and on entry to run(). */
  a20 = -1;

  // ---- general registers: one buffer, three views (little-endian, as x86) ----
  readonly regs = new Int32Array(8);
  readonly r16 = new Uint16Array(this.regs.buffer);
  readonly r8 = new Uint8Array(this.regs.buffer);
  eip = 0;
  /** EIP of the first byte (prefixes included) of the instruction being executed. */
  startEip = 0;

  // ---- EFLAGS: concrete bits, plus the status flags named in `lazy` derived on demand ----
  flags = FLAGS_FIXED;
  /** Which status flags (ARITH_FLAGS bits) must be computed from lres/la/lb/lop/lsh. */
  lazy = 0;
  lres = 0;
  la = 0;
  lb = 0;
  lop = LOP_ADD;
  /** Sign-bit position of the last operation's size: 7, 15 or 31. */
  lsh = 31;

  // ---- segment registers and their hidden descriptor caches ----
  readonly segSel = new Int32Array(6);
  readonly segBase = new Int32Array(6);
  readonly segLimit = new Int32Array(6);
  /** Access rights in VMCS layout (constants.ts ATTR_*). */
  readonly segAttr = new Int32Array(6);
  /** Derived from the caches: valid offsets are [segLo, segHiR] for reads, [segLo, segHiW] for writes (-1: none). */
  readonly segLo = new Float64Array(6);
  readonly segHiR = new Float64Array(6);
  readonly segHiW = new Float64Array(6);
  /** Derived: bit 0 reads need no limit check (0..4 GiB readable), bit 1 the same for writes. */
  readonly segFast = new Uint8Array(6);
  /** Derived: CS.D (default operand/address size 32) and SS.B (32-bit stack pointer), 0 or 1. */
  csD = 0;
  ssB = 0;

  // ---- the instruction being decoded ----
  /** Operand size and address size of this instruction: 1 for 32-bit. */
  o32 = 0;
  a32 = 0;
  /** Segment override prefix, or -1. */
  segOvr = -1;
  /** REP prefix: 0 none, 1 REP/REPE (F3), 2 REPNE (F2). */
  rep = 0;
  /** True when a prefix changed o32/a32/segOvr/rep: they are reset before the next instruction. */
  prefixed = false;
  /** Segment chosen by the last effective-address decode. */
  eaSeg = 0;

  // ---- code fetch window: eip in [fLo, fLo + fLen) reads ram[eip + fDelta] ----
  fLo = 0;
  fLen = 0;
  fDelta = 0;

  // ---- system registers ----
  cr0 = CR0_RESET;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  /** DR0-DR3, DR6, DR7 (stored only: no breakpoints yet). */
  readonly dr = new Int32Array(8);
  cpl = 0;
  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0x3ff;
  /** LDTR and TR caches: [selector, base, limit, attributes]. Loaded only by LLDT/LTR (not yet implemented). */
  readonly ldtr = new Int32Array([0, 0, 0xffff, ATTR_UNUSABLE]);
  readonly tr = new Int32Array([0, 0, 0xffff, 0x8b]);

  // ---- run state ----
  halted = false;
  /** Interrupts are not recognised before the next instruction (after STI, MOV SS, POP SS). */
  shadow = false;
  intrLine = false;
  stopRequested = false;
  /** The inner loop runs while clock.icount < sliceEnd; setting it to 0 ends the slice at the next boundary. */
  sliceEnd = 0;
  excVector = 0;
  excCode = 0;

  // ---- scratch for descriptor reads (no allocation) ----
  descLo = 0;
  descHi = 0;
  /** Linear address of the descriptor last read (for setting its accessed bit). */
  descAddr = 0;

  constructor(memory: PhysicalMemory, bus: Bus, clock: Clock) {
    if (memory.size > 0x80000000) {
      // The fast paths index `ram` with int32 physical addresses.
      throw new MachineFault('UNSUPPORTED_MEMORY', `the CPU supports at most 2 GiB of RAM, not ${memory.size} bytes`);
    }
    this.mem = memory;
    this.bus = bus;
    this.clock = clock;
    this.ram = memory.ram;
    this.ram32 = new Int32Array(memory.ram.buffer, memory.ram.byteOffset, memory.ram.length >> 2);
    this.pageKind = memory.pageKind;
    this.dirty = memory.dirty.bytes;
    this.a20 = memory.a20Mask;
  }

  get protectedMode(): boolean {
    return (this.cr0 & CR0_PE) !== 0;
  }

  // ================================================================ exceptions

  /** Abort the current instruction with guest exception `vector` (error code `code`, if it has one). */
  raise(vector: number, code = 0): never {
    this.excVector = vector;
    this.excCode = code;
    throw GUEST_EXCEPTION;
  }

  /** Stop the machine: a valid i386 instruction this CPU does not implement. */
  unimplemented(name: string, encoding: string): never {
    throw new MachineFault(
      'UNIMPLEMENTED_INSTRUCTION',
      `unimplemented instruction ${name} (${encoding}) at ${this.location(this.startEip)}`,
    );
  }

  /** Stop the machine: a feature this CPU does not model yet (paging, task switches, ring changes). */
  unsupported(what: string): never {
    throw new MachineFault('UNIMPLEMENTED_FEATURE', `unimplemented: ${what} at ${this.location(this.startEip)}`);
  }

  location(eip: number): string {
    return `${hex(this.segSel[CS], 4)}:${hex(eip, 8)}`;
  }

  // ================================================================ lazy flags

  setAdd(a: number, b: number, res: number, sh: number): void {
    this.la = a;
    this.lb = b;
    this.lres = res;
    this.lop = LOP_ADD;
    this.lsh = sh;
    this.lazy = ARITH_FLAGS;
  }

  setSub(a: number, b: number, res: number, sh: number): void {
    this.la = a;
    this.lb = b;
    this.lres = res;
    this.lop = LOP_SUB;
    this.lsh = sh;
    this.lazy = ARITH_FLAGS;
  }

  /** AND/OR/XOR/TEST: CF = OF = 0, AF = 0 (undefined), SF ZF PF from the result. */
  setLogic(res: number, sh: number): void {
    this.flags &= ~(CF | OF | AF);
    this.lres = res;
    this.lsh = sh;
    this.lazy = PF | ZF | SF;
  }

  /** SF, ZF, PF from `res`; `concrete` gives CF, OF and AF (other bits of it ignored). */
  setResultFlags(res: number, sh: number, concrete: number): void {
    this.flags = (this.flags & ~(CF | OF | AF)) | (concrete & (CF | OF | AF));
    this.lres = res;
    this.lsh = sh;
    this.lazy = PF | ZF | SF;
  }

  private lazyCarry(): number {
    const a = this.la;
    const b = this.lb;
    const r = this.lres;
    const x = this.lop === LOP_ADD ? (a & b) | ((a | b) & ~r) : (~a & b) | ((~a | b) & r);
    return (x >>> this.lsh) & 1;
  }

  private lazyOverflow(): number {
    const a = this.la;
    const b = this.lb;
    const r = this.lres;
    const x = this.lop === LOP_ADD ? (a ^ r) & (b ^ r) : (a ^ b) & (a ^ r);
    return (x >>> this.lsh) & 1;
  }

  getCF(): number {
    return this.lazy & CF ? this.lazyCarry() : this.flags & CF;
  }

  getZF(): boolean {
    return this.lazy & ZF ? (this.lres & ((2 << this.lsh) - 1)) === 0 : (this.flags & ZF) !== 0;
  }

  getSF(): boolean {
    return this.lazy & SF ? ((this.lres >>> this.lsh) & 1) !== 0 : (this.flags & SF) !== 0;
  }

  getOF(): boolean {
    return this.lazy & OF ? this.lazyOverflow() !== 0 : (this.flags & OF) !== 0;
  }

  getPF(): boolean {
    return this.lazy & PF ? PARITY[this.lres & 0xff] !== 0 : (this.flags & PF) !== 0;
  }

  getAF(): boolean {
    return this.lazy & AF ? ((this.la ^ this.lb ^ this.lres) & AF) !== 0 : (this.flags & AF) !== 0;
  }

  /** EFLAGS with every lazy flag materialised (and stored, so the next read is free). */
  getFlags(): number {
    const l = this.lazy;
    if (l === 0) return this.flags;
    let f = this.flags & ~l;
    if (l & CF) f |= this.lazyCarry();
    if (l & PF) f |= PARITY[this.lres & 0xff];
    if (l & AF) f |= (this.la ^ this.lb ^ this.lres) & AF;
    if (l & ZF && (this.lres & ((2 << this.lsh) - 1)) === 0) f |= ZF;
    if (l & SF) f |= ((this.lres >>> this.lsh) & 1) << 7;
    if (l & OF) f |= this.lazyOverflow() << 11;
    this.flags = f;
    this.lazy = 0;
    return f;
  }

  /** Replace the EFLAGS bits in `mask` with those of `value` (bit 1 stays set). */
  setFlags(value: number, mask: number): void {
    const f = this.getFlags();
    this.flags = ((f & ~mask) | (value & mask)) | FLAGS_FIXED;
  }

  /** Condition code `cc` (the low nibble of Jcc/SETcc) holds. */
  cond(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0: r = this.getOF(); break;
      case 1: r = this.getCF() !== 0; break;
      case 2: r = this.getZF(); break;
      case 3: r = this.getCF() !== 0 || this.getZF(); break;
      case 4: r = this.getSF(); break;
      case 5: r = this.getPF(); break;
      case 6: r = this.getSF() !== this.getOF(); break;
      default: r = this.getZF() || this.getSF() !== this.getOF(); break;
    }
    return (cc & 1) === 0 ? r : !r;
  }

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
    if (s === CS) {
      this.csD = (attr >> 14) & 1;
      if (!this.prefixed) {
        this.o32 = this.csD;
        this.a32 = this.csD;
      }
      this.fLen = 0;
    } else if (s === SS) {
      this.ssB = (attr >> 14) & 1;
    }
  }

  refreshAllSegs(): void {
    for (let s = 0; s < 6; s++) this.refreshSeg(s);
  }

  /** Load a segment register the real-mode way: base = selector << 4, limit and rights kept. */
  loadSegReal(s: number, sel: number): void {
    sel &= 0xffff;
    this.segSel[s] = sel;
    this.segBase[s] = sel << 4;
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
    if ((this.segFast[s] & 1) === 0) this.checkRead(s, off, 1);
    return this.rdLin8((this.segBase[s] + off) | 0);
  }

  rd16(s: number, off: number): number {
    if ((this.segFast[s] & 1) === 0) this.checkRead(s, off, 2);
    return this.rdLin16((this.segBase[s] + off) | 0);
  }

  /** A signed int32. */
  rd32(s: number, off: number): number {
    if ((this.segFast[s] & 1) === 0) this.checkRead(s, off, 4);
    return this.rdLin32((this.segBase[s] + off) | 0);
  }

  wr8(s: number, off: number, v: number): void {
    if ((this.segFast[s] & 2) === 0) this.checkWrite(s, off, 1);
    this.wrLin8((this.segBase[s] + off) | 0, v);
  }

  wr16(s: number, off: number, v: number): void {
    if ((this.segFast[s] & 2) === 0) this.checkWrite(s, off, 2);
    this.wrLin16((this.segBase[s] + off) | 0, v);
  }

  wr32(s: number, off: number, v: number): void {
    if ((this.segFast[s] & 2) === 0) this.checkWrite(s, off, 4);
    this.wrLin32((this.segBase[s] + off) | 0, v);
  }

  // ================================================================ linear → physical
  // Paging would translate here (CR0.PG is refused for now, see ops-system.ts), so every
  // access goes linear → physical (A20 applied) → RAM fast path, or MMIO/unmapped slow path.

  rdLin8(lin: number): number {
    const p = lin & this.a20;
    if (this.pageKind[p >>> 12] === PAGE_RAM) return this.ram[p];
    return this.rdPhysSlow(p, 1);
  }

  rdLin16(lin: number): number {
    const p = lin & this.a20;
    if ((p & 0xfff) !== 0xfff && this.pageKind[p >>> 12] === PAGE_RAM) {
      const r = this.ram;
      return r[p] | (r[p + 1] << 8);
    }
    if ((lin & 0xfff) === 0xfff) return this.rdLin8(lin) | (this.rdLin8((lin + 1) | 0) << 8);
    return this.rdPhysSlow(p, 2);
  }

  rdLin32(lin: number): number {
    const p = lin & this.a20;
    if ((p & 3) === 0 && this.pageKind[p >>> 12] === PAGE_RAM) return this.ram32[p >> 2];
    if ((p & 0xfff) <= 0xffc && this.pageKind[p >>> 12] === PAGE_RAM) {
      const r = this.ram;
      return r[p] | (r[p + 1] << 8) | (r[p + 2] << 16) | (r[p + 3] << 24);
    }
    if ((lin & 0xfff) > 0xffc) {
      let v = 0;
      for (let i = 0; i < 4; i++) v |= this.rdLin8((lin + i) | 0) << (8 * i);
      return v;
    }
    return this.rdPhysSlow(p, 4) | 0;
  }

  wrLin8(lin: number, v: number): void {
    const p = lin & this.a20;
    if (this.pageKind[p >>> 12] === PAGE_RAM) {
      this.ram[p] = v;
      this.dirty[p >>> 12] = 1;
      return;
    }
    this.wrPhysSlow(p, 1, v);
  }

  wrLin16(lin: number, v: number): void {
    const p = lin & this.a20;
    if ((p & 0xfff) !== 0xfff && this.pageKind[p >>> 12] === PAGE_RAM) {
      const r = this.ram;
      r[p] = v;
      r[p + 1] = v >> 8;
      this.dirty[p >>> 12] = 1;
      return;
    }
    if ((lin & 0xfff) === 0xfff) {
      this.wrLin8(lin, v);
      this.wrLin8((lin + 1) | 0, v >> 8);
      return;
    }
    this.wrPhysSlow(p, 2, v);
  }

  wrLin32(lin: number, v: number): void {
    const p = lin & this.a20;
    if ((p & 3) === 0 && this.pageKind[p >>> 12] === PAGE_RAM) {
      this.ram32[p >> 2] = v;
      this.dirty[p >>> 12] = 1;
      return;
    }
    if ((p & 0xfff) <= 0xffc && this.pageKind[p >>> 12] === PAGE_RAM) {
      const r = this.ram;
      r[p] = v;
      r[p + 1] = v >> 8;
      r[p + 2] = v >> 16;
      r[p + 3] = v >> 24;
      this.dirty[p >>> 12] = 1;
      return;
    }
    if ((lin & 0xfff) > 0xffc) {
      for (let i = 0; i < 4; i++) this.wrLin8((lin + i) | 0, v >> (8 * i));
      return;
    }
    this.wrPhysSlow(p, 4, v);
  }

  /** A physical access to a non-RAM page (MMIO or unmapped), within one page. */
  private rdPhysSlow(p: number, size: number): number {
    const addr = p >>> 0;
    if (this.pageKind[addr >>> 12] !== PAGE_MMIO) return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    const v = size === 1 ? this.mem.read8(addr) : size === 2 ? this.mem.read16(addr) : this.mem.read32(addr);
    this.afterIo();
    return v;
  }

  private wrPhysSlow(p: number, size: number, v: number): void {
    const addr = p >>> 0;
    if (this.pageKind[addr >>> 12] !== PAGE_MMIO) return;
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
    this.revalidateMemory();
    const next = this.clock.nextEventAt;
    if (next < this.sliceEnd) this.sliceEnd = next;
  }

  /** Re-read memory.a20Mask; keep the fetch window only while its page is still RAM under the same mask. */
  revalidateMemory(): void {
    const a20 = this.mem.a20Mask;
    if (a20 !== this.a20) {
      this.a20 = a20;
      this.fLen = 0;
    } else if (this.fLen !== 0 && this.pageKind[((this.fLo + this.fDelta) | 0) >>> 12] !== PAGE_RAM) {
      this.fLen = 0;
    }
  }

  // ================================================================ code fetch

  fetch8(): number {
    const e = this.eip;
    if ((e - this.fLo) >>> 0 < this.fLen) {
      this.eip = (e + 1) | 0;
      return this.ram[e + this.fDelta];
    }
    return this.fetchSlow(1);
  }

  fetch16(): number {
    const e = this.eip;
    if ((e - this.fLo) >>> 0 < this.fLen - 1) {
      this.eip = (e + 2) | 0;
      const r = this.ram;
      const p = e + this.fDelta;
      return r[p] | (r[p + 1] << 8);
    }
    return this.fetchSlow(2);
  }

  /** A signed int32. */
  fetch32(): number {
    const e = this.eip;
    if ((e - this.fLo) >>> 0 < this.fLen - 3) {
      this.eip = (e + 4) | 0;
      const r = this.ram;
      const p = e + this.fDelta;
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
    const limit = this.segLimit[CS] >>> 0;
    if (e > limit) return;
    const lin = (this.segBase[CS] + e) | 0;
    const p = lin & this.a20;
    if (this.pageKind[p >>> 12] !== PAGE_RAM) return;
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
      const p = ((this.segBase[CS] + this.startEip + i) | 0) & this.a20;
      out.push(hex(this.mem.read8(p >>> 0), 2));
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
    if (target >>> 0 > this.segLimit[CS] >>> 0) this.raise(EXC_GP, 0);
    this.eip = target | 0;
  }
}

export function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).padStart(digits, '0');
}
