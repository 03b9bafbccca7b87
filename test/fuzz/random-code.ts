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
  constructor(private readonly rnd: Rnd) {}

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

  /** ModR/M (and SIB, displacement) for an r/m operand: a register (`reg` picks it) or memory at EBX + 0..120. */
  rm(regField: number, reg: () => number, memory = true): number[] {
    if (!memory || this.chance(0.5)) return [0xc0 | (regField << 3) | reg()];
    const disp = this.int(121);
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

  /** A 16-bit-operand prefix or none, and the operand's immediate bytes for that size. */
  sized(): { prefix: number[]; imm: () => number[] } {
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
          default: return this.chance(0.5) ? [0x6a, this.int(256), 0x58 + this.dest()] : [0x68, ...le32(this.u32()), 0x58 + this.dest()];
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
        const divisor = 1 + this.int(0xfffe);
        if (this.chance(0.5)) return [0x31, 0xd2, 0xb9, ...le32(divisor), 0xf7, 0xf1]; // xor edx, edx; mov ecx, d; div ecx
        return [0x99, 0xb9, ...le32(divisor), 0xf7, 0xf9]; // cdq; mov ecx, d; idiv ecx
      }
      case 26: { // REP MOVSB/MOVSD/STOSB/STOSD inside the data area (ESI, EDI, ECX set first), then ESI and EDI put back out of harm's way
        const count = this.int(9);
        const opc = this.pick([0xa4, 0xa5, 0xaa, 0xab]);
        return [0xfc, 0xbe, ...le32(DATA + this.int(64)), 0xbf, ...le32(DATA + 64 + this.int(16)), 0xb9, ...le32(count), 0xf3, opc];
      }
      case 27: // MOV r, imm32 (fresh values)
        return [0xb8 + this.dest(), ...le32(this.u32())];
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
  /** The jump tables' cases (absolute EIPs), four to a table, at TABLES. */
  tables: number[];
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
 * The bytes of one exception: #DE (DIV by ECX = 0), #PF (a read, a store or a read-modify-write
 * of the unmapped page), #UD (UD2), #BP (INT3) and #GP (a load of DS with a selector past the
 * GDT's limit). None touches the flags first: the exception pushes those the body left.
 */
function faultBytes(g: Gen, paging: boolean, user: boolean): { bytes: number[]; kind: Fault['kind']; at: number; code: (f: number[]) => number | null; cr2?: number } {
  const kinds: Fault['kind'][] = paging ? ['divide', 'page', 'page', 'undefined', 'breakpoint', 'selector'] : ['divide', 'undefined', 'breakpoint', 'selector'];
  // From CPL 3, half are page faults (half of those on the supervisor's page: the TLB's user bits).
  const kind = user && g.chance(0.5) ? 'page' : g.pick(kinds);
  switch (kind) {
    case 'divide':
      return { kind, bytes: [0xb9, ...le32(0), 0xf7, 0xf1], at: 5, code: () => null }; // mov ecx, 0; div ecx
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
  const g = new Gen(prng(seed));
  const paging = g.chance(0.5);
  const interrupts = g.chance(0.5);
  const user = paging && g.chance(0.5);
  const body: number[] = [];
  const prelude: number[] = [];
  if (user) {
    // Ring 0 first: touch the supervisor's page (its TLB entry then grants ring 0 only), then IRET to ring 3.
    const kernel = [0xff, 0x05, ...le32(SUPERVISOR_PAGE + 16), 0x6a, 0x23, 0x68, ...le32(STACK_TOP), 0x9c, 0x68, ...le32(0x1b), 0x68];
    prelude.push(...kernel, ...le32(CODE_AT + kernel.length + 5), 0xcf); // push the next byte's EIP; iret
  }
  for (const r of [EAX, ECX, EDX, 5, 6, 7]) prelude.push(0xb8 + r, ...le32(g.u32()));
  prelude.push(0xbb, ...le32(DATA)); // mov ebx, DATA
  prelude.push(0xc7, 0x05, ...le32(COUNTER), ...le32(ITERATIONS)); // mov dword [COUNTER], ITERATIONS
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
      if (argument) body.push(0x68, ...le32(g.u32())); // push imm32: the subroutine's RET 4 drops it
      body.push(0xe8, 0, 0, 0, 0); // call rel32: filled in below
      calls.push({ at: body.length - 4, sub, ret: argument ? 4 : 0 });
    }
    if (cases.length < 16 && g.chance(0.05)) {
      // movzx ecx, byte [ebx + d]; and ecx, 3; jmp [table + ecx * 4]; four cases, each a random instruction and a JMP to after them
      const table = TABLES + cases.length * 4;
      body.push(0x0f, 0xb6, 0x4b, g.int(121), 0x83, 0xe1, 0x03, 0xff, 0x24, 0x8d, ...le32(table));
      const jumps: number[] = [];
      for (let k = 0; k < 4; k++) {
        cases.push(body.length);
        body.push(...g.instruction(), 0xe9, 0, 0, 0, 0);
        jumps.push(body.length);
      }
      for (const j of jumps) body.splice(j - 4, 4, ...le32(body.length - j));
    }
    if (targetsAt.has(i)) {
      immediates.push(body.length + 1);
      body.push(0xb8 + g.dest(), ...le32(g.u32()));
    }
    const reg = storesAt.get(i);
    if (reg !== undefined) {
      stores.push(body.length + 2);
      body.push(0x89, 0x05 | (reg << 3), 0, 0, 0, 0); // mov [imm32], reg: the address is filled in below
    }
    if (i === faultAt) {
      const f = faultBytes(g, paging, user);
      const iteration = 3 + g.int(ITERATIONS - 3); // 3rd..16th: the counter reads ITERATIONS + 1 - iteration
      const between = [...g.instruction(), ...g.instruction()];
      const guarded = [...between, ...f.bytes];
      if (guarded.length <= 127) {
        body.push(0x81, 0x3d, ...le32(COUNTER), ...le32(ITERATIONS + 1 - iteration), 0x75, guarded.length); // cmp dword [COUNTER], k; jne past
        const eip = CODE_AT + prelude.length + body.length + between.length + f.at;
        body.push(...guarded);
        fault = { kind: f.kind, eip, code: f.code(f.bytes), ...(f.cr2 === undefined ? {} : { cr2: f.cr2 }) };
      }
    }
    body.push(...g.instruction());
  }
  stores.forEach((at, k) => body.splice(at, 4, ...le32(CODE_AT + prelude.length + immediates[(k * 7 + seed) % immediates.length])));
  const loopBack = body.length + 6 + 6; // dec dword [COUNTER] (6 bytes) and jnz rel32 (6 bytes)
  const tail = [
    0xff, 0x0d, ...le32(COUNTER), // dec dword [COUNTER]
    0x0f, 0x85, ...le32(-loopBack), // jnz body
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
    body.splice(call.at, 4, ...le32(at - (bodyAt + call.at + 4)));
  }
  const code = Uint8Array.from([...prelude, ...body, ...tail, ...after]);
  const data = new Uint8Array(256);
  for (let i = 0; i < data.length; i++) data[i] = g.int(256);
  const tables = cases.map((at) => bodyAt + at);
  return { code, end: bodyAt + body.length + tail.length, body: Uint8Array.from(body), data, tables, paging, user, fault, interrupts, smc, seed };
}

/** A flat protected-mode rig with every exception's gate a HLT, paging on (identity, 4 MiB, user pages) or off, at CPL 0 or 3. */
export function caseRig(compiler: boolean, c: Case): Rig {
  const r = rig(compiler, c.code, true);
  const m = r.memory;
  m.writeBytes(DATA, c.data);
  m.writeBytes(TABLES, Uint8Array.from(c.tables.flatMap(le32)));
  m.writeBytes(HANDLER, new Uint8Array(32).fill(0xf4)); // exception v's handler: the HLT at HANDLER + v
  // Interrupt gates to ring 0; DPL 3 where CPL 3 may use INT n (INT3, the exit).
  const gate = (v: number, handler: number, dpl: number) => m.writeBytes(IDT + v * 8, Uint8Array.from([...le16(handler), ...le16(0x08), 0x00, 0x8e | (dpl << 5), ...le16(handler >>> 16)]));
  for (let v = 0; v < 32; v++) gate(v, HANDLER + v, 3);
  gate(IRQ_VECTOR, IRQ_HANDLER, 0);
  gate(EXIT_VECTOR, EXIT_HANDLER, 3);
  m.writeBytes(EXIT_HANDLER, Uint8Array.of(0xf4));
  // inc dword [TICKS]; inc dword [the supervisor's page] (its TLB entry: what CPL 3 must not use); iret
  m.writeBytes(IRQ_HANDLER, Uint8Array.of(0xff, 0x05, ...le32(TICKS), 0xff, 0x05, ...le32(SUPERVISOR_PAGE + 16), 0xcf));
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
  return r;
}

/** What must match at a stop: the CPU's state, the count, the data area, the stack's top, the pages written since the last stop. */
function observe(r: Rig): object {
  const written = Array.from(r.memory.dirty.takeAndClear());
  return {
    written,
    state: r.cpu.getState(),
    icount: r.clock.icount,
    data: Buffer.from(r.memory.ram.subarray(DATA, DATA + 256)).toString('hex'),
    code: createHash('sha256').update(r.memory.ram.subarray(CODE_AT, CODE_AT + 4096)).digest('hex'),
    counter: r.memory.read32(COUNTER),
    ticks: r.memory.read32(TICKS),
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
    const context = `seed ${seed} (paging ${c.paging ? 'on' : 'off'}${c.user ? ', CPL 3' : ''}${c.interrupts ? ', interrupts' : ''}${c.smc ? ', self-modifying' : ''}${c.fault === null ? '' : `, ${c.fault.kind} at ${c.fault.eip.toString(16)}`}), body ${Buffer.from(c.body).toString('hex')}`;
    // Stops at odd counts land inside the body's compiled runs; the last runs to the HLT.
    const stride = 7 + (seed % 53);
    let exit: RunExit = RunExit.REACHED;
    for (let at = stride; exit === RunExit.REACHED && at < 200_000; at += stride * (1 + (at % 5))) {
      exit = runTo(on, at);
      expect(runTo(off, at), context).toBe(exit);
      expect(observe(on), context).toEqual(observe(off));
    }
    if (exit === RunExit.REACHED) {
      exit = runTo(on, 1_000_000);
      expect(runTo(off, 1_000_000), context).toBe(exit);
      expect(observe(on), context).toEqual(observe(off));
    }
    expect(exit, context).toBe(RunExit.HALTED);
    const s = on.cpu.getState();
    if (c.fault === null) {
      // At the loop's own HLT, or the exit's: nothing else faults (the generator keeps to what cannot).
      expect(s.eip, `${context}: ${s.eip >= HANDLER && s.eip <= HANDLER + 32 ? `exception ${s.eip - HANDLER - 1}` : 'the end'}`).toBe(c.user ? EXIT_HANDLER + 1 : c.end);
    } else {
      // In the handler, from the faulting instruction: its EIP pushed (after the error code, if any).
      expect(s.eip - HANDLER - 1, `${context}: the vector taken`).toBe(VECTOR[c.fault.kind]);
      const frame = c.fault.code === null ? s.esp : s.esp + 4;
      expect(on.memory.read32(frame), `${context}: ${c.fault.kind}`).toBe(c.fault.eip);
      if (c.fault.code !== null) expect(on.memory.read32(s.esp), `${context}: ${c.fault.kind}`).toBe(c.fault.code);
      if (c.fault.cr2 !== undefined) expect(s.cr2, context).toBe(c.fault.cr2);
      faults++;
    }
    translated += on.cpu.compilerStats!.translated;
    invalidations += on.cpu.compilerStats!.invalidations;
    interrupted += on.memory.read32(TICKS);
  }
  return { translated, faults, interrupted, invalidations };
}

