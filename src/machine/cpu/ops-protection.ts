/**
 * Protection instructions: LLDT LTR (load the LDT and task registers), LAR LSL VERR VERW
 * (inspect a selector: ZF says whether it passed, bad selectors never fault) and ARPL
 * (SDM vol. 2 under each name). All are protected-mode only (#UD in real and V86 mode).
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as modrm from './modrm.js';
import * as segments from './segments.js';
import * as tss from './tss.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { ATTR_UNUSABLE, CR0_PE, EXC_GP, EXC_NP, EXC_UD, VM, ZF } = constants;
const { ea, readRm16 } = modrm;
const { descAttr, descBase, descLimit, inTable, readDescriptor } = segments;

function requireProtectedMode(c: CpuCore): void {
  if (!(c.cr0 & CR0_PE) || c.flags & VM) c.raise(EXC_UD);
}

/** 0F 00 /2: LLDT r/m16. A null selector leaves LDTR unusable. */
export function lldt(c: CpuCore, m: number): void {
  if (c.cpl !== 0) c.raise(EXC_GP, 0);
  const sel = readRm16(c, m);
  const err = sel & 0xfffc;
  if ((sel & 0xfffc) === 0) {
    c.ldtr[0] = sel;
    c.ldtr[1] = 0;
    c.ldtr[2] = 0;
    c.ldtr[3] = ATTR_UNUSABLE;
    return;
  }
  if (sel & 4 || !inTable(c, sel)) c.raise(EXC_GP, err);
  readDescriptor(c, sel, 0);
  if (((c.descHi >> 8) & 0x1f) !== 2) c.raise(EXC_GP, err); // system, type 2: LDT
  if (!(c.descHi & 0x8000)) c.raise(EXC_NP, err);
  c.ldtr[0] = sel;
  c.ldtr[1] = descBase(c.descLo, c.descHi);
  c.ldtr[2] = descLimit(c.descLo, c.descHi);
  c.ldtr[3] = descAttr(c.descHi);
}

/** 0F 00 /3: LTR r/m16. The TSS must be available; LTR marks it busy in the GDT. */
export function ltr(c: CpuCore, m: number): void {
  if (c.cpl !== 0) c.raise(EXC_GP, 0);
  const sel = readRm16(c, m);
  const err = sel & 0xfffc;
  if ((sel & 0xfffc) === 0) c.raise(EXC_GP, 0);
  if (sel & 4 || !inTable(c, sel)) c.raise(EXC_GP, err);
  readDescriptor(c, sel, 0);
  const type = (c.descHi >> 8) & 0x1f;
  if (type !== tss.TSS16_AVAILABLE && type !== tss.TSS32_AVAILABLE) c.raise(EXC_GP, err);
  if (!(c.descHi & 0x8000)) c.raise(EXC_NP, err);
  c.descHi |= 0x200;
  c.wrSys8((c.descAddr + 5) | 0, (c.descHi >>> 8) & 0xff);
  c.tr[0] = sel;
  c.tr[1] = descBase(c.descLo, c.descHi);
  c.tr[2] = descLimit(c.descLo, c.descHi);
  c.tr[3] = descAttr(c.descHi);
}

/** System descriptor types LAR accepts (TSSs, LDT, call and task gates) and LSL (no gates). */
const LAR_SYSTEM = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 9) | (1 << 0xb) | (1 << 0xc);
const LSL_SYSTEM = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 9) | (1 << 0xb);

/**
 * Read `sel`'s descriptor for LAR/LSL/VERR/VERW and check it is visible at CPL and RPL:
 * false for null, out-of-table and (unless conforming code) too privileged descriptors.
 */
function visible(c: CpuCore, sel: number): boolean {
  if ((sel & 0xfffc) === 0 || !inTable(c, sel)) return false;
  readDescriptor(c, sel, 0);
  const attr = descAttr(c.descHi);
  const dpl = (attr >> 5) & 3;
  const conformingCode = (attr & 0x1c) === 0x1c;
  return conformingCode || (dpl >= c.cpl && dpl >= (sel & 3));
}

function setZF(c: CpuCore, ok: boolean): void {
  c.setFlags(ok ? ZF : 0, ZF);
}

/** 0F 02: LAR Gv, Ew. 0F 03: LSL Gv, Ew. */
export function larLsl(c: CpuCore, lsl: boolean): void {
  requireProtectedMode(c);
  const m = c.fetch8();
  const sel = readRm16(c, m);
  const reg = (m >> 3) & 7;
  let ok = visible(c, sel);
  if (ok && !(c.descHi & 0x1000)) ok = (((lsl ? LSL_SYSTEM : LAR_SYSTEM) >> ((c.descHi >> 8) & 0xf)) & 1) !== 0;
  setZF(c, ok);
  if (!ok) return;
  const v = lsl ? descLimit(c.descLo, c.descHi) : c.descHi & 0x00ffff00;
  if (c.o32) c.regs[reg] = v;
  else c.r16[reg << 1] = v;
}

/** 0F 00 /4 VERR, /5 VERW: readable (code or data) / writable data segment visible at CPL and RPL. */
export function verify(c: CpuCore, m: number, write: boolean): void {
  const sel = readRm16(c, m);
  let ok = visible(c, sel) && (c.descHi & 0x1000) !== 0;
  if (ok) {
    const code = (c.descHi & 0x800) !== 0;
    const rw = (c.descHi & 0x200) !== 0;
    ok = write ? !code && rw : !code || rw;
  }
  setZF(c, ok);
}

/** 63 /r: ARPL Ew, Gw. Raise the RPL of the destination selector to the source's; ZF = adjusted. */
export function arpl(c: CpuCore): void {
  requireProtectedMode(c);
  const m = c.fetch8();
  const src = c.r16[((m >> 3) & 7) << 1];
  if (m >= 0xc0) {
    const r = (m & 7) << 1;
    const dst = c.r16[r];
    const adjust = (dst & 3) < (src & 3);
    if (adjust) c.r16[r] = (dst & ~3) | (src & 3);
    setZF(c, adjust);
    return;
  }
  const off = ea(c, m);
  const seg = c.eaSeg;
  const dst = c.rd16(seg, off);
  const adjust = (dst & 3) < (src & 3);
  // Written only when adjusted: on a 386 an unchanged operand in a read-only segment does not
  // fault (test386.asm, "ARPL": real hardware, unlike Bochs).
  if (adjust) c.wr16(seg, off, (dst & ~3) | (src & 3));
  setZF(c, adjust);
}
