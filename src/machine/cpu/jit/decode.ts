/**
 * The compiler's decoder: one instruction's bytes, read from the fetch window at compile time,
 * taken apart into prefixes, opcode, ModR/M operand and immediates (SDM vol. 2, tables 2-1 to
 * 2-3 and A-2). It decodes only the opcodes emit.ts translates; any other instruction is a
 * `step` (the interpreter runs it, see block-compiler.ts), whose length is never needed.
 */
import { DS, SS } from '../constants.js';

/** A memory operand: seg:[base + index << scale + disp] (-1: no base / no index). */
export interface MemOperand {
  readonly seg: number;
  readonly base: number;
  readonly index: number;
  readonly scale: number;
  readonly disp: number;
  /** 16-bit addressing: base and index are 16-bit registers and the sum wraps at 64 KiB. */
  readonly a16: boolean;
}

export interface Insn {
  /** EIP of the first byte (prefixes included), as an int32. */
  readonly eip: number;
  readonly length: number;
  /** Opcode: one byte, or 0x100 | the second byte of a 0F opcode. */
  readonly op: number;
  readonly o32: boolean;
  /** ModR/M byte, or -1. */
  readonly modrm: number;
  /** The r/m operand's memory address, or null when it is a register (or there is no ModR/M). */
  readonly mem: MemOperand | null;
  /** The immediate (signed or zero-extended as the instruction wants it: see the kinds below). */
  readonly imm: number;
  /** false: decoded only to know it is not translated (a step: the interpreter runs it). */
  readonly native: boolean;
}

/** Where the bytes come from: the compiler reads RAM at eip + delta, for eip in [lo, lo + len). */
export interface CodeWindow {
  readonly ram: Uint8Array;
  readonly lo: number;
  readonly len: number;
  readonly delta: number;
  /** CS.D: default operand and address size 32. */
  readonly csD: boolean;
  /** Paging on: the block's memory accesses go through the TLB (else linear & A20 is physical). */
  readonly paging?: boolean;
  /**
   * The dword at seg:offset now, when it can be read without a walk, a fault or a device (else
   * null): a jump table's entry, which the block compiler takes as a hint only (block-compiler.ts).
   */
  readonly readTable?: (seg: number, offset: number) => number | null;
}

// Immediate kinds.
const NONE = 0;
const IB = 1; // imm8, zero-extended
const IBS = 2; // imm8, sign-extended
const IZ = 3; // imm16/32 by operand size
const IW = 4; // imm16
const JB = 5; // rel8
const JZ = 6; // rel16/32
const MOFFS = 7; // MOV A0-A3: an offset of the address size, which becomes the memory operand

/** [has ModR/M, immediate kind] for each one-byte opcode translated; undefined: a step. */
const ONE_BYTE: ([boolean, number] | undefined)[] = [];
const TWO_BYTE: ([boolean, number] | undefined)[] = [];
for (let row = 0; row < 8; row++) {
  const b = row << 3;
  ONE_BYTE[b] = [true, NONE];
  ONE_BYTE[b + 1] = [true, NONE];
  ONE_BYTE[b + 2] = [true, NONE];
  ONE_BYTE[b + 3] = [true, NONE];
  ONE_BYTE[b + 4] = [false, IB];
  ONE_BYTE[b + 5] = [false, IZ];
}
for (let op = 0x40; op <= 0x5f; op++) ONE_BYTE[op] = [false, NONE];
ONE_BYTE[0x68] = [false, IZ];
ONE_BYTE[0x6a] = [false, IBS];
ONE_BYTE[0x69] = [true, IZ];
ONE_BYTE[0x6b] = [true, IBS];
for (let op = 0x70; op <= 0x7f; op++) ONE_BYTE[op] = [false, JB];
ONE_BYTE[0x80] = [true, IB];
ONE_BYTE[0x81] = [true, IZ];
ONE_BYTE[0x83] = [true, IBS];
for (const op of [0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8d]) ONE_BYTE[op] = [true, NONE];
for (let op = 0x90; op <= 0x97; op++) ONE_BYTE[op] = [false, NONE];
for (const op of [0x98, 0x99, 0x9c, 0xc3, 0xc9, 0xf5, 0xf8, 0xf9, 0xfa, 0xfc, 0xfd]) ONE_BYTE[op] = [false, NONE];
for (let op = 0xa0; op <= 0xa3; op++) ONE_BYTE[op] = [false, MOFFS];
ONE_BYTE[0xa8] = [false, IB];
ONE_BYTE[0xa9] = [false, IZ];
for (let op = 0xb0; op <= 0xb7; op++) ONE_BYTE[op] = [false, IB];
for (let op = 0xb8; op <= 0xbf; op++) ONE_BYTE[op] = [false, IZ];
ONE_BYTE[0xc0] = [true, IB];
ONE_BYTE[0xc1] = [true, IB];
ONE_BYTE[0xc2] = [false, IW];
ONE_BYTE[0xc6] = [true, IB];
ONE_BYTE[0xc7] = [true, IZ];
for (const op of [0xd0, 0xd1, 0xd2, 0xd3]) ONE_BYTE[op] = [true, NONE];
ONE_BYTE[0xe4] = [false, IB];
ONE_BYTE[0xe6] = [false, IB];
for (const op of [0xec, 0xed, 0xee, 0xef]) ONE_BYTE[op] = [false, NONE];
ONE_BYTE[0xe8] = [false, JZ];
ONE_BYTE[0xe9] = [false, JZ];
ONE_BYTE[0xeb] = [false, JB];
ONE_BYTE[0xf6] = [true, NONE]; // /0 and /1 (TEST) carry an imm8: see below
ONE_BYTE[0xf7] = [true, NONE];
ONE_BYTE[0xfe] = [true, NONE];
ONE_BYTE[0xff] = [true, NONE];
for (let op = 0x80; op <= 0x8f; op++) TWO_BYTE[op] = [false, JZ];
for (let op = 0x90; op <= 0x9f; op++) TWO_BYTE[op] = [true, NONE];
for (const op of [0xa5, 0xad, 0xaf, 0xb6, 0xb7, 0xbc, 0xbd, 0xbe, 0xbf]) TWO_BYTE[op] = [true, NONE];
TWO_BYTE[0x31] = [false, NONE]; // RDTSC
TWO_BYTE[0xa4] = [true, IB]; // SHLD Ev, Gv, imm8
TWO_BYTE[0xac] = [true, IB]; // SHRD Ev, Gv, imm8

/** An instruction is at most 15 bytes (longer raises #GP: the interpreter's business). */
const MAX_LENGTH = 15;

/**
 * Decode the instruction at `eip`, or null when any of its bytes lies outside the window
 * (the interpreter runs it). A decoded instruction the compiler does not translate comes back
 * with native false.
 */
export function decodeAt(w: CodeWindow, eip: number): Insn | null {
  let pos = eip | 0;
  const byte = (): number => {
    const d = (pos - w.lo) | 0;
    if (d < 0 || d >= w.len || ((pos - eip) | 0) >= MAX_LENGTH) throw OUTSIDE;
    const b = w.ram[(pos + w.delta) | 0];
    pos = (pos + 1) | 0;
    return b;
  };
  const step = (op: number): Insn => ({ eip, length: 0, op, o32: false, modrm: -1, mem: null, imm: 0, native: false });
  try {
    let o32 = w.csD;
    let a32 = w.csD;
    let seg = -1;
    let lock = false;
    let op = byte();
    for (;;) {
      if (op === 0xf0) lock = true;
      else if (op === 0x66) o32 = !w.csD;
      else if (op === 0x67) a32 = !w.csD;
      else if (op === 0x26 || op === 0x2e || op === 0x36 || op === 0x3e) seg = (op >> 3) & 3;
      else if (op === 0x64 || op === 0x65) seg = op - 0x60;
      else break;
      op = byte();
    }
    if (op === 0xf3 && (pos - w.lo) >>> 0 < w.len && w.ram[(pos + w.delta) | 0] === 0x90) {
      // PAUSE (F3 90): a NOP to this CPU, as to the interpreter (a spin-wait loop's, e.g. Linux's delay_tsc).
      byte();
      return { eip, length: (pos - eip) | 0, op: 0x90, o32, modrm: -1, mem: null, imm: 0, native: true };
    }
    if (op === 0xf2 || op === 0xf3) return step(op); // REP: the interpreter's
    let shape: [boolean, number] | undefined;
    if (op === 0x0f) {
      op = 0x100 | byte();
      shape = TWO_BYTE[op & 0xff];
    } else shape = ONE_BYTE[op];
    if (shape === undefined) return step(op);
    let modrm = -1;
    let mem: MemOperand | null = null;
    if (shape[0]) {
      modrm = byte();
      if (modrm < 0xc0) mem = a32 ? mem32(modrm, seg, byte) : mem16(modrm, seg, byte);
    }
    let kind = shape[1];
    if (kind === MOFFS) {
      const disp = a32 ? dword(byte) : byte() | (byte() << 8);
      if (lock) return step(0xf0);
      mem = { seg: seg >= 0 ? seg : DS, base: -1, index: -1, scale: 0, disp, a16: !a32 };
      return { eip, length: (pos - eip) | 0, op, o32, modrm, mem, imm: 0, native: true };
    }
    // LOCK: one CPU, so a no-op on a read-modify-write of memory; anywhere else #UD, the interpreter's.
    if (lock && (mem === null || !lockable(op, modrm))) return step(0xf0);
    if ((op === 0xf6 || op === 0xf7) && ((modrm >> 3) & 7) < 2) kind = op === 0xf6 ? IB : IZ;
    const imm = immediate(kind, o32, byte);
    return { eip, length: (pos - eip) | 0, op, o32, modrm, mem, imm, native: true };
  } catch (e) {
    if (e === OUTSIDE) return null;
    throw e;
  }
}

const OUTSIDE = Object.freeze({ outside: true });

/** The translated opcodes LOCK may prefix (with a memory operand): SDM vol. 2, LOCK. */
function lockable(op: number, modrm: number): boolean {
  const reg = (modrm >> 3) & 7;
  if (op < 0x40) return (op & 7) <= 1 && op >> 3 !== 7; // ADD ... XOR r/m, r (not CMP)
  if (op === 0x80 || op === 0x81 || op === 0x83) return reg !== 7; // not CMP
  if (op === 0x86 || op === 0x87) return true; // XCHG
  if (op === 0xf6 || op === 0xf7) return reg === 2 || reg === 3; // NOT, NEG
  if (op === 0xfe || op === 0xff) return reg <= 1; // INC, DEC
  return false;
}

function immediate(kind: number, o32: boolean, byte: () => number): number {
  switch (kind) {
    case NONE: return 0;
    case IB: return byte();
    case IBS: case JB: return (byte() << 24) >> 24;
    case IW: return byte() | (byte() << 8);
    default: { // IZ, JZ
      const lo = byte() | (byte() << 8);
      if (!o32) return kind === JZ ? (lo << 16) >> 16 : lo;
      return lo | (byte() << 16) | (byte() << 24);
    }
  }
}

function mem32(modrm: number, seg: number, byte: () => number): MemOperand {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  let base = -1;
  let index = -1;
  let scale = 0;
  let disp = 0;
  let defSeg = DS;
  if (rm === 4) {
    const sib = byte();
    const b = sib & 7;
    const i = (sib >> 3) & 7;
    if (b === 5 && mod === 0) disp = dword(byte);
    else {
      base = b;
      if (b === 4 || b === 5) defSeg = SS;
    }
    if (i !== 4) {
      index = i;
      scale = sib >> 6;
    }
  } else if (rm === 5 && mod === 0) {
    disp = dword(byte);
  } else {
    base = rm;
    if (rm === 5) defSeg = SS;
  }
  if (mod === 1) disp = (disp + ((byte() << 24) >> 24)) | 0;
  else if (mod === 2) disp = (disp + dword(byte)) | 0;
  return { seg: seg >= 0 ? seg : defSeg, base, index, scale, disp, a16: false };
}

/** 16-bit forms: r16 indices of BX, BP, SI, DI are 3, 5, 6, 7 as registers. */
const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3];
const INDEX16 = [6, 7, 6, 7, -1, -1, -1, -1];

function mem16(modrm: number, seg: number, byte: () => number): MemOperand {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  let base = BASE16[rm];
  const index = INDEX16[rm];
  let disp = 0;
  let defSeg = rm === 2 || rm === 3 || rm === 6 ? SS : DS;
  if (rm === 6 && mod === 0) {
    base = -1;
    defSeg = DS;
    disp = byte() | (byte() << 8);
  }
  if (mod === 1) disp += (byte() << 24) >> 24;
  else if (mod === 2) disp += byte() | (byte() << 8);
  return { seg: seg >= 0 ? seg : defSeg, base, index, scale: 0, disp, a16: true };
}

function dword(byte: () => number): number {
  return byte() | (byte() << 8) | (byte() << 16) | (byte() << 24);
}
