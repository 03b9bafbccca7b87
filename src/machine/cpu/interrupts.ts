/**
 * Interrupt and exception delivery through the real-mode IVT or the protected-mode IDT,
 * IRET, and the double-fault / triple-fault rules (SDM vol. 3, 6.12-6.15 and table 6-5).
 */
import { MachineFault } from '../../errors.js';
import {
  ATTR_TYPE_DC, CR0_PE, CS, EXC_DF, EXC_GP, EXC_NP, EXC_PF, EXCEPTION_NAMES, IF, IOPL, NT, RF, TF, VM,
  exceptionHasErrorCode,
} from './constants.js';
import { GUEST_EXCEPTION, type CpuCore } from './core.js';
import { hex } from '../../hex.js';
import {
  checkReturnTarget, commitCodeSegment, descAttr, pendingCodeLimit, readCodeDescriptor,
} from './segments.js';

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
  if (type === 0x05) c.unsupported(`interrupt ${vector} through a task gate`);
  if (type !== 0x0e && type !== 0x0f && type !== 0x06 && type !== 0x07) c.raise(EXC_GP, gateErr);
  if (source === SOURCE_SOFTWARE && gateDpl < c.cpl) c.raise(EXC_GP, gateErr);
  if (!(hi & 0x8000)) c.raise(EXC_NP, gateErr);

  const sel = lo >>> 16;
  const offset = is32 ? (lo & 0xffff) | (hi & 0xffff0000) : lo & 0xffff;
  readCodeDescriptor(c, sel, ext);
  const attr = descAttr(c.descHi);
  const err = (sel & 0xfffc) | ext;
  if ((attr & 0x18) !== 0x18) c.raise(EXC_GP, err); // must be a code segment
  const dpl = (attr >> 5) & 3;
  if (dpl > c.cpl) c.raise(EXC_GP, err);
  if (!(attr & 0x80)) c.raise(EXC_NP, err);
  if (!(attr & ATTR_TYPE_DC) && dpl < c.cpl) c.unsupported(`interrupt ${vector} to an inner privilege level (needs a TSS)`);
  if (c.flags & VM) c.unsupported(`interrupt ${vector} from virtual-8086 mode`);
  if (offset >>> 0 > pendingCodeLimit(c)) c.raise(EXC_GP, ext);

  const flags = c.getFlags();
  const savedSp = c.regs[4];
  try {
    if (is32) {
      c.push32(flags);
      c.push32(c.segSel[CS]);
      c.push32(c.eip);
      if (errorCode >= 0) c.push32(errorCode);
    } else {
      c.push16(flags);
      c.push16(c.segSel[CS]);
      c.push16(c.eip);
      if (errorCode >= 0) c.push16(errorCode);
    }
  } catch (e) {
    c.regs[4] = savedSp;
    throw e;
  }
  commitCodeSegment(c, sel);
  c.eip = offset;
  c.flags = flags & ~(TF | NT | RF | VM | (interruptGate ? IF : 0));
}

/** IRET / IRETD (CF). */
export function iret(c: CpuCore): void {
  const o32 = c.o32;
  if (!(c.cr0 & CR0_PE)) {
    const ip = o32 ? c.peek32(0) : c.peek16(0);
    const cs = o32 ? c.peek32(4) & 0xffff : c.peek16(2);
    const fl = o32 ? c.peek32(8) : c.peek16(4);
    if (o32 && ip >>> 0 > c.segLimit[CS] >>> 0) c.raise(EXC_GP, 0);
    c.addSp(o32 ? 12 : 6);
    c.loadSegReal(CS, cs);
    c.eip = o32 ? ip : ip & 0xffff;
    // Real mode: IOPL and NT are writable; VM keeps its value (SDM vol. 2, IRET).
    c.setFlags(fl, o32 ? IRET_FLAGS : IRET_FLAGS & 0xffff);
    return;
  }
  if (c.flags & NT) c.unsupported('IRET to a nested task (task switch)');
  const ip = o32 ? c.peek32(0) : c.peek16(0);
  const cs = o32 ? c.peek32(4) & 0xffff : c.peek16(2);
  const fl = o32 ? c.peek32(8) : c.peek16(4);
  if (o32 && fl & VM && c.cpl === 0) c.unsupported('IRET to virtual-8086 mode');
  readCodeDescriptor(c, cs, 0);
  checkReturnTarget(c, cs, 'IRET');
  const target = o32 ? ip : ip & 0xffff;
  if (target >>> 0 > pendingCodeLimit(c)) c.raise(EXC_GP, 0);
  c.addSp(o32 ? 12 : 6);
  commitCodeSegment(c, cs);
  c.eip = target;
  // CPL 0 may change IOPL; IF only when CPL <= IOPL. (VM: refused above.)
  let mask = IRET_FLAGS;
  const iopl = (c.flags & IOPL) >> 12;
  if (c.cpl > 0) mask &= ~IOPL;
  if (c.cpl > iopl) mask &= ~IF;
  if (!o32) mask &= 0xffff;
  c.setFlags(fl, mask);
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
