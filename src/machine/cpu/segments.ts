/**
 * Segment descriptors and the protected-mode checks made when a segment register is loaded
 * (SDM vol. 3, 3.4-3.5 and 5.5-5.8; vol. 2, MOV / POP / LDS / JMP / CALL / RET "Operation").
 *
 * The checks are written in terms of CPL, RPL and DPL. Gates, inter-privilege transfers and
 * task switches build on these helpers (gates.ts, task-switch.ts, interrupts.ts).
 */
import {
  ATTR_DB, ATTR_P, ATTR_S, ATTR_TYPE_ACCESSED, ATTR_TYPE_CODE, ATTR_TYPE_DC, ATTR_TYPE_RW, ATTR_UNUSABLE, CR0_PE, CS,
  EXC_GP, EXC_NP, EXC_SS, SS, VM,
} from './constants.js';
import type { CpuCore } from './core.js';

/** Base address encoded in a descriptor (bytes 2-4 and 7). */
export function descBase(lo: number, hi: number): number {
  return (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
}

/** Limit encoded in a descriptor, scaled by G (int32: 0xFFFFFFFF is -1). */
export function descLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return hi & 0x800000 ? (raw << 12) | 0xfff : raw;
}

/** Access rights in the cache layout (constants.ts ATTR_*). */
export function descAttr(hi: number): number {
  return (hi >> 8) & 0xf0ff;
}

/**
 * Read the descriptor `sel` names into c.descLo / c.descHi (c.descAddr: its address). A
 * selector beyond the table's limit raises #GP(selector) (with `ext` in bit 0).
 */
export function readDescriptor(c: CpuCore, sel: number, ext: number): void {
  const offset = sel & 0xfff8;
  let base: number;
  if (sel & 4) {
    if (c.ldtr[3] & ATTR_UNUSABLE || offset + 7 > c.ldtr[2] >>> 0) c.raise(EXC_GP, (sel & 0xfffc) | ext);
    base = c.ldtr[1];
  } else {
    if (offset + 7 > c.gdtLimit) c.raise(EXC_GP, (sel & 0xfffc) | ext);
    base = c.gdtBase;
  }
  const addr = (base + offset) | 0;
  c.descAddr = addr;
  c.descLo = c.rdSys32(addr);
  c.descHi = c.rdSys32((addr + 4) | 0);
}

/** Whether selector `sel` lies within its descriptor table (GDT, or a usable LDT). */
export function inTable(c: CpuCore, sel: number): boolean {
  const end = (sel & 0xfff8) + 7;
  if (sel & 4) return !(c.ldtr[3] & ATTR_UNUSABLE) && end <= c.ldtr[2] >>> 0;
  return end <= c.gdtLimit;
}

/** Set the accessed bit of the descriptor just read, as the processor does on a load. */
function markAccessed(c: CpuCore): void {
  if (!(c.descHi & 0x100)) {
    c.descHi |= 0x100;
    c.wrSys8((c.descAddr + 5) | 0, (c.descHi >>> 8) & 0xff);
  }
}

/** Fill segment register `s`'s cache from the descriptor just read. */
function commitDescriptor(c: CpuCore, s: number, sel: number): void {
  markAccessed(c);
  c.segSel[s] = sel & 0xffff;
  c.segBase[s] = descBase(c.descLo, c.descHi);
  c.segLimit[s] = descLimit(c.descLo, c.descHi);
  c.segAttr[s] = descAttr(c.descHi) | ATTR_TYPE_ACCESSED;
  c.refreshSeg(s);
}

/** Fill segment register `s`'s cache from the descriptor in c.descLo / c.descHi / c.descAddr. */
export const commitSegment = commitDescriptor;

/** Load a null selector into data segment register `s` (protected mode: the cache is unusable). */
export function nullSegment(c: CpuCore, s: number, sel: number): void {
  c.segSel[s] = sel & 0xffff;
  c.segBase[s] = 0;
  c.segLimit[s] = 0;
  c.segAttr[s] = ATTR_UNUSABLE;
  c.refreshSeg(s);
}

/**
 * Virtual-8086 segment caches: base = selector << 4, limit 0xFFFF, a present read/write
 * accessed data segment at DPL 3 (the VMX layout of a V86 segment, SDM vol. 3, 26.3.1.2).
 */
export const ATTR_V86 = ATTR_P | ATTR_S | ATTR_TYPE_RW | ATTR_TYPE_ACCESSED | (3 << 5);

export function loadSegV86(c: CpuCore, s: number, sel: number): void {
  sel &= 0xffff;
  c.segSel[s] = sel;
  c.segBase[s] = sel << 4;
  c.segLimit[s] = 0xffff;
  c.segAttr[s] = ATTR_V86;
  c.refreshSeg(s);
}

/**
 * Returning to an outer ring (far RET, IRET): DS ES FS GS that the new CPL may not use
 * (data or non-conforming code with DPL < CPL) are loaded with the null selector (SDM vol. 2,
 * RET "RETURN-TO-OUTER-PRIVILEGE-LEVEL").
 */
export function nullInaccessibleSegments(c: CpuCore): void {
  for (let s = 0; s < 6; s++) {
    if (s === CS || s === SS) continue;
    const attr = c.segAttr[s];
    if (attr & ATTR_UNUSABLE) continue;
    const conformingCode = (attr & (ATTR_TYPE_CODE | ATTR_TYPE_DC)) === (ATTR_TYPE_CODE | ATTR_TYPE_DC);
    if (!conformingCode && ((attr >> 5) & 3) < c.cpl) nullSegment(c, s, 0);
  }
}

/** MOV Sreg / POP Sreg / LDS...LGS: load data or stack segment register `s` (never CS). */
export function loadSeg(c: CpuCore, s: number, sel: number): void {
  sel &= 0xffff;
  if (!(c.cr0 & CR0_PE) || c.flags & VM) {
    c.loadSegReal(s, sel);
    return;
  }
  if ((sel & 0xfffc) === 0) {
    // A null selector may sit in DS/ES/FS/GS (using it faults); never in SS.
    if (s === SS) c.raise(EXC_GP, 0);
    nullSegment(c, s, sel);
    return;
  }
  readDescriptor(c, sel, 0);
  const attr = descAttr(c.descHi);
  const dpl = (attr >> 5) & 3;
  const rpl = sel & 3;
  const err = sel & 0xfffc;
  if (!(attr & ATTR_S)) c.raise(EXC_GP, err);
  if (s === SS) {
    if (attr & ATTR_TYPE_CODE || !(attr & ATTR_TYPE_RW) || rpl !== c.cpl || dpl !== c.cpl) c.raise(EXC_GP, err);
    if (!(attr & ATTR_P)) c.raise(EXC_SS, err);
  } else {
    if (attr & ATTR_TYPE_CODE && !(attr & ATTR_TYPE_RW)) c.raise(EXC_GP, err);
    const conformingCode = (attr & (ATTR_TYPE_CODE | ATTR_TYPE_DC)) === (ATTR_TYPE_CODE | ATTR_TYPE_DC);
    if (!conformingCode && (rpl > dpl || c.cpl > dpl)) c.raise(EXC_GP, err);
    if (!(attr & ATTR_P)) c.raise(EXC_NP, err);
  }
  commitDescriptor(c, s, sel);
}

/**
 * Check that the descriptor just read (for selector `sel`) is a code segment a far JMP or
 * CALL may enter at the current privilege level (gates and TSSs are taken by gates.ts first).
 */
export function checkFarTarget(c: CpuCore, sel: number): void {
  const attr = descAttr(c.descHi);
  const err = sel & 0xfffc;
  if (!(attr & ATTR_S) || !(attr & ATTR_TYPE_CODE)) c.raise(EXC_GP, err);
  const dpl = (attr >> 5) & 3;
  if (attr & ATTR_TYPE_DC) {
    if (dpl > c.cpl) c.raise(EXC_GP, err);
  } else if ((sel & 3) > c.cpl || dpl !== c.cpl) {
    c.raise(EXC_GP, err);
  }
  if (!(attr & ATTR_P)) c.raise(EXC_NP, err);
}

/**
 * Check a code segment a far RET or IRET returns to (descriptor just read). The caller takes
 * the inter-privilege path when the selector's RPL is above the CPL.
 */
export function checkReturnTarget(c: CpuCore, sel: number): void {
  const attr = descAttr(c.descHi);
  const err = sel & 0xfffc;
  const rpl = sel & 3;
  if (!(attr & ATTR_S) || !(attr & ATTR_TYPE_CODE)) c.raise(EXC_GP, err);
  if (rpl < c.cpl) c.raise(EXC_GP, err);
  const dpl = (attr >> 5) & 3;
  if (attr & ATTR_TYPE_DC ? dpl > rpl : dpl !== rpl) c.raise(EXC_GP, err);
  if (!(attr & ATTR_P)) c.raise(EXC_NP, err);
}

/** Limit of the code segment described by the descriptor just read, as uint32. */
export function pendingCodeLimit(c: CpuCore): number {
  return descLimit(c.descLo, c.descHi) >>> 0;
}

/** Load CS from the descriptor just read; the selector's RPL becomes the CPL (same privilege). */
export function commitCodeSegment(c: CpuCore, sel: number): void {
  commitDescriptor(c, CS, (sel & 0xfffc) | c.cpl);
}

/**
 * Check the descriptor just read as the stack segment for privilege level `cpl` (selector
 * `sel`): RPL = DPL = cpl, a writable data segment, present. Faults are #TS(sel) (or
 * `vector` for a bad type) and #SS(sel) for a segment not present, with `ext` in bit 0.
 */
export function checkStackSegment(c: CpuCore, sel: number, cpl: number, vector: number, ext: number): void {
  const attr = descAttr(c.descHi);
  const err = (sel & 0xfffc) | ext;
  if ((sel & 3) !== cpl || ((attr >> 5) & 3) !== cpl) c.raise(vector, err);
  if (!(attr & ATTR_S) || attr & ATTR_TYPE_CODE || !(attr & ATTR_TYPE_RW)) c.raise(vector, err);
  if (!(attr & ATTR_P)) c.raise(EXC_SS, err);
}

/** Whether the descriptor just read is a 32-bit segment (D/B set). */
export function pendingBig(c: CpuCore): boolean {
  return (descAttr(c.descHi) & ATTR_DB) !== 0;
}

/** Protected mode: read a selector's descriptor for a far transfer, #GP(0) for a null selector. */
export function readCodeDescriptor(c: CpuCore, sel: number, ext: number): void {
  if ((sel & 0xfffc) === 0) c.raise(EXC_GP, ext);
  readDescriptor(c, sel, ext);
}
