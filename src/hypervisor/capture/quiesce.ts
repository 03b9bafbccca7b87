/**
 * Keeping capture's side effects away from the guest's interrupt state. Reading a UART's
 * receive FIFO out and refilling it, or masking a NIC's interrupts while probing its rings,
 * drops and raises their interrupt lines: a new rising edge. Before such steps we mask the
 * lines' IOAPIC entries and LINT0 (so no message reaches the local APIC); after them, an
 * 8259A request the edge latched that the capture did not have is retired (poll + specific
 * EOI under special mask mode), and the entries and LINT0 are put back.
 */
import type { HvIo } from '../hv-io.js';
import { IOAPIC_BASE, LAPIC_BASE } from './apic.js';

const LVT_LINT0 = 0x350;
const MASKED = 0x00010000;

export interface Quiesced {
  restore(): void;
}

export function quiesceLines(io: HvIo, irqs: number[]): Quiesced {
  const sel = io.mmioRead(IOAPIC_BASE, 4) & 0xff;
  const saved: { index: number; value: number }[] = [];
  for (const irq of irqs) {
    const index = 0x10 + 2 * (irq === 0 ? 2 : irq);
    io.mmioWrite(IOAPIC_BASE, 4, index);
    const value = io.mmioRead(IOAPIC_BASE + 0x10, 4) >>> 0;
    saved.push({ index, value });
    if (!(value & MASKED)) io.mmioWrite(IOAPIC_BASE + 0x10, 4, (value | MASKED) >>> 0);
  }
  io.mmioWrite(IOAPIC_BASE, 4, sel);
  // LINT0 latches a request only in fixed delivery mode (ExtINT passes the 8259A's INT through
  // and latches nothing); only then is it masked. (A write to a software-disabled LAPIC's LVT
  // would set the mask for good: SDM 10.4.7.2.)
  const lint0 = io.mmioRead(LAPIC_BASE + LVT_LINT0, 4) >>> 0;
  const maskLint0 = !(lint0 & MASKED) && ((lint0 >>> 8) & 7) === 0;
  if (maskLint0) io.mmioWrite(LAPIC_BASE + LVT_LINT0, 4, (lint0 | MASKED) >>> 0);
  return {
    restore() {
      if (maskLint0) io.mmioWrite(LAPIC_BASE + LVT_LINT0, 4, lint0);
      const s = io.mmioRead(IOAPIC_BASE, 4) & 0xff;
      for (const e of saved) {
        io.mmioWrite(IOAPIC_BASE, 4, e.index);
        io.mmioWrite(IOAPIC_BASE + 0x10, 4, e.value);
      }
      io.mmioWrite(IOAPIC_BASE, 4, s);
    },
  };
}

/**
 * Retire 8259A requests on `irqs` that are set now but were not in the capture. Only the lines
 * capture disturbed are looked at: other requests that came while the guest was paused are
 * the machine's own doing. Returns the IRQs it retired.
 */
export function retireSpuriousRequests(
  io: HvIo, irqs: number[], capturedIrr: { master: number; slave: number }, rs: { master: number; slave: number },
  pollPending: { master: boolean; slave: boolean },
): number[] {
  const out: number[] = [];
  for (const irq of irqs) {
    const isSlave = irq >= 8;
    if (isSlave ? pollPending.slave : pollPending.master) continue; // any read would be the guest's poll
    const base = isSlave ? 0xa0 : 0x20;
    const bit = 1 << (irq & 7);
    const want = isSlave ? capturedIrr.slave : capturedIrr.master;
    io.out8(base, 0x0a);
    const irr = io.in8(base);
    io.out8(base, 0x0a | (isSlave ? rs.slave : rs.master));
    if (!(irr & bit) || want & bit) continue;
    io.out8(base, 0x0b);
    const isr = io.in8(base);
    const imr = io.in8(base + 1);
    io.out8(base, 0x68);
    if (isr & bit) io.out8(base, 0x60 | (irq & 7));
    io.out8(base + 1, ~bit & 0xff);
    io.out8(base, 0x0c);
    const r = io.in8(base);
    if ((r & 0x87) === (0x80 | (irq & 7)) && !(isr & bit)) io.out8(base, 0x60 | (irq & 7));
    io.out8(base + 1, imr);
    io.out8(base, 0x48);
    io.out8(base, 0x0a | (isSlave ? rs.slave : rs.master));
    out.push(irq);
  }
  return out;
}
