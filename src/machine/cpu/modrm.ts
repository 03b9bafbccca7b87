/**
 * ModR/M and SIB decoding: effective addresses for 16-bit and 32-bit addressing
 * (Intel SDM vol. 2, tables 2-1 to 2-3). The offset is returned; the segment (default
 * or override) is left in `c.eaSeg`.
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { DS, SS, R8 } = constants;

/** Effective address of a memory ModR/M operand (mod != 3). */
export function ea(c: CpuCore, modrm: number): number {
  return c.a32 ? ea32(c, modrm) : ea16(c, modrm);
}

function ea16(c: CpuCore, modrm: number): number {
  const mod = modrm >> 6;
  const r = c.r16;
  let off: number;
  let seg = DS;
  // r16 indices: BX = 6, BP = 10, SI = 12, DI = 14.
  switch (modrm & 7) {
    case 0: off = r[6] + r[12]; break;
    case 1: off = r[6] + r[14]; break;
    case 2: off = r[10] + r[12]; seg = SS; break;
    case 3: off = r[10] + r[14]; seg = SS; break;
    case 4: off = r[12]; break;
    case 5: off = r[14]; break;
    case 6:
      if (mod === 0) off = c.fetch16();
      else {
        off = r[10];
        seg = SS;
      }
      break;
    default: off = r[6]; break;
  }
  if (mod === 1) off += c.fetchS8();
  else if (mod === 2) off += c.fetch16();
  c.eaSeg = c.segOvr >= 0 ? c.segOvr : seg;
  return off & 0xffff;
}

function ea32(c: CpuCore, modrm: number): number {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  const r = c.regs;
  let off: number;
  let seg = DS;
  if (rm === 4) {
    const sib = c.fetch8();
    const base = sib & 7;
    const index = (sib >> 3) & 7;
    if (base === 5 && mod === 0) off = c.fetch32();
    else {
      off = r[base];
      if (base === 4 || base === 5) seg = SS;
    }
    if (index !== 4) off = (off + (r[index] << (sib >> 6))) | 0;
  } else if (rm === 5) {
    if (mod === 0) off = c.fetch32();
    else {
      off = r[5];
      seg = SS;
    }
  } else {
    off = r[rm];
  }
  if (mod === 1) off = (off + c.fetchS8()) | 0;
  else if (mod === 2) off = (off + c.fetch32()) | 0;
  c.eaSeg = c.segOvr >= 0 ? c.segOvr : seg;
  return off;
}

/**
 * The r/m operand of ModR/M byte `m`: a register, or memory at its effective address. (These
 * call ea16/ea32 themselves: `ea`, being exported, would be read through its module cell.)
 */
export function readRm8(c: CpuCore, m: number): number {
  if (m >= 0xc0) return c.r8[R8[m & 7]];
  const off = c.a32 ? ea32(c, m) : ea16(c, m);
  return c.rd8(c.eaSeg, off);
}

export function readRm16(c: CpuCore, m: number): number {
  if (m >= 0xc0) return c.r16[(m & 7) << 1];
  const off = c.a32 ? ea32(c, m) : ea16(c, m);
  return c.rd16(c.eaSeg, off);
}

export function readRm32(c: CpuCore, m: number): number {
  if (m >= 0xc0) return c.regs[m & 7];
  const off = c.a32 ? ea32(c, m) : ea16(c, m);
  return c.rd32(c.eaSeg, off);
}
