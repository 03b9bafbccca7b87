/**
 * Integer arithmetic and its flags: the eight ALU operations, INC/DEC/NEG, shifts and
 * rotates, multiply/divide and the BCD adjustments. Operands and results are unsigned and
 * masked for 8/16-bit sizes and int32 for 32-bit; `sh` is the sign-bit position (7, 15, 31).
 *
 * Flags follow the 386 where Intel defines them (SDM vol. 2, each instruction's "Flags
 * Affected"); where Intel leaves a flag undefined we do what the hardware tests in
 * test/cpu/hardware-80286.test.ts accept (e.g. AF is cleared by logic operations and shifts,
 * MUL/IMUL leave SF/ZF/PF as the low half of the product gives them).
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { AF, CF, EXC_DE, OF } = constants;

// Not exported: an exported const is read through its module cell even here, and the switch
// below became a chain of cell loads and compares instead of a jump table (measured with
// callgrind: 8-13 host instructions more per ALU instruction).
const ALU_ADD = 0;
const ALU_OR = 1;
const ALU_ADC = 2;
const ALU_SBB = 3;
const ALU_AND = 4;
const ALU_XOR = 6;

/** One of ADD OR ADC SBB AND SUB XOR CMP; returns the result (the caller stores it unless CMP). */
export function alu(c: CpuCore, op: number, a: number, b: number, sh: number): number {
  let r: number;
  switch (op) {
    case ALU_ADD:
      r = sh === 31 ? (a + b) | 0 : a + b;
      c.setAdd(a, b, r, sh);
      return r;
    case ALU_OR:
      r = a | b;
      c.setLogic(r, sh);
      return r;
    case ALU_ADC:
      r = a + b + c.getCF();
      if (sh === 31) r |= 0;
      c.setAdd(a, b, r, sh);
      return r;
    case ALU_SBB:
      r = a - b - c.getCF();
      if (sh === 31) r |= 0;
      c.setSub(a, b, r, sh);
      return r;
    case ALU_AND:
      r = a & b;
      c.setLogic(r, sh);
      return r;
    case ALU_XOR:
      r = a ^ b;
      c.setLogic(r, sh);
      return r;
    default: // SUB, CMP
      r = sh === 31 ? (a - b) | 0 : a - b;
      c.setSub(a, b, r, sh);
      return r;
  }
}

/** INC and DEC leave CF alone (SDM vol. 2, INC). */
export function inc(c: CpuCore, a: number, sh: number): number {
  const r = sh === 31 ? (a + 1) | 0 : a + 1;
  c.setInc(a, r, sh);
  return r;
}

export function dec(c: CpuCore, a: number, sh: number): number {
  const r = sh === 31 ? (a - 1) | 0 : a - 1;
  c.setDec(a, r, sh);
  return r;
}

export function neg(c: CpuCore, a: number, sh: number): number {
  const r = sh === 31 ? -a | 0 : -a;
  c.setSub(0, a, r, sh);
  return r;
}

/** Set CF and OF, keeping the other flags (rotates touch nothing else). */
function setCfOf(c: CpuCore, cf: number, of: number): void {
  c.flags = (c.getFlags() & ~(CF | OF)) | cf | (of << 11);
}

/**
 * Group 2: ROL ROR RCL RCR SHL SHR SAL SAR of `v` (masked to the size) by `count`, which the
 * caller has already masked to 5 bits as the 386 does. A zero count changes nothing, flags
 * included. Returns the new value, masked (int32 for 32-bit).
 */
export function shift(c: CpuCore, op: number, v: number, count: number, sh: number): number {
  if (count === 0) return v;
  const bits = sh + 1;
  const mask = (2 << sh) - 1;
  let r: number;
  let cf: number;
  switch (op) {
    case 0: { // ROL
      const n = count & sh;
      r = n === 0 ? v : ((v << n) | (v >>> (bits - n))) & mask;
      cf = r & 1;
      setCfOf(c, cf, cf ^ ((r >>> sh) & 1));
      return r;
    }
    case 1: { // ROR
      const n = count & sh;
      r = n === 0 ? v : ((v >>> n) | (v << (bits - n))) & mask;
      setCfOf(c, (r >>> sh) & 1, ((r >>> sh) ^ (r >>> (sh - 1))) & 1);
      return r;
    }
    case 2: { // RCL: rotate through CF, count mod 9 / 17 for 8 / 16 bits
      const cin = c.getCF();
      if (sh === 31) {
        if (count === 1) r = (v << 1) | cin;
        else r = (v << count) | (cin << (count - 1)) | (v >>> (33 - count));
        cf = (v >>> (32 - count)) & 1;
      } else {
        // A count that is a multiple of 9 (17) rotates back to the start, but the flags are
        // still written, as the hardware tests show.
        const n = count % (bits + 1);
        const wide = (cin << bits) | v;
        const x = n === 0 ? wide : ((wide << n) | (wide >>> (bits + 1 - n))) & ((mask << 1) | 1);
        r = x & mask;
        cf = x >>> bits;
      }
      setCfOf(c, cf, cf ^ ((r >>> sh) & 1));
      return r;
    }
    case 3: { // RCR
      const cin = c.getCF();
      if (sh === 31) {
        if (count === 1) r = (v >>> 1) | (cin << 31);
        else r = (v >>> count) | (cin << (32 - count)) | (v << (33 - count));
        cf = (v >>> (count - 1)) & 1;
      } else {
        const n = count % (bits + 1);
        const wide = (cin << bits) | v;
        const x = n === 0 ? wide : ((wide >>> n) | (wide << (bits + 1 - n))) & ((mask << 1) | 1);
        r = x & mask;
        cf = x >>> bits;
      }
      setCfOf(c, cf, ((r >>> sh) ^ (r >>> (sh - 1))) & 1);
      return r;
    }
    case 4:
    case 6: // SHL / SAL
      r = count < bits ? (v << count) & mask : 0;
      cf = count <= bits ? (v >>> (bits - count)) & 1 : 0;
      if (sh === 31) r |= 0;
      c.setResultFlags(r, sh, cf | ((cf ^ ((r >>> sh) & 1)) << 11));
      return r;
    case 5: // SHR
      r = count < bits ? v >>> count : 0;
      cf = count <= bits ? (v >>> (count - 1)) & 1 : 0;
      if (sh === 31) r |= 0;
      c.setResultFlags(r, sh, cf | ((((r << 1) ^ r) >>> sh) & 1) << 11);
      return r;
    default: { // SAR
      const sv = (v << (31 - sh)) >> (31 - sh);
      r = (sv >> count) & mask;
      cf = (sv >> (count - 1)) & 1;
      c.setResultFlags(r, sh, cf);
      return r;
    }
  }
}

/**
 * SHLD / SHRD (0F A4/A5/AC/AD): shift `dst` left/right by `count` (already masked to 5 bits),
 * filling from `src`. For 16-bit operands a count above 16 is undefined; we shift through the
 * 32-bit concatenation as the 386 does.
 */
export function shiftDouble(c: CpuCore, left: boolean, dst: number, src: number, count: number, sh: number): number {
  if (count === 0) return dst;
  let r: number;
  let cf: number;
  if (sh === 31) {
    if (left) {
      r = (dst << count) | (src >>> (32 - count));
      cf = (dst >>> (32 - count)) & 1;
    } else {
      r = (dst >>> count) | (src << (32 - count));
      cf = (dst >>> (count - 1)) & 1;
    }
    r |= 0;
  } else {
    // 16-bit: shift through dst:src:dst as 48 bits (counts above 16 are undefined; this is
    // what Bochs models for the 386), exact in a double.
    const wide = dst * 4294967296 + src * 65536 + dst;
    if (left) {
      r = Math.floor(wide / 2 ** (32 - count)) & 0xffff;
      cf = Math.floor(wide / 2 ** (48 - count)) & 1;
    } else {
      r = Math.floor(wide / 2 ** count) & 0xffff;
      cf = Math.floor(wide / 2 ** (count - 1)) & 1;
    }
  }
  const msbChanged = ((r ^ dst) >>> sh) & 1;
  c.setResultFlags(r, sh, cf | (msbChanged << 11));
  return r;
}

// ---------------------------------------------------------------- multiply

/** High 32 bits of the unsigned 64-bit product a*b (a, b as uint32). */
function mulHighU32(a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** High 32 bits of the signed 64-bit product a*b (a, b as int32). */
function mulHighS32(a: number, b: number): number {
  let hi = mulHighU32(a, b);
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  return hi;
}

/** MUL/IMUL flags: CF = OF = `overflow`; SF ZF PF from the low half, AF cleared. */
function setMulFlags(c: CpuCore, low: number, sh: number, overflow: boolean): void {
  c.setResultFlags(low, sh, overflow ? CF | OF : 0);
}

/** F6/F7 /4 MUL and /5 IMUL (one operand): widen into AX, DX:AX or EDX:EAX. */
export function mulAcc(c: CpuCore, signed: boolean, v: number, sh: number): void {
  const r = c.regs;
  if (sh === 7) {
    const al = c.r8[0];
    const p = signed ? ((al << 24) >> 24) * ((v << 24) >> 24) : al * v;
    c.r16[0] = p;
    const low = p & 0xff;
    setMulFlags(c, low, 7, signed ? p !== (low << 24) >> 24 : p > 0xff);
  } else if (sh === 15) {
    const ax = c.r16[0];
    const p = signed ? ((ax << 16) >> 16) * ((v << 16) >> 16) : ax * v;
    c.r16[0] = p;
    c.r16[4] = p >> 16;
    const low = p & 0xffff;
    setMulFlags(c, low, 15, signed ? p !== (low << 16) >> 16 : p > 0xffff);
  } else {
    const a = r[0];
    const lo = Math.imul(a, v);
    const hi = signed ? mulHighS32(a, v) : mulHighU32(a, v);
    r[0] = lo;
    r[2] = hi;
    setMulFlags(c, lo, 31, signed ? hi !== lo >> 31 : hi !== 0);
  }
}

/** IMUL r, r/m (, imm): the truncated signed product; CF = OF when it does not fit. */
export function imulTrunc(c: CpuCore, a: number, b: number, sh: number): number {
  if (sh === 15) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    const low = p & 0xffff;
    setMulFlags(c, low, 15, p !== (low << 16) >> 16);
    return low;
  }
  const lo = Math.imul(a, b);
  setMulFlags(c, lo, 31, mulHighS32(a, b) !== lo >> 31);
  return lo;
}

// ---------------------------------------------------------------- divide

/** F6/F7 /6 DIV and /7 IDIV. #DE on a zero divisor or a quotient that does not fit. Flags are undefined: left alone. */
export function divAcc(c: CpuCore, signed: boolean, v: number, sh: number): void {
  if (sh === 7) {
    const ax = c.r16[0];
    if (signed) {
      const d = (v << 24) >> 24;
      if (d === 0) c.raise(EXC_DE);
      const n = (ax << 16) >> 16;
      const q = (n / d) | 0;
      if (q > 127 || q < -128) c.raise(EXC_DE);
      c.r8[0] = q;
      c.r8[1] = n % d;
    } else {
      if (v === 0) c.raise(EXC_DE);
      const q = Math.floor(ax / v);
      if (q > 0xff) c.raise(EXC_DE);
      c.r8[0] = q;
      c.r8[1] = ax % v;
    }
  } else if (sh === 15) {
    const num = (c.r16[4] << 16) | c.r16[0];
    if (signed) {
      const d = (v << 16) >> 16;
      if (d === 0) c.raise(EXC_DE);
      const q = Math.trunc(num / d);
      if (q > 32767 || q < -32768) c.raise(EXC_DE);
      c.r16[0] = q;
      c.r16[4] = num % d;
    } else {
      if (v === 0) c.raise(EXC_DE);
      const n = num >>> 0;
      const q = Math.floor(n / v);
      if (q > 0xffff) c.raise(EXC_DE);
      c.r16[0] = q;
      c.r16[4] = n % v;
    }
  } else {
    div64(c, signed, c.regs[2], c.regs[0], v);
  }
}

/** Quotient and remainder of the unsigned 64-bit hi:lo by d (uint32, hi < d), in two 16-bit steps. */
function udiv64(hi: number, lo: number, d: number, out: Float64Array): void {
  let rem = hi;
  let q = 0;
  for (let shift = 16; shift >= 0; shift -= 16) {
    const cur = rem * 65536 + ((lo >>> shift) & 0xffff);
    let part = Math.floor(cur / d);
    let r = cur - part * d;
    if (r < 0) {
      part--;
      r += d;
    } else if (r >= d) {
      part++;
      r -= d;
    }
    q = q * 65536 + part;
    rem = r;
  }
  out[0] = q;
  out[1] = rem;
}

const divOut = new Float64Array(2);

function div64(c: CpuCore, signed: boolean, hi: number, lo: number, divisor: number): void {
  if (divisor === 0) c.raise(EXC_DE);
  if (!signed) {
    const d = divisor >>> 0;
    if (hi >>> 0 >= d) c.raise(EXC_DE);
    udiv64(hi >>> 0, lo >>> 0, d, divOut);
    c.regs[0] = divOut[0] | 0;
    c.regs[2] = divOut[1] | 0;
    return;
  }
  const negN = hi < 0;
  let h = hi;
  let l = lo;
  if (negN) {
    l = -lo | 0;
    h = ~hi + (l === 0 ? 1 : 0);
  }
  const negD = divisor < 0;
  const d = negD ? -divisor >>> 0 : divisor >>> 0;
  if (h >>> 0 >= d) c.raise(EXC_DE);
  udiv64(h >>> 0, l >>> 0, d, divOut);
  let q = divOut[0];
  let r = divOut[1];
  if (negN !== negD) q = -q;
  if (negN) r = -r;
  if (q > 0x7fffffff || q < -0x80000000) c.raise(EXC_DE);
  c.regs[0] = q | 0;
  c.regs[2] = r | 0;
}

// ---------------------------------------------------------------- BCD (SDM vol. 2, DAA DAS AAA AAS AAM AAD)

function setAl(c: CpuCore, al: number, flags: number): void {
  // flags carries CF and AF; OF is undefined (cleared); SF ZF PF from AL.
  c.r8[0] = al;
  c.setResultFlags(al & 0xff, 7, flags);
}

export function daa(c: CpuCore): void {
  const oldAl = c.r8[0];
  const oldCf = c.getCF();
  let al = oldAl;
  let f = 0;
  if ((al & 0x0f) > 9 || c.getAF()) {
    al += 6;
    f |= AF | (oldCf || al > 0xff ? CF : 0);
  }
  if (oldAl > 0x99 || oldCf) {
    al += 0x60;
    f |= CF;
  } else {
    f &= ~CF;
  }
  setAl(c, al & 0xff, f);
}

export function das(c: CpuCore): void {
  const oldAl = c.r8[0];
  const oldCf = c.getCF();
  let al = oldAl;
  let f = 0;
  if ((al & 0x0f) > 9 || c.getAF()) {
    al -= 6;
    f |= AF | (oldCf || al < 0 ? CF : 0);
  }
  if (oldAl > 0x99 || oldCf) {
    al -= 0x60;
    f |= CF;
  }
  setAl(c, al & 0xff, f);
}

/** AAA/AAS: the 386 adjusts AX as a whole (AX ± 106h), see the SDM pseudo-code. */
export function aaa(c: CpuCore, subtract: boolean): void {
  let f = 0;
  if ((c.r8[0] & 0x0f) > 9 || c.getAF()) {
    c.r16[0] = subtract ? c.r16[0] - 0x106 : c.r16[0] + 0x106;
    f = AF | CF;
  }
  c.r8[0] &= 0x0f;
  setAl(c, c.r8[0], f);
}

export function aam(c: CpuCore, base: number): void {
  if (base === 0) c.raise(EXC_DE);
  const al = c.r8[0];
  c.r8[1] = Math.floor(al / base);
  setAl(c, al % base, 0);
}

export function aad(c: CpuCore, base: number): void {
  const al = (c.r8[0] + c.r8[1] * base) & 0xff;
  c.r8[1] = 0;
  setAl(c, al, 0);
}
