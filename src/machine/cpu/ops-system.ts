/**
 * System instructions: flags transfer (PUSHF POPF SAHF LAHF CLI STI), HLT, port I/O,
 * descriptor-table registers, control and debug registers. (CPUID, RDTSC and the MSRs:
 * ops-msr.ts; the 486's instructions, INVLPG among them: ops-486.ts.)
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as interrupts from './interrupts.js';
import * as modrm from './modrm.js';
import * as ops486 from './ops-486.js';
import * as protectionOps from './ops-protection.js';
import * as tss from './tss.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const {
  AF, CF, CR0_AM, CR0_CD, CR0_EM, CR0_ET, CR0_MP, CR0_NE, CR0_NW, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_PSE, CR4_TSD, EXC_GP, EXC_UD, IF, IOPL, PF, RF, SF, VM, ZF,
} = constants;
const { deliverInterrupt, SOURCE_EXCEPTION } = interrupts;
const { ea } = modrm;
const { invlpg } = ops486;
const { lldt, ltr, verify } = protectionOps;
const { checkIoPermission } = tss;

/** The CR0 bits a 486 has: PE MP EM TS ET NE, WP, AM, NW CD PG. Writes to the rest are dropped. */
const CR0_486_BITS = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;
/** What POPF may change: status flags, TF IF DF, IOPL, NT, and the 486's AC and ID (not RF, VM). */
const POPF_FLAGS = 0x247fd5;

function iopl(c: CpuCore): number {
  return (c.flags & IOPL) >> 12;
}

/** Protected mode with CPL > 0: privileged instructions raise #GP(0). */
function requireCpl0(c: CpuCore): void {
  if (c.cr0 & CR0_PE && c.cpl !== 0) c.raise(EXC_GP, 0);
}

/** Virtual-8086 mode: PUSHF POPF (and INT n, IRET) are IOPL-sensitive, #GP(0) below IOPL 3. */
function v86Sensitive(c: CpuCore): void {
  if (c.flags & VM && iopl(c) !== 3) c.raise(EXC_GP, 0);
}

export function pushf(c: CpuCore): void {
  v86Sensitive(c);
  const f = c.getFlags() & ~(VM | RF);
  if (c.o32) c.push32(f);
  else c.push16(f);
}

export function popf(c: CpuCore): void {
  v86Sensitive(c);
  const v = c.o32 ? c.pop32() : c.pop16();
  let mask = c.o32 ? POPF_FLAGS : POPF_FLAGS & 0xffff;
  if (c.cr0 & CR0_PE) {
    if (c.cpl > 0) mask &= ~IOPL;
    if (c.cpl > iopl(c)) mask &= ~IF;
  }
  c.setFlags(v, mask);
  c.sliceEnd = 0; // IF may have come on
}

export function sahf(c: CpuCore): void {
  c.setFlags(c.r8[1], SF | ZF | AF | PF | CF);
}

export function lahf(c: CpuCore): void {
  c.r8[1] = c.getFlags();
}

export function cli(c: CpuCore): void {
  if (c.cr0 & CR0_PE && c.cpl > iopl(c)) c.raise(EXC_GP, 0);
  c.flags &= ~IF;
}

/** STI: interrupts are recognised only after the next instruction (SDM vol. 2, STI). */
export function sti(c: CpuCore): void {
  if (c.cr0 & CR0_PE && c.cpl > iopl(c)) c.raise(EXC_GP, 0);
  if (!(c.flags & IF)) {
    c.flags |= IF;
    c.shadow = true;
    c.sliceEnd = 0;
  }
}

export function hlt(c: CpuCore): void {
  requireCpl0(c);
  c.halted = true;
  c.sliceEnd = 0;
}

/** F1 (ICEBP / INT1): a #DB trap without the gate DPL check of INT n. */
export function icebp(c: CpuCore): void {
  deliverInterrupt(c, 1, SOURCE_EXCEPTION, -1, 0);
}

// ---------------------------------------------------------------- port I/O

/** CPL > IOPL, or virtual-8086 mode: the TSS's I/O permission bitmap decides (tss.ts). */
function checkIo(c: CpuCore, port: number, size: number): void {
  if ((c.cr0 & CR0_PE && c.cpl > iopl(c)) || c.flags & VM) checkIoPermission(c, port, size);
}

/**
 * Whether checkIo has anything to check: at CPL 0 outside virtual-8086 mode (every guest here,
 * on every IN and OUT) CPL > IOPL cannot hold, and the out-of-line call is skipped.
 */
export function ioNeedsCheck(c: CpuCore): boolean {
  return (c.cpl !== 0 && (c.cr0 & CR0_PE) !== 0) || (c.flags & VM) !== 0;
}

/** One port read through the bus; clock.icount is already the count of retired instructions. */
function portRead(c: CpuCore, port: number, size: number): number {
  if (ioNeedsCheck(c)) checkIo(c, port, size);
  const v = c.bus.pioRead(port & 0xffff, size);
  c.inPort = port & 0xffff;
  c.inValue = v;
  c.afterIo();
  return v;
}

function portWrite(c: CpuCore, port: number, size: number, v: number): void {
  if (ioNeedsCheck(c)) checkIo(c, port, size);
  c.bus.pioWrite(port & 0xffff, size, size === 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff));
  c.afterIo();
}

// Exported under second names: the module's own calls (IN, OUT) then skip the export cell.
export const ioRead = portRead;
export const ioWrite = portWrite;

export function ioIn(c: CpuCore, port: number, size: number): void {
  const v = portRead(c, port, size);
  if (size === 1) c.r8[0] = v;
  else if (size === 2) c.r16[0] = v;
  else c.regs[0] = v;
}

export function ioOut(c: CpuCore, port: number, size: number): void {
  portWrite(c, port, size, size === 1 ? c.r8[0] : size === 2 ? c.r16[0] : c.regs[0]);
}

// ---------------------------------------------------------------- 0F 00 and 0F 01

/** 0F 00: SLDT STR LLDT LTR VERR VERW (protected mode only). */
export function group6(c: CpuCore): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  if (!(c.cr0 & CR0_PE) || c.flags & VM || op > 5) c.raise(EXC_UD);
  switch (op) {
    case 0: storeSelector(c, m, c.ldtr[0]); return;
    case 1: storeSelector(c, m, c.tr[0]); return;
    case 2: lldt(c, m); return;
    case 3: ltr(c, m); return;
    default: verify(c, m, op === 5); return;
  }
}

function storeSelector(c: CpuCore, m: number, sel: number): void {
  if (m >= 0xc0) {
    if (c.o32) c.regs[m & 7] = sel;
    else c.r16[(m & 7) << 1] = sel;
  } else {
    const off = ea(c, m);
    c.wr16(c.eaSeg, off, sel);
  }
}

/** 0F 01: SGDT SIDT LGDT LIDT SMSW LMSW, and the 486's INVLPG (/7). */
export function group7(c: CpuCore): void {
  const m = c.fetch8();
  const op = (m >> 3) & 7;
  if (op === 5) c.raise(EXC_UD);
  if (op === 7) return invlpg(c, m);
  if (op === 4) { // SMSW
    storeSelector(c, m, c.o32 && m >= 0xc0 ? c.cr0 : c.cr0 & 0xffff);
    return;
  }
  if (op === 6) { // LMSW: loads PE MP EM TS; cannot clear PE
    requireCpl0(c);
    let v: number;
    if (m >= 0xc0) v = c.r16[(m & 7) << 1];
    else {
      const off = ea(c, m);
      v = c.rd16(c.eaSeg, off);
    }
    writeCr0(c, (c.cr0 & ~0xe) | (v & 0xf) | (c.cr0 & CR0_PE));
    return;
  }
  if (m >= 0xc0) c.raise(EXC_UD);
  const off = ea(c, m);
  const seg = c.eaSeg;
  if (op <= 1) { // SGDT / SIDT: 16-bit operand size stores a 24-bit base
    const limit = op === 0 ? c.gdtLimit : c.idtLimit;
    const base = op === 0 ? c.gdtBase : c.idtBase;
    c.checkWrite(seg, off, 6);
    c.wr16(seg, off, limit);
    c.wr32(seg, (off + 2) | 0, c.o32 ? base : base & 0xffffff);
    return;
  }
  requireCpl0(c);
  const limit = c.rd16(seg, off);
  let base = c.rd32(seg, (off + 2) | 0);
  if (!c.o32) base &= 0xffffff;
  if (op === 2) {
    c.gdtLimit = limit;
    c.gdtBase = base;
  } else {
    c.idtLimit = limit;
    c.idtBase = base;
  }
}

// ---------------------------------------------------------------- control and debug registers

export function writeCr0(c: CpuCore, v: number): void {
  // PG without PE, or NW without CD, is #GP(0) (SDM vol. 2, MOV CRn); ET is wired to 1 on a 486.
  if ((v & CR0_PG && !(v & CR0_PE)) || (v & CR0_NW && !(v & CR0_CD))) c.raise(EXC_GP, 0);
  v = (v & CR0_486_BITS) | CR0_ET;
  const changed = v ^ c.cr0;
  c.cr0 = v;
  if (changed & CR0_PE) {
    c.cpl = 0;
    c.refreshAllSegs();
  }
  if (changed & (CR0_PE | CR0_PG | CR0_WP)) c.updatePaging();
  c.fLen = 0;
  c.sliceEnd = 0;
}

/** CR4 bits this CPU implements: TSD (RDTSC for ring 0 only) and PSE (4 MiB pages). Setting any other is #GP(0), as for a reserved bit. */
const CR4_BITS = CR4_TSD | CR4_PSE;

function writeCr4(c: CpuCore, v: number): void {
  if (v & ~CR4_BITS) c.raise(EXC_GP, 0);
  if ((v ^ c.cr4) & CR4_PSE) c.flushTlb();
  c.cr4 = v;
}

/** 0F 20 / 0F 22: MOV r32, CRn and MOV CRn, r32 (the ModR/M mod field is ignored). */
export function movCr(c: CpuCore, toCr: boolean): void {
  const m = c.fetch8();
  const n = (m >> 3) & 7;
  requireCpl0(c);
  if (n === 1 || n > 4) c.raise(EXC_UD);
  const r = m & 7;
  if (!toCr) {
    c.regs[r] = n === 0 ? c.cr0 : n === 2 ? c.cr2 : n === 3 ? c.cr3 : c.cr4;
    return;
  }
  const v = c.regs[r];
  if (n === 0) writeCr0(c, v);
  else if (n === 2) c.cr2 = v;
  else if (n === 3) c.setCr3(v);
  else writeCr4(c, v);
}

/** 0F 21 / 0F 23: MOV to/from DR0-DR7 (stored; no breakpoints). DR4/DR5 alias DR6/DR7. */
export function movDr(c: CpuCore, toDr: boolean): void {
  const m = c.fetch8();
  let n = (m >> 3) & 7;
  requireCpl0(c);
  if (n === 4 || n === 5) n += 2;
  if (toDr) c.dr[n] = c.regs[m & 7];
  else c.regs[m & 7] = c.dr[n];
}

export function clts(c: CpuCore): void {
  requireCpl0(c);
  c.cr0 &= ~CR0_TS;
}
