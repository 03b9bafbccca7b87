/**
 * The local APIC's register offsets the hypervisor uses (Intel SDM vol. 3A, table 10-1), relative
 * to its MMIO window (BOARD.lapic.mmioBase), and the timer's divide configuration.
 */
import { BOARD } from '../../../board/layout.js';

export const LAPIC_BASE = BOARD.lapic.mmioBase;
export const LVT_LINT0_OFFSET = 0x350;

/** Divide configuration (10.5.4, figure 10-10): bits 3,1,0 → 2, 4, …, 128, 1. */
export function lapicDivisor(dc: number): number {
  const v = (dc & 3) | ((dc >>> 1) & 4);
  return 1 << ((v + 1) & 7);
}
