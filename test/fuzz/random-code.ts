/**
 * The compiler fuzz's cases (compiler.fuzz.test.ts, test/long/compiler-fuzz.test.ts): the
 * compiling CPU against the interpreter on random guest code. Each case is a loop over a body
 * of random instructions:
 * - ALU in every form and size, shifts and rotates by constants and CL (counts 0 to 40),
 *   MUL/IMUL/DIV/IDIV, SHLD/SHRD, BSF/BSR, BT*, SETcc, MOVZX/MOVSX, XCHG/XADD/CMPXCHG, BSWAP,
 *   BCD adjusts, flag instructions, PUSH/POP/PUSHF, REP MOVS/STOS, port I/O — on registers and
 *   on memory through every addressing form, 16-bit forms by prefix;
 * - forward Jcc inside the block, calls to subroutines after the loop (RET, RET imm16),
 *   switches through four-case jump tables.
 * And around it:
 * - a fifth run in real mode: 16-bit code, 16-bit addressing in every form (DS and SS not at 0:
 *   SI, DI and BP reach anywhere in them), the IVT; the rest in flat 32-bit protected mode;
 * - paging off or on; with paging on, half run at CPL 3, entered by IRET from ring 0 once ring
 *   0 has touched a supervisor-only page (exceptions and interrupts through the TSS to ring 0;
 *   #PF on that page with U/S set);
 * - half run with a timer interrupting every 20 to 620 instructions, which a port write brings
 *   to 1 to 8 instructions on, mid-block (after an interrupt the rest of the iteration runs
 *   interpreted, up to the loop's head);
 * - a quarter raise one exception in compiled code;
 * - a third store into their own instructions' immediates: the new bytes must run.
 * The compiler compiles the body eagerly (the second time it starts), so most iterations run
 * compiled; the interpreter alone runs the same code. Both must stop with the same registers,
 * flags, memory, pages written and instruction count at every stop — slice ends that fall
 * anywhere inside the body included — and take each interrupt and exception at the same
 * instruction. Seeded: the same cases every run; a failure names the seed and the body's bytes.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { CODE_AT, rig, runTo, type Rig } from '../cpu/compiler-rig.js';
import { int, prng, type Rnd } from './mutate.js';

/** Instructions (or short sequences) per loop body, and times round the loop. */
export const BODY_INSTRUCTIONS = 40;
const ITERATIONS = 16;

/** Where things are: the body's data (EBX points here), the loop counter, the stack, the tables. */
const DATA = 0x20000;
const COUNTER = 0x30000;
const STACK_TOP = 0x80000;
const IDT = 0x5000;
const HANDLER = 0x6000;
/** The timer interrupt's vector, handler and count of interrupts taken. */
const IRQ_VECTOR = 0x40;
const IRQ_HANDLER = 0x6100;
const TICKS = 0x30010;
/** User-mode cases end with INT 0x41 (HLT is privileged): its handler halts. */
const EXIT_VECTOR = 0x41;
const EXIT_HANDLER = 0x6200;
const TSS = 0x7100;
const KERNEL_STACK_TOP = 0x90000;
/** A selector past the GDT's limit (six descriptors: null, kernel code and data, user code and data, the TSS). */
const BAD_SELECTOR = 0x30;
const GDT = 0x7000;
const PAGE_DIRECTORY = 0x100000;
const PAGE_TABLE = 0x101000;

const EAX = 0;
const ECX = 1;
const EDX = 2;
const EBX = 3;

export const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const le16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];

/** A random instruction generator's view of the case's PRNG. */
export class Gen {
  /** `mode16`: code for a 16-bit code segment (real mode): 16-bit operands and addressing by default. */
  constructor(
    private readonly rnd: Rnd,
    readonly mode16 = false,
  ) {}

  int(n: number): number {
    return int(this.rnd, n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  u32(): number {
    // Edge values often: flags and shifts live at the edges.
    if (this.chance(0.3)) return this.pick([0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe]);
    return (this.int(0x10000) | (this.int(0x10000) << 16)) >>> 0;
  }

  /** A register the body may write (not EBX, the data pointer, nor ESP). */
  dest(): number {
    return this.pick([0, 1, 2, 5, 6, 7]);
  }

  /** An 8-bit register the body may write: AL CL DL AH CH DH (not BL, BH). */
  dest8(): number {
    return this.pick([0, 1, 2, 4, 5, 6]);
  }

  /**
   * ModR/M (and SIB, displacement) for an r/m operand: a register (`reg` picks it) or memory at
   * EBX + 0..120 — in 16-bit code, DS:BX + 0..120 or anywhere in DS's or SS's 64 KiB (SI, DI, BP).
   */
  rm(regField: number, reg: () => number, memory = true): number[] {
    if (!memory || this.chance(0.5)) return [0xc0 | (regField << 3) | reg()];
    const disp = this.int(121);
    if (this.mode16) {
      // Every form: [bx+si] [bx+di] [bp+si] [bp+di] [si] [di] [bp] [bx] + d8, [bx+d16], [d16]; BP's segment is SS.
      const r = regField << 3;
      return this.chance(0.2) ? this.pick([[0x87 | r, ...le16(disp)], [0x06 | r, ...le16(disp)]]) : [0x40 | r | this.int(8), disp];
    }
    switch (this.int(4)) {
      case 0: // [ebx + disp8]
        return [0x40 | (regField << 3) | EBX, disp];
      case 1: // [ebx + disp32]
        return [0x80 | (regField << 3) | EBX, ...le32(disp)];
      case 2: // SIB: [ebx + disp8], no index, any scale
        return [0x44 | (regField << 3), (this.int(4) << 6) | (4 << 3) | EBX, disp];
      default: // [disp32]
        return [0x05 | (regField << 3), ...le32(DATA + disp)];
    }
  }

  /** An operand-size prefix (to 16 bits, or in 16-bit code to 32) or none, and the operand's immediate bytes for that size. */
  sized(): { prefix: number[]; imm: () => number[] } {
    if (this.mode16) return this.chance(0.3) ? { prefix: [0x66], imm: () => le32(this.u32()) } : { prefix: [], imm: () => le16(this.u32()) };
    if (this.chance(0.3)) return { prefix: [0x66], imm: () => le16(this.u32()) };
    return { prefix: [], imm: () => le32(this.u32()) };
  }

  /** One instruction (or a short sequence that must stay together). */
  instruction(): number[] {
    const s = this.sized();
    const op = this.int(8);
    const any = (): number => this.int(8);
    switch (this.int(31)) {
      case 0: // ALU Eb,Gb / Ev,Gv
        return this.chance(0.3) ? [op * 8, ...this.rm(any(), () => this.dest8())] : [...s.prefix, op * 8 + 1, ...this.rm(any(), () => this.dest())];
      case 1: // ALU Gb,Eb / Gv,Ev
        return this.chance(0.3) ? [op * 8 + 2, ...this.rm(this.dest8(), any)] : [...s.prefix, op * 8 + 3, ...this.rm(this.dest(), any)];
      case 2: // ALU AL,Ib / eAX,Iz
        return this.chance(0.3) ? [op * 8 + 4, this.int(256)] : [...s.prefix, op * 8 + 5, ...s.imm()];
      case 3: // group 1: 80 /op ib, 81 /op iz, 83 /op ib
        switch (this.int(3)) {
          case 0: return [0x80, ...this.rm(op, () => this.dest8()), this.int(256)];
          case 1: return [...s.prefix, 0x81, ...this.rm(op, () => this.dest()), ...s.imm()];
          default: return [...s.prefix, 0x83, ...this.rm(op, () => this.dest()), this.int(256)];
        }
      case 4: // TEST
        switch (this.int(4)) {
          case 0: return [0x84, ...this.rm(any(), any)];
          case 1: return [...s.prefix, 0x85, ...this.rm(any(), any)];
          case 2: return [0xf6, ...this.rm(0, any), this.int(256)];
          default: return [...s.prefix, 0xf7, ...this.rm(0, any), ...s.imm()];
        }
      case 5: // NOT, NEG
        return this.chance(0.3) ? [0xf6, ...this.rm(2 + this.int(2), () => this.dest8())] : [...s.prefix, 0xf7, ...this.rm(2 + this.int(2), () => this.dest())];
      case 6: // MUL, IMUL (one operand): EDX:EAX, DX:AX or AX
        return this.chance(0.3) ? [0xf6, ...this.rm(4 + this.int(2), any)] : [...s.prefix, 0xf7, ...this.rm(4 + this.int(2), any)];
      case 7: // IMUL Gv,Ev / Gv,Ev,Ib / Gv,Ev,Iz
        switch (this.int(3)) {
          case 0: return [...s.prefix, 0x0f, 0xaf, ...this.rm(this.dest(), any)];
          case 1: return [...s.prefix, 0x6b, ...this.rm(this.dest(), any), this.int(256)];
          default: return [...s.prefix, 0x69, ...this.rm(this.dest(), any), ...s.imm()];
        }
      case 8: { // shifts and rotates: by 1, by an immediate (0..40), by CL
        const by = this.int(3);
        const byte = this.chance(0.25);
        const opc = [byte ? 0xd0 : 0xd1, byte ? 0xc0 : 0xc1, byte ? 0xd2 : 0xd3][by];
        const rm = byte ? this.rm(op, () => this.dest8()) : this.rm(op, () => this.dest());
        const count = by === 1 ? [this.chance(0.5) ? this.int(41) : this.pick([0, 1, 8, 16, 31, 32, 33])] : [];
        return [...(byte ? [] : s.prefix), opc, ...rm, ...count];
      }
      case 9: // INC, DEC: short forms and FE/FF
        if (this.chance(0.4) && s.prefix.length === 0) return [0x40 + this.int(2) * 8 + this.dest()];
        return this.chance(0.3) ? [0xfe, ...this.rm(this.int(2), () => this.dest8())] : [...s.prefix, 0xff, ...this.rm(this.int(2), () => this.dest())];
      case 10: { // SHLD, SHRD by an immediate or CL
        const cl = this.chance(0.5);
        const opc = (this.chance(0.5) ? 0xa4 : 0xac) + (cl ? 1 : 0);
        return [...s.prefix, 0x0f, opc, ...this.rm(any(), () => this.dest()), ...(cl ? [] : [this.int(40)])];
      }
      case 11: // BSF, BSR (a zero source included)
        return [...s.prefix, 0x0f, this.chance(0.5) ? 0xbc : 0xbd, ...this.rm(this.dest(), any)];
      case 12: // BT, BTS, BTR, BTC: by a register (register operand) or an immediate (any operand)
        if (this.chance(0.5)) return [...s.prefix, 0x0f, this.pick([0xa3, 0xab, 0xb3, 0xbb]), 0xc0 | (any() << 3) | this.dest()];
        return [...s.prefix, 0x0f, 0xba, ...this.rm(4 + this.int(4), () => this.dest()), this.int(64)];
      case 13: // SETcc
        return [0x0f, 0x90 + this.int(16), ...this.rm(0, () => this.dest8())];
      case 14: // MOVZX, MOVSX
        return [...s.prefix, 0x0f, this.pick([0xb6, 0xb7, 0xbe, 0xbf]), ...this.rm(this.dest(), any)];
      case 15: // MOV in every form
        switch (this.int(6)) {
          case 0: return [0x88, ...this.rm(any(), () => this.dest8())];
          case 1: return [...s.prefix, 0x89, ...this.rm(any(), () => this.dest())];
          case 2: return [0x8a, ...this.rm(this.dest8(), any)];
          case 3: return [...s.prefix, 0x8b, ...this.rm(this.dest(), any)];
          case 4: return [0xb0 + this.dest8(), this.int(256)];
          default: return [...s.prefix, 0xc7, ...this.rm(0, () => this.dest()), ...s.imm()];
        }
      case 16: { // LEA: any base and index (no memory access)
        if (this.mode16) return [...s.prefix, 0x8d, 0x80 | (this.dest() << 3) | this.int(8), ...le16(this.u32())];
        const base = this.int(8);
        const index = this.pick([0, 1, 2, 3, 5, 6, 7]);
        return [...s.prefix, 0x8d, 0x84 | (this.dest() << 3), (this.int(4) << 6) | (index << 3) | base, ...le32(this.u32())];
      }
      case 17: // XCHG
        if (this.chance(0.3) && s.prefix.length === 0) return [0x90 + this.dest()];
        return this.chance(0.3) ? [0x86, ...this.rm(this.dest8(), () => this.dest8())] : [...s.prefix, 0x87, ...this.rm(this.dest(), () => this.dest())];
      case 18: // CBW/CWDE, CWD/CDQ
        return [...s.prefix, this.chance(0.5) ? 0x98 : 0x99];
      case 19: // CLC, STC, CMC, LAHF, SAHF
        return [this.pick([0xf8, 0xf9, 0xf5, 0x9f, 0x9e])];
      case 20: // PUSH / POP pairs, PUSHF then POP, PUSH imm then POP
        switch (this.int(3)) {
          case 0: return [0x50 + any(), 0x58 + this.dest()];
          case 1: return [0x9c, 0x58 + this.dest()];
          default: return this.chance(0.5) ? [0x6a, this.int(256), 0x58 + this.dest()] : [0x68, ...(this.mode16 ? le16 : le32)(this.u32()), 0x58 + this.dest()];
        }
      case 21: { // a forward Jcc over the next instruction
        const over = this.instruction();
        if (over.length > 127) return over;
        return [0x70 + this.int(16), over.length, ...over];
      }
      case 22: // BSWAP
        return [0x0f, 0xc8 + this.dest()];
      case 23: // XADD, CMPXCHG
        if (this.chance(0.5)) return this.chance(0.3) ? [0x0f, 0xc0, ...this.rm(this.dest8(), () => this.dest8())] : [...s.prefix, 0x0f, 0xc1, ...this.rm(this.dest(), () => this.dest())];
        return this.chance(0.3) ? [0x0f, 0xb0, ...this.rm(this.dest8(), () => this.dest8())] : [...s.prefix, 0x0f, 0xb1, ...this.rm(this.dest(), () => this.dest())];
      case 24: // BCD adjusts (AAM and AAD with a base that is never 0)
        return this.pick([[0x27], [0x2f], [0x37], [0x3f], [0xd4, 1 + this.int(255)], [0xd5, this.int(256)]]);
      case 25: { // DIV, IDIV that cannot fault: a small dividend's high part and a divisor that fits
        const divisor = 1 + this.int(0x7ffe);
        const imm = this.mode16 ? le16 : le32; // 16-bit code: DX:AX by CX
        if (this.chance(0.5)) return [0x31, 0xd2, 0xb9, ...imm(divisor), 0xf7, 0xf1]; // xor edx, edx; mov ecx, d; div ecx
        return [0x99, 0xb9, ...imm(divisor), 0xf7, 0xf9]; // cdq; mov ecx, d; idiv ecx
      }
      case 26: { // REP MOVSB/MOVSD/STOSB/STOSD inside the data area (ESI, EDI, ECX set first), then ESI and EDI put back out of harm's way
        const count = this.int(9);
        const opc = this.pick([0xa4, 0xa5, 0xaa, 0xab]);
        if (this.mode16) return [0xfc, 0xbe, ...le16(this.int(64)), 0xbf, ...le16(64 + this.int(16)), 0xb9, ...le16(count), 0xf3, opc]; // DS and ES are the data
        return [0xfc, 0xbe, ...le32(DATA + this.int(64)), 0xbf, ...le32(DATA + 64 + this.int(16)), 0xb9, ...le32(count), 0xf3, opc];
      }
      case 27: // MOV r, imm (fresh values)
        return [...s.prefix, 0xb8 + this.dest(), ...s.imm()];
      case 29: // port I/O: the device reads back its count's low bits; a write brings the timer's interrupt a few instructions on
        return this.pick([[0xe4, 0x61], [0xe5, 0x61], [0xe6, 0x60], [0xe7, 0x60], [0x66, 0xe5, 0x61]]);
      case 28: // ADC/SBB chains after a flag set: carries through
        return [this.pick([0xf8, 0xf9]), ...s.prefix, this.pick([0x11, 0x19]), ...this.rm(any(), () => this.dest())];
      default: // MOV to memory then ALU from it (store-to-load)
        return [0x89, ...this.rm(any(), () => EAX), ...s.prefix, op * 8 + 3, ...this.rm(this.dest(), any)];
    }
  }
}

/** An exception a case raises once, in compiled code: where it must be taken from. */
interface Fault {
  readonly kind: 'divide' | 'page' | 'undefined' | 'breakpoint' | 'selector';
  /** EIP of the faulting instruction (of the one after it: INT3, a trap). */
  readonly eip: number;
  /** Pushed error code (#PF, #GP), or null. */
  readonly code: number | null;
  /** CR2 (#PF). */
  readonly cr2?: number;
}

interface Case {
  code: Uint8Array;
  /** EIP after the loop's HLT (subroutines follow it). */
  end: number;
  body: Uint8Array;
  data: Uint8Array;
  /** The jump tables' cases (absolute EIPs), four to a table, at Encoding.tables. */
  tables: number[];
  /** Real mode: 16-bit code, DS = ES = 0x2000 (the data). */
  mode16: boolean;
  paging: boolean;
  /** The body runs at CPL 3 (IOPL 3, user pages; paging on); exceptions and interrupts go to ring 0 through the TSS. */
  user: boolean;
  fault: Fault | null;
  /** A timer interrupts the loop every 20 to 620 instructions (its handler counts, then IRETs). */
  interrupts: boolean;
  /** The body stores into its own instructions' immediates. */
  smc: boolean;
  seed: number;
}

const VECTOR: Record<Fault['kind'], number> = { divide: 0, breakpoint: 3, undefined: 6, selector: 13, page: 14 };

/** Where jump tables go (above what the body's stores reach): 16 bytes, four cases, each. */
const TABLES = DATA + 0x200;

/** A page the fault cases leave not present (paging on): its PTE is cleared. */
const UNMAPPED = 0x3f0000;
/** A page only the supervisor may touch (U/S = 0): a fault from CPL 3. */
const SUPERVISOR_PAGE = 0x3e0000;

/**
 * What the loop around a body is made of, in 32-bit code (flat segments: the loop counter, the
 * interrupt count and the jump tables at their addresses) or in 16-bit code (real mode: DS and
 * ES are the data, where the body's stores land anywhere, so the counter, the count and the
 * tables are reached through CS, in low memory).
 */
interface Encoding {
  readonly imm: (v: number) => number[];
  /** mov r32, imm32 (a register's full width), whatever the code size. */
  fullImm(r: number, v: number): number[];
  /** Where EBX points (the base of the body's memory operands): DATA, or DS's 0. */
  readonly dataBase: number;
  /** Absolute addresses of the loop counter, the interrupt count and the jump tables. */
  readonly counter: number;
  readonly ticks: number;
  readonly tables: number;
  /** mov [counter], v / cmp [counter], v / dec [counter]. */
  counterSet(v: number): number[];
  counterCmp(v: number): number[];
  counterDec(): number[];
  /** inc [ticks]: the interrupt handler's. */
  ticksInc(): number[];
  /** mov [addr], reg (into code: an immediate) — and where its address field starts. */
  codeStore(reg: number, addr: number): number[];
  readonly codeStoreAddressAt: number;
  /** The jump to a four-case table's entry (ECX = a byte of data & 3), and an entry's bytes. */
  tableJump(disp: number, table: number): number[];
  readonly entrySize: number;
  /** Near JNZ, JMP and CALL to a target `rel` bytes after the instruction. */
  jnz(rel: number): number[];
  jmp(rel: number): number[];
  call(rel: number): number[];
}

const CODE32: Encoding = {
  imm: le32,
  fullImm: (r, v) => [0xb8 + r, ...le32(v)],
  dataBase: DATA,
  counter: COUNTER,
  ticks: TICKS,
  tables: TABLES,
  counterSet: (v) => [0xc7, 0x05, ...le32(COUNTER), ...le32(v)],
  counterCmp: (v) => [0x81, 0x3d, ...le32(COUNTER), ...le32(v)],
  counterDec: () => [0xff, 0x0d, ...le32(COUNTER)],
  ticksInc: () => [0xff, 0x05, ...le32(TICKS)],
  codeStore: (reg, addr) => [0x89, 0x05 | (reg << 3), ...le32(addr)],
  codeStoreAddressAt: 2,
  // movzx ecx, byte [ebx + d]; and ecx, 3; jmp [table + ecx * 4]
  tableJump: (disp, table) => [0x0f, 0xb6, 0x4b, disp, 0x83, 0xe1, 0x03, 0xff, 0x24, 0x8d, ...le32(table)],
  entrySize: 4,
  jnz: (rel) => [0x0f, 0x85, ...le32(rel - 6)],
  jmp: (rel) => [0xe9, ...le32(rel - 5)],
  call: (rel) => [0xe8, ...le32(rel - 5)],
};

/** Real mode's counter, interrupt count and jump tables: CS-relative (CS = 0), below the code. */
const COUNTER16 = 0xf00;
const TICKS16 = 0xf10;
const TABLES16 = 0xe00;

const CODE16: Encoding = {
  imm: le16,
  fullImm: (r, v) => [0x66, 0xb8 + r, ...le32(v)],
  dataBase: 0,
  counter: COUNTER16,
  ticks: TICKS16,
  tables: TABLES16,
  counterSet: (v) => [0x2e, 0xc7, 0x06, ...le16(COUNTER16), ...le16(v)],
  counterCmp: (v) => [0x2e, 0x81, 0x3e, ...le16(COUNTER16), ...le16(v)],
  counterDec: () => [0x2e, 0xff, 0x0e, ...le16(COUNTER16)],
  ticksInc: () => [0x2e, 0xff, 0x06, ...le16(TICKS16)],
  codeStore: (reg, addr) => [0x2e, 0x89, 0x06 | (reg << 3), ...le16(addr)],
  codeStoreAddressAt: 3,
  // movzx cx, byte [bx + d]; and cx, 3; shl cx, 1; mov si, cx; jmp [cs:si + table]
  tableJump: (disp, table) => [0x0f, 0xb6, 0x4f, disp, 0x83, 0xe1, 0x03, 0xd1, 0xe1, 0x89, 0xce, 0x2e, 0xff, 0xa4, ...le16(table)],
  entrySize: 2,
  jnz: (rel) => [0x0f, 0x85, ...le16(rel - 4)],
  jmp: (rel) => [0xe9, ...le16(rel - 3)],
  call: (rel) => [0xe8, ...le16(rel - 3)],
};

/**
 * The bytes of one exception: #DE (DIV by ECX = 0), #PF (a read, a store or a read-modify-write
 * of the unmapped page), #UD (UD2), #BP (INT3) and #GP (a load of DS with a selector past the
 * GDT's limit). None touches the flags first: the exception pushes those the body left.
 */
function faultBytes(g: Gen, paging: boolean, user: boolean): { bytes: number[]; kind: Fault['kind']; at: number; code: (f: number[]) => number | null; cr2?: number } {
  // Real mode: no #PF, and any selector loads (no #GP); no error codes.
  const kinds: Fault['kind'][] = g.mode16 ? ['divide', 'undefined', 'breakpoint'] : paging ? ['divide', 'page', 'page', 'undefined', 'breakpoint', 'selector'] : ['divide', 'undefined', 'breakpoint', 'selector'];
  // From CPL 3, half are page faults (half of those on the supervisor's page: the TLB's user bits).
  const kind = user && g.chance(0.5) ? 'page' : g.pick(kinds);
  switch (kind) {
    case 'divide': {
      const mov = [0xb9, ...(g.mode16 ? le16 : le32)(0)]; // mov ecx, 0 (16-bit code: cx)
      return { kind, bytes: [...mov, 0xf7, 0xf1], at: mov.length, code: () => null }; // div ecx
    }
    case 'page': {
      // The unmapped page, or (from CPL 3) the supervisor's page: present, P = 1 in the error code.
      const supervisor = user && g.chance(0.5);
      const addr = (supervisor ? SUPERVISOR_PAGE : UNMAPPED) + g.int(4093);
      const form = g.int(3);
      const bytes = form === 0 ? [0x8b, 0x05, ...le32(addr)] : form === 1 ? [0xc7, 0x05, ...le32(addr), ...le32(g.u32())] : [0x01, 0x05, ...le32(addr)];
      // Error code: P, a write (W/R = 1) for the store (a read-modify-write faults on its read), U/S from CPL 3.
      return { kind, bytes, at: 0, code: () => (supervisor ? 1 : 0) | (form === 1 ? 2 : 0) | (user ? 4 : 0), cr2: addr };
    }
    case 'undefined':
      return { kind, bytes: [0x0f, 0x0b], at: 0, code: () => null };
    case 'breakpoint':
      return { kind, bytes: [0xcc], at: 1, code: () => null }; // a trap: the pushed EIP is the next instruction's
    default:
      return { kind, bytes: [0xb8, ...le32(BAD_SELECTOR), 0x8e, 0xd8], at: 5, code: () => BAD_SELECTOR }; // mov eax, BAD_SELECTOR; mov ds, ax
  }
}

export function makeCase(seed: number): Case {
  const rnd = prng(seed);
  // A fifth run in real mode (16-bit code, DS = ES = the data); the rest in flat 32-bit protected mode.
  const mode16 = rnd() < 0.2;
  const g = new Gen(rnd, mode16);
  const e = mode16 ? CODE16 : CODE32;
  const paging = !mode16 && g.chance(0.5);
  const interrupts = g.chance(0.5);
  const user = paging && g.chance(0.5);
  const body: number[] = [];
  const prelude: number[] = [];
  if (user) {
    // Ring 0 first: touch the supervisor's page (its TLB entry then grants ring 0 only), then IRET to ring 3.
    const kernel = [0xff, 0x05, ...le32(SUPERVISOR_PAGE + 16), 0x6a, 0x23, 0x68, ...le32(STACK_TOP), 0x9c, 0x68, ...le32(0x1b), 0x68];
    prelude.push(...kernel, ...le32(CODE_AT + kernel.length + 5), 0xcf); // push the next byte's EIP; iret
  }
  for (const r of [EAX, ECX, EDX, 5, 6, 7]) prelude.push(...e.fullImm(r, g.u32()));
  prelude.push(...e.fullImm(EBX, e.dataBase));
  prelude.push(...e.counterSet(ITERATIONS));
  if (interrupts) prelude.push(0xfb); // sti
  // A quarter of the cases take an exception once, in an iteration that runs compiled (the
  // body compiles when it starts the second time): after a guard on the counter and two more
  // random instructions, whose flags are still pending in the block when it is raised.
  const faultAt = g.chance(0.25) ? g.int(BODY_INSTRUCTIONS) : -1;
  let fault: Fault | null = null;
  // A third of the cases rewrite their own code as they run: MOV r32, imm32 targets among the
  // body's instructions, and stores of a register (its value changes as the loop runs) into
  // their immediates, before or after them — in the same block, a later one or an earlier one.
  const smc = g.chance(1 / 3);
  const targetsAt = new Set<number>();
  const storesAt = new Map<number, number>(); // body instruction index -> the store's register
  if (smc) {
    for (let k = 1 + g.int(3); k > 0; k--) targetsAt.add(g.int(BODY_INSTRUCTIONS));
    for (let k = 1 + g.int(3); k > 0; k--) storesAt.set(g.int(BODY_INSTRUCTIONS), g.int(8));
  }
  const immediates: number[] = []; // body offsets of the targets' immediates
  const stores: number[] = []; // body offsets of the stores' address fields
  // Control flow between blocks: calls to subroutines after the loop (some with an argument
  // that RET imm16 releases), and switches through a jump table of four cases.
  const subroutines: number[][] = [];
  for (let k = g.int(4); k > 0; k--) {
    const sub: number[] = [];
    for (let n = 1 + g.int(6); n > 0; n--) sub.push(...g.instruction());
    subroutines.push(sub);
  }
  const calls: { at: number; sub: number; ret: number }[] = []; // body offsets of the calls' rel32 fields
  const cases: number[] = []; // body offsets of the jump tables' cases, four by four
  for (let i = 0; i < BODY_INSTRUCTIONS; i++) {
    if (subroutines.length > 0 && g.chance(0.08)) {
      const sub = g.int(subroutines.length);
      const argument = g.chance(0.5);
      if (argument) body.push(0x68, ...e.imm(g.u32())); // push imm: the subroutine's RET n drops it
      calls.push({ at: body.length, sub, ret: argument ? e.entrySize : 0 });
      body.push(...e.call(0)); // filled in below
    }
    if (cases.length < 16 && g.chance(0.05)) {
      // A jump through a table of four cases, each a random instruction and a JMP to after them.
      body.push(...e.tableJump(g.int(121), e.tables + cases.length * e.entrySize));
      const jumps: number[] = [];
      for (let k = 0; k < 4; k++) {
        cases.push(body.length);
        body.push(...g.instruction());
        jumps.push(body.length);
        body.push(...e.jmp(0));
      }
      for (const j of jumps) {
        const jmp = e.jmp(body.length - j);
        body.splice(j, jmp.length, ...jmp);
      }
    }
    if (targetsAt.has(i)) {
      immediates.push(body.length + 1);
      body.push(0xb8 + g.dest(), ...e.imm(g.u32()));
    }
    const reg = storesAt.get(i);
    if (reg !== undefined) {
      stores.push(body.length + e.codeStoreAddressAt);
      body.push(...e.codeStore(reg, 0)); // mov [the immediate], reg: the address is filled in below
    }
    if (i === faultAt) {
      const f = faultBytes(g, paging, user);
      const iteration = 3 + g.int(ITERATIONS - 3); // 3rd..16th: the counter reads ITERATIONS + 1 - iteration
      const between = [...g.instruction(), ...g.instruction()];
      const guarded = [...between, ...f.bytes];
      if (guarded.length <= 127) {
        body.push(...e.counterCmp(ITERATIONS + 1 - iteration), 0x75, guarded.length); // cmp [counter], k; jne past
        const eip = CODE_AT + prelude.length + body.length + between.length + f.at;
        body.push(...guarded);
        fault = { kind: f.kind, eip, code: f.code(f.bytes), ...(f.cr2 === undefined ? {} : { cr2: f.cr2 }) };
      }
    }
    body.push(...g.instruction());
  }
  stores.forEach((at, k) => {
    const addr = e.imm(CODE_AT + prelude.length + immediates[(k * 7 + seed) % immediates.length]);
    body.splice(at, addr.length, ...addr);
  });
  const dec = e.counterDec();
  const tail = [
    ...dec,
    ...e.jnz(-(body.length + dec.length)), // back to the body's first byte

    // cli; hlt (an interrupt would wake the HLT), or at CPL 3 INT 0x41, whose handler halts with interrupts off
    ...(user ? [0xcd, EXIT_VECTOR] : [0xfa, 0xf4]),
  ];
  // The subroutines after the loop's end, each with RET or RET 4 as its calls want (a subroutine called both ways is laid out twice).
  const bodyAt = CODE_AT + prelude.length;
  const after: number[] = [];
  const placed = new Map<string, number>();
  for (const call of calls) {
    const key = `${call.sub}/${call.ret}`;
    let at = placed.get(key);
    if (at === undefined) {
      at = bodyAt + body.length + tail.length + after.length;
      placed.set(key, at);
      after.push(...subroutines[call.sub], ...(call.ret === 0 ? [0xc3] : [0xc2, ...le16(call.ret)]));
    }
    const callBytes = e.call(at - (bodyAt + call.at));
    body.splice(call.at, callBytes.length, ...callBytes);
  }
  const code = Uint8Array.from([...prelude, ...body, ...tail, ...after]);
  const data = new Uint8Array(256);
  for (let i = 0; i < data.length; i++) data[i] = g.int(256);
  const tables = cases.map((at) => bodyAt + at);
  return { code, end: bodyAt + body.length + tail.length, body: Uint8Array.from(body), data, tables, mode16, paging, user, fault, interrupts, smc, seed };
}

/** A rig for the case: its code, data and tables, the handlers, the timer and the port device, then real or protected mode. */
export function caseRig(compiler: boolean, c: Case): Rig {
  const r = rig(compiler, c.code, !c.mode16);
  const m = r.memory;
  const e = c.mode16 ? CODE16 : CODE32;
  m.writeBytes(DATA, c.data);
  m.writeBytes(e.tables, Uint8Array.from(c.tables.flatMap((eip) => e.imm(eip))));
  m.writeBytes(HANDLER, new Uint8Array(32).fill(0xf4)); // exception v's handler: the HLT at HANDLER + v
  // INTR at random counts (the same for both rigs: one PRNG each, seeded alike); INTA lowers it
  // and arms the next. A device on ports 0x60-0x61: a read returns the instruction count's low
  // bits (so it must come at the interpreter's count), a write of v brings the interrupt to
  // 1 + v % 8 instructions on — in the middle of the block that wrote it.
  const timer = r.clock.createTimer('irq', () => r.cpu.setIntrLine(true));
  const device = r.bus.registerDevice('fuzz');
  r.bus.mapPorts(device, 0x60, 2, {
    sizes: 1 | 2 | 4,
    read: () => r.clock.icount & 0xffff,
    write: (_port, value) => {
      if (c.interrupts) timer.armIn(1 + (value & 7));
    },
  });
  if (c.interrupts) {
    const rnd = prng(c.seed * 7 + 1);
    r.cpu.interruptAcknowledge = () => {
      r.cpu.setIntrLine(false);
      timer.armIn(20 + int(rnd, 600));
      return IRQ_VECTOR;
    };
    timer.armIn(20 + int(rnd, 600));
  }
  if (c.mode16) realMode(r);
  else protectedMode(r, c);
  return r;
}

/** Real mode's stack segment: SS = 0x3000, SP = 0x8000 (BP-relative operands land anywhere in it). */
const REAL_SS = 0x30000;

/** Real mode: the IVT's vectors to the handlers, DS = ES = FS = GS = 0x2000 (the data), SS:SP = 3000:8000. */
function realMode(r: Rig): void {
  const m = r.memory;
  for (let v = 0; v < 32; v++) m.writeBytes(v * 4, Uint8Array.from([...le16(HANDLER + v), 0, 0]));
  m.writeBytes(IRQ_VECTOR * 4, Uint8Array.from([...le16(IRQ_HANDLER), 0, 0]));
  m.writeBytes(IRQ_HANDLER, Uint8Array.from([...CODE16.ticksInc(), 0xcf])); // inc word [cs:ticks]; iret
  const s = r.cpu.getState();
  s.ds = s.es = s.fs = s.gs = { selector: DATA >>> 4, base: DATA, limit: 0xffff, attributes: 0x93 };
  s.ss = { selector: REAL_SS >>> 4, base: REAL_SS, limit: 0xffff, attributes: 0x93 };
  s.esp = 0x8000;
  r.cpu.setState(s);
}

/** Flat protected mode with every exception's gate a HLT, paging on (identity, 4 MiB, user pages) or off, at CPL 0 or 3. */
function protectedMode(r: Rig, c: Case): void {
  const m = r.memory;
  // Interrupt gates to ring 0; DPL 3 where CPL 3 may use INT n (INT3, the exit).
  const gate = (v: number, handler: number, dpl: number) => m.writeBytes(IDT + v * 8, Uint8Array.from([...le16(handler), ...le16(0x08), 0x00, 0x8e | (dpl << 5), ...le16(handler >>> 16)]));
  for (let v = 0; v < 32; v++) gate(v, HANDLER + v, 3);
  gate(IRQ_VECTOR, IRQ_HANDLER, 0);
  gate(EXIT_VECTOR, EXIT_HANDLER, 3);
  m.writeBytes(EXIT_HANDLER, Uint8Array.of(0xf4));
  // inc dword [TICKS]; inc dword [the supervisor's page] (its TLB entry: what CPL 3 must not use); iret
  m.writeBytes(IRQ_HANDLER, Uint8Array.of(...CODE32.ticksInc(), 0xff, 0x05, ...le32(SUPERVISOR_PAGE + 16), 0xcf));
  // null, kernel code (0x08) and data (0x10), user code (0x1B) and data (0x23), the TSS (0x28): SS0:ESP0 for ring 0.
  const tssDescriptor = [0x67, 0x00, ...le16(TSS), TSS >>> 16, 0x89, 0x00, 0x00];
  m.writeBytes(GDT, Uint8Array.from([...Buffer.from('0000000000000000ffff0000009acf00ffff00000092cf00ffff000000facf00ffff000000f2cf00', 'hex'), ...tssDescriptor]));
  m.writeBytes(TSS + 4, Uint8Array.from([...le32(KERNEL_STACK_TOP), ...le32(0x10)]));
  const s = r.cpu.getState();
  s.gdtr = { base: GDT, limit: BAD_SELECTOR - 1 };
  s.idtr = { base: IDT, limit: (EXIT_VECTOR + 1) * 8 - 1 };
  s.tr = { selector: 0x28, base: TSS, limit: 0x67, attributes: 0x8b };
  s.esp = STACK_TOP;
  if (c.user) {
    // The case's first instructions run at ring 0 on the kernel's stack and IRET to ring 3 (user segments, IOPL 3: STI, CLI and port I/O allowed there).
    s.esp = KERNEL_STACK_TOP;
    s.ds = s.es = s.fs = s.gs = { selector: 0x23, base: 0, limit: 0xffffffff, attributes: 0xc0f3 };
    s.eflags |= 0x3000;
  }
  if (c.paging) {
    m.writeBytes(PAGE_DIRECTORY, Uint8Array.from(le32(PAGE_TABLE | 0x07)));
    const table = new Uint8Array(4096);
    for (let i = 0; i < 1024; i++) table.set(le32((i * 0x1000) | 0x07), i * 4);
    if (c.fault?.kind === 'page') table.fill(0, (UNMAPPED >>> 12) * 4, (UNMAPPED >>> 12) * 4 + 4);
    table.set(le32(SUPERVISOR_PAGE | 0x03), (SUPERVISOR_PAGE >>> 12) * 4);
    m.writeBytes(PAGE_TABLE, table);
    s.cr3 = PAGE_DIRECTORY;
    s.cr0 |= 0x80000000;
  }
  r.cpu.setState(s);
}

/** What must match at a stop: the CPU's state, the count, the data area, the stack's top, the pages written since the last stop. */
function observe(r: Rig, c: Case): object {
  const written = Array.from(r.memory.dirty.takeAndClear());
  const e = c.mode16 ? CODE16 : CODE32;
  const digest = (from: number, to: number) => createHash('sha256').update(r.memory.ram.subarray(from, to)).digest('hex');
  return {
    written,
    state: r.cpu.getState(),
    icount: r.clock.icount,
    // The data (in real mode, all of DS and SS: SI, DI and BP address any of them).
    data: c.mode16 ? digest(DATA, REAL_SS + 0x10000) : Buffer.from(r.memory.ram.subarray(DATA, DATA + 256)).toString('hex'),
    code: digest(CODE_AT, CODE_AT + 4096),
    counter: r.memory.read32(e.counter),
    ticks: r.memory.read32(e.ticks),
    supervisor: r.memory.read32(SUPERVISOR_PAGE + 16),
    stack: Buffer.from(r.memory.ram.subarray(STACK_TOP - 64, STACK_TOP)).toString('hex'),
    kernelStack: Buffer.from(r.memory.ram.subarray(KERNEL_STACK_TOP - 64, KERNEL_STACK_TOP)).toString('hex'),
    // The page tables' accessed and dirty bits.
    tables: createHash('sha256').update(r.memory.ram.subarray(PAGE_DIRECTORY, PAGE_TABLE + 4096)).digest('hex'),
  };
}

/**
 * Cases first..first + count - 1, each compiled and interpreted: the same exit and state at
 * every stop, ending at the loop's HLT or (a fault case) in the handler, with the faulting
 * instruction's EIP pushed. Returns the instructions the compiler translated, the faults and the interrupts taken, and the translations dropped by stores into code.
 */
export function fuzzCompiler(first: number, count: number): { translated: number; faults: number; interrupted: number; invalidations: number } {
  let translated = 0;
  let faults = 0;
  let interrupted = 0;
  let invalidations = 0;
  for (let seed = first; seed < first + count; seed++) {
    const c = makeCase(seed);
    const on = caseRig(true, c);
    const off = caseRig(false, c);
    const context = `seed ${seed} (${c.mode16 ? 'real mode' : `paging ${c.paging ? 'on' : 'off'}`}${c.user ? ', CPL 3' : ''}${c.interrupts ? ', interrupts' : ''}${c.smc ? ', self-modifying' : ''}${c.fault === null ? '' : `, ${c.fault.kind} at ${c.fault.eip.toString(16)}`}), body ${Buffer.from(c.body).toString('hex')}`;
    // Stops at odd counts land inside the body's compiled runs; the last runs to the HLT.
    const stride = 7 + (seed % 53);
    let exit: RunExit = RunExit.REACHED;
    for (let at = stride; exit === RunExit.REACHED && at < 200_000; at += stride * (1 + (at % 5))) {
      exit = runTo(on, at);
      expect(runTo(off, at), context).toBe(exit);
      expect(observe(on, c), context).toEqual(observe(off, c));
    }
    if (exit === RunExit.REACHED) {
      exit = runTo(on, 1_000_000);
      expect(runTo(off, 1_000_000), context).toBe(exit);
      expect(observe(on, c), context).toEqual(observe(off, c));
    }
    expect(exit, context).toBe(RunExit.HALTED);
    const s = on.cpu.getState();
    // In real mode, a word at offset 0xFFFF (SI, DI and BP are anywhere) is past the segment's limit: #SS or #GP, taken alike.
    const limitFault = c.mode16 && (s.eip === HANDLER + 12 + 1 || s.eip === HANDLER + 13 + 1);
    if (limitFault) {
      // Nothing more to check than the comparisons above.
    } else if (c.fault === null) {
      // At the loop's own HLT, or the exit's: nothing else faults (the generator keeps to what cannot).
      expect(s.eip, `${context}: ${s.eip >= HANDLER && s.eip <= HANDLER + 32 ? `exception ${s.eip - HANDLER - 1}` : 'the end'}`).toBe(c.user ? EXIT_HANDLER + 1 : c.end);
    } else {
      // In the handler, from the faulting instruction: its EIP pushed (after the error code, if any).
      expect(s.eip - HANDLER - 1, `${context}: the vector taken`).toBe(VECTOR[c.fault.kind]);
      const frame = c.fault.code === null ? s.esp : s.esp + 4;
      expect(c.mode16 ? on.memory.read16(REAL_SS + (frame & 0xffff)) : on.memory.read32(frame), `${context}: ${c.fault.kind}`).toBe(c.fault.eip);
      if (c.fault.code !== null) expect(on.memory.read32(s.esp), `${context}: ${c.fault.kind}`).toBe(c.fault.code);
      if (c.fault.cr2 !== undefined) expect(s.cr2, context).toBe(c.fault.cr2);
      faults++;
    }
    translated += on.cpu.compilerStats!.translated;
    invalidations += on.cpu.compilerStats!.invalidations;
    interrupted += on.memory.read32(c.mode16 ? CODE16.ticks : CODE32.ticks) & (c.mode16 ? 0xffff : -1);
  }
  return { translated, faults, interrupted, invalidations };
}

