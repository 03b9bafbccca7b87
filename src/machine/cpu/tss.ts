/**
 * The current task-state segment (TR): the inner-ring stack pointers an inter-privilege
 * transfer switches to, and the I/O permission bitmap (SDM vol. 3, 7.2.1 and 7.7; vol. 1,
 * 19.5). Every TSS access is an implicit supervisor access (rdSys*).
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { EXC_GP, EXC_TS } = constants;

/** TSS descriptor types (the low 4 bits of the access byte); bit 1 is the busy bit. */
export const TSS16_AVAILABLE = 1;
export const TSS16_BUSY = 3;
export const TSS32_AVAILABLE = 9;
export const TSS32_BUSY = 0xb;

/** Whether TR holds a 32-bit TSS (type 9/B), else a 16-bit one (type 1/3). */
export function tss32(c: CpuCore): boolean {
  return (c.tr[3] & 8) !== 0;
}

/** The SS:ESP read from the TSS by readInnerStack. */
export const innerStack = { ss: 0, esp: 0 };

/**
 * Read SSn:ESPn for privilege level `dpl` from the current TSS into `innerStack`
 * (16-bit TSS: SPn zero-extended). Past the TSS limit: #TS(TR selector), with `ext`.
 */
export function readInnerStack(c: CpuCore, dpl: number, ext: number): void {
  const base = c.tr[1];
  const limit = c.tr[2] >>> 0;
  if (tss32(c)) {
    const off = dpl * 8 + 4;
    if (off + 5 > limit) c.raise(EXC_TS, (c.tr[0] & 0xfffc) | ext);
    innerStack.esp = c.rdSys32((base + off) | 0);
    innerStack.ss = c.rdSys16((base + off + 4) | 0);
  } else {
    const off = dpl * 4 + 2;
    if (off + 3 > limit) c.raise(EXC_TS, (c.tr[0] & 0xfffc) | ext);
    innerStack.esp = c.rdSys16((base + off) | 0);
    innerStack.ss = c.rdSys16((base + off + 2) | 0);
  }
}

/**
 * IN/OUT/INS/OUTS with CPL > IOPL or in virtual-8086 mode: every bit of the `size` bytes
 * at `port` must be clear in the I/O permission bitmap of a 32-bit TSS. The bitmap starts
 * at the 16-bit offset at TSS+0x66; the two bytes covering the access must lie within the
 * TSS limit. Anything else is #GP(0) (SDM vol. 1, 19.5.2).
 */
export function checkIoPermission(c: CpuCore, port: number, size: number): void {
  const limit = c.tr[2] >>> 0;
  if (!tss32(c) || c.tr[3] & 0x10000 || limit < 0x67) c.raise(EXC_GP, 0);
  const base = c.tr[1];
  const off = c.rdSys16((base + 0x66) | 0) + ((port & 0xffff) >>> 3);
  if (off + 1 > limit) c.raise(EXC_GP, 0);
  const bits = c.rdSys16((base + off) | 0);
  const mask = ((1 << size) - 1) << (port & 7);
  if (bits & mask) c.raise(EXC_GP, 0);
}
