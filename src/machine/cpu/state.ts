/**
 * CpuState: everything a migration must carry for the CPU, as a plain JSON-able object, and
 * its declaration (CPU_FIELDS / CPU_SCHEMA below), from which everything else is derived.
 * Registers are unsigned 32-bit numbers; segment registers carry their hidden descriptor
 * caches (a guest in "unreal mode", or between loading CR0.PE and the far jump, depends on
 * them). setState(getState()) is exact: a CPU restored mid-run continues bit-identically.
 *
 * Not here: the INTR pin (the interrupt controller drives it, and re-drives it after its own
 * restore), the A20 gate (memory.a20Mask, board state) and the clock (machine state).
 */
import { decodeState, encodeState, type FieldSpec, type StateSchema, type StateSnapshot } from '../state-schema.js';
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
  /** TSC = icount + this 64-bit offset, as unsigned halves (WRMSR 0x10 sets it; reset makes the TSC 0). */
  tscOffsetLo: number;
  tscOffsetHi: number;
  /** IA32_APIC_BASE (MSR 0x1B), low half: base, global enable, BSP. */
  apicBase: number;
}

// ---------------------------------------------------------------- the declaration

/**
 * One CPU field: its schema entry (src/machine/state-schema.ts: name, width, access, role,
 * doc), where it sits in a CpuState, and how it is read from and written to the core. This
 * table is the only list of CPU state in migtrace: capture, restore, the binary encoding of
 * checkpoints and of the migration stream's CPU section, and the verifier's comparison all
 * iterate it.
 *
 * Access, for the CPU: `rw` for what the guest reads back and writes (general registers,
 * selectors, control, debug and descriptor-table registers); `internal` for what it cannot
 * name (hidden descriptor caches, CPL, the interrupt shadow, the halted state) and a VMCS
 * exposes to the hypervisor. Roles: `config` for what the guest sets up and leaves
 * (CR0/CR3/CR4, GDTR, IDTR, LDTR/TR, debug registers), `processing` for the rest. Both
 * are essential: nothing in a CPU is a statistic.
 */
export interface CpuField extends FieldSpec {
  /** Where the value sits in a CpuState: a key, or a register's key and its part ("cs", "base"). */
  readonly at: readonly [keyof CpuState] | readonly [keyof CpuState, keyof SegmentCache];
  /** A boolean in CpuState (0/1 in the schema). */
  readonly flag?: true;
  read(c: CpuCore): number;
  write(c: CpuCore, v: number): void;
}

type FieldText = Pick<FieldSpec, 'access' | 'role' | 'doc'>;

function field(name: string, at: CpuField['at'], width: number, text: FieldText, read: CpuField['read'], write: CpuField['write'], flag?: true): CpuField {
  return { name, at, width, ...text, read, write, ...(flag ? { flag } : {}) };
}

function gpr(name: keyof CpuState, i: number): CpuField {
  return field(name, [name], 32, { access: 'rw', role: 'processing', doc: `general register ${name.toUpperCase()}` },
    (c) => c.regs[i] >>> 0, (c, v) => { c.regs[i] = v; });
}

/** A segment register: its selector and the hidden descriptor cache the CPU loaded with it. */
function segment(key: 'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs', s: number, role: FieldSpec['role'] = 'processing'): CpuField[] {
  const R = key.toUpperCase();
  const cache = (part: keyof SegmentCache, raw: (c: CpuCore) => Int32Array, doc: string): CpuField =>
    field(`${key}.${part}`, [key, part], 32, { access: 'internal', role, doc: `${R} hidden cache: ${doc}` },
      (c) => raw(c)[s] >>> 0, (c, v) => { raw(c)[s] = v; });
  return [
    field(`${key}.selector`, [key, 'selector'], 16, { access: 'rw', role, doc: `${R} selector` },
      (c) => c.segSel[s] & 0xffff, (c, v) => { c.segSel[s] = v & 0xffff; }),
    cache('base', (c) => c.segBase, 'linear base address'),
    cache('limit', (c) => c.segLimit, 'byte-granular limit (G already applied)'),
    cache('attributes', (c) => c.segAttr, 'access rights in VMCS layout (access byte 0-7, AVL L D/B G 12-15, unusable 16)'),
  ];
}

/** LDTR or TR: a system segment register kept as [selector, base, limit, attributes]. */
function systemSegment(key: 'ldtr' | 'tr', raw: (c: CpuCore) => Int32Array): CpuField[] {
  const R = key.toUpperCase();
  const part = (p: keyof SegmentCache, i: number, width: number, doc: string): CpuField =>
    field(`${key}.${p}`, [key, p], width, { access: p === 'selector' ? 'rw' : 'internal', role: 'config', doc: `${R} ${doc}` },
      (c) => (width === 16 ? raw(c)[i] & 0xffff : raw(c)[i] >>> 0), (c, v) => { raw(c)[i] = v; });
  return [
    part('selector', 0, 16, 'selector'),
    part('base', 1, 32, 'hidden cache: base'),
    part('limit', 2, 32, 'hidden cache: byte-granular limit'),
    part('attributes', 3, 32, 'hidden cache: access rights in VMCS layout'),
  ];
}

function debugRegister(n: 0 | 1 | 2 | 3 | 6 | 7): CpuField {
  const name = `dr${n}` as keyof CpuState;
  return field(name, [name], 32, { access: 'rw', role: 'config', doc: `debug register DR${n}` },
    (c) => c.dr[n] >>> 0, (c, v) => { c.dr[n] = v; });
}

const control = (name: 'cr0' | 'cr2' | 'cr3' | 'cr4', role: FieldSpec['role'], doc: string): CpuField =>
  field(name, [name], 32, { access: 'rw', role, doc }, (c) => c[name] >>> 0, (c, v) => { c[name] = v | 0; });

/** Every CPU field, in the order of the binary encoding. Fields are only ever appended (then CPU_SCHEMA.version goes up). */
export const CPU_FIELDS: readonly CpuField[] = [
  gpr('eax', 0), gpr('ecx', 1), gpr('edx', 2), gpr('ebx', 3), gpr('esp', 4), gpr('ebp', 5), gpr('esi', 6), gpr('edi', 7),
  field('eip', ['eip'], 32, { access: 'rw', role: 'processing', doc: 'instruction pointer (offset in CS)' },
    (c) => c.eip >>> 0, (c, v) => { c.eip = v | 0; }),
  field('eflags', ['eflags'], 32, { access: 'rw', role: 'processing', doc: 'EFLAGS (reserved bits as the CPU forces them)' },
    (c) => c.getFlags() >>> 0,
    (c, v) => {
      c.flags = (v & FLAGS_WRITABLE) | FLAGS_FIXED;
      c.lazy = 0;
    }),
  ...segment('es', ES), ...segment('cs', CS), ...segment('ss', SS), ...segment('ds', DS), ...segment('fs', FS), ...segment('gs', GS),
  ...systemSegment('ldtr', (c) => c.ldtr),
  ...systemSegment('tr', (c) => c.tr),
  field('gdtr.base', ['gdtr', 'base'], 32, { access: 'rw', role: 'config', doc: 'GDTR: linear base of the global descriptor table' },
    (c) => c.gdtBase >>> 0, (c, v) => { c.gdtBase = v | 0; }),
  field('gdtr.limit', ['gdtr', 'limit'], 16, { access: 'rw', role: 'config', doc: 'GDTR: table limit' },
    (c) => c.gdtLimit & 0xffff, (c, v) => { c.gdtLimit = v & 0xffff; }),
  field('idtr.base', ['idtr', 'base'], 32, { access: 'rw', role: 'config', doc: 'IDTR: linear base of the interrupt descriptor table' },
    (c) => c.idtBase >>> 0, (c, v) => { c.idtBase = v | 0; }),
  field('idtr.limit', ['idtr', 'limit'], 16, { access: 'rw', role: 'config', doc: 'IDTR: table limit' },
    (c) => c.idtLimit & 0xffff, (c, v) => { c.idtLimit = v & 0xffff; }),
  control('cr0', 'config', 'CR0: protection, paging and cache control'),
  control('cr2', 'processing', 'CR2: the last page-fault linear address'),
  control('cr3', 'config', 'CR3: page directory base'),
  control('cr4', 'config', 'CR4: architecture extensions'),
  debugRegister(0), debugRegister(1), debugRegister(2), debugRegister(3), debugRegister(6), debugRegister(7),
  field('cpl', ['cpl'], 2, { access: 'internal', role: 'processing', doc: 'current privilege level (0 in real mode)' },
    (c) => c.cpl & 3, (c, v) => { c.cpl = v & 3; }),
  field('interrupt_shadow', ['interruptShadow'], 1, { access: 'internal', role: 'processing', doc: 'interrupts inhibited until after the next instruction (after STI, MOV SS, POP SS)' },
    (c) => (c.shadow ? 1 : 0), (c, v) => { c.shadow = v !== 0; }, true),
  field('halted', ['halted'], 1, { access: 'internal', role: 'processing', doc: 'stopped by HLT until an interrupt' },
    (c) => (c.halted ? 1 : 0), (c, v) => { c.halted = v !== 0; }, true),
  // ---- version 2: the 486-class MSRs ----
  field('tsc_offset_lo', ['tscOffsetLo'], 32, { access: 'internal', role: 'processing', doc: 'time-stamp counter = icount + offset (mod 2^64): offset bits 0-31' },
    (c) => c.tscOffsetLo >>> 0, (c, v) => { c.tscOffsetLo = v | 0; }),
  field('tsc_offset_hi', ['tscOffsetHi'], 32, { access: 'internal', role: 'processing', doc: 'time-stamp counter offset bits 32-63' },
    (c) => c.tscOffsetHi >>> 0, (c, v) => { c.tscOffsetHi = v | 0; }),
  field('apic_base', ['apicBase'], 32, { access: 'rw', role: 'config', doc: 'IA32_APIC_BASE MSR (0x1B), bits 0-31 (bits 32-63 are reserved, 0)' },
    (c) => c.apicBase >>> 0, (c, v) => { c.apicBase = v | 0; }),
];

/** The CPU's state schema: the same language as a device's, owner "cpu" (differences read "cpu.cs.base"). */
export const CPU_SCHEMA: StateSchema = { device: 'cpu', version: 2, fields: CPU_FIELDS };

// ---------------------------------------------------------------- CpuState ⇄ flat snapshot

type Nested = Record<string, Record<string, number>>;

function getAt(s: CpuState, f: CpuField): number {
  const v = f.at.length === 1 ? (s as unknown as Record<string, unknown>)[f.at[0]] : (s as unknown as Nested)[f.at[0]]?.[f.at[1]];
  return typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
}

function putAt(s: Record<string, unknown>, f: CpuField, v: number): void {
  const value = f.flag ? v !== 0 : v;
  if (f.at.length === 1) s[f.at[0]] = value;
  else ((s[f.at[0]] ??= {}) as Record<string, unknown>)[f.at[1]] = value;
}

/** A CpuState as the schema's flat snapshot ("cs.base" → number; flags 0/1). */
export function cpuSnapshot(s: CpuState): StateSnapshot {
  const out: StateSnapshot = {};
  for (const f of CPU_FIELDS) out[f.name] = getAt(s, f);
  return out;
}

/** The CpuState a flat snapshot describes (cpuSnapshot's inverse). */
export function cpuStateFromSnapshot(snap: StateSnapshot): CpuState {
  const out: Record<string, unknown> = {};
  for (const f of CPU_FIELDS) putAt(out, f, snap[f.name] as number);
  return out as unknown as CpuState;
}

/** The CPU state in the binary state encoding (src/machine/state-schema.ts encodeState). */
export function encodeCpuState(s: CpuState): number[] {
  return encodeState(CPU_SCHEMA, cpuSnapshot(s));
}

/** encodeCpuState's inverse; `what` names the container in errors. */
export function decodeCpuState(values: readonly number[], what: string): CpuState {
  return cpuStateFromSnapshot(decodeState(CPU_SCHEMA, values, what));
}

// ---------------------------------------------------------------- capture / restore

export function captureState(c: CpuCore): CpuState {
  const out: Record<string, unknown> = {};
  for (const f of CPU_FIELDS) putAt(out, f, f.read(c));
  return out as unknown as CpuState;
}

export function restoreState(c: CpuCore, s: CpuState): void {
  for (const f of CPU_FIELDS) f.write(c, getAt(s, f));
  // What follows is not state: the decoder's per-instruction scratch and the caches derived
  // from the segment registers, reset or recomputed after the fields above.
  c.prefixed = false;
  c.segOvr = -1;
  c.rep = 0;
  c.refreshAllSegs();
  c.updatePaging(); // the TLB is derived: dropped, and rebuilt by walks
  c.sliceEnd = 0;
}
