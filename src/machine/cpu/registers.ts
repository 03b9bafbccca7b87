/**
 * The CPU's architectural state (registers, EFLAGS with lazily computed status flags,
 * segment caches, system registers, run state) and guest-exception signalling. core.ts
 * adds the accesses built on it; cpu.ts the public API and the run loop.
 *
 * Conventions, chosen for V8: every register and field holds an int32 (`| 0`); unsigned
 * views are made with `>>> 0` only where a comparison needs them. Nothing here allocates.
 * A guest exception aborts the instruction by throwing the preallocated `GUEST_EXCEPTION`
 * with the vector and error code left in `excVector` / `excCode`.
 */
import { MachineFault } from '../../errors.js';
import { hexDigits as hex } from '../../hex.js';
import type { Bus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { PhysicalMemory } from '../memory.js';
import * as constants from './constants.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { AF, APIC_BASE_RESET, ARITH_FLAGS, ATTR_UNUSABLE, CF, CR0_PE, CR0_RESET, CS, FLAGS_FIXED, OF, PARITY, PF, SF, ZF } = constants;

/** Thrown to abort an instruction with a guest exception (the details are on the CPU). */
export const GUEST_EXCEPTION = Object.freeze({ guestException: true });

/** How many cached translations a flush clears one by one; beyond that the TLB is cleared whole. */
export const TLB_LIST_SIZE = 4096;

/** Lazy-flag operation kinds: which formula derives CF, AF and OF from la, lb and lres. */
const LOP_ADD = 0;
const LOP_SUB = 1;

export class CpuRegisters {
  // `declare`: no class-field definition, so the constructor's store is each field's first and
  // V8 records its exact type (a field defined as undefined first holds "any object", and every
  // load of `ram` then re-checks its map: measured 3 host instructions per RAM access).
  declare readonly mem: PhysicalMemory;
  declare readonly bus: Bus;
  declare readonly clock: Clock;
  declare readonly ram: Uint8Array;
  /** The same RAM as int32 words, for aligned 32-bit accesses. */
  declare readonly ram32: Int32Array;
  declare readonly pageKind: Uint8Array;
  declare readonly dirty: Uint8Array;
  /** memory.codePages: stores into a marked page tell the compiler (cpu/jit/). */
  declare readonly codePages: Uint8Array;
  /** Per 64-byte line of RAM: 1 where a compiled store may overwrite translated code (the compiler's, jit.ts; empty without it). */
  declare codeLines: Uint8Array;
  /** memory.a20Mask, re-read after every I/O or MMIO access and on entry to run(). */
  a20 = -1;
  /** memory.mapEpoch when a20 and the fetch window were last validated (afterIo skips the work while it holds). */
  memEpoch = -1;

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
  /**
   * Derived: bit s set when segment s reads (writes) need neither a limit check nor a base:
   * base 0 and every offset valid - flat 4 GiB protected mode. Plain int fields, so the common
   * access costs no typed-array load for the segment (segFast, segBase).
   */
  flatRead = 0;
  flatWrite = 0;
  /** Derived: CS.D (default operand/address size 32) and SS.B (32-bit stack pointer), 0 or 1. */
  csD = 0;
  ssB = 0;
  /**
   * Derived: the CS limit with bit 31 flipped, so that an unsigned `offset > limit` is the int32
   * compare `(offset ^ SIGN_BIT) > csLimitFlipped` (no typed-array load, no float compare).
   */
  csLimitFlipped = 0x7fffffff;

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
  /** TSC = clock.icount + this 64-bit offset (two int32 halves); WRMSR 0x10 sets it (ops-msr.ts). */
  tscOffsetLo = 0;
  tscOffsetHi = 0;
  /** IA32_APIC_BASE (MSR 0x1B), its low half (the high half is reserved and reads 0). */
  apicBase = APIC_BASE_RESET;
  cpl = 0;
  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  idtLimit = 0x3ff;
  /** LDTR and TR caches: [selector, base, limit, attributes]. Loaded by LLDT/LTR and task switches. */
  readonly ldtr = new Int32Array([0, 0, 0xffff, ATTR_UNUSABLE]);
  readonly tr = new Int32Array([0, 0, 0xffff, 0x8b]);

  // ---- paging: the software TLB (derived state, never migrated: paging.ts) ----
  /** 1 while CR0.PG (with PE) translates linear addresses, else 0: the accessors' one test. */
  pg = 0;
  /** Per linear page number: TLB_* permission bits of the cached translation (0: none cached). */
  declare readonly tlbBits: Uint8Array;
  /** Per linear page number: the physical page base (A20 applied) it translates to. */
  declare readonly tlbPhys: Int32Array;
  /** The page numbers with non-zero tlbBits, so a flush clears only those. */
  declare readonly tlbList: Int32Array;
  tlbCount = 0;

  // ---- run state ----
  halted = false;
  /** Interrupts are not recognised before the next instruction (after STI, MOV SS, POP SS). */
  shadow = false;
  intrLine = false;
  stopRequested = false;
  /**
   * The compiler (jit/) runs the interpreter between blocks until a near jump, call or return
   * is taken: set, such a transfer to a page with blocks, or a sampled one (sampleBranch: the
   * compiler's profile counts those), ends the slice (sliceEnd = 0) and sets branchCut.
   */
  stopAtBranch = false;
  branchCut = false;
  /** The transfer that set branchCut was a sample (the profile counts its target). */
  branchSampled = false;
  /** A transfer is a sample when the low bits of a xorshift sequence under this mask are 0 (0: every one). */
  branchMask = 0;
  branchRandom = 0x2545f491;
  /** Instructions the compiler left to the interpreter (its stretches and stepped instructions; REP iterations each count). */
  interpreted = 0;
  /** The inner loop runs while clock.icount < sliceEnd; setting it to 0 ends the slice at the next boundary. */
  sliceEnd = 0;
  /**
   * Times something other than the instructions moved the CPU or could have changed what it
   * reads: an interrupt or exception delivered, a reset, a state restored, and every run() (the
   * board's device events, DMA or a hypervisor may have written memory since the last). The
   * compiler's poll paths (jit/poll-path.ts) take an unchanged count as proof that what ran
   * between two visits was the guest's code alone, on memory nothing else wrote.
   */
  diversions = 0;
  /** The last IN's port and the value it read (jit/poll-path.ts: what the poll just read). */
  inPort = -1;
  inValue = -1;
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
    this.codePages = memory.codePages;
    this.codeLines = new Uint8Array(0);
    this.a20 = memory.a20Mask;
    this.tlbBits = new Uint8Array(1 << 20);
    this.tlbPhys = new Int32Array(1 << 20);
    this.tlbList = new Int32Array(TLB_LIST_SIZE);
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

  /**
   * INC / DEC: as setAdd / setSub with b = 1, but CF keeps its value (SDM vol. 2, INC): a
   * lazy CF is made concrete first and then left out of `lazy`.
   */
  setInc(a: number, res: number, sh: number): void {
    if (this.lazy & CF) this.flags = (this.flags & ~CF) | this.lazyCarry();
    this.la = a;
    this.lb = 1;
    this.lres = res;
    this.lop = LOP_ADD;
    this.lsh = sh;
    this.lazy = ARITH_FLAGS & ~CF;
  }

  setDec(a: number, res: number, sh: number): void {
    if (this.lazy & CF) this.flags = (this.flags & ~CF) | this.lazyCarry();
    this.la = a;
    this.lb = 1;
    this.lres = res;
    this.lop = LOP_SUB;
    this.lsh = sh;
    this.lazy = ARITH_FLAGS & ~CF;
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
}

