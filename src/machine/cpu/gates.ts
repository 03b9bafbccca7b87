/**
 * Inter-privilege transfers: far JMP/CALL through call gates (with the parameter copy of a
 * CALL to an inner ring) and to tasks, the inner-stack switch that call gates and
 * interrupts share, and far RET / IRET to an outer ring (SDM vol. 2, CALL, JMP, RET, IRET
 * "Operation"; vol. 3, 5.8).
 *
 * Checks are made before anything changes. The inner stack is entered tentatively (SS, ESP
 * and CPL switched so the pushes happen at the new CPL) and rolled back if a push faults.
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as segments from './segments.js';
import * as taskSwitchOps from './task-switch.js';
import * as tss from './tss.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { ATTR_P, ATTR_S, ATTR_TYPE_CODE, ATTR_TYPE_DC, CS, EXC_GP, EXC_NP, EXC_SS, EXC_TS, SS } = constants;
const {
  checkStackSegment, commitCodeSegment, commitSegment, descAttr, descLimit, inTable, nullInaccessibleSegments,
  readCodeDescriptor, readDescriptor,
} = segments;
const { SWITCH_CALL, SWITCH_JMP, taskSwitch } = taskSwitchOps;
const { innerStack, readInnerStack } = tss;

// ---------------------------------------------------------------- the inner stack

/** The stack left by enterInnerStack, for the pushes of the old SS:ESP and for rollback. */
export const outerStack = { sel: 0, base: 0, limit: 0, attr: 0, esp: 0, cpl: 0 };

/**
 * Switch to the ring-`dpl` stack named by the current TSS: check its SS (#TS / #SS with
 * `ext`), then load SS, ESP and CPL. The old stack is kept in `outerStack`; call
 * `restoreOuterStack` if a later push faults. Clobbers c.descLo / c.descHi / c.descAddr.
 */
export function enterInnerStack(c: CpuCore, dpl: number, ext: number): void {
  readInnerStack(c, dpl, ext);
  const ss = innerStack.ss;
  const esp = innerStack.esp;
  if ((ss & 0xfffc) === 0) c.raise(EXC_TS, ext);
  if (!inTable(c, ss)) c.raise(EXC_TS, (ss & 0xfffc) | ext);
  readDescriptor(c, ss, ext);
  checkStackSegment(c, ss, dpl, EXC_TS, ext);
  const o = outerStack;
  o.sel = c.segSel[SS];
  o.base = c.segBase[SS];
  o.limit = c.segLimit[SS];
  o.attr = c.segAttr[SS];
  o.esp = c.regs[4];
  o.cpl = c.cpl;
  commitSegment(c, SS, ss);
  c.regs[4] = c.ssB ? esp : esp & 0xffff;
  c.cpl = dpl;
}

/**
 * A push onto the inner stack faulted: go back to the outer stack and CPL. A limit
 * violation there is #SS(new SS selector) with `ext`, not #SS(0) (SDM vol. 2, CALL and INT
 * "#SS(selector) ... when a stack switch occurs").
 */
export function abortInnerStack(c: CpuCore, ext: number): void {
  const ss = c.segSel[SS];
  restoreOuterStack(c);
  if (c.excVector === EXC_SS && c.excCode === 0) c.excCode = (ss & 0xfffc) | ext;
}

export function restoreOuterStack(c: CpuCore): void {
  const o = outerStack;
  c.segSel[SS] = o.sel;
  c.segBase[SS] = o.base;
  c.segLimit[SS] = o.limit;
  c.segAttr[SS] = o.attr;
  c.refreshSeg(SS);
  c.regs[4] = o.esp;
  c.cpl = o.cpl;
}

// ---------------------------------------------------------------- far JMP / CALL to a system descriptor

/** Up to 31 parameters a call gate copies (no allocation). */
const params = new Int32Array(32);

/**
 * Far JMP or CALL whose selector `sel` names a system descriptor (just read): a call gate,
 * a task gate or a TSS. Anything else is #GP(selector).
 */
export function farTransferSystem(c: CpuCore, sel: number, call: boolean): void {
  const hi = c.descHi;
  const lo = c.descLo;
  const type = (hi >> 8) & 0xf;
  const dpl = (hi >> 13) & 3;
  const err = sel & 0xfffc;
  if (type === 4 || type === 0xc) {
    if (dpl < c.cpl || dpl < (sel & 3)) c.raise(EXC_GP, err);
    if (!(hi & 0x8000)) c.raise(EXC_NP, err);
    callGate(c, lo, hi, call);
    return;
  }
  if (type === 5 || type === tss.TSS16_AVAILABLE || type === tss.TSS32_AVAILABLE) {
    if (dpl < c.cpl || dpl < (sel & 3)) c.raise(EXC_GP, err);
    let tssSel = sel;
    if (type === 5) {
      if (!(hi & 0x8000)) c.raise(EXC_NP, err);
      tssSel = lo >>> 16;
      if (tssSel & 4 || !inTable(c, tssSel)) c.raise(EXC_GP, tssSel & 0xfffc);
      readDescriptor(c, tssSel, 0);
    }
    taskSwitch(c, tssSel, call ? SWITCH_CALL : SWITCH_JMP, 0);
    return;
  }
  c.raise(EXC_GP, err);
}

function callGate(c: CpuCore, lo: number, hi: number, call: boolean): void {
  const gate32 = (hi & 0x800) !== 0;
  const csSel = lo >>> 16;
  const offset = gate32 ? (lo & 0xffff) | (hi & 0xffff0000) : lo & 0xffff;
  const count = hi & 0x1f;
  readCodeDescriptor(c, csSel, 0);
  const attr = descAttr(c.descHi);
  const csErr = csSel & 0xfffc;
  if ((attr & (ATTR_S | ATTR_TYPE_CODE)) !== (ATTR_S | ATTR_TYPE_CODE)) c.raise(EXC_GP, csErr);
  const dpl = (attr >> 5) & 3;
  const conforming = (attr & ATTR_TYPE_DC) !== 0;
  if (dpl > c.cpl || (!call && !conforming && dpl !== c.cpl)) c.raise(EXC_GP, csErr);
  if (!(attr & ATTR_P)) c.raise(EXC_NP, csErr);
  if (offset >>> 0 > descLimit(c.descLo, c.descHi) >>> 0) c.raise(EXC_GP, 0);
  const csLo = c.descLo;
  const csHi = c.descHi;
  const csAddr = c.descAddr;
  const retCs = c.segSel[CS];
  const retEip = c.eip;

  if (call && !conforming && dpl < c.cpl) {
    // More privilege: copy `count` parameters from the caller's stack to the new one.
    const size = gate32 ? 4 : 2;
    for (let i = 0; i < count; i++) {
      const off = c.ssB ? (c.regs[4] + i * size) | 0 : (c.regs[4] + i * size) & 0xffff;
      params[i] = gate32 ? c.rd32(SS, off) : c.rd16(SS, off);
    }
    enterInnerStack(c, dpl, 0);
    const o = outerStack;
    try {
      if (gate32) {
        c.push32(o.sel);
        c.push32(o.esp);
        for (let i = count - 1; i >= 0; i--) c.push32(params[i]);
        c.push32(retCs);
        c.push32(retEip);
      } else {
        c.push16(o.sel);
        c.push16(o.esp);
        for (let i = count - 1; i >= 0; i--) c.push16(params[i]);
        c.push16(retCs);
        c.push16(retEip);
      }
    } catch (e) {
      abortInnerStack(c, 0);
      throw e;
    }
  } else if (call) {
    const savedSp = c.regs[4];
    try {
      if (gate32) {
        c.push32(retCs);
        c.push32(retEip);
      } else {
        c.push16(retCs);
        c.push16(retEip);
      }
    } catch (e) {
      c.regs[4] = savedSp;
      throw e;
    }
  }
  c.descLo = csLo;
  c.descHi = csHi;
  c.descAddr = csAddr;
  commitCodeSegment(c, csSel);
  c.eip = offset;
}

// ---------------------------------------------------------------- return to an outer ring

const ret = { csLo: 0, csHi: 0, csAddr: 0, ssLo: 0, ssHi: 0, ssAddr: 0 };

/**
 * Far RET or IRET to the outer ring RPL(csSel): with CS's descriptor just read and checked
 * (checkReturnTarget), check the popped SS (#GP(selector), #SS when not present) and EIP
 * against the new CS limit. Nothing changes; commitOuterReturn does the rest.
 */
export function checkOuterReturn(c: CpuCore, csSel: number, eip: number, ssSel: number): void {
  ret.csLo = c.descLo;
  ret.csHi = c.descHi;
  ret.csAddr = c.descAddr;
  const rpl = csSel & 3;
  if ((ssSel & 0xfffc) === 0) c.raise(EXC_GP, 0);
  readDescriptor(c, ssSel, 0);
  checkStackSegment(c, ssSel, rpl, EXC_GP, 0);
  ret.ssLo = c.descLo;
  ret.ssHi = c.descHi;
  ret.ssAddr = c.descAddr;
  if (eip >>> 0 > descLimit(ret.csLo, ret.csHi) >>> 0) c.raise(EXC_GP, 0);
}

/** Enter ring RPL(csSel) at csSel:eip with stack ssSel:esp (after checkOuterReturn). */
export function commitOuterReturn(c: CpuCore, csSel: number, eip: number, ssSel: number, esp: number): void {
  c.cpl = csSel & 3;
  c.descLo = ret.csLo;
  c.descHi = ret.csHi;
  c.descAddr = ret.csAddr;
  commitCodeSegment(c, csSel);
  c.eip = eip;
  c.descLo = ret.ssLo;
  c.descHi = ret.ssHi;
  c.descAddr = ret.ssAddr;
  commitSegment(c, SS, ssSel);
  if (c.ssB) c.regs[4] = esp;
  else c.r16[8] = esp;
  nullInaccessibleSegments(c);
}

/**
 * Far RET (imm16) to an outer ring: EIP and CS were read at ESP; the outer ESP and SS sit
 * above them and the `release` bytes of parameters, which are released on both stacks.
 */
export function retFarOuter(c: CpuCore, csSel: number, eip: number, release: number): void {
  const o32 = c.o32;
  const at = (o32 ? 8 : 4) + release;
  const esp = o32 ? c.peek32(at) : c.peek16(at);
  const ssSel = o32 ? c.peek32(at + 4) & 0xffff : c.peek16(at + 2);
  checkOuterReturn(c, csSel, eip, ssSel);
  commitOuterReturn(c, csSel, eip, ssSel, (esp + release) | 0);
}
