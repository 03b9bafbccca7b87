/**
 * Arithmetic and logic instruction forms: the ALU rows 00-3D, groups 1-5 (80-83, C0-D3,
 * F6/F7, FE/FF), TEST, INC/DEC, IMUL with an immediate, and the coprocessor escapes.
 * The arithmetic itself (and its flags) is in alu.ts.
 *
 * One small function per opcode form: V8 inlines the fetch/decode/memory helpers into
 * functions this size, which it stops doing inside the big dispatch switch (exec.ts).
 */
import * as aluOps from './alu.js';
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as modrm from './modrm.js';
import * as controlOps from './ops-control.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { alu, dec, divAcc, imulTrunc, inc, mulAcc, neg, shift } = aluOps;
const { CR0_EM, CR0_TS, EXC_NM, EXC_UD, R8 } = constants;
const { ea, readRm16, readRm32, readRm8 } = modrm;
const { callFar, callNear, jumpFar } = controlOps;

/** 00, 08, ... 38: op r/m8, r8. */
export function aluEbGb(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const b = c.r8[R8[(m >> 3) & 7]];
  if (m >= 0xc0) {
    const i = R8[m & 7];
    const r = alu(c, op, c.r8[i], b, 7);
    if (op !== 7) c.r8[i] = r;
  } else {
    const off = ea(c, m);
    const seg = c.eaSeg;
    const r = alu(c, op, c.rd8(seg, off), b, 7);
    if (op !== 7) c.wr8(seg, off, r);
  }
}

/** 01, 09, ... 39: op r/m, r. */
export function aluEvGv(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  if (c.o32) {
    const b = c.regs[reg];
    if (m >= 0xc0) {
      const r = alu(c, op, c.regs[m & 7], b, 31);
      if (op !== 7) c.regs[m & 7] = r;
    } else {
      const off = ea(c, m);
      const seg = c.eaSeg;
      const r = alu(c, op, c.rd32(seg, off), b, 31);
      if (op !== 7) c.wr32(seg, off, r);
    }
  } else {
    const b = c.r16[reg << 1];
    if (m >= 0xc0) {
      const r = alu(c, op, c.r16[(m & 7) << 1], b, 15);
      if (op !== 7) c.r16[(m & 7) << 1] = r;
    } else {
      const off = ea(c, m);
      const seg = c.eaSeg;
      const r = alu(c, op, c.rd16(seg, off), b, 15);
      if (op !== 7) c.wr16(seg, off, r);
    }
  }
}

/** 02, 0A, ... 3A: op r8, r/m8. */
export function aluGbEb(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const i = R8[(m >> 3) & 7];
  const r = alu(c, op, c.r8[i], readRm8(c, m), 7);
  if (op !== 7) c.r8[i] = r;
}

/** 03, 0B, ... 3B: op r, r/m. */
export function aluGvEv(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  if (c.o32) {
    const r = alu(c, op, c.regs[reg], readRm32(c, m), 31);
    if (op !== 7) c.regs[reg] = r;
  } else {
    const r = alu(c, op, c.r16[reg << 1], readRm16(c, m), 15);
    if (op !== 7) c.r16[reg << 1] = r;
  }
}

/** 04, 0C, ... 3C: op AL, imm8. */
export function aluAlIb(c: CpuCore, op: number): void {
  const r = alu(c, op, c.r8[0], c.fetch8(), 7);
  if (op !== 7) c.r8[0] = r;
}

/** 05, 0D, ... 3D: op eAX, imm. */
export function aluAccIz(c: CpuCore, op: number): void {
  if (c.o32) {
    const r = alu(c, op, c.regs[0], c.fetch32(), 31);
    if (op !== 7) c.regs[0] = r;
  } else {
    const r = alu(c, op, c.r16[0], c.fetch16(), 15);
    if (op !== 7) c.r16[0] = r;
  }
}

/** 84 / 85: TEST r/m, r. */
export function testRm(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  if (op === 0x84) c.setLogic(readRm8(c, m) & c.r8[R8[reg]], 7);
  else if (c.o32) c.setLogic(readRm32(c, m) & c.regs[reg], 31);
  else c.setLogic(readRm16(c, m) & c.r16[reg << 1], 15);
}

/** A8 / A9: TEST AL/eAX, imm. */
export function testAcc(c: CpuCore, op: number): void {
  if (op === 0xa8) c.setLogic(c.r8[0] & c.fetch8(), 7);
  else if (c.o32) c.setLogic(c.regs[0] & c.fetch32(), 31);
  else c.setLogic(c.r16[0] & c.fetch16(), 15);
}

/** 40-47: INC r. */
export function incReg(c: CpuCore, op: number): void {
  const i = op & 7;
  if (c.o32) c.regs[i] = inc(c, c.regs[i], 31);
  else c.r16[i << 1] = inc(c, c.r16[i << 1], 15);
}

/** 48-4F: DEC r. */
export function decReg(c: CpuCore, op: number): void {
  const i = op & 7;
  if (c.o32) c.regs[i] = dec(c, c.regs[i], 31);
  else c.r16[i << 1] = dec(c, c.r16[i << 1], 15);
}

/** 69 / 6B: IMUL r, r/m, imm (full-size or sign-extended byte immediate). */
export function imulImm(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  if (c.o32) {
    const a = readRm32(c, m);
    const b = op === 0x69 ? c.fetch32() : c.fetchS8();
    c.regs[reg] = imulTrunc(c, a, b, 31);
  } else {
    const a = readRm16(c, m);
    const b = op === 0x69 ? c.fetch16() : c.fetchS8() & 0xffff;
    c.r16[reg << 1] = imulTrunc(c, a, b, 15);
  }
}

/** 80-83: ALU op r/m, imm (82 is 80's alias; 83 takes a sign-extended byte). */
export function group1(c: CpuCore, opcode: number): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  const byte = opcode === 0x80 || opcode === 0x82;
  if (m >= 0xc0) {
    const rm = m & 7;
    if (byte) {
      const r = alu(c, op, c.r8[R8[rm]], c.fetch8(), 7);
      if (op !== 7) c.r8[R8[rm]] = r;
    } else if (c.o32) {
      const imm = opcode === 0x81 ? c.fetch32() : c.fetchS8();
      const r = alu(c, op, c.regs[rm], imm, 31);
      if (op !== 7) c.regs[rm] = r;
    } else {
      const imm = opcode === 0x81 ? c.fetch16() : c.fetchS8() & 0xffff;
      const r = alu(c, op, c.r16[rm << 1], imm, 15);
      if (op !== 7) c.r16[rm << 1] = r;
    }
    return;
  }
  const off = ea(c, m);
  const seg = c.eaSeg;
  if (byte) {
    const imm = c.fetch8();
    const r = alu(c, op, c.rd8(seg, off), imm, 7);
    if (op !== 7) c.wr8(seg, off, r);
  } else if (c.o32) {
    const imm = opcode === 0x81 ? c.fetch32() : c.fetchS8();
    const r = alu(c, op, c.rd32(seg, off), imm, 31);
    if (op !== 7) c.wr32(seg, off, r);
  } else {
    const imm = opcode === 0x81 ? c.fetch16() : c.fetchS8() & 0xffff;
    const r = alu(c, op, c.rd16(seg, off), imm, 15);
    if (op !== 7) c.wr16(seg, off, r);
  }
}

/** C0/C1 (count imm8), D0/D1 (count 1), D2/D3 (count CL): rotates and shifts. */
export function group2(c: CpuCore, opcode: number): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  const byte = (opcode & 1) === 0;
  const sh = byte ? 7 : c.o32 ? 31 : 15;
  let off = 0;
  let seg = 0;
  let v: number;
  if (m >= 0xc0) {
    v = byte ? c.r8[R8[m & 7]] : sh === 31 ? c.regs[m & 7] : c.r16[(m & 7) << 1];
  } else {
    off = ea(c, m);
    seg = c.eaSeg;
    v = byte ? c.rd8(seg, off) : sh === 31 ? c.rd32(seg, off) : c.rd16(seg, off);
  }
  const count = (opcode >= 0xd2 ? c.r8[4] : opcode >= 0xd0 ? 1 : c.fetch8()) & 31;
  const r = shift(c, op, v, count, sh);
  if (m >= 0xc0) {
    if (byte) c.r8[R8[m & 7]] = r;
    else if (sh === 31) c.regs[m & 7] = r;
    else c.r16[(m & 7) << 1] = r;
  } else if (count !== 0) {
    if (byte) c.wr8(seg, off, r);
    else if (sh === 31) c.wr32(seg, off, r);
    else c.wr16(seg, off, r);
  }
}

/** F6/F7: TEST imm, NOT, NEG, MUL, IMUL, DIV, IDIV. */
export function group3(c: CpuCore, opcode: number): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  const sh = opcode === 0xf6 ? 7 : c.o32 ? 31 : 15;
  let off = 0;
  let seg = 0;
  let v: number;
  if (m >= 0xc0) {
    v = sh === 7 ? c.r8[R8[m & 7]] : sh === 31 ? c.regs[m & 7] : c.r16[(m & 7) << 1];
  } else {
    off = ea(c, m);
    seg = c.eaSeg;
    v = sh === 7 ? c.rd8(seg, off) : sh === 31 ? c.rd32(seg, off) : c.rd16(seg, off);
  }
  let r: number;
  switch (op) {
    case 0: case 1: { // TEST (/1 is an alias)
      const imm = sh === 7 ? c.fetch8() : sh === 31 ? c.fetch32() : c.fetch16();
      c.setLogic(v & imm, sh);
      return;
    }
    case 2:
      r = ~v;
      break;
    case 3:
      r = neg(c, v, sh);
      break;
    case 4: case 5:
      mulAcc(c, op === 5, v, sh);
      return;
    default:
      divAcc(c, op === 7, v, sh);
      return;
  }
  if (m >= 0xc0) {
    if (sh === 7) c.r8[R8[m & 7]] = r;
    else if (sh === 31) c.regs[m & 7] = r;
    else c.r16[(m & 7) << 1] = r;
  } else if (sh === 7) c.wr8(seg, off, r);
  else if (sh === 31) c.wr32(seg, off, r);
  else c.wr16(seg, off, r);
}

/** FE: INC/DEC Eb. FF: INC/DEC Ev, CALL/JMP near and far, PUSH Ev. */
export function group45(c: CpuCore, opcode: number): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  if (opcode === 0xfe) {
    if (op > 1) c.raise(EXC_UD);
    if (m >= 0xc0) {
      const i = R8[m & 7];
      c.r8[i] = op === 0 ? inc(c, c.r8[i], 7) : dec(c, c.r8[i], 7);
    } else {
      const off = ea(c, m);
      const seg = c.eaSeg;
      const v = c.rd8(seg, off);
      c.wr8(seg, off, op === 0 ? inc(c, v, 7) : dec(c, v, 7));
    }
    return;
  }
  if (op === 7) c.raise(EXC_UD);
  if ((op === 3 || op === 5) && m >= 0xc0) c.raise(EXC_UD);
  const sh = c.o32 ? 31 : 15;
  if (m >= 0xc0) {
    const rm = m & 7;
    const v = sh === 31 ? c.regs[rm] : c.r16[rm << 1];
    switch (op) {
      case 0: case 1: {
        const r = op === 0 ? inc(c, v, sh) : dec(c, v, sh);
        if (sh === 31) c.regs[rm] = r;
        else c.r16[rm << 1] = r;
        return;
      }
      case 2: callNear(c, v); return;
      case 4: c.jumpNear(v); return;
      default: if (sh === 31) c.push32(v); else c.push16(v); return;
    }
  }
  const off = ea(c, m);
  const seg = c.eaSeg;
  if (op === 3 || op === 5) {
    const target = sh === 31 ? c.rd32(seg, off) : c.rd16(seg, off);
    const sel = c.rd16(seg, (off + (sh === 31 ? 4 : 2)) | 0);
    if (op === 3) callFar(c, sel, target);
    else jumpFar(c, sel, target);
    return;
  }
  const v = sh === 31 ? c.rd32(seg, off) : c.rd16(seg, off);
  switch (op) {
    case 0: case 1: {
      const r = op === 0 ? inc(c, v, sh) : dec(c, v, sh);
      if (sh === 31) c.wr32(seg, off, r);
      else c.wr16(seg, off, r);
      return;
    }
    case 2: callNear(c, v); return;
    case 4: c.jumpNear(v); return;
    default: if (sh === 31) c.push32(v); else c.push16(v);
  }
}

/**
 * D8-DF: coprocessor escape. There is no FPU: with CR0.EM or CR0.TS set the instruction
 * raises #NM (what a BIOS arranges); otherwise it decodes its operand, checks the
 * segment limit as the CPU does for the operand transfer, and does nothing else - so
 * FNINIT / FNSTSW probes find no coprocessor.
 */
export function escape(c: CpuCore, op: number): void {
  if (c.cr0 & (CR0_EM | CR0_TS)) c.raise(EXC_NM);
  const m = c.fetch8();
  if (m >= 0xc0) return;
  const off = ea(c, m);
  c.checkRead(c.eaSeg, off, escapeOperandSize(op, (m >> 3) & 7));
}

function escapeOperandSize(op: number, reg: number): number {
  switch (op) {
    case 0xd8: case 0xda: return 4;
    case 0xdc: return 8;
    case 0xde: return 2;
    case 0xd9: return reg === 4 || reg === 6 ? 14 : reg === 5 || reg === 7 ? 2 : 4;
    case 0xdb: return reg === 5 || reg === 7 ? 10 : 4;
    case 0xdd: return reg === 4 || reg === 6 ? 94 : reg === 7 ? 2 : 8;
    default: return reg === 4 || reg === 6 ? 10 : reg === 5 || reg === 7 ? 8 : 2;
  }
}
