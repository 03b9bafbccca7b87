/**
 * Data movement: MOV in all its forms, LEA, XCHG, PUSH/POP of registers, immediates and
 * r/m, segment register moves, CBW/CWD, XLAT.
 *
 * One small function per opcode form: V8 inlines the fetch/decode/memory helpers into
 * functions this size, which it stops doing inside the big dispatch switch (exec.ts).
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as modrm from './modrm.js';
import * as controlOps from './ops-control.js';
import * as segments from './segments.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { CS, DS, EXC_UD, SS, R8 } = constants;
const { ea, readRm16 } = modrm;
const { inhibitInterrupts } = controlOps;
const { loadSeg } = segments;

export function movEbGb(c: CpuCore): void {
  const m = c.fetch8();
  const v = c.r8[R8[(m >> 3) & 7]];
  if (m >= 0xc0) c.r8[R8[m & 7]] = v;
  else {
    const off = ea(c, m);
    c.wr8(c.eaSeg, off, v);
  }
}

export function movEvGv(c: CpuCore): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  if (m >= 0xc0) {
    if (c.o32) c.regs[m & 7] = c.regs[reg];
    else c.r16[(m & 7) << 1] = c.r16[reg << 1];
  } else {
    const off = ea(c, m);
    if (c.o32) c.wr32(c.eaSeg, off, c.regs[reg]);
    else c.wr16(c.eaSeg, off, c.r16[reg << 1]);
  }
}

export function movGbEb(c: CpuCore): void {
  const m = c.fetch8();
  let v: number;
  if (m >= 0xc0) v = c.r8[R8[m & 7]];
  else {
    const off = ea(c, m);
    v = c.rd8(c.eaSeg, off);
  }
  c.r8[R8[(m >> 3) & 7]] = v;
}

export function movGvEv(c: CpuCore): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  if (c.o32) {
    if (m >= 0xc0) c.regs[reg] = c.regs[m & 7];
    else {
      const off = ea(c, m);
      c.regs[reg] = c.rd32(c.eaSeg, off);
    }
  } else if (m >= 0xc0) c.r16[reg << 1] = c.r16[(m & 7) << 1];
  else {
    const off = ea(c, m);
    c.r16[reg << 1] = c.rd16(c.eaSeg, off);
  }
}

/** B8-BF: MOV r16/r32, imm. */
export function movRegImm(c: CpuCore, op: number): void {
  if (c.o32) c.regs[op & 7] = c.fetch32();
  else c.r16[(op & 7) << 1] = c.fetch16();
}

/** C6 / C7 /0: MOV r/m, imm (the displacement precedes the immediate). */
export function movEImm(c: CpuCore, op: number): void {
  const m = c.fetch8();
  if ((m & 0x38) !== 0) c.raise(EXC_UD);
  if (m >= 0xc0) {
    if (op === 0xc6) c.r8[R8[m & 7]] = c.fetch8();
    else if (c.o32) c.regs[m & 7] = c.fetch32();
    else c.r16[(m & 7) << 1] = c.fetch16();
    return;
  }
  const off = ea(c, m);
  const seg = c.eaSeg;
  if (op === 0xc6) c.wr8(seg, off, c.fetch8());
  else if (c.o32) c.wr32(seg, off, c.fetch32());
  else c.wr16(seg, off, c.fetch16());
}

export function lea(c: CpuCore): void {
  const m = c.fetch8();
  if (m >= 0xc0) c.raise(EXC_UD);
  const off = ea(c, m);
  if (c.o32) c.regs[(m >> 3) & 7] = off;
  else c.r16[((m >> 3) & 7) << 1] = off;
}

/** A0-A3: MOV AL/eAX <-> [moffs]. */
export function movMoffs(c: CpuCore, op: number): void {
  const off = c.a32 ? c.fetch32() : c.fetch16();
  const seg = c.segOvr >= 0 ? c.segOvr : DS;
  switch (op) {
    case 0xa0: c.r8[0] = c.rd8(seg, off); return;
    case 0xa2: c.wr8(seg, off, c.r8[0]); return;
    case 0xa1:
      if (c.o32) c.regs[0] = c.rd32(seg, off);
      else c.r16[0] = c.rd16(seg, off);
      return;
    default:
      if (c.o32) c.wr32(seg, off, c.regs[0]);
      else c.wr16(seg, off, c.r16[0]);
  }
}

/** 86 / 87: XCHG r/m, r. */
export function xchgRm(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  if (m >= 0xc0) {
    if (op === 0x86) {
      const t = c.r8[R8[reg]];
      c.r8[R8[reg]] = c.r8[R8[m & 7]];
      c.r8[R8[m & 7]] = t;
    } else if (c.o32) {
      const t = c.regs[reg];
      c.regs[reg] = c.regs[m & 7];
      c.regs[m & 7] = t;
    } else {
      const t = c.r16[reg << 1];
      c.r16[reg << 1] = c.r16[(m & 7) << 1];
      c.r16[(m & 7) << 1] = t;
    }
    return;
  }
  const off = ea(c, m);
  const seg = c.eaSeg;
  if (op === 0x86) {
    const t = c.rd8(seg, off);
    c.wr8(seg, off, c.r8[R8[reg]]);
    c.r8[R8[reg]] = t;
  } else if (c.o32) {
    const t = c.rd32(seg, off);
    c.wr32(seg, off, c.regs[reg]);
    c.regs[reg] = t;
  } else {
    const t = c.rd16(seg, off);
    c.wr16(seg, off, c.r16[reg << 1]);
    c.r16[reg << 1] = t;
  }
}

/** 91-97: XCHG eAX, r. */
export function xchgAcc(c: CpuCore, op: number): void {
  const i = op & 7;
  if (c.o32) {
    const t = c.regs[0];
    c.regs[0] = c.regs[i];
    c.regs[i] = t;
  } else {
    const t = c.r16[0];
    c.r16[0] = c.r16[i << 1];
    c.r16[i << 1] = t;
  }
}

/** 8C: MOV r/m16, Sreg. A register destination with 32-bit operand size gets the selector zero-extended. */
export function movEwSreg(c: CpuCore): void {
  const m = c.fetch8();
  const s = (m >> 3) & 7;
  if (s > 5) c.raise(EXC_UD);
  const v = c.segSel[s];
  if (m >= 0xc0) {
    if (c.o32) c.regs[m & 7] = v;
    else c.r16[(m & 7) << 1] = v;
  } else {
    const off = ea(c, m);
    c.wr16(c.eaSeg, off, v);
  }
}

/** 8E: MOV Sreg, r/m16 (not CS). MOV SS holds off interrupts for one instruction. */
export function movSregEw(c: CpuCore): void {
  const m = c.fetch8();
  const s = (m >> 3) & 7;
  if (s > 5 || s === CS) c.raise(EXC_UD);
  loadSeg(c, s, readRm16(c, m));
  if (s === SS) inhibitInterrupts(c);
}

export function pushReg(c: CpuCore, op: number): void {
  if (c.o32) c.push32(c.regs[op & 7]);
  else c.push16(c.r16[(op & 7) << 1]);
}

/** 58-5F. POP ESP loads the popped value (the increment is overwritten). */
export function popReg(c: CpuCore, op: number): void {
  if (c.o32) {
    const v = c.pop32();
    c.regs[op & 7] = v;
  } else {
    const v = c.pop16();
    c.r16[(op & 7) << 1] = v;
  }
}

/** 68: PUSH imm16/32. 6A: PUSH sign-extended imm8. */
export function pushImm(c: CpuCore, op: number): void {
  const v = op === 0x68 ? (c.o32 ? c.fetch32() : c.fetch16()) : c.fetchS8();
  if (c.o32) c.push32(v);
  else c.push16(v);
}

export function pushSeg(c: CpuCore, s: number): void {
  if (c.o32) c.push32(c.segSel[s]);
  else c.push16(c.segSel[s]);
}

/** 8F /0: POP r/m. An ESP-based address is computed after ESP is incremented (SDM vol. 2, POP). */
export function popRm(c: CpuCore): void {
  const m = c.fetch8();
  if ((m & 0x38) !== 0) c.raise(EXC_UD);
  const size = c.o32 ? 4 : 2;
  const v = c.o32 ? c.peek32(0) : c.peek16(0);
  if (m >= 0xc0) {
    c.addSp(size);
    if (c.o32) c.regs[m & 7] = v;
    else c.r16[(m & 7) << 1] = v;
    return;
  }
  const savedSp = c.regs[4];
  c.addSp(size);
  try {
    const off = ea(c, m);
    if (c.o32) c.wr32(c.eaSeg, off, v);
    else c.wr16(c.eaSeg, off, v);
  } catch (e) {
    c.regs[4] = savedSp;
    throw e;
  }
}

/** 98: CBW / CWDE. */
export function cbw(c: CpuCore): void {
  if (c.o32) c.regs[0] = (c.regs[0] << 16) >> 16;
  else c.r16[0] = (c.regs[0] << 24) >> 24;
}

/** 99: CWD / CDQ. */
export function cwd(c: CpuCore): void {
  if (c.o32) c.regs[2] = c.regs[0] >> 31;
  else c.r16[4] = (c.regs[0] << 16) >> 31;
}

/** D7: XLAT. */
export function xlat(c: CpuCore): void {
  const seg = c.segOvr >= 0 ? c.segOvr : DS;
  const off = c.a32 ? (c.regs[3] + c.r8[0]) | 0 : (c.r16[6] + c.r8[0]) & 0xffff;
  c.r8[0] = c.rd8(seg, off);
}
