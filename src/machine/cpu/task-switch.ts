/**
 * Hardware task switches (SDM vol. 3, 7.3): JMP or CALL to a TSS descriptor or a task gate,
 * an interrupt or exception through a task gate, and IRET with EFLAGS.NT (the back link).
 *
 * Every check that may fault in the context of the old task is made before anything is
 * written; from the first write to the old TSS on, faults belong to the new task (its EIP
 * is what they report).
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as segments from './segments.js';
import * as tss from './tss.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const {
  ATTR_P, ATTR_S, ATTR_TYPE_CODE, ATTR_TYPE_DC, ATTR_TYPE_RW, ATTR_UNUSABLE, CR0_PG, CR0_TS, CS, DS, ES, EXC_GP,
  EXC_NP, EXC_TS, FLAGS_FIXED, FLAGS_WRITABLE, FS, GS, NT, SS, VM,
} = constants;
const {
  checkStackSegment, commitSegment, descAttr, descBase, descLimit, inTable, loadSegV86, nullSegment, readDescriptor,
} = segments;

/** Why the task switch happens: decides the busy bits, NT and the back link. */
export const SWITCH_JMP = 0;
export const SWITCH_CALL = 1; // also interrupts and exceptions through a task gate
export const SWITCH_IRET = 2;

/** Offsets in a 32-bit TSS. */
const T32_CR3 = 0x1c;
const T32_EIP = 0x20;
const T32_EFLAGS = 0x24;
const T32_REGS = 0x28; // EAX ECX EDX EBX ESP EBP ESI EDI, 4 bytes each
const T32_SEGS = 0x48; // ES CS SS DS FS GS, 4 bytes each
const T32_LDT = 0x60;
/** Offsets in a 16-bit TSS. */
const T16_IP = 0x0e;
const T16_FLAGS = 0x10;
const T16_REGS = 0x12;
const T16_SEGS = 0x22; // ES CS SS DS
const T16_LDT = 0x2a;

/** The new task's state, read in full before anything is written (no allocation: module scratch). */
const incoming = new Int32Array(8 + 6);
let inEip = 0;
let inFlags = 0;
let inCr3 = 0;
let inLdt = 0;

/**
 * Switch to the task whose TSS descriptor (selector `sel`) was just read into c.descLo /
 * c.descHi. The caller has made the privilege checks of its path (TSS or gate DPL). `ext`
 * goes into bit 0 of error codes (1 for an external event or an exception).
 */
export function taskSwitch(c: CpuCore, sel: number, reason: number, ext: number): void {
  const lo = c.descLo;
  const hi = c.descHi;
  const addr = c.descAddr;
  const err = (sel & 0xfffc) | ext;
  const type = (hi >> 8) & 0x1f; // S and type
  // A TSS descriptor lives in the GDT only.
  if (sel & 4) c.raise(reason === SWITCH_IRET ? EXC_TS : EXC_GP, err);
  if (reason === SWITCH_IRET) {
    if (type !== tss.TSS32_BUSY && type !== tss.TSS16_BUSY) c.raise(EXC_TS, err);
  } else if (type !== tss.TSS32_AVAILABLE && type !== tss.TSS16_AVAILABLE) {
    c.raise(EXC_GP, err);
  }
  if (!(hi & 0x8000)) c.raise(EXC_NP, err);
  const new32 = (type & 8) !== 0;
  const newBase = descBase(lo, hi);
  const newLimit = descLimit(lo, hi);
  if (newLimit >>> 0 < (new32 ? 0x67 : 0x2b)) c.raise(EXC_TS, err);

  // Read the incoming state (may fault: nothing has changed yet).
  if (new32) {
    inEip = c.rdSys32((newBase + T32_EIP) | 0);
    inFlags = c.rdSys32((newBase + T32_EFLAGS) | 0);
    for (let i = 0; i < 8; i++) incoming[i] = c.rdSys32((newBase + T32_REGS + 4 * i) | 0);
    for (let s = 0; s < 6; s++) incoming[8 + s] = c.rdSys16((newBase + T32_SEGS + 4 * s) | 0);
    inLdt = c.rdSys16((newBase + T32_LDT) | 0);
    inCr3 = c.rdSys32((newBase + T32_CR3) | 0);
  } else {
    inEip = c.rdSys16((newBase + T16_IP) | 0);
    inFlags = c.rdSys16((newBase + T16_FLAGS) | 0);
    // A 386 loading a 16-bit TSS sets the upper halves of the registers to 0xFFFF (test386.asm,
    // POST 22, checks ESP = 0xFFFF1122 after the switch).
    for (let i = 0; i < 8; i++) incoming[i] = 0xffff0000 | c.rdSys16((newBase + T16_REGS + 2 * i) | 0);
    for (let s = 0; s < 4; s++) incoming[8 + s] = c.rdSys16((newBase + T16_SEGS + 2 * s) | 0);
    incoming[8 + FS] = 0;
    incoming[8 + GS] = 0;
    inLdt = c.rdSys16((newBase + T16_LDT) | 0);
  }

  // Save the outgoing task into the current TSS (SDM vol. 3, 7.3 step 8).
  const oldBase = c.tr[1];
  const old32 = tss.tss32(c);
  let flags = c.getFlags();
  if (reason === SWITCH_IRET) flags &= ~NT;
  if (old32) {
    if ((c.tr[2] >>> 0) < 0x5f) c.raise(EXC_TS, (c.tr[0] & 0xfffc) | ext);
    c.wrSys32((oldBase + T32_EIP) | 0, c.eip);
    c.wrSys32((oldBase + T32_EFLAGS) | 0, flags);
    for (let i = 0; i < 8; i++) c.wrSys32((oldBase + T32_REGS + 4 * i) | 0, c.regs[i]);
    for (let s = 0; s < 6; s++) c.wrSys16((oldBase + T32_SEGS + 4 * s) | 0, c.segSel[s]);
  } else {
    if ((c.tr[2] >>> 0) < 0x29) c.raise(EXC_TS, (c.tr[0] & 0xfffc) | ext);
    c.wrSys16((oldBase + T16_IP) | 0, c.eip);
    c.wrSys16((oldBase + T16_FLAGS) | 0, flags);
    for (let i = 0; i < 8; i++) c.wrSys16((oldBase + T16_REGS + 2 * i) | 0, c.regs[i]);
    for (let s = 0; s < 4; s++) c.wrSys16((oldBase + T16_SEGS + 2 * s) | 0, c.segSel[s]);
  }
  // Busy bits: JMP and IRET leave the old task (not busy any more); CALL nests into the new one.
  if (reason !== SWITCH_CALL) setBusy(c, c.tr[0], false);
  if (reason === SWITCH_CALL) {
    c.wrSys16(newBase, c.tr[0]); // back link
    inFlags |= NT;
  }
  if (reason !== SWITCH_IRET) {
    c.wrSys8((addr + 5) | 0, ((hi >> 8) & 0xff) | 2);
  }

  // Commit: TR, CR0.TS, and the new task's registers. Faults from here on are the new task's.
  c.tr[0] = sel & 0xffff;
  c.tr[1] = newBase;
  c.tr[2] = newLimit;
  c.tr[3] = descAttr(hi) | 2;
  c.cr0 |= CR0_TS;
  if (new32 && c.cr0 & CR0_PG) c.setCr3(inCr3);
  c.eip = new32 ? inEip : inEip & 0xffff;
  c.startEip = c.eip;
  c.flags = (new32 ? inFlags & FLAGS_WRITABLE : (flags & 0xffff0000 & ~VM) | (inFlags & 0xffff & FLAGS_WRITABLE)) | FLAGS_FIXED;
  c.lazy = 0;
  for (let i = 0; i < 8; i++) c.regs[i] = incoming[i];
  c.fLen = 0;
  c.sliceEnd = 0;
  loadTaskSegments(c, ext);
  if (c.eip >>> 0 > c.segLimit[CS] >>> 0) c.raise(EXC_GP, 0);
}

/** Set or clear the busy bit of the TSS descriptor `sel` in the GDT. */
function setBusy(c: CpuCore, sel: number, busy: boolean): void {
  const addr = (c.gdtBase + (sel & 0xfff8) + 5) | 0;
  const access = c.rdSys8(addr);
  c.wrSys8(addr, busy ? access | 2 : access & ~2);
}

/**
 * LDTR, then the segment registers of the new task, with the checks of SDM vol. 3, 7.3
 * step 13 / table 7-1: errors are #TS(selector) (#NP, #SS for a segment not present).
 * The selectors are all in place before the first check, so a handler sees them.
 */
function loadTaskSegments(c: CpuCore, ext: number): void {
  const v86 = (c.flags & VM) !== 0;
  for (let s = 0; s < 6; s++) c.segSel[s] = incoming[8 + s];
  c.ldtr[0] = inLdt;
  c.ldtr[3] = ATTR_UNUSABLE;
  if ((inLdt & 0xfffc) !== 0) {
    const err = (inLdt & 0xfffc) | ext;
    if (inLdt & 4 || !inTable(c, inLdt)) c.raise(EXC_TS, err);
    readDescriptor(c, inLdt, ext);
    if (((c.descHi >> 8) & 0x1f) !== 2) c.raise(EXC_TS, err);
    if (!(c.descHi & 0x8000)) c.raise(EXC_TS, err);
    c.ldtr[1] = descBase(c.descLo, c.descHi);
    c.ldtr[2] = descLimit(c.descLo, c.descHi);
    c.ldtr[3] = descAttr(c.descHi);
  }
  if (v86) {
    c.cpl = 3;
    for (let s = 0; s < 6; s++) loadSegV86(c, s, incoming[8 + s]);
    return;
  }
  const csSel = incoming[8 + CS];
  c.cpl = csSel & 3;
  // CS: a present code segment; non-conforming DPL = RPL, conforming DPL <= RPL.
  const csErr = (csSel & 0xfffc) | ext;
  if ((csSel & 0xfffc) === 0 || !inTable(c, csSel)) c.raise(EXC_TS, csErr);
  readDescriptor(c, csSel, ext);
  let attr = descAttr(c.descHi);
  if ((attr & (ATTR_S | ATTR_TYPE_CODE)) !== (ATTR_S | ATTR_TYPE_CODE)) c.raise(EXC_TS, csErr);
  const csDpl = (attr >> 5) & 3;
  if (attr & ATTR_TYPE_DC ? csDpl > c.cpl : csDpl !== c.cpl) c.raise(EXC_TS, csErr);
  if (!(attr & ATTR_P)) c.raise(EXC_NP, csErr);
  commitSegment(c, CS, csSel);
  // SS: writable data at RPL = DPL = CPL.
  const ssSel = incoming[8 + SS];
  if ((ssSel & 0xfffc) === 0 || !inTable(c, ssSel)) c.raise(EXC_TS, (ssSel & 0xfffc) | ext);
  readDescriptor(c, ssSel, ext);
  checkStackSegment(c, ssSel, c.cpl, EXC_TS, ext);
  commitSegment(c, SS, ssSel);
  // DS ES FS GS: null, or data / readable code the new CPL may use.
  for (let i = 0; i < 4; i++) {
    const s = i === 0 ? ES : i === 1 ? DS : i === 2 ? FS : GS;
    const sel = incoming[8 + s];
    const segErr = (sel & 0xfffc) | ext;
    if ((sel & 0xfffc) === 0) {
      nullSegment(c, s, sel);
      continue;
    }
    if (!inTable(c, sel)) c.raise(EXC_TS, segErr);
    readDescriptor(c, sel, ext);
    attr = descAttr(c.descHi);
    if (!(attr & ATTR_S) || (attr & ATTR_TYPE_CODE && !(attr & ATTR_TYPE_RW))) c.raise(EXC_TS, segErr);
    const conformingCode = (attr & (ATTR_TYPE_CODE | ATTR_TYPE_DC)) === (ATTR_TYPE_CODE | ATTR_TYPE_DC);
    const dpl = (attr >> 5) & 3;
    if (!conformingCode && (dpl < c.cpl || dpl < (sel & 3))) c.raise(EXC_TS, segErr);
    if (!(attr & ATTR_P)) c.raise(EXC_NP, segErr);
    commitSegment(c, s, sel);
  }
}

/** IRET with NT set: return to the task named by the back link of the current TSS. */
export function taskReturn(c: CpuCore): void {
  const link = c.rdSys16(c.tr[1]);
  if (link & 4 || (link & 0xfffc) === 0 || !inTable(c, link)) c.raise(EXC_TS, link & 0xfffc);
  readDescriptor(c, link, 0);
  taskSwitch(c, link, SWITCH_IRET, 0);
}

/** Push an exception's error code onto the new task's stack (32-bit TSS: 32 bits). */
export function pushTaskErrorCode(c: CpuCore, code: number): void {
  if (tss.tss32(c)) c.push32(code);
  else c.push16(code);
}
