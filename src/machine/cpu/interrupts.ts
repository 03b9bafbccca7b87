/**
 * Interrupt and exception delivery through the real-mode IVT or the protected-mode IDT
 * (interrupt, trap and task gates; to the same or an inner ring; from virtual-8086 mode),
 * IRET (same ring, outer ring, nested task, into virtual-8086 mode), and the double-fault /
 * triple-fault rules (SDM vol. 3, 6.12-6.15 and table 6-5).
 */
import { MachineFault } from '../../errors.js';
import {
  ATTR_TYPE_DC, CR0_PE, CS, DS, ES, EXC_DF, EXC_GP, EXC_NP, EXC_PF, EXCEPTION_NAMES, FS, GS, IF, IOPL, NT, RF, SS, TF,
  VM, exceptionHasErrorCode,
} from './constants.js';
import { GUEST_EXCEPTION, type CpuCore } from './core.js';
import { hex } from '../../hex.js';
import { abortInnerStack, checkOuterReturn, commitOuterReturn, enterInnerStack, outerStack } from './gates.js';
import {
  checkReturnTarget, commitCodeSegment, descAttr, inTable, loadSegV86, nullSegment, pendingCodeLimit,
  readCodeDescriptor, readDescriptor,
} from './segments.js';
import { pushTaskErrorCode, SWITCH_CALL, taskReturn, taskSwitch } from './task-switch.js';

/** Who raised the event: decides the IDT gate DPL check and the EXT bit of error codes. */
export const SOURCE_SOFTWARE = 0; // INT n, INT3, INTO: gate DPL must be >= CPL
export const SOURCE_EXCEPTION = 1;
export const SOURCE_EXTERNAL = 2;

/** AC (alignment check) is a 486 flag; the 386 clears only IF/TF/NT/RF/VM. */
const AC = 0x40000;
/** What IRET restores: the status and control flags, IOPL, NT, RF, and the 486's AC and ID. */
const IRET_FLAGS = 0x257fd5;

/**
 * Transfer control to the handler for `vector`, pushing the return address c.eip (and
 * `errorCode` when >= 0, protected mode only). Faults during delivery leave the CPU state
 * as it was and propagate as guest exceptions.
 */
export function deliverInterrupt(c: CpuCore, vector: number, source: number, errorCode: number, ext: number): void {
  if (c.cr0 & CR0_PE) deliverProtected(c, vector, source, errorCode, ext);
  else deliverReal(c, vector);
}

function deliverReal(c: CpuCore, vector: number): void {
  const idx = vector << 2;
  if (idx + 3 > c.idtLimit) c.raise(EXC_GP, 0);
  const ip = c.rdLin16((c.idtBase + idx) | 0);
  const cs = c.rdLin16((c.idtBase + idx + 2) | 0);
  const flags = c.getFlags();
  const savedSp = c.regs[4];
  try {
    c.push16(flags);
    c.push16(c.segSel[CS]);
    c.push16(c.eip);
  } catch (e) {
    c.regs[4] = savedSp;
    throw e;
  }
  c.flags = flags & ~(IF | TF | AC | RF);
  c.loadSegReal(CS, cs);
  c.eip = ip;
}

function deliverProtected(c: CpuCore, vector: number, source: number, errorCode: number, ext: number): void {
  const gateErr = (vector << 3) | 2 | ext;
  if ((vector << 3) + 7 > c.idtLimit) c.raise(EXC_GP, gateErr);
  const addr = (c.idtBase + (vector << 3)) | 0;
  const lo = c.rdSys32(addr);
  const hi = c.rdSys32((addr + 4) | 0);
  const type = (hi >> 8) & 0x1f; // S bit and type
  const gateDpl = (hi >> 13) & 3;
  const is32 = type === 0x0e || type === 0x0f;
  const interruptGate = type === 0x0e || type === 0x06;
  if (type !== 0x0e && type !== 0x0f && type !== 0x06 && type !== 0x07 && type !== 0x05) c.raise(EXC_GP, gateErr);
  if (source === SOURCE_SOFTWARE && gateDpl < c.cpl) c.raise(EXC_GP, gateErr);
  if (!(hi & 0x8000)) c.raise(EXC_NP, gateErr);
  if (type === 0x05) {
    taskGate(c, lo >>> 16, errorCode, ext);
    return;
  }

  const sel = lo >>> 16;
  const offset = is32 ? (lo & 0xffff) | (hi & 0xffff0000) : lo & 0xffff;
  readCodeDescriptor(c, sel, ext);
  const attr = descAttr(c.descHi);
  const err = (sel & 0xfffc) | ext;
  if ((attr & 0x18) !== 0x18) c.raise(EXC_GP, err); // must be a code segment
  const dpl = (attr >> 5) & 3;
  if (dpl > c.cpl) c.raise(EXC_GP, err);
  if (!(attr & 0x80)) c.raise(EXC_NP, err);
  const v86 = (c.flags & VM) !== 0;
  const inner = !(attr & ATTR_TYPE_DC) && dpl < c.cpl;
  // From virtual-8086 mode only a ring-0 non-conforming handler will do (SDM vol. 2, INT).
  if (v86 && (!inner || dpl !== 0)) c.raise(EXC_GP, err);
  if (offset >>> 0 > pendingCodeLimit(c)) c.raise(EXC_GP, ext);

  const flags = c.getFlags();
  const retCs = c.segSel[CS];
  if (inner) {
    const csLo = c.descLo;
    const csHi = c.descHi;
    const csAddr = c.descAddr;
    enterInnerStack(c, dpl, ext);
    try {
      const o = outerStack;
      if (v86) {
        pushGate(c, is32, c.segSel[GS]);
        pushGate(c, is32, c.segSel[FS]);
        pushGate(c, is32, c.segSel[DS]);
        pushGate(c, is32, c.segSel[ES]);
      }
      pushGate(c, is32, o.sel);
      pushGate(c, is32, o.esp);
      pushReturnFrame(c, is32, flags, retCs, errorCode);
    } catch (e) {
      abortInnerStack(c, ext);
      throw e;
    }
    c.descLo = csLo;
    c.descHi = csHi;
    c.descAddr = csAddr;
    // Leaving V86 mode: the handler starts with null data segments (they were pushed).
    if (v86) for (let s = 0; s < 6; s++) if (s !== CS && s !== SS) nullSegment(c, s, 0);
  } else {
    const savedSp = c.regs[4];
    try {
      pushReturnFrame(c, is32, flags, retCs, errorCode);
    } catch (e) {
      c.regs[4] = savedSp;
      throw e;
    }
  }
  commitCodeSegment(c, sel);
  c.eip = offset;
  c.flags = flags & ~(TF | NT | RF | VM | (interruptGate ? IF : 0));
}

/** Push one value the gate's size: a dword through a 32-bit gate, a word through a 16-bit one. */
function pushGate(c: CpuCore, is32: boolean, v: number): void {
  if (is32) c.push32(v);
  else c.push16(v);
}

/** What every gate pushes last: EFLAGS, CS, EIP, and the error code when the event has one. */
function pushReturnFrame(c: CpuCore, is32: boolean, flags: number, retCs: number, errorCode: number): void {
  pushGate(c, is32, flags);
  pushGate(c, is32, retCs);
  pushGate(c, is32, c.eip);
  if (errorCode >= 0) pushGate(c, is32, errorCode);
}

/**
 * An interrupt or exception through a task gate: a task switch with nesting (back link, NT),
 * then the error code, if any, on the new task's stack (SDM vol. 2, INT "TASK-GATE").
 */
function taskGate(c: CpuCore, tssSel: number, errorCode: number, ext: number): void {
  if (tssSel & 4 || !inTable(c, tssSel)) c.raise(EXC_GP, (tssSel & 0xfffc) | ext);
  readDescriptor(c, tssSel, ext);
  taskSwitch(c, tssSel, SWITCH_CALL, ext);
  if (errorCode >= 0) pushTaskErrorCode(c, errorCode);
}

/** IRET / IRETD (CF). */
export function iret(c: CpuCore): void {
  const o32 = c.o32;
  if (!(c.cr0 & CR0_PE) || c.flags & VM) {
    // Virtual-8086 mode: IRET is IOPL-sensitive, and then works as in real mode except that
    // IOPL stays (SDM vol. 2, IRET "REAL-ADDRESS-MODE" and vol. 3, 20.2.7).
    const v86 = (c.flags & VM) !== 0;
    if (v86 && (c.flags & IOPL) !== IOPL) c.raise(EXC_GP, 0);
    const ip = o32 ? c.peek32(0) : c.peek16(0);
    const cs = o32 ? c.peek32(4) & 0xffff : c.peek16(2);
    const fl = o32 ? c.peek32(8) : c.peek16(4);
    if (o32 && ip >>> 0 > c.segLimit[CS] >>> 0) c.raise(EXC_GP, 0);
    c.addSp(o32 ? 12 : 6);
    c.loadSegReal(CS, cs);
    c.eip = o32 ? ip : ip & 0xffff;
    // Real mode: IOPL and NT are writable; VM keeps its value (SDM vol. 2, IRET).
    const mask = v86 ? IRET_FLAGS & ~IOPL : IRET_FLAGS;
    c.setFlags(fl, o32 ? mask : mask & 0xffff);
    return;
  }
  if (c.flags & NT) {
    taskReturn(c);
    return;
  }
  const ip = o32 ? c.peek32(0) : c.peek16(0);
  const cs = o32 ? c.peek32(4) & 0xffff : c.peek16(2);
  const fl = o32 ? c.peek32(8) : c.peek16(4);
  if (o32 && fl & VM && c.cpl === 0) {
    iretToV86(c, ip, cs, fl);
    return;
  }
  readCodeDescriptor(c, cs, 0);
  checkReturnTarget(c, cs);
  const target = o32 ? ip : ip & 0xffff;
  // CPL 0 may change IOPL; IF only when CPL <= IOPL (both by the CPL before the return).
  let mask = IRET_FLAGS;
  const iopl = (c.flags & IOPL) >> 12;
  if (c.cpl > 0) mask &= ~IOPL;
  if (c.cpl > iopl) mask &= ~IF;
  if (!o32) mask &= 0xffff;
  if ((cs & 3) > c.cpl) {
    // To an outer ring: the outer SS:ESP follow EFLAGS on the stack.
    const esp = o32 ? c.peek32(12) : c.peek16(6);
    const ss = o32 ? c.peek32(16) & 0xffff : c.peek16(8);
    checkOuterReturn(c, cs, target, ss);
    c.setFlags(fl, mask);
    commitOuterReturn(c, cs, target, ss, esp);
    return;
  }
  if (target >>> 0 > pendingCodeLimit(c)) c.raise(EXC_GP, 0);
  c.addSp(o32 ? 12 : 6);
  commitCodeSegment(c, cs);
  c.eip = target;
  c.setFlags(fl, mask);
}

/**
 * IRETD at CPL 0 with VM set in the popped EFLAGS: enter virtual-8086 mode. The stack holds
 * EIP CS EFLAGS ESP SS ES DS FS GS (32 bits each); every segment is loaded the real-mode
 * way and CPL becomes 3 (SDM vol. 2, IRET "RETURN-TO-VIRTUAL-8086-MODE").
 */
function iretToV86(c: CpuCore, ip: number, cs: number, fl: number): void {
  const esp = c.peek32(12);
  const ss = c.peek32(16);
  const es = c.peek32(20);
  const ds = c.peek32(24);
  const fs = c.peek32(28);
  const gs = c.peek32(32);
  c.setFlags(fl, IRET_FLAGS | VM);
  c.cpl = 3;
  loadSegV86(c, CS, cs);
  loadSegV86(c, SS, ss);
  loadSegV86(c, ES, es);
  loadSegV86(c, DS, ds);
  loadSegV86(c, FS, fs);
  loadSegV86(c, GS, gs);
  c.regs[4] = esp;
  c.eip = ip & 0xffff;
}

// ---------------------------------------------------------------- double and triple faults

/** #DE #TS #NP #SS #GP: two of these in a row make a double fault (SDM vol. 3, table 6-5). */
function contributory(v: number): boolean {
  return v === 0 || (v >= 10 && v <= 13);
}

function describe(vector: number, code: number): string {
  const name = EXCEPTION_NAMES[vector] ?? `vector ${vector}`;
  if (vector === EXC_DF || !exceptionHasErrorCode(vector)) return name;
  return `${name}(${hex(code, 4)})`;
}

/**
 * Deliver an exception (or external interrupt), applying the double-fault rules when the
 * delivery itself faults. A fault while delivering #DF shuts the processor down: the
 * machine stops with a MachineFault naming where it happened (CS:startEip and the
 * `insnLength` instruction bytes fetched there) and the chain of exceptions.
 */
export function deliverEvent(c: CpuCore, vector: number, code: number, source: number, insnLength: number): void {
  c.diversions++;
  const startEip = c.startEip;
  const chain: string[] = [];
  let v = vector;
  let err = code;
  let src = source;
  let ext = source === SOURCE_EXTERNAL ? 1 : 0;
  for (;;) {
    chain.push(src === SOURCE_EXTERNAL ? `interrupt ${v}` : describe(v, err));
    try {
      const pushCode = src === SOURCE_EXCEPTION && exceptionHasErrorCode(v) ? err : -1;
      deliverInterrupt(c, v, src, pushCode, ext);
      return;
    } catch (e) {
      if (e !== GUEST_EXCEPTION) throw e;
    }
    const nv = c.excVector;
    const nerr = c.excCode;
    if (v === EXC_DF) {
      throw new MachineFault(
        'TRIPLE_FAULT',
        `triple fault at ${c.location(startEip)} (opcode ${c.instructionBytes(insnLength)}): ${chain.map((s, i) => (i === 0 ? s : s === '#DF' ? 'then #DF' : `then ${s} while delivering it`)).join(', ')}`,
      );
    }
    if (src === SOURCE_EXCEPTION && ((contributory(v) && contributory(nv)) || (v === EXC_PF && (contributory(nv) || nv === EXC_PF)))) {
      v = EXC_DF;
      err = 0;
    } else {
      v = nv;
      err = nerr;
    }
    src = SOURCE_EXCEPTION;
    ext = 1;
  }
}
