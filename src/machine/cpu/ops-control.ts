/**
 * Control transfers: near and far CALL/JMP/RET, ENTER/LEAVE, PUSHA/POPA, BOUND, INT n/INT3/
 * INTO, and the far-pointer loads (LDS LES LSS LFS LGS). Far transfers follow SDM vol. 2
 * "Operation": every check is made before the stack or CS changes, so a fault leaves the
 * state as it was before the instruction.
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as gates from './gates.js';
import * as interrupts from './interrupts.js';
import * as modrm from './modrm.js';
import * as segments from './segments.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { CR0_PE, CS, EXC_BR, EXC_GP, EXC_OF, EXC_UD, IOPL, SS, VM } = constants;
const { farTransferSystem, retFarOuter } = gates;
const { deliverInterrupt, SOURCE_SOFTWARE } = interrupts;
const { ea } = modrm;
const {
  checkFarTarget, checkReturnTarget, commitCodeSegment, loadSeg, pendingCodeLimit, readCodeDescriptor,
} = segments;

function realMode(c: CpuCore): boolean {
  return !(c.cr0 & CR0_PE) || (c.flags & VM) !== 0;
}

function nearCall(c: CpuCore, target: number): void {
  if (!c.o32) target &= 0xffff;
  if ((target ^ 0x80000000) > c.csLimitFlipped) c.raise(EXC_GP, 0);
  if (c.o32) c.push32(c.eip);
  else c.push16(c.eip);
  c.eip = target;
  if (c.stopAtBranch) c.branchTaken();
}

// Exported under a second name: the module's own call (CALL rel) then skips the export cell.
export const callNear = nearCall;

export function retNear(c: CpuCore, release: number): void {
  if (c.o32) {
    c.jumpNear(c.peek32(0));
    c.addSp(4 + release);
  } else {
    c.jumpNear(c.peek16(0));
    c.addSp(2 + release);
  }
}

export function jumpFar(c: CpuCore, sel: number, off: number): void {
  const target = c.o32 ? off : off & 0xffff;
  if (realMode(c)) {
    if (target >>> 0 > c.segLimit[CS] >>> 0) c.raise(EXC_GP, 0);
    c.loadSegReal(CS, sel);
    c.eip = target;
    return;
  }
  readCodeDescriptor(c, sel, 0);
  if (!(c.descHi & 0x1000)) {
    farTransferSystem(c, sel, false); // call gate, task gate or TSS
    return;
  }
  checkFarTarget(c, sel);
  if (target >>> 0 > pendingCodeLimit(c)) c.raise(EXC_GP, 0);
  commitCodeSegment(c, sel);
  c.eip = target;
}

export function callFar(c: CpuCore, sel: number, off: number): void {
  const target = c.o32 ? off : off & 0xffff;
  const real = realMode(c);
  if (real) {
    if (target >>> 0 > c.segLimit[CS] >>> 0) c.raise(EXC_GP, 0);
  } else {
    readCodeDescriptor(c, sel, 0);
    if (!(c.descHi & 0x1000)) {
      farTransferSystem(c, sel, true); // call gate, task gate or TSS
      return;
    }
    checkFarTarget(c, sel);
    if (target >>> 0 > pendingCodeLimit(c)) c.raise(EXC_GP, 0);
  }
  const savedSp = c.regs[4];
  try {
    if (c.o32) {
      c.push32(c.segSel[CS]);
      c.push32(c.eip);
    } else {
      c.push16(c.segSel[CS]);
      c.push16(c.eip);
    }
  } catch (e) {
    c.regs[4] = savedSp;
    throw e;
  }
  if (real) c.loadSegReal(CS, sel);
  else commitCodeSegment(c, sel);
  c.eip = target;
}

export function retFar(c: CpuCore, release: number): void {
  const size = c.o32 ? 4 : 2;
  const ip = c.o32 ? c.peek32(0) : c.peek16(0);
  const sel = c.o32 ? c.peek32(4) & 0xffff : c.peek16(2);
  if (realMode(c)) {
    if (ip >>> 0 > c.segLimit[CS] >>> 0) c.raise(EXC_GP, 0);
    c.addSp(2 * size + release);
    c.loadSegReal(CS, sel);
    c.eip = ip;
    return;
  }
  readCodeDescriptor(c, sel, 0);
  checkReturnTarget(c, sel);
  if ((sel & 3) > c.cpl) {
    retFarOuter(c, sel, ip, release);
    return;
  }
  if (ip >>> 0 > pendingCodeLimit(c)) c.raise(EXC_GP, 0);
  c.addSp(2 * size + release);
  commitCodeSegment(c, sel);
  c.eip = ip;
}

/** LES LDS (C4 C5), LSS LFS LGS (0F B2 B4 B5): load a far pointer into Sreg:reg. */
export function farPointerLoad(c: CpuCore, s: number): void {
  const m = c.fetch8();
  if (m >= 0xc0) c.raise(EXC_UD);
  const off = ea(c, m);
  const seg = c.eaSeg;
  const reg = (m >> 3) & 7;
  if (c.o32) {
    const v = c.rd32(seg, off);
    loadSeg(c, s, c.rd16(seg, (off + 4) | 0));
    c.regs[reg] = v;
  } else {
    const v = c.rd16(seg, off);
    loadSeg(c, s, c.rd16(seg, (off + 2) | 0));
    c.r16[reg << 1] = v;
  }
}

/** ENTER imm16, imm8 (SDM vol. 2, ENTER "Operation"). */
export function enter(c: CpuCore): void {
  const size = c.fetch16();
  const level = c.fetch8() & 31;
  const o32 = c.o32;
  const step = o32 ? 4 : 2;
  const savedSp = c.regs[4];
  // A 386 checks the final stack pointer for a write first: ENTER faults (#SS, #PF) whenever
  // a write there would, before anything is pushed (test386.asm, POST 1A).
  const pushed = step * (level > 0 ? level + 1 : 1);
  const final = c.ssB ? (savedSp - pushed - size) | 0 : (savedSp - pushed - size) & 0xffff;
  c.checkWrite(SS, final, 1);
  if (c.pg !== 0) c.physWrite((c.segBase[SS] + final) | 0);
  try {
    if (o32) c.push32(c.regs[5]);
    else c.push16(c.r16[10]);
    const frame = c.regs[4]; // FrameTemp: all of ESP, even on a 16-bit stack (test386.asm, POST 1A)
    if (level > 0) {
      let bp = c.ssB ? c.regs[5] : c.r16[10];
      for (let i = 1; i < level; i++) {
        bp = c.ssB ? (bp - step) | 0 : (bp - step) & 0xffff;
        if (o32) c.push32(c.rd32(SS, bp));
        else c.push16(c.rd16(SS, bp));
      }
      if (o32) c.push32(frame);
      else c.push16(frame);
    }
    c.addSp(-size);
    // A 16-bit stack sets only BP, whatever the operand size (test386.asm, POST 1A: real hardware).
    if (o32 && c.ssB) c.regs[5] = frame;
    else c.r16[10] = frame;
  } catch (e) {
    c.regs[4] = savedSp;
    throw e;
  }
}

export function leave(c: CpuCore): void {
  const sp = c.ssB ? c.regs[5] : c.r16[10];
  if (c.o32) {
    const v = c.rd32(SS, sp);
    if (c.ssB) c.regs[4] = (sp + 4) | 0;
    else c.r16[8] = sp + 4;
    c.regs[5] = v;
  } else {
    const v = c.rd16(SS, sp);
    if (c.ssB) c.regs[4] = (sp + 2) | 0;
    else c.r16[8] = sp + 2;
    c.r16[10] = v;
  }
}

/** PUSHA/PUSHAD: the stack pointer pushed is its value before the instruction. */
export function pusha(c: CpuCore): void {
  const savedSp = c.regs[4];
  try {
    for (let i = 0; i < 8; i++) {
      if (c.o32) c.push32(i === 4 ? savedSp : c.regs[i]);
      else c.push16(i === 4 ? savedSp : c.r16[i << 1]);
    }
  } catch (e) {
    c.regs[4] = savedSp;
    throw e;
  }
}

/** POPA/POPAD: the saved stack pointer is skipped; everything is read before anything changes. */
export function popa(c: CpuCore): void {
  if (c.o32) {
    const di = c.peek32(0);
    const si = c.peek32(4);
    const bp = c.peek32(8);
    const bx = c.peek32(16);
    const dx = c.peek32(20);
    const cx = c.peek32(24);
    const ax = c.peek32(28);
    c.addSp(32);
    c.regs[7] = di;
    c.regs[6] = si;
    c.regs[5] = bp;
    c.regs[3] = bx;
    c.regs[2] = dx;
    c.regs[1] = cx;
    c.regs[0] = ax;
  } else {
    const di = c.peek16(0);
    const si = c.peek16(2);
    const bp = c.peek16(4);
    const bx = c.peek16(8);
    const dx = c.peek16(10);
    const cx = c.peek16(12);
    const ax = c.peek16(14);
    c.addSp(16);
    c.r16[14] = di;
    c.r16[12] = si;
    c.r16[10] = bp;
    c.r16[6] = bx;
    c.r16[4] = dx;
    c.r16[2] = cx;
    c.r16[0] = ax;
  }
}

/** BOUND r, m: #BR (a fault) when the signed index is outside [lower, upper]. */
export function bound(c: CpuCore): void {
  const m = c.fetch8();
  if (m >= 0xc0) c.raise(EXC_UD);
  const off = ea(c, m);
  const seg = c.eaSeg;
  const reg = (m >> 3) & 7;
  let index: number;
  let lower: number;
  let upper: number;
  if (c.o32) {
    index = c.regs[reg];
    lower = c.rd32(seg, off);
    upper = c.rd32(seg, (off + 4) | 0);
  } else {
    index = (c.r16[reg << 1] << 16) >> 16;
    lower = (c.rd16(seg, off) << 16) >> 16;
    upper = (c.rd16(seg, off + 2) << 16) >> 16;
  }
  if (index < lower || index > upper) c.raise(EXC_BR);
}

/** INT n: IOPL-sensitive in virtual-8086 mode (no VME on a 386: #GP(0) below IOPL 3). */
export function intN(c: CpuCore, vector: number): void {
  if (c.flags & VM && (c.flags & IOPL) !== IOPL) c.raise(EXC_GP, 0);
  deliverInterrupt(c, vector, SOURCE_SOFTWARE, -1, 0);
}

export function int3(c: CpuCore): void {
  deliverInterrupt(c, 3, SOURCE_SOFTWARE, -1, 0);
}

export function into(c: CpuCore): void {
  if (c.getOF()) deliverInterrupt(c, EXC_OF, SOURCE_SOFTWARE, -1, 0);
}

/** After MOV SS / POP SS (and STI): no interrupt before the next instruction. */
export function inhibitInterrupts(c: CpuCore): void {
  c.shadow = true;
  c.sliceEnd = 0;
}

/** POP Sreg: the load may fault, so the stack pointer moves only after it succeeded. */
export function popSeg(c: CpuCore, s: number): void {
  const v = c.o32 ? c.peek32(0) & 0xffff : c.peek16(0);
  // The stack pointer moves by the size of the stack the value was popped from: POP SS may
  // switch between 16- and 32-bit stacks (test386.asm, POST 9).
  const sp = c.regs[4];
  const big = c.ssB;
  loadSeg(c, s, v);
  if (big) c.regs[4] = (sp + (c.o32 ? 4 : 2)) | 0;
  else c.r16[8] = sp + (c.o32 ? 4 : 2);
  if (s === SS) inhibitInterrupts(c);
}

/** E0-E3: LOOPNE, LOOPE, LOOP, JCXZ (the counter is CX or ECX by address size). */
export function loopOp(c: CpuCore, op: number): void {
  const d = c.fetchS8();
  let count: number;
  if (op === 0xe3) {
    count = c.a32 ? c.regs[1] : c.r16[2];
    if (count === 0) c.jumpNear((c.eip + d) | 0);
    return;
  }
  if (c.a32) count = c.regs[1] = (c.regs[1] - 1) | 0;
  else count = c.r16[2] = c.r16[2] - 1;
  let take = count !== 0;
  if (op === 0xe0) take = take && !c.getZF();
  else if (op === 0xe1) take = take && c.getZF();
  if (take) c.jumpNear((c.eip + d) | 0);
}

/** 70-7F: Jcc rel8. */
export function jccShort(c: CpuCore, op: number): void {
  const d = c.fetchS8();
  if (c.cond(op & 15)) c.jumpNear((c.eip + d) | 0);
}

/** EB: JMP rel8. */
export function jmpShort(c: CpuCore): void {
  const d = c.fetchS8();
  c.jumpNear((c.eip + d) | 0);
}

/** E9: JMP rel16/32. E8: CALL rel16/32. */
export function jmpRel(c: CpuCore, call: boolean): void {
  const d = c.o32 ? c.fetch32() : c.fetch16();
  if (call) nearCall(c, (c.eip + d) | 0);
  else c.jumpNear((c.eip + d) | 0);
}
