/**
 * CpuState: everything a migration must carry for the CPU, as a plain JSON-able object.
 * Registers are unsigned 32-bit numbers; segment registers carry their hidden descriptor
 * caches (a guest in "unreal mode", or between loading CR0.PE and the far jump, depends on
 * them). setState(getState()) is exact: a CPU restored mid-run continues bit-identically.
 *
 * Not here: the INTR pin (the interrupt controller drives it, and re-drives it after its own
 * restore), the A20 gate (memory.a20Mask, board state) and the clock (machine state).
 */
import { CS, DS, ES, FLAGS_FIXED, FLAGS_WRITABLE, FS, GS, SS } from './constants.js';
import type { CpuCore } from './core.js';

export interface SegmentCache {
  selector: number;
  base: number;
  /** Byte-granular limit (G already applied). */
  limit: number;
  /** Access rights in VMCS layout: access byte in bits 0-7, AVL L D/B G in 12-15, bit 16 unusable. */
  attributes: number;
}

export interface TableRegister {
  base: number;
  limit: number;
}

export interface CpuState {
  eax: number;
  ecx: number;
  edx: number;
  ebx: number;
  esp: number;
  ebp: number;
  esi: number;
  edi: number;
  eip: number;
  eflags: number;
  es: SegmentCache;
  cs: SegmentCache;
  ss: SegmentCache;
  ds: SegmentCache;
  fs: SegmentCache;
  gs: SegmentCache;
  /** LDTR and TR with their caches (null/unused until LLDT/LTR are implemented). */
  ldtr: SegmentCache;
  tr: SegmentCache;
  gdtr: TableRegister;
  idtr: TableRegister;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  dr0: number;
  dr1: number;
  dr2: number;
  dr3: number;
  dr6: number;
  dr7: number;
  /** Current privilege level (0 in real mode). */
  cpl: number;
  /** Interrupts are inhibited until after the next instruction (after STI, MOV SS, POP SS). */
  interruptShadow: boolean;
  halted: boolean;
}

const GPR_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
const SEG_KEYS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

function segment(c: CpuCore, s: number): SegmentCache {
  return {
    selector: c.segSel[s] & 0xffff,
    base: c.segBase[s] >>> 0,
    limit: c.segLimit[s] >>> 0,
    attributes: c.segAttr[s] >>> 0,
  };
}

function cache(raw: Int32Array): SegmentCache {
  return { selector: raw[0] & 0xffff, base: raw[1] >>> 0, limit: raw[2] >>> 0, attributes: raw[3] >>> 0 };
}

export function captureState(c: CpuCore): CpuState {
  const r = c.regs;
  return {
    eax: r[0] >>> 0,
    ecx: r[1] >>> 0,
    edx: r[2] >>> 0,
    ebx: r[3] >>> 0,
    esp: r[4] >>> 0,
    ebp: r[5] >>> 0,
    esi: r[6] >>> 0,
    edi: r[7] >>> 0,
    eip: c.eip >>> 0,
    eflags: c.getFlags() >>> 0,
    es: segment(c, ES),
    cs: segment(c, CS),
    ss: segment(c, SS),
    ds: segment(c, DS),
    fs: segment(c, FS),
    gs: segment(c, GS),
    ldtr: cache(c.ldtr),
    tr: cache(c.tr),
    gdtr: { base: c.gdtBase >>> 0, limit: c.gdtLimit },
    idtr: { base: c.idtBase >>> 0, limit: c.idtLimit },
    cr0: c.cr0 >>> 0,
    cr2: c.cr2 >>> 0,
    cr3: c.cr3 >>> 0,
    cr4: c.cr4 >>> 0,
    dr0: c.dr[0] >>> 0,
    dr1: c.dr[1] >>> 0,
    dr2: c.dr[2] >>> 0,
    dr3: c.dr[3] >>> 0,
    dr6: c.dr[6] >>> 0,
    dr7: c.dr[7] >>> 0,
    cpl: c.cpl,
    interruptShadow: c.shadow,
    halted: c.halted,
  };
}

export function restoreState(c: CpuCore, s: CpuState): void {
  for (let i = 0; i < 8; i++) c.regs[i] = s[GPR_NAMES[i]];
  c.eip = s.eip | 0;
  c.flags = (s.eflags & FLAGS_WRITABLE) | FLAGS_FIXED;
  c.lazy = 0;
  c.cr0 = s.cr0 | 0;
  c.cr2 = s.cr2 | 0;
  c.cr3 = s.cr3 | 0;
  c.cr4 = s.cr4 | 0;
  c.dr[0] = s.dr0;
  c.dr[1] = s.dr1;
  c.dr[2] = s.dr2;
  c.dr[3] = s.dr3;
  c.dr[6] = s.dr6;
  c.dr[7] = s.dr7;
  c.cpl = s.cpl & 3;
  c.gdtBase = s.gdtr.base | 0;
  c.gdtLimit = s.gdtr.limit & 0xffff;
  c.idtBase = s.idtr.base | 0;
  c.idtLimit = s.idtr.limit & 0xffff;
  const put = (raw: Int32Array, v: SegmentCache): void => {
    raw[0] = v.selector;
    raw[1] = v.base;
    raw[2] = v.limit;
    raw[3] = v.attributes;
  };
  put(c.ldtr, s.ldtr);
  put(c.tr, s.tr);
  c.prefixed = false;
  c.segOvr = -1;
  c.rep = 0;
  for (let i = 0; i < 6; i++) {
    const v = s[SEG_KEYS[i]];
    c.segSel[i] = v.selector & 0xffff;
    c.segBase[i] = v.base;
    c.segLimit[i] = v.limit;
    c.segAttr[i] = v.attributes;
  }
  c.refreshAllSegs();
  c.shadow = s.interruptShadow;
  c.halted = s.halted;
  c.fLen = 0;
  c.sliceEnd = 0;
}
