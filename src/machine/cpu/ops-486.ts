/**
 * The instructions a 486-class CPU adds to the 386's two-byte map that an operating system
 * built for one uses (SDM vol. 2, each instruction's page): CMPXCHG, XADD, BSWAP, INVD,
 * WBINVD, INVLPG, and the later CMPXCHG8B, CMOVcc and multi-byte NOP that CPUID reports
 * (ops-msr.ts) and compilers emit for such a target.
 *
 * Read-modify-write order: a memory destination is read, the result computed, the memory
 * written, and only then registers and flags change - so a fault on the write (a read-only
 * segment, later a write-protected page) leaves the instruction without effect.
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as modrm from './modrm.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { CR0_PE, EXC_GP, EXC_UD, R8, ZF } = constants;
const { ea } = modrm;

/** Protected mode with CPL > 0 (virtual-8086 mode included: CPL 3): #GP(0). */
function requireCpl0(c: CpuCore): void {
  if (c.cr0 & CR0_PE && c.cpl !== 0) c.raise(EXC_GP, 0);
}

/** Register `i` of the operand size with sign-bit position `sh` (7: r8 encoding, 15, 31). */
function getReg(c: CpuCore, i: number, sh: number): number {
  return sh === 31 ? c.regs[i] : sh === 15 ? c.r16[i << 1] : c.r8[R8[i]];
}

function setReg(c: CpuCore, i: number, sh: number, v: number): void {
  if (sh === 31) c.regs[i] = v;
  else if (sh === 15) c.r16[i << 1] = v;
  else c.r8[R8[i]] = v;
}

function rdMem(c: CpuCore, seg: number, off: number, sh: number): number {
  return sh === 31 ? c.rd32(seg, off) : sh === 15 ? c.rd16(seg, off) : c.rd8(seg, off);
}

function wrMem(c: CpuCore, seg: number, off: number, sh: number, v: number): void {
  if (sh === 31) c.wr32(seg, off, v);
  else if (sh === 15) c.wr16(seg, off, v);
  else c.wr8(seg, off, v);
}

/**
 * 0F B0 / 0F B1: CMPXCHG r/m, r. Flags as CMP accumulator, destination. Equal: ZF = 1 and
 * the destination gets the source. Not equal: ZF = 0 and the accumulator gets the
 * destination. A memory destination is written in both cases (with its own value when
 * they differ), as the 486 does: the locked cycle always ends with a write (SDM vol. 2,
 * CMPXCHG: "the destination operand is written back if the comparison fails").
 */
export function cmpxchg(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const sh = op === 0xb0 ? 7 : c.o32 ? 31 : 15;
  const src = getReg(c, (m >> 3) & 7, sh);
  const acc = getReg(c, 0, sh);
  let dest: number;
  if (m >= 0xc0) {
    dest = getReg(c, m & 7, sh);
    if (acc === dest) setReg(c, m & 7, sh, src);
  } else {
    const off = ea(c, m);
    const seg = c.eaSeg;
    dest = rdMem(c, seg, off, sh);
    wrMem(c, seg, off, sh, acc === dest ? src : dest);
  }
  c.setSub(acc, dest, sh === 31 ? (acc - dest) | 0 : acc - dest, sh);
  if (acc !== dest) setReg(c, 0, sh, dest);
}

/** 0F C0 / 0F C1: XADD r/m, r. The source register gets the old destination, the destination the sum; flags as ADD. */
export function xadd(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const sh = op === 0xc0 ? 7 : c.o32 ? 31 : 15;
  const reg = (m >> 3) & 7;
  const src = getReg(c, reg, sh);
  let dest: number;
  let sum: number;
  if (m >= 0xc0) {
    dest = getReg(c, m & 7, sh);
    sum = sh === 31 ? (dest + src) | 0 : dest + src;
    setReg(c, reg, sh, dest);
    setReg(c, m & 7, sh, sum); // after the source: XADD r, r (the same register) leaves the sum
  } else {
    const off = ea(c, m);
    const seg = c.eaSeg;
    dest = rdMem(c, seg, off, sh);
    sum = sh === 31 ? (dest + src) | 0 : dest + src;
    wrMem(c, seg, off, sh, sum);
    setReg(c, reg, sh, dest);
  }
  c.setAdd(dest, src, sum, sh);
}

/**
 * 0F C8+r: BSWAP r32. With a 16-bit operand size Intel leaves the result undefined; Intel
 * processors (and Bochs) clear the low word and keep the high one, which is what we do.
 * (QEMU swaps all 32 bits instead: no software relies on either.)
 */
export function bswap(c: CpuCore, op: number): void {
  const i = op & 7;
  if (!c.o32) {
    c.r16[i << 1] = 0;
    return;
  }
  const v = c.regs[i];
  c.regs[i] = (v >>> 24) | ((v >> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24);
}

/**
 * 0F 40-4F: CMOVcc r, r/m. A memory source is read whether or not the condition holds, so it
 * faults either way (SDM vol. 2, CMOVcc: "the source operand is always read").
 */
export function cmov(c: CpuCore, op: number): void {
  const m = c.fetch8();
  const reg = (m >> 3) & 7;
  let v: number;
  if (m >= 0xc0) v = c.o32 ? c.regs[m & 7] : c.r16[(m & 7) << 1];
  else {
    const off = ea(c, m);
    v = c.o32 ? c.rd32(c.eaSeg, off) : c.rd16(c.eaSeg, off);
  }
  if (!c.cond(op & 15)) return;
  if (c.o32) c.regs[reg] = v;
  else c.r16[reg << 1] = v;
}

/**
 * 0F 1F /r: NOP r/m (the multi-byte NOP). The ModR/M byte, SIB and displacement are decoded
 * so the instruction has its full length; memory is not touched. Every reg field is a NOP
 * here, as on the processors that have the encoding (0F 1F /1-/7 are reserved NOPs).
 */
export function nopEv(c: CpuCore): void {
  const m = c.fetch8();
  if (m < 0xc0) ea(c, m);
}

/**
 * 0F C7 (group 9): /1 is CMPXCHG8B m64 - EDX:EAX against the quadword; equal: ZF = 1 and
 * ECX:EBX is stored; not equal: ZF = 0, EDX:EAX gets the quadword, which is written back
 * unchanged (the locked cycle writes either way). Only ZF changes. The register form and
 * the other reg fields are #UD.
 */
export function group9(c: CpuCore): void {
  const m = c.fetch8();
  if (m >= 0xc0 || ((m >> 3) & 7) !== 1) c.raise(EXC_UD);
  const off = ea(c, m);
  const seg = c.eaSeg;
  const hiOff = c.a32 ? (off + 4) | 0 : (off + 4) & 0xffff;
  c.checkWrite(seg, off, 8);
  const lo = c.rd32(seg, off);
  const hi = c.rd32(seg, hiOff);
  const r = c.regs;
  const equal = lo === r[0] && hi === r[2];
  // When the quadword spans two pages, rewrite the last byte first: a fault on the second
  // page then comes before anything has changed (the first page faults before any store).
  if ((((c.segBase[seg] + off) | 0) & 0xfff) > 0xff8) c.wr8(seg, (off + 7) | 0, hi >>> 24);
  if (equal) {
    c.wr32(seg, off, r[3]);
    c.wr32(seg, hiOff, r[1]);
  } else {
    c.wr32(seg, off, lo);
    c.wr32(seg, hiOff, hi);
    r[0] = lo;
    r[2] = hi;
  }
  c.setFlags(equal ? ZF : 0, ZF);
}

/** 0F 08 INVD / 0F 09 WBINVD: privileged; there is no cache to invalidate or write back. */
export function cacheFlush(c: CpuCore): void {
  requireCpl0(c);
}

/**
 * 0F 01 /7: INVLPG m. The register form is #UD; then CPL 0 is required. The operand's linear
 * address names the page; no segment limit check and no memory access (SDM vol. 2, INVLPG).
 * `m` is the ModR/M byte group 7 has fetched.
 */
export function invlpg(c: CpuCore, m: number): void {
  if (m >= 0xc0) c.raise(EXC_UD);
  const off = ea(c, m);
  requireCpl0(c);
  c.invlpg((c.segBase[c.eaSeg] + off) | 0);
}
