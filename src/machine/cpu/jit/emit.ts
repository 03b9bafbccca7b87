/**
 * JavaScript for one decoded instruction (decode.ts), doing exactly what the interpreter's
 * code for it does (exec.ts, exec0f.ts, ops-*.ts): the same CpuCore primitives (push32,
 * setAdd, alu...) in the same order, with the decoding done once, at compile time, and memory
 * accesses through emit-mem.ts (the RAM fast path inline, the interpreter's accessor otherwise).
 *
 * The code runs inside a block function (block-compiler.ts) with these names in scope:
 * `c` (the CpuCore), `regs`/`r16`/`r8` (its register views), `clock`, `ic` (instructions
 * retired at the start of the run, not yet stored in clock.icount: `ctx.ic` is this
 * instruction's count), `eip` (the dispatch variable), the block's
 * copies of CPU state that emit-mem.ts reads (`se` the slice end, `fr`, `fw`, `sb`, `a20`,
 * `ram`...) and the helpers of BlockHelpers. It either falls through to the next instruction
 * (the block counts it) or counts itself and transfers with `ctx.to(target)` (dispatch within
 * the block, or return to the run loop).
 *
 * Before anything that can fault or reach the bus, `clock.icount`, `c.startEip` and `c.eip`
 * are stored: an exception then finds the state the interpreter would have left (the
 * instruction uncounted, EIP at its first byte once runSlice rewinds, the length fetched so
 * far), and a device sees the interpreter's icount. An inline RAM access can do neither, so
 * only its slow path stores them.
 */
import { R8, SS, ZF } from '../constants.js';
import type { Insn, MemOperand } from './decode.js';
import { RELOAD, load, peek, pop, push, store } from './emit-mem.js';

/** The block's page and window: targets inside it are within the CS limit and may be dispatched to. */
export interface EmitContext {
  inWindow(eip: number): boolean;
  /** The instruction count before this instruction (an expression: the block counts at compile time within a run). */
  readonly ic: string;
  /**
   * Count this instruction and go to `target` (a constant EIP, or an expression): an
   * instruction of the block is dispatched to, anything else leaves it.
   */
  to(target: number | string): string;
  /** The block's flags not yet stored in the CpuCore (shared by the instructions of a run). */
  readonly flags: PendingFlags;
}

/**
 * Lazy flags kept in the block's locals (`fa`, `fb`, `fres`) instead of the CpuCore's lazy
 * fields: the last ALU operation's kind is known at compile time, so a later condition reads
 * the locals directly (CMP then Jcc is one comparison) and flags overwritten before anything
 * reads them are never stored. They are stored (`flushFlags`) wherever the CpuCore's flags can
 * be seen: before a slow path or an exception (faultable), at every exit and label, before a
 * stepped instruction and before any instruction whose flag work is not written out here.
 */
export interface PendingFlags {
  /** null: the CpuCore's flags are current. */
  kind: null | { readonly logic: boolean; readonly sub: boolean; readonly sh: number };
}

/** Store the pending flags into the CpuCore (as setAdd / setSub / setLogic would have); they stay pending. */
export function flushFlags(f: PendingFlags): string {
  const k = f.kind;
  if (k === null) return '';
  if (k.logic) return `c.flags &= ${LOGIC_CLEARS}; c.lres = fres; c.lsh = ${k.sh}; c.lazy = ${LAZY_LOGIC}; `;
  return `c.la = fa; c.lb = fb; c.lres = fres; c.lop = ${k.sub ? 1 : 0}; c.lsh = ${k.sh}; c.lazy = ${LAZY_ARITH}; `;
}

/** flushFlags, after which the CpuCore's flags are current (code on every path from here). */
export function syncFlags(f: PendingFlags): string {
  const code = flushFlags(f);
  f.kind = null;
  return code;
}

const CF = 0x0001;
const DF = 0x0400;
const GP = 13;
const SIGN = -2147483648;

const hex = (v: number): string => (v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);

const reg32 = (i: number): string => `regs[${i}]`;
const reg16 = (i: number): string => `r16[${i << 1}]`;
const reg8 = (i: number): string => `r8[${R8[i]}]`;

/** The effective address of `m`, an int32 (a16: 0..0xFFFF) expression. */
function ea(m: MemOperand): string {
  if (m.a16) {
    const terms: string[] = [];
    if (m.base >= 0) terms.push(reg16(m.base));
    if (m.index >= 0) terms.push(reg16(m.index));
    if (m.disp !== 0 || terms.length === 0) terms.push(hex(m.disp));
    return `((${terms.join(' + ')}) & 0xffff)`;
  }
  const terms: string[] = [];
  if (m.base >= 0) terms.push(reg32(m.base));
  if (m.index >= 0) terms.push(m.scale === 0 ? reg32(m.index) : `(${reg32(m.index)} << ${m.scale})`);
  if (m.disp !== 0 || terms.length === 0) terms.push(hex(m.disp));
  return terms.length === 1 && m.base < 0 && m.index < 0 ? hex(m.disp) : `((${terms.join(' + ')}) | 0)`;
}

/** Accessors of operands of one size. */
function sized(size: 1 | 2 | 4): { reg: (i: number) => string; size: 1 | 2 | 4; sh: number } {
  if (size === 4) return { reg: reg32, size, sh: 31 };
  if (size === 2) return { reg: reg16, size, sh: 15 };
  return { reg: reg8, size, sh: 7 };
}

/**
 * `const r` = the 32-bit `x` shifted or rotated by `n` (1 to 31: a constant, or the local `n`
 * for a count in CL, which the caller has checked is not 0), with the flags alu.ts shift()
 * leaves; the CpuCore's flags are current (the caller syncs). A rotate sets CF and OF and
 * keeps the rest, still lazy where they were (shift() materialises them first, to the same
 * values); a shift sets CF, OF and clears AF, with SF, ZF and PF lazy from the result. RCL and
 * RCR (they read CF) stay shift()'s: null.
 */
function shift32(op: number, n: number | 'n'): string | null {
  const down = typeof n === 'number' ? `${32 - n}` : '(32 - n)'; // 32 - n
  const last = typeof n === 'number' ? `${n - 1}` : '(n - 1)'; // n - 1
  // A rotate: CF and OF replaced, the rest of the flags stay as they are (lazy or not).
  const rotated = (cf: string, of: string): string => `c.flags = (c.flags & ${CF_OF_CLEARS}) | ${cf} | (${of} << 11); c.lazy &= ${CF_OF_CLEARS};`;
  // A shift: CF and OF set, AF cleared, PF, ZF and SF lazy from r (setResultFlags).
  const shifted = (cf: string, of: string): string => `c.flags = (c.flags & ${LOGIC_CLEARS}) | ${cf}${of === '' ? '' : ` | (${of} << 11)`}; c.lres = r; c.lsh = 31; c.lazy = ${LAZY_LOGIC};`;
  switch (op) {
    case 0: // ROL: CF = the bit rotated into bit 0; OF = CF ^ the new MSB
      return `const r = (x << ${n}) | (x >>> ${down}); ${rotated('(r & 1)', '((r ^ (r >>> 31)) & 1)')}`;
    case 1: // ROR: CF = the new MSB; OF = MSB ^ the bit below
      return `const r = (x >>> ${n}) | (x << ${down}); ${rotated('(r >>> 31)', '(((r >>> 31) ^ (r >>> 30)) & 1)')}`;
    case 4: case 6: // SHL / SAL: CF = the last bit out; OF = CF ^ the new MSB
      return `const r = x << ${n}; const cf = (x >>> ${down}) & 1; ${shifted('cf', '(cf ^ (r >>> 31))')}`;
    case 5: // SHR: CF = the last bit out; OF as shift() computes it
      return `const r = (x >>> ${n}) | 0; ${shifted(`((x >>> ${last}) & 1)`, '((((r << 1) ^ r) >>> 31) & 1)')}`;
    case 7: // SAR: CF = the last bit out; OF cleared
      return `const r = x >> ${n}; ${shifted(`((x >> ${last}) & 1)`, '')}`;
    default:
      return null;
  }
}

/** `r` = a OP b with the interpreter's flags (alu.ts). */
function aluOp(op: number, a: string, b: string, sh: number, ctx: EmitContext): string {
  if (sh === 31) {
    switch (op) {
      case 0: return `const r = (${a} + ${b}) | 0; ${setArith(a, b, 'r', 31, false, ctx)}`;
      case 1: return `const r = ${a} | ${b}; ${setLogic('r', 31, ctx)}`;
      case 4: return `const r = ${a} & ${b}; ${setLogic('r', 31, ctx)}`;
      case 5: case 7: return `const r = (${a} - ${b}) | 0; ${setArith(a, b, 'r', 31, true, ctx)}`;
      case 6: return `const r = ${a} ^ ${b}; ${setLogic('r', 31, ctx)}`;
      default: break;
    }
  }
  return `const r = alu(c, ${op}, ${a}, ${b}, ${sh});`;
}

/** The state an exception or a device must find before this instruction's first access (or, called later, before a later one). */
function faultable(i: Insn, ctx: EmitContext): string {
  return `${flushFlags(ctx.flags)}clock.icount = ${ctx.ic}; c.startEip = ${hex(i.eip)}; c.eip = ${hex(next(i))}; `;
}

const next = (i: Insn): number => (i.eip + i.length) | 0;

/** A near jump to a target known now: dispatched in the page, or checked against the CS limit and left to the run loop. */
function jumpTo(i: Insn, target: number, ctx: EmitContext): string {
  const t = i.o32 ? target | 0 : target & 0xffff;
  if (ctx.inWindow(t)) return ctx.to(t);
  return `if ((${hex(t)} ^ ${SIGN}) > c.csLimitFlipped) { ${faultable(i, ctx)}c.raise(${GP}, 0); } ${ctx.to(t)}`;
}


// The lazy-flag updates of registers.ts setAdd / setSub / setLogic and its getZF, written out
// with the same stores and loads: TurboFan then builds them with the block instead of inlining a
// call at every instruction (inlining was 13% of its time on coremark's blocks). Keep in step
// with registers.ts.
const LAZY_ARITH = 0x0001 | 0x0004 | 0x0010 | 0x0040 | 0x0080 | 0x0800; // ARITH_FLAGS
const LAZY_LOGIC = 0x0004 | 0x0040 | 0x0080; // PF | ZF | SF
const LOGIC_CLEARS = ~(0x0001 | 0x0800 | 0x0010); // ~(CF | OF | AF)
const CF_OF_CLEARS = ~(0x0001 | 0x0800); // ~(CF | OF)

/** setAdd (sub false) / setSub (sub true) of a, b, r (expressions without side effects), kept pending. */
function setArith(a: string, b: string, r: string, sh: number, sub: boolean, ctx: EmitContext): string {
  ctx.flags.kind = { logic: false, sub, sh };
  return `fa = ${a}; fb = ${b}; fres = ${r};`;
}

/** setLogic of `r` (an expression, evaluated once), kept pending. */
function setLogic(r: string, sh: number, ctx: EmitContext): string {
  ctx.flags.kind = { logic: true, sub: false, sh };
  return `fres = ${r};`;
}

/** getZF. */
const ZF_SET = '((c.lazy & 0x40) !== 0 ? (c.lres & ((2 << c.lsh) - 1)) === 0 : (c.flags & 0x40) !== 0)';

/** Condition code `cc` as an expression: registers.ts cond() with `cc` known (its switch left out). */
function cond(cc: number, ctx: EmitContext): string {
  const k = ctx.flags.kind;
  if (k !== null) return pendingCond(cc, k);
  let r: string;
  switch (cc >> 1) {
    case 0: r = 'c.getOF()'; break;
    case 1: r = '(c.getCF() !== 0)'; break;
    case 2: r = ZF_SET; break;
    case 3: r = `(c.getCF() !== 0 || ${ZF_SET})`; break;
    case 4: r = 'c.getSF()'; break;
    case 5: r = 'c.getPF()'; break;
    case 6: r = '(c.getSF() !== c.getOF())'; break;
    default: r = `(${ZF_SET} || c.getSF() !== c.getOF())`; break;
  }
  return (cc & 1) === 0 ? r : `!${r}`;
}

/**
 * Condition `cc` (not P/NP: those sync first, see ownsFlags) from the pending flags' locals:
 * registers.ts lazyCarry / lazyOverflow / getZF / getSF for the kind known at compile time.
 */
function pendingCond(cc: number, k: NonNullable<PendingFlags['kind']>): string {
  const zf = k.sh === 31 ? '(fres === 0)' : `((fres & ${hex((2 << k.sh) - 1)}) === 0)`;
  const sf = k.sh === 31 ? '(fres < 0)' : `(((fres >>> ${k.sh}) & 1) !== 0)`;
  let r: string;
  if (k.logic) {
    // CF = OF = 0.
    switch (cc >> 1) {
      case 0: case 1: r = 'false'; break;
      case 2: case 3: r = zf; break;
      case 4: case 6: r = sf; break;
      default: r = `(${zf} || ${sf})`; break;
    }
  } else if (k.sub) {
    // 32-bit a - b: CF = a < b unsigned, ZF = a === b, SF != OF = a < b signed.
    switch (cc >> 1) {
      case 0: r = '(((fa ^ fb) & (fa ^ fres)) < 0)'; break;
      case 1: r = '((fa >>> 0) < (fb >>> 0))'; break;
      case 2: r = '(fa === fb)'; break;
      case 3: r = '((fa >>> 0) <= (fb >>> 0))'; break;
      case 4: r = sf; break;
      case 6: r = '(fa < fb)'; break;
      default: r = '(fa <= fb)'; break;
    }
  } else {
    // 32-bit a + b: CF = carry out (the sum below a, unsigned).
    const cf = '((fres >>> 0) < (fa >>> 0))';
    const of = '(((fa ^ fres) & (fb ^ fres)) < 0)';
    switch (cc >> 1) {
      case 0: r = of; break;
      case 1: r = cf; break;
      case 2: r = zf; break;
      case 3: r = `(${cf} || ${zf})`; break;
      case 4: r = sf; break;
      case 6: r = `(${sf} !== ${of})`; break;
      default: r = `(${zf} || ${sf} !== ${of})`; break;
    }
  }
  return (cc & 1) === 0 ? r : `!${r}`;
}

/**
 * The instruction's flag work is all written out here (setArith, setLogic, cond), or it has
 * none: the pending flags may stay pending across it. Anything else (helpers, INC/DEC, PF
 * conditions, CLC...) finds the CpuCore's flags current (emit syncs first).
 */
function ownsFlags(i: Insn): boolean {
  const op = i.op;
  const reg = (i.modrm >> 3) & 7;
  const inlineAlu = (aop: number): boolean => aop !== 2 && aop !== 3;
  if (op < 0x40 && (op & 7) <= 5) {
    if ((op & 7) === 4) return false; // AL: alu()
    const wide = (op & 1) === 1 && i.o32;
    return wide && inlineAlu(op >> 3);
  }
  if (op === 0x80) return false;
  if (op === 0x81 || op === 0x83) return i.o32 && inlineAlu(reg);
  if (op === 0x84 || op === 0x85 || op === 0xa8 || op === 0xa9) return true;
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f) || (op >= 0x190 && op <= 0x19f)) return ((op & 15) >> 1) !== 5;
  if (op === 0xf6 || op === 0xf7) return reg <= 2; // TEST, NOT
  if (op === 0xff) return reg === 2 || reg === 4 || reg === 6;
  if ((op >= 0x50 && op <= 0x5f) || op === 0x68 || op === 0x6a || (op >= 0x86 && op <= 0x8b) || op === 0x8d || (op >= 0x90 && op <= 0x97)) return true;
  if ((op >= 0xa0 && op <= 0xa3) || op === 0xc9) return true; // MOV moffs, LEAVE
  if (op === 0x98 || op === 0x99 || (op >= 0xb0 && op <= 0xbf) || op === 0xc2 || op === 0xc3 || op === 0xc6 || op === 0xc7) return true;
  if (op === 0xe8 || op === 0xe9 || op === 0xeb || op === 0xe4 || op === 0xe6 || (op >= 0xec && op <= 0xef)) return true;
  return op === 0x1b6 || op === 0x1b7 || op === 0x1be || op === 0x1bf;
}

/** The JavaScript for `i`, or null: the interpreter steps it (the caller syncs the flags first). */
export function emit(i: Insn, ctx: EmitContext): string | null {
  if (ownsFlags(i)) return emitInsn(i, ctx);
  const saved = ctx.flags.kind;
  const sync = syncFlags(ctx.flags);
  const code = emitInsn(i, ctx);
  if (code === null) ctx.flags.kind = saved;
  return code === null ? null : sync + code;
}

function emitInsn(i: Insn, ctx: EmitContext): string | null {
  const op = i.op;
  const m = i.modrm;
  const reg = (m >> 3) & 7;
  const rm = m & 7;
  const mem = i.mem;
  const size: 2 | 4 = i.o32 ? 4 : 2;
  const v = sized(size);
  const b8 = sized(1);

  if (op < 0x40 && (op & 7) <= 5) {
    const aop = op >> 3;
    const write = aop !== 7;
    switch (op & 7) {
      case 0: case 1: { // op r/m, r
        const s = (op & 1) === 0 ? b8 : v;
        if (mem === null) {
          return `{ ${aluOp(aop, s.reg(rm), s.reg(reg), s.sh, ctx)}${write ? ` ${s.reg(rm)} = r;` : ''} } `;
        }
        const st = faultable(i, ctx);
        return `{ const off = ${ea(mem)}; ${load('a', s.size, mem.seg, 'off', st)} const b = ${s.reg(reg)}; ${aluOp(aop, 'a', 'b', s.sh, ctx)}${write ? ` ${store(s.size, mem.seg, 'off', 'r', faultable(i, ctx))}` : ''} } `;
      }
      case 2: case 3: { // op r, r/m
        const s = (op & 1) === 0 ? b8 : v;
        const src = mem === null ? `const b = ${s.reg(rm)};` : `const off = ${ea(mem)}; ${load('b', s.size, mem.seg, 'off', faultable(i, ctx))}`;
        return `{ const a = ${s.reg(reg)}; ${src} ${aluOp(aop, 'a', 'b', s.sh, ctx)}${write ? ` ${s.reg(reg)} = r;` : ''} } `;
      }
      case 4:
        return `{ const a = r8[0]; ${aluOp(aop, 'a', hex(i.imm), 7, ctx)}${write ? ' r8[0] = r;' : ''} } `;
      default:
        return `{ const a = ${v.reg(0)}; ${aluOp(aop, 'a', hex(i.imm), v.sh, ctx)}${write ? ` ${v.reg(0)} = r;` : ''} } `;
    }
  }
  if (op >= 0x40 && op <= 0x4f) {
    const r = op & 7;
    const incr = op < 0x48;
    if (i.o32) return `{ const a = regs[${r}]; const r = (a ${incr ? '+' : '-'} 1) | 0; regs[${r}] = r; c.${incr ? 'setInc' : 'setDec'}(a, r, 31); } `;
    return `${reg16(r)} = ${incr ? 'inc' : 'dec'}(c, ${reg16(r)}, 15); `;
  }
  if (op >= 0x50 && op <= 0x57) return `${push(size, v.reg(op & 7), faultable(i, ctx))} `;
  if (op >= 0x58 && op <= 0x5f) return `{ ${pop('x', size, faultable(i, ctx))} ${v.reg(op & 7)} = x; } `;
  if (op === 0x68 || op === 0x6a) return `${push(size, hex(i.imm), faultable(i, ctx))} `;
  if (op === 0x69 || op === 0x6b || op === 0x1af) {
    const read = (dst: string, st: string): string => mem === null ? `const ${dst} = ${v.reg(rm)};` : `const off = ${ea(mem)}; ${load(dst, v.size, mem.seg, 'off', st)}`;
    if (op === 0x1af) return `{ const a = ${v.reg(reg)}; ${read('b', faultable(i, ctx))} ${v.reg(reg)} = imulTrunc(c, a, b, ${v.sh}); } `;
    const imm = !i.o32 && op === 0x6b ? i.imm & 0xffff : i.imm;
    // The interpreter fetches the immediate after the read: a fault there leaves EIP before it.
    const before = `${faultable(i, ctx)}c.eip = ${hex((next(i) - (op === 0x6b ? 1 : size)) | 0)}; `;
    return `{ ${read('a', before)} ${v.reg(reg)} = imulTrunc(c, a, ${hex(imm)}, ${v.sh}); } `;
  }
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) {
    const body = jumpTo(i, (next(i) + i.imm) | 0, ctx);
    // The count goes first in jumpTo's code; the condition reads flags only.
    return `if (${cond(op & 15, ctx)}) { ${body} }`;
  }
  if (op === 0x80 || op === 0x81 || op === 0x83) {
    const s = op === 0x80 ? b8 : v;
    const aop = reg;
    const imm = op === 0x83 && !i.o32 ? i.imm & 0xffff : i.imm;
    if (mem === null) return `{ const a = ${s.reg(rm)}; ${aluOp(aop, 'a', hex(imm), s.sh, ctx)}${aop !== 7 ? ` ${s.reg(rm)} = r;` : ''} } `;
    const st = faultable(i, ctx);
    return `{ const off = ${ea(mem)}; ${load('a', s.size, mem.seg, 'off', st)} ${aluOp(aop, 'a', hex(imm), s.sh, ctx)}${aop !== 7 ? ` ${store(s.size, mem.seg, 'off', 'r', faultable(i, ctx))}` : ''} } `;
  }
  if (op === 0x84 || op === 0x85 || op === 0xa8 || op === 0xa9) {
    const s = (op & 1) === 0 ? b8 : v;
    if (op >= 0xa8) return `${setLogic(`${s.reg(0)} & ${hex(i.imm)}`, s.sh, ctx)} `;
    if (mem === null) return `${setLogic(`${s.reg(rm)} & ${s.reg(reg)}`, s.sh, ctx)} `;
    return `{ const off = ${ea(mem)}; ${load('x', s.size, mem.seg, 'off', faultable(i, ctx))} ${setLogic(`x & ${s.reg(reg)}`, s.sh, ctx)} } `;
  }
  if (op >= 0x88 && op <= 0x8b) {
    const s = (op & 1) === 0 ? b8 : v;
    if (mem === null) return (op & 2) === 0 ? `${s.reg(rm)} = ${s.reg(reg)}; ` : `${s.reg(reg)} = ${s.reg(rm)}; `;
    if ((op & 2) === 0) return `{ const off = ${ea(mem)}; const x = ${s.reg(reg)}; ${store(s.size, mem.seg, 'off', 'x', faultable(i, ctx))} } `;
    return `{ const off = ${ea(mem)}; ${load('x', s.size, mem.seg, 'off', faultable(i, ctx))} ${s.reg(reg)} = x; } `;
  }
  if (op === 0x8d) {
    if (mem === null) return null; // #UD
    return `${v.reg(reg)} = ${ea(mem)}; `;
  }
  if (op === 0x90) return '';
  if (op === 0x98) return i.o32 ? 'regs[0] = (regs[0] << 16) >> 16; ' : 'r16[0] = (regs[0] << 24) >> 24; ';
  if (op === 0x99) return i.o32 ? 'regs[2] = regs[0] >> 31; ' : 'r16[4] = (regs[0] << 16) >> 31; ';
  if (op >= 0xb0 && op <= 0xb7) return `${reg8(op & 7)} = ${hex(i.imm)}; `;
  if (op >= 0xb8 && op <= 0xbf) return `${v.reg(op & 7)} = ${hex(i.imm)}; `;
  if (op === 0xc0 || op === 0xc1 || (op >= 0xd0 && op <= 0xd3)) {
    const s = (op & 1) === 0 ? b8 : v;
    const count = op >= 0xd2 ? '(r8[4] & 31)' : op >= 0xd0 ? '1' : `${i.imm & 31}`;
    const constant = op >= 0xd2 ? 0 : op >= 0xd0 ? 1 : i.imm & 31;
    // 32-bit, written out: by a constant other than 0, or by CL when it is not 0 (a zero count changes nothing, flags included).
    const inline = s.sh !== 31 ? null : op === 0xd3 ? shift32(reg, 'n') : constant !== 0 ? shift32(reg, constant) : null;
    const byCl = op === 0xd3 ? 'const n = r8[4] & 31; if (n !== 0) ' : '';
    if (mem === null) {
      if (inline !== null) return `{ const x = ${s.reg(rm)}; ${byCl}{ ${inline} ${s.reg(rm)} = r; } } `;
      return `${s.reg(rm)} = shift(c, ${reg}, ${s.reg(rm)}, ${count}, ${s.sh}); `;
    }
    const countLength = op === 0xc0 || op === 0xc1 ? 1 : 0; // the interpreter fetches the count after the read
    const st = `${faultable(i, ctx)}c.eip = ${hex((next(i) - countLength) | 0)}; `;
    if (inline !== null) return `{ const off = ${ea(mem)}; ${load('x', 4, mem.seg, 'off', st)} ${byCl}{ ${inline} ${store(4, mem.seg, 'off', 'r', faultable(i, ctx))} } } `;
    return `{ const off = ${ea(mem)}; ${load('x', s.size, mem.seg, 'off', st)} const n = ${count}; const r = shift(c, ${reg}, x, n, ${s.sh}); if (n !== 0) ${store(s.size, mem.seg, 'off', 'r', faultable(i, ctx))} } `;
  }
  if (op === 0xc2 || op === 0xc3) {
    const release = op === 0xc2 ? i.imm : 0;
    return `{ ${peek('t', size, faultable(i, ctx))} if ((t ^ ${SIGN}) > c.csLimitFlipped) { ${faultable(i, ctx)}c.raise(${GP}, 0); } c.addSp(${size + release}); ${ctx.to('t')} }`;
  }
  if (op === 0xc6 || op === 0xc7) {
    if (reg !== 0) return null; // #UD
    const s = op === 0xc6 ? b8 : v;
    if (mem === null) return `${s.reg(rm)} = ${hex(i.imm)}; `;
    return `{ const off = ${ea(mem)}; ${store(s.size, mem.seg, 'off', hex(i.imm), faultable(i, ctx))} } `;
  }
  if (op === 0xe8) {
    const t = i.o32 ? (next(i) + i.imm) | 0 : (next(i) + i.imm) & 0xffff;
    const limit = ctx.inWindow(t) ? '' : `if ((${hex(t)} ^ ${SIGN}) > c.csLimitFlipped) { ${faultable(i, ctx)}c.raise(${GP}, 0); } `;
    return `${limit}${push(size, hex(next(i)), faultable(i, ctx))} ${ctx.to(t)}`;
  }
  if (op === 0xe9 || op === 0xeb) return jumpTo(i, (next(i) + i.imm) | 0, ctx);
  if (op === 0xe4 || op === 0xe6 || (op >= 0xec && op <= 0xef)) {
    // IN / OUT through the interpreter's own port access (ops-system.ts portRead / portWrite:
    // the I/O permission check, the bus, afterIo); a device may cut the slice or flip A20.
    const n = (op & 1) === 0 ? 1 : size;
    const port = op < 0xec ? hex(i.imm) : 'r16[4]';
    const acc = n === 1 ? 'r8[0]' : n === 2 ? 'r16[0]' : 'regs[0]';
    if ((op & 2) === 0) return `{ ${faultable(i, ctx)}const v = ioRead(c, ${port}, ${n}); ${acc} = v; ${RELOAD} } `;
    return `{ ${faultable(i, ctx)}ioWrite(c, ${port}, ${n}, ${acc}); ${RELOAD} } `;
  }
  // PUSHF and CLI through the interpreter's own (ops-system.ts: VM86 and IOPL checks; a push may
  // store into translated code, so the slice end is reloaded).
  if (op === 0x9c) return `{ ${faultable(i, ctx)}pushf(c, ${i.o32 ? 1 : 0}); ${RELOAD} } `;
  if (op === 0xfa) return `{ ${faultable(i, ctx)}cli(c); } `;
  // RDTSC through the interpreter's own (ops-msr.ts: CR4.TSD's #GP, the TSC from the icount).
  if (op === 0x131) return `{ ${faultable(i, ctx)}rdtsc(c); } `;
  if (op === 0xf5) return `c.setFlags(c.getFlags() ^ ${CF}, ${CF}); `;
  if (op === 0xf8 || op === 0xf9) return `c.setFlags(${op & 1}, ${CF}); `;
  if (op === 0xfc) return `c.flags &= ${~DF}; `;
  if (op === 0xfd) return `c.flags |= ${DF}; `;
  if (op === 0xf6 || op === 0xf7) {
    const s = op === 0xf6 ? b8 : v;
    if (reg > 3) return mulDiv(i, s, reg, ctx);
    const immLength = reg < 2 ? (op === 0xf6 ? 1 : size) : 0; // TEST's immediate is fetched after the read
    const st = `${faultable(i, ctx)}c.eip = ${hex((next(i) - immLength) | 0)}; `;
    const read = mem === null ? `const x = ${s.reg(rm)};` : `const off = ${ea(mem)}; ${load('x', s.size, mem.seg, 'off', st)}`;
    if (reg < 2) return `{ ${read} ${setLogic(`x & ${hex(i.imm)}`, s.sh, ctx)} } `;
    const result = reg === 2 ? '~x' : `neg(c, x, ${s.sh})`;
    const write = mem === null ? `${s.reg(rm)} = r;` : store(s.size, mem.seg, 'off', 'r', faultable(i, ctx));
    return `{ ${read} const r = ${result}; ${write} } `;
  }
  if (op === 0xfe || op === 0xff) {
    const s = op === 0xfe ? b8 : v;
    if (reg <= 1) {
      const fn = reg === 0 ? 'inc' : 'dec';
      if (mem === null) return `${s.reg(rm)} = ${fn}(c, ${s.reg(rm)}, ${s.sh}); `;
      const st = faultable(i, ctx);
      return `{ const off = ${ea(mem)}; ${load('x', s.size, mem.seg, 'off', st)} const r = ${fn}(c, x, ${s.sh}); ${store(s.size, mem.seg, 'off', 'r', st)} } `;
    }
    if (op === 0xfe || (reg !== 2 && reg !== 4 && reg !== 6)) return null; // #UD, far CALL/JMP: the interpreter's
    const st = faultable(i, ctx);
    const read = mem === null ? `const x = ${v.reg(rm)};` : `const off = ${ea(mem)}; ${load('x', v.size, mem.seg, 'off', st)}`;
    const mask = i.o32 ? '' : ' & 0xffff';
    const limit = `if ((t ^ ${SIGN}) > c.csLimitFlipped) { ${st}c.raise(${GP}, 0); }`;
    if (reg === 6) return `{ ${read} ${push(size, 'x', st)} } `;
    if (reg === 4) return `{ ${read} const t = x${mask}; ${limit} ${ctx.to('t')} }`;
    return `{ ${read} const t = x${mask}; ${limit} ${push(size, hex(next(i)), st)} ${ctx.to('t')} }`;
  }
  if (op >= 0x190 && op <= 0x19f) {
    if (mem === null) return `${reg8(rm)} = ${cond(op & 15, ctx)} ? 1 : 0; `;
    return `{ const off = ${ea(mem)}; const x = ${cond(op & 15, ctx)} ? 1 : 0; ${store(1, mem.seg, 'off', 'x', faultable(i, ctx))} } `;
  }
  if (op === 0x86 || op === 0x87 || (op >= 0x91 && op <= 0x97)) return exchange(i, op === 0x86 ? b8 : v, ctx);
  if (op >= 0xa0 && op <= 0xa3) {
    // MOV AL/eAX to or from moffs (ops-move.ts movMoffs): the decoder made the offset a memory operand.
    const s = (op & 1) === 0 ? b8 : v;
    if (mem === null) return null;
    if (op < 0xa2) return `{ const off = ${ea(mem)}; ${load('x', s.size, mem.seg, 'off', faultable(i, ctx))} ${s.reg(0)} = x; } `;
    return `{ const off = ${ea(mem)}; const x = ${s.reg(0)}; ${store(s.size, mem.seg, 'off', 'x', faultable(i, ctx))} } `;
  }
  if (op === 0xc9) {
    // LEAVE (ops-control.ts leave): the frame pointer (EBP, or BP on a 16-bit stack) becomes the
    // stack pointer, and the saved frame pointer is popped from there.
    const load16 = !i.o32;
    return `{ const sp = sb !== 0 ? regs[5] : r16[10]; ${load('x', load16 ? 2 : 4, SS, 'sp', faultable(i, ctx))} if (sb !== 0) regs[4] = (sp + ${size}) | 0; else r16[8] = sp + ${size}; ${load16 ? 'r16[10]' : 'regs[5]'} = x; } `;
  }
  if (op === 0x1a4 || op === 0x1a5 || op === 0x1ac || op === 0x1ad) {
    // SHLD / SHRD (exec0f.ts doubleShift): the destination is read before the count is fetched.
    const left = op < 0x1a8;
    const count = (op & 1) !== 0 ? '(r8[4] & 31)' : `${i.imm & 31}`;
    if (mem === null) return `${v.reg(rm)} = shiftDouble(c, ${left}, ${v.reg(rm)}, ${v.reg(reg)}, ${count}, ${v.sh}); `;
    const st = `${faultable(i, ctx)}c.eip = ${hex((next(i) - ((op & 1) !== 0 ? 0 : 1)) | 0)}; `;
    return `{ const off = ${ea(mem)}; ${load('x', v.size, mem.seg, 'off', st)} const n = ${count}; const r = shiftDouble(c, ${left}, x, ${v.reg(reg)}, n, ${v.sh}); if (n !== 0) ${store(v.size, mem.seg, 'off', 'r', faultable(i, ctx))} } `;
  }
  if (op === 0x1bc || op === 0x1bd) {
    // BSF / BSR (exec0f.ts bitScan): ZF set and the destination kept when the source is zero.
    const read = mem === null ? `const x = ${v.reg(rm)};` : `const off = ${ea(mem)}; ${load('x', v.size, mem.seg, 'off', faultable(i, ctx))}`;
    const index = op === 0x1bd ? '31 - Math.clz32(x)' : '31 - Math.clz32(x & -x)';
    return `{ ${read} if (x === 0) c.setFlags(${ZF}, ${ZF}); else { c.setFlags(0, ${ZF}); ${v.reg(reg)} = ${index}; } } `;
  }
  if (op === 0x1b6 || op === 0x1b7 || op === 0x1be || op === 0x1bf) {
    const from = op & 1 ? sized(2) : b8;
    const read = mem === null ? `const x = ${from.reg(rm)};` : `const off = ${ea(mem)}; ${load('x', from.size, mem.seg, 'off', faultable(i, ctx))}`;
    const x = op === 0x1bf ? '(x << 16) >> 16' : op === 0x1be ? '(x << 24) >> 24' : 'x';
    return `{ ${read} ${v.reg(reg)} = ${x}; } `;
  }
  return null;
}

/** F6/F7 /4../7: MUL, IMUL, DIV, IDIV of the accumulator (alu.ts mulAcc / divAcc; a divide error raises #DE, uncounted). */
function mulDiv(i: Insn, s: { reg: (i: number) => string; size: 1 | 2 | 4; sh: number }, reg: number, ctx: EmitContext): string {
  const mem = i.mem;
  const read = mem === null ? `const x = ${s.reg(i.modrm & 7)};` : `const off = ${ea(mem)}; ${load('x', s.size, mem.seg, 'off', faultable(i, ctx))}`;
  if (reg < 6) return `{ ${read} mulAcc(c, ${reg === 5}, x, ${s.sh}); } `;
  return `{ ${read} ${faultable(i, ctx)}divAcc(c, ${reg === 7}, x, ${s.sh}); } `;
}

/** 86/87 XCHG r/m, r and 91-97 XCHG eAX, r (ops-move.ts xchgRm / xchgAcc): with memory, the read comes before the write. */
function exchange(i: Insn, s: { reg: (i: number) => string; size: 1 | 2 | 4; sh: number }, ctx: EmitContext): string {
  if (i.op >= 0x91) return `{ const t = ${s.reg(0)}; ${s.reg(0)} = ${s.reg(i.op & 7)}; ${s.reg(i.op & 7)} = t; } `;
  const reg = (i.modrm >> 3) & 7;
  const mem = i.mem;
  if (mem === null) return `{ const t = ${s.reg(reg)}; ${s.reg(reg)} = ${s.reg(i.modrm & 7)}; ${s.reg(i.modrm & 7)} = t; } `;
  const st = faultable(i, ctx);
  return `{ const off = ${ea(mem)}; ${load('t', s.size, mem.seg, 'off', st)} const x = ${s.reg(reg)}; ${store(s.size, mem.seg, 'off', 'x', st)} ${s.reg(reg)} = t; } `;
}
