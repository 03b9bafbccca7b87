/**
 * Architectural constants of the i386: EFLAGS bits, segment register numbers, exception
 * vectors, CR0 bits and the layout of a segment's cached access rights.
 *
 * Imports in hot code: V8 (Node 20) reads an imported binding through its module cell, with
 * a TDZ "hole" check, on every use - for a constant, a table and a function alike - but folds
 * a module's own non-exported `const`s into optimised code (a constant becomes an immediate,
 * a function a direct, inlinable call). So the interpreter's files import a module as a
 * namespace and copy the bindings they use into module-local consts:
 *   import * as constants from './constants.js';
 *   const { CF, ZF } = constants;
 * The module graph of cpu/ has no cycles, so every binding is initialised when copied. A
 * module's own exports are cells for its own code too, so hot code inside a module uses
 * non-exported names (alu.ts's ALU_* switch, ops-system.ts's portRead behind `ioRead`).
 */

// ---- EFLAGS (Intel SDM vol. 1, 3.4.3) ----
export const CF = 0x0001;
export const PF = 0x0004;
export const AF = 0x0010;
export const ZF = 0x0040;
export const SF = 0x0080;
export const TF = 0x0100;
export const IF = 0x0200;
export const DF = 0x0400;
export const OF = 0x0800;
export const IOPL = 0x3000;
export const NT = 0x4000;
export const RF = 0x10000;
export const VM = 0x20000;
/** Alignment check (486): writable; #AC is not raised (see ops-msr.ts, CPUID). */
export const AC = 0x40000;
/** CPUID available (Pentium, and 486s with CPUID): software probes CPUID by toggling it. */
export const ID = 0x200000;
/** The six status flags: what arithmetic writes and what lazy evaluation covers. */
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** Bit 1 of EFLAGS always reads as 1. */
export const FLAGS_FIXED = 0x0002;
/** Bits software can set (the rest read as 0, bit 1 as 1): the 386's, plus the 486's AC and ID (no VIF/VIP: no VME). */
export const FLAGS_WRITABLE = ARITH_FLAGS | TF | IF | DF | IOPL | NT | RF | VM | AC | ID;

/** PF for each low result byte: set when the byte has an even number of one bits. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b !== 0; b >>= 1) bits += b & 1;
  PARITY[i] = bits & 1 ? 0 : PF;
}

/** Index into the byte view of the registers for r8 encodings AL CL DL BL AH CH DH BH. */
export const R8 = new Uint8Array([0, 4, 8, 12, 1, 5, 9, 13]);

// ---- segment registers, in ModR/M `reg` order (SDM vol. 2, 3.1.1.3) ----
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/**
 * A segment's hidden access rights, laid out as the VMCS guest-state "access rights" field
 * (SDM vol. 3, 24.4.1): bits 0-7 the descriptor's access byte (type, S, DPL, P), bits 12-15
 * AVL, L, D/B, G, and bit 16 "unusable" (a null selector loaded in protected mode).
 */
export const ATTR_TYPE_ACCESSED = 0x01;
export const ATTR_TYPE_RW = 0x02; // data: writable; code: readable
export const ATTR_TYPE_DC = 0x04; // data: expand-down; code: conforming
export const ATTR_TYPE_CODE = 0x08;
export const ATTR_S = 0x10; // code/data (not system)
export const ATTR_DPL_SHIFT = 5;
export const ATTR_P = 0x80;
export const ATTR_DB = 0x4000;
export const ATTR_G = 0x8000;
export const ATTR_UNUSABLE = 0x10000;
/** Real-mode data segment after reset: present, writable, accessed, 16-bit, limit 0xFFFF. */
export const ATTR_REAL_DATA = ATTR_P | ATTR_S | ATTR_TYPE_RW | ATTR_TYPE_ACCESSED;
/** Real-mode code segment after reset: present, readable, accessed code. */
export const ATTR_REAL_CODE = ATTR_P | ATTR_S | ATTR_TYPE_CODE | ATTR_TYPE_RW | ATTR_TYPE_ACCESSED;

// ---- control registers (SDM vol. 3, 2.5) ----
export const CR0_PE = 0x00000001;
export const CR0_MP = 0x00000002;
export const CR0_EM = 0x00000004;
export const CR0_TS = 0x00000008;
export const CR0_ET = 0x00000010;
export const CR0_PG = 0x80000000 | 0;
export const CR0_NE = 0x00000020;
export const CR0_WP = 0x00010000;
export const CR0_AM = 0x00040000;
export const CR0_NW = 0x20000000;
export const CR0_CD = 0x40000000;
/** CR4.PSE: a page-directory entry with PS set maps a 4 MiB page. */
export const CR4_PSE = 0x00000010;
/** CR0 after reset on a 486 (SDM vol. 3, table 9-1): caches disabled (CD, NW), ET wired to 1. */
export const CR0_RESET = CR0_CD | CR0_NW | CR0_ET;

// ---- CR4 bits this file's users test, and model-specific registers (ops-msr.ts) ----
/** CR4.TSD: RDTSC is privileged (CPL 0 only). */
export const CR4_TSD = 0x00000004;
export const MSR_TSC = 0x10;
export const MSR_APIC_BASE = 0x1b;
/** IA32_APIC_BASE after reset: base 0xFEE00000, global enable (bit 11), bootstrap processor (bit 8). */
export const APIC_BASE_RESET = 0xfee00900 | 0;

// ---- exception vectors (SDM vol. 3, table 6-1) ----
export const EXC_DE = 0;
export const EXC_DB = 1;
export const EXC_NMI = 2;
export const EXC_BP = 3;
export const EXC_OF = 4;
export const EXC_BR = 5;
export const EXC_UD = 6;
export const EXC_NM = 7;
export const EXC_DF = 8;
export const EXC_TS = 10;
export const EXC_NP = 11;
export const EXC_SS = 12;
export const EXC_GP = 13;
export const EXC_PF = 14;

export const EXCEPTION_NAMES: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF',
  10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC',
};

/** Vectors that push an error code in protected mode (SDM vol. 3, 6.13). */
export function exceptionHasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17;
}

/** What `Cpu.run` returns: a small numeric enum. */
export const RunExit = { REACHED: 0, HALTED: 1, STOPPED: 2, FAULT: 3 } as const;
export type RunExit = (typeof RunExit)[keyof typeof RunExit];
