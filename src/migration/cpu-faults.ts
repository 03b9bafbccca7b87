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
 */
import { ATTR_REAL_CODE, ATTR_REAL_DATA, ATTR_UNUSABLE, CR0_PE } from '../machine/cpu/constants.js';
import type { CpuState, SegmentCache } from '../machine/cpu/cpu.js';
import { descAttr, descBase, descLimit } from '../machine/cpu/segments.js';
import { CPU_INTERRUPT_SHADOW_LOST, SEGMENT_CACHE_LOST } from './faults.js';
import { hex } from '../hex.js';

const SEGMENTS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

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
  return { state: out, notes };
}
