/**
 * The engine's CPU faults (faults.ts): what a migration that does not save the whole VMCS
 * guest state sends instead. Applied to the source's CPU state as it goes into the CPU
 * section; each returns notes saying what it changed (or that the guest's state gave it
 * nothing to lose), which travel in SWITCH_OVER to the destination trace.
 *
 * segment-cache-lost rebuilds every segment register's hidden cache the way a VMM that kept
 * only the selectors would on the destination (Intel SDM vol. 3, 3.4.3 and 20.1.1):
 * real mode — base = selector × 16, limit 0xFFFF, present read/write (code for CS);
 * protected mode — the descriptor the selector names in the GDT (read from guest memory,
 * taken as physical: the guests do not page), a null or LDT selector as unusable.
 *
 * The control-register and TR faults (cr3-not-carried, cr4-pse-dropped, cr2-lost,
 * tr-cache-lost) send the value a destination that never received the field would keep: its
 * reset value (CR3 0, CR2 0, CR4 without PSE, TR's power-on cache — registers.ts, `tr`).
 */
import { ATTR_REAL_CODE, ATTR_REAL_DATA, ATTR_UNUSABLE, CR0_PE, CR0_PG, CR4_PSE } from '../machine/cpu/constants.js';
import type { CpuState, SegmentCache } from '../machine/cpu/cpu.js';
import { descAttr, descBase, descLimit } from '../machine/cpu/segments.js';
import { CPU_INTERRUPT_SHADOW_LOST, CR2_LOST, CR3_NOT_CARRIED, CR4_PSE_DROPPED, SEGMENT_CACHE_LOST, TR_CACHE_LOST, TSS_BUSY_BIT_LOST } from './faults.js';
import { tssBusyNote } from './paging-faults.js';
import { hex } from '../hex.js';

const SEGMENTS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** TR's hidden part at power-on (base 0, limit 0xFFFF, present busy 16-bit TSS): what a destination that was sent only the selector keeps. */
export const POWER_ON_TR_CACHE = { base: 0, limit: 0xffff, attributes: 0x8b } as const;

/** Guest physical memory as the source engine reads it (the RAM it sends as pages). */
export interface GuestRam {
  readonly ram: Uint8Array;
}

function le32(ram: Uint8Array, addr: number): number | null {
  if (addr < 0 || addr + 4 > ram.length) return null;
  return (ram[addr] | (ram[addr + 1] << 8) | (ram[addr + 2] << 16) | (ram[addr + 3] << 24)) >>> 0;
}

/** The cache a VMM keeping only `selector` would load for segment `name`. */
export function cacheFromSelector(state: CpuState, name: (typeof SEGMENTS)[number], memory: GuestRam): SegmentCache {
  const selector = state[name].selector & 0xffff;
  if ((state.cr0 & CR0_PE) === 0) {
    return { selector, base: (selector << 4) >>> 0, limit: 0xffff, attributes: name === 'cs' ? ATTR_REAL_CODE : ATTR_REAL_DATA };
  }
  const unusable: SegmentCache = { selector, base: 0, limit: 0, attributes: ATTR_UNUSABLE };
  const offset = selector & 0xfff8;
  if ((selector & 0xfffc) === 0 || (selector & 4) !== 0 || offset + 7 > state.gdtr.limit) return unusable;
  const addr = (state.gdtr.base + offset) >>> 0;
  const lo = le32(memory.ram, addr);
  const hi = le32(memory.ram, addr + 4);
  if (lo === null || hi === null) return unusable;
  return { selector, base: descBase(lo, hi) >>> 0, limit: descLimit(lo, hi) >>> 0, attributes: descAttr(hi) >>> 0 };
}


function describeCache(c: SegmentCache): string {
  return `base ${hex(c.base)} limit ${hex(c.limit)} attributes ${hex(c.attributes)}`;
}

/** The CPU state the CPU section carries under `faults`, and what the faults did to it. */
export function cpuAsSent(state: CpuState, memory: GuestRam, faults: readonly string[]): { state: CpuState; notes: string[] } {
  const notes: string[] = [];
  let out = state;
  if (faults.includes(CPU_INTERRUPT_SHADOW_LOST)) {
    notes.push(
      state.interruptShadow
        ? `${CPU_INTERRUPT_SHADOW_LOST}: the guest stopped in an interrupt shadow (after STI, MOV SS or POP SS); the CPU section carries none`
        : `${CPU_INTERRUPT_SHADOW_LOST}: the guest was not in an interrupt shadow at the stop: nothing to lose`,
    );
    out = { ...out, interruptShadow: false };
  }
  if (faults.includes(SEGMENT_CACHE_LOST)) {
    const changed: string[] = [];
    const rebuilt = { ...out };
    for (const name of SEGMENTS) {
      const c = cacheFromSelector(out, name, memory);
      const was = out[name];
      if (c.base !== was.base || c.limit !== was.limit || c.attributes !== was.attributes) {
        changed.push(`${name.toUpperCase()} (selector ${hex(was.selector)}): ${describeCache(was)} rebuilt as ${describeCache(c)}`);
      }
      rebuilt[name] = c;
    }
    out = rebuilt;
    notes.push(
      changed.length > 0
        ? `${SEGMENT_CACHE_LOST}: hidden segment caches rebuilt from their selectors (${(state.cr0 & CR0_PE) !== 0 ? 'protected mode: the GDT' : 'real mode: selector × 16'}): ${changed.join('; ')}`
        : `${SEGMENT_CACHE_LOST}: every segment cache equals what its selector gives: nothing to lose`,
    );
  }
  // tss-busy-bit-lost acts on the destination's guest memory; the source, which knows where TR's descriptor is, says so.
  if (faults.includes(TSS_BUSY_BIT_LOST)) notes.push(tssBusyNote(state, memory.ram));
  return registerFaults(out, faults, notes);
}

/** cr3-not-carried, cr4-pse-dropped, cr2-lost, tr-cache-lost: each field as a destination that never received it keeps it. */
function registerFaults(state: CpuState, faults: readonly string[], notes: string[]): { state: CpuState; notes: string[] } {
  let out = state;
  const paging = (state.cr0 & CR0_PG) !== 0 ? 'paging on' : 'paging off';
  if (faults.includes(CR3_NOT_CARRIED)) {
    notes.push(
      state.cr3 !== 0
        ? `${CR3_NOT_CARRIED}: CR3 ${hex(state.cr3 >>> 0)} (${paging}) not carried; the CPU section has the destination's reset CR3 0x0`
        : `${CR3_NOT_CARRIED}: CR3 was 0 already: nothing to lose`,
    );
    out = { ...out, cr3: 0 };
  }
  if (faults.includes(CR4_PSE_DROPPED)) {
    notes.push(
      (state.cr4 & CR4_PSE) !== 0
        ? `${CR4_PSE_DROPPED}: CR4 ${hex(state.cr4 >>> 0)} sent as ${hex((state.cr4 & ~CR4_PSE) >>> 0)} (PSE dropped, ${paging}): 4 MiB pages stop being 4 MiB pages`
        : `${CR4_PSE_DROPPED}: CR4.PSE was clear already: nothing to lose`,
    );
    out = { ...out, cr4: out.cr4 & ~CR4_PSE };
  }
  if (faults.includes(CR2_LOST)) {
    notes.push(
      state.cr2 !== 0
        ? `${CR2_LOST}: CR2 ${hex(state.cr2 >>> 0)} (the last page-fault address) not carried; the CPU section has 0x0`
        : `${CR2_LOST}: CR2 was 0 already: nothing to lose`,
    );
    out = { ...out, cr2: 0 };
  }
  if (faults.includes(TR_CACHE_LOST)) {
    const was = state.tr;
    const lost = { selector: was.selector, ...POWER_ON_TR_CACHE };
    const same = was.base === lost.base && was.limit === lost.limit && was.attributes === lost.attributes;
    notes.push(
      same
        ? `${TR_CACHE_LOST}: TR's cache equals its power-on value: nothing to lose`
        : `${TR_CACHE_LOST}: TR (selector ${hex(was.selector)}): ${describeCache(was)} sent as the power-on ${describeCache(lost)}`,
    );
    out = { ...out, tr: lost };
  }
  return { state: out, notes };
}
