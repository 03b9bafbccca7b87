/**
 * What the CPU says about itself and the model-specific registers: CPUID, RDTSC, RDMSR and
 * WRMSR (SDM vol. 2; vol. 4 for the MSRs).
 *
 * The time-stamp counter is virtual time: TSC = clock.icount + an offset (mod 2^64), the
 * offset kept as two int32 halves (tscOffsetLo/Hi, declared state) so that no read or write
 * allocates or loses bits to float64. Reset puts the TSC at 0; WRMSR 0x10 moves it.
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { CR0_PE, CR4_TSD, EXC_GP, MSR_APIC_BASE, MSR_TSC } = constants;

/**
 * CPUID leaf 1 EAX and EDX after reset: family 4, model 2, stepping 0. Family 4 is the
 * 486 class; model 2 is the 486SX, the 486 without a floating-point unit, which is what
 * this CPU is.
 */
export const CPU_SIGNATURE = 0x420;

/**
 * CPUID leaf 1 EDX: exactly what this CPU implements.
 *   bit 3 PSE   4 MiB pages with CR4.PSE (the paging code in core.ts)
 *   bit 4 TSC   RDTSC, and CR4.TSD making it privileged
 *   bit 5 MSR   RDMSR / WRMSR (MSR 0x10 TSC and 0x1B IA32_APIC_BASE; others #GP(0))
 *   bit 8 CX8   CMPXCHG8B
 *   bit 9 APIC  the board's local APIC at 0xFEE00000, whose base IA32_APIC_BASE reports
 *   bit 15 CMOV CMOVcc (no FPU, so no FCMOVcc - the bit is about the integer instructions)
 * Not set: FPU (bit 0: none; the D8-DF escapes find no coprocessor, ops-arith.ts), VME, DE,
 * PAE, MCE, PGE, MTRR, SEP, MMX and the rest. EFLAGS.AC is writable as on a 486, but the
 * alignment check (#AC with CR0.AM, AC and CPL 3) is not modelled.
 */
export const CPU_FEATURES_EDX = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 9) | (1 << 15);

/**
 * CPUID, as the guest sees it:
 *   leaf 0: EAX = 1 (highest leaf), EBX:EDX:ECX = "Migt" "race" "I386" (vendor "MigtraceI386",
 *           unknown to operating systems, which then use their generic code paths);
 *   leaf 1: EAX = CPU_SIGNATURE (family 4, model 2, stepping 0), EBX = 0 (APIC ID 0, no
 *           CLFLUSH), ECX = 0, EDX = CPU_FEATURES_EDX (0x00008338);
 *   any other leaf, 0x80000000 included (no extended leaves): all zeros.
 * EFLAGS.ID is writable, so the standard probe (toggle bit 21 with PUSHFD/POPFD) finds it.
 */
export function cpuid(c: CpuCore): void {
  const r = c.regs;
  const leaf = r[0];
  if (leaf === 0) {
    r[0] = 1;
    r[3] = ascii('Migt');
    r[2] = ascii('race');
    r[1] = ascii('I386');
  } else if (leaf === 1) {
    r[0] = CPU_SIGNATURE;
    r[3] = 0;
    r[1] = 0;
    r[2] = CPU_FEATURES_EDX;
  } else {
    r[0] = r[1] = r[2] = r[3] = 0;
  }
}

function ascii(s: string): number {
  return s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);
}

const TWO_32 = 4294967296;

/** Protected mode with CPL > 0 (virtual-8086 mode included): #GP(0). */
function requireCpl0(c: CpuCore): void {
  if (c.cr0 & CR0_PE && c.cpl !== 0) c.raise(EXC_GP, 0);
}

/** EDX:EAX = the TSC: icount + offset mod 2^64 (icount < 2^53, so its halves are exact). */
function readTsc(c: CpuCore): void {
  const t = c.clock.icount;
  const lo = (t % TWO_32) + (c.tscOffsetLo >>> 0);
  c.regs[0] = lo | 0;
  c.regs[2] = (Math.floor(t / TWO_32) + c.tscOffsetHi + (lo >= TWO_32 ? 1 : 0)) | 0;
}

/** Make the TSC read hi:lo now (each an int32 or uint32 half): the offset becomes hi:lo - icount. */
export function setTsc(c: CpuCore, hi: number, lo: number): void {
  const t = c.clock.icount;
  let l = (lo >>> 0) - (t % TWO_32);
  let borrow = 0;
  if (l < 0) {
    l += TWO_32;
    borrow = 1;
  }
  c.tscOffsetLo = l | 0;
  c.tscOffsetHi = (hi - Math.floor(t / TWO_32) - borrow) | 0;
}

/** 0F 31 RDTSC: EDX:EAX = TSC. With CR4.TSD only CPL 0 may read it (#GP(0) otherwise). */
export function rdtsc(c: CpuCore): void {
  if (c.cr4 & CR4_TSD) requireCpl0(c);
  readTsc(c);
}

/** 0F 32 RDMSR: EDX:EAX = MSR[ECX]; CPL 0 only; an MSR this CPU does not have is #GP(0). */
export function rdmsr(c: CpuCore): void {
  requireCpl0(c);
  switch (c.regs[1]) {
    case MSR_TSC:
      readTsc(c);
      return;
    case MSR_APIC_BASE:
      c.regs[0] = c.apicBase;
      c.regs[2] = 0;
      return;
    default:
      c.raise(EXC_GP, 0);
  }
}

/**
 * 0F 30 WRMSR: MSR[ECX] = EDX:EAX; CPL 0 only; unknown MSRs are #GP(0).
 *
 * TSC (0x10): all 64 bits are written (the counter reads the value back, then counts on).
 *
 * IA32_APIC_BASE (0x1B): bits 31-12 (base) and 11 (global enable) are stored; bit 8 (BSP)
 * reads 1 whatever is written - this is the only, bootstrap, processor; bits 0-7, 9, 10
 * and 32-63 are reserved (physical addresses are 32 bits, there is no x2APIC) and setting
 * one is #GP(0). The value is only stored: the board's local APIC stays at 0xFEE00000 and
 * stays enabled whatever the MSR says. Operating systems write the value they read (or set
 * the enable bit), which this model honours; one that moves the base or disables the APIC
 * through the MSR will find the APIC unmoved.
 */
export function wrmsr(c: CpuCore): void {
  requireCpl0(c);
  const lo = c.regs[0];
  const hi = c.regs[2];
  switch (c.regs[1]) {
    case MSR_TSC:
      setTsc(c, hi, lo);
      return;
    case MSR_APIC_BASE:
      if (hi !== 0 || (lo & 0x6ff) !== 0) c.raise(EXC_GP, 0);
      c.apicBase = (lo & (0xfffff800 | 0)) | 0x100;
      return;
    default:
      c.raise(EXC_GP, 0);
  }
}
