/**
 * The two-byte opcode map (0F xx) (SDM vol. 2, table A-3): the 386's, the 486's (CMPXCHG,
 * XADD, BSWAP, INVD, WBINVD, INVLPG in group 7) and the few later ones CPUID reports
 * (ops-msr.ts): CPUID, RDTSC, RDMSR, WRMSR, CMPXCHG8B, CMOVcc, and the multi-byte NOP.
 * Everything else is #UD.
 */
import * as aluOps from './alu.js';
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as modrm from './modrm.js';
import * as ops486 from './ops-486.js';
import * as controlOps from './ops-control.js';
import * as msrOps from './ops-msr.js';
import * as protectionOps from './ops-protection.js';
import * as systemOps from './ops-system.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { imulTrunc, shiftDouble } = aluOps;
const { CF, EXC_UD, FS, GS, SS, ZF, R8 } = constants;
const { ea, readRm16, readRm32, readRm8 } = modrm;
const { farPointerLoad, popSeg } = controlOps;
const { bswap, cacheFlush, cmov, cmpxchg, group9, nopEv, xadd } = ops486;
const { cpuid, rdmsr, rdtsc, wrmsr } = msrOps;
const { larLsl } = protectionOps;
const { clts, group6, group7, movCr, movDr } = systemOps;

export function exec0f(c: CpuCore): void {
  const op = c.fetch8();
  if (op >= 0x80 && op <= 0x8f) { // Jcc rel16/32
    const d = c.o32 ? c.fetch32() : c.fetch16();
    if (c.cond(op & 15)) c.jumpNear((c.eip + d) | 0);
    return;
  }
  if (op >= 0x90 && op <= 0x9f) { // SETcc r/m8
    const m = c.fetch8();
    const v = c.cond(op & 15) ? 1 : 0;
    if (m >= 0xc0) c.r8[R8[m & 7]] = v;
    else {
      const off = ea(c, m);
      c.wr8(c.eaSeg, off, v);
    }
    return;
  }
  switch (op) {
    case 0x00: group6(c); return;
    case 0x01: group7(c); return;
    case 0x02: larLsl(c, false); return;
    case 0x03: larLsl(c, true); return;
    case 0x06: clts(c); return;
    case 0x07: return c.unimplemented('LOADALL', '0f 07');
    case 0x08: case 0x09: cacheFlush(c); return; // INVD, WBINVD
    case 0x1f: nopEv(c); return;
    case 0x20: movCr(c, false); return;
    case 0x21: movDr(c, false); return;
    case 0x22: movCr(c, true); return;
    case 0x23: movDr(c, true); return;
    case 0x24:
    case 0x26: return c.unimplemented('MOV TRn', `0f ${op.toString(16)} /r`);
    case 0x30: wrmsr(c); return;
    case 0x31: rdtsc(c); return;
    case 0x32: rdmsr(c); return;
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
      cmov(c, op);
      return;
    case 0xa2: cpuid(c); return;
    case 0xa0: pushSel(c, FS); return;
    case 0xa1: popSeg(c, FS); return;
    case 0xa8: pushSel(c, GS); return;
    case 0xa9: popSeg(c, GS); return;
    case 0xa3: case 0xab: case 0xb3: case 0xbb: bitTest(c, (op >> 3) & 3, false); return;
    case 0xba: bitTest(c, 0, true); return;
    case 0xa4: case 0xa5: case 0xac: case 0xad: doubleShift(c, op); return;
    case 0xaf: { // IMUL Gv, Ev
      const m = c.fetch8();
      const reg = (m >> 3) & 7;
      if (c.o32) c.regs[reg] = imulTrunc(c, c.regs[reg], readRm32(c, m), 31);
      else c.r16[reg << 1] = imulTrunc(c, c.r16[reg << 1], readRm16(c, m), 15);
      return;
    }
    case 0xb0: case 0xb1: cmpxchg(c, op); return;
    case 0xb2: farPointerLoad(c, SS); return;
    case 0xb4: farPointerLoad(c, FS); return;
    case 0xb5: farPointerLoad(c, GS); return;
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: { // MOVZX / MOVSX
      const m = c.fetch8();
      const reg = (m >> 3) & 7;
      let v: number;
      if (op & 1) {
        v = readRm16(c, m);
        if (op === 0xbf) v = (v << 16) >> 16;
      } else {
        v = readRm8(c, m);
        if (op === 0xbe) v = (v << 24) >> 24;
      }
      if (c.o32) c.regs[reg] = v;
      else c.r16[reg << 1] = v;
      return;
    }
    case 0xbc: case 0xbd: bitScan(c, op === 0xbd); return;
    case 0xc0: case 0xc1: xadd(c, op); return;
    case 0xc7: group9(c); return;
    case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf:
      bswap(c, op);
      return;
    default:
      return c.raise(EXC_UD);
  }
}

function pushSel(c: CpuCore, s: number): void {
  if (c.o32) c.push32(c.segSel[s]);
  else c.push16(c.segSel[s]);
}

/**
 * BT BTS BTR BTC (op 0-3 = test, set, reset, complement). With a register bit offset and a
 * memory operand the offset is signed and may address any bit of memory relative to the
 * operand (SDM vol. 2, BT "bit string"); an immediate offset is taken modulo the size.
 * CF = the bit; the other flags are undefined and left alone.
 */
function bitTest(c: CpuCore, op: number, immediate: boolean): void {
  const m = c.fetch8();
  if (immediate) {
    const sub = (m >> 3) & 7;
    if (sub < 4) c.raise(EXC_UD);
    op = sub - 4;
  }
  const o32 = c.o32;
  const bits = o32 ? 32 : 16;
  if (m >= 0xc0) {
    const offset = (immediate ? c.fetch8() : o32 ? c.regs[(m >> 3) & 7] : c.r16[((m >> 3) & 7) << 1]) & (bits - 1);
    const v = o32 ? c.regs[m & 7] : c.r16[(m & 7) << 1];
    const r = bitApply(c, op, v, offset);
    if (op !== 0) {
      if (o32) c.regs[m & 7] = r;
      else c.r16[(m & 7) << 1] = r;
    }
    return;
  }
  let off = ea(c, m);
  const seg = c.eaSeg;
  let offset: number;
  if (immediate) offset = c.fetch8() & (bits - 1);
  else {
    const raw = o32 ? c.regs[(m >> 3) & 7] : (c.r16[((m >> 3) & 7) << 1] << 16) >> 16;
    off = (off + (raw >> (o32 ? 5 : 4)) * (bits >> 3)) | 0;
    if (!c.a32) off &= 0xffff;
    offset = raw & (bits - 1);
  }
  const v = o32 ? c.rd32(seg, off) : c.rd16(seg, off);
  const r = bitApply(c, op, v, offset);
  if (op !== 0) {
    if (o32) c.wr32(seg, off, r);
    else c.wr16(seg, off, r);
  }
}

function bitApply(c: CpuCore, op: number, v: number, offset: number): number {
  const bit = 1 << offset;
  c.setFlags((v >>> offset) & 1, CF);
  switch (op) {
    case 1: return v | bit;
    case 2: return v & ~bit;
    case 3: return v ^ bit;
    default: return v;
  }
}

/** BSF / BSR: ZF = source is zero (destination then left unchanged, as a 386 does). */
function bitScan(c: CpuCore, reverse: boolean): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  const v = c.o32 ? readRm32(c, m) : readRm16(c, m);
  if (v === 0) {
    c.setFlags(ZF, ZF);
    return;
  }
  c.setFlags(0, ZF);
  const index = reverse ? 31 - Math.clz32(v) : 31 - Math.clz32(v & -v);
  if (c.o32) c.regs[reg] = index;
  else c.r16[reg << 1] = index;
}

/** SHLD / SHRD with an imm8 (A4 AC) or CL (A5 AD) count. */
function doubleShift(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  const left = op < 0xa8;
  const sh = c.o32 ? 31 : 15;
  let off = 0;
  let seg = 0;
  let v: number;
  if (m >= 0xc0) v = sh === 31 ? c.regs[m & 7] : c.r16[(m & 7) << 1];
  else {
    off = ea(c, m);
    seg = c.eaSeg;
    v = sh === 31 ? c.rd32(seg, off) : c.rd16(seg, off);
  }
  const count = (op & 1 ? c.r8[4] : c.fetch8()) & 31;
  const src = sh === 31 ? c.regs[reg] : c.r16[reg << 1];
  const r = shiftDouble(c, left, v, src, count, sh);
  if (m >= 0xc0) {
    if (sh === 31) c.regs[m & 7] = r;
    else c.r16[(m & 7) << 1] = r;
  } else if (count !== 0) {
    if (sh === 31) c.wr32(seg, off, r);
    else c.wr16(seg, off, r);
  }
}
