/**
 * Keeping capture's side effects away from the guest's interrupt state. Reading a UART's
 * receive FIFO out and refilling it, or masking a NIC's interrupts while probing its rings,
 * drops and raises their interrupt lines: a new rising edge. Before such steps we mask the
 * lines' IOAPIC entries and LINT0 (so no message reaches the local APIC); after them, the
 * 8259A driver retires a request the edge latched that the capture did not have
 * (drivers/pic8259/retire.ts), and the entries and LINT0 are put back.
 */
import type { HvIo } from './hv-io.js';
import { BOARD, isaIrqToGsi } from '../board/layout.js';
import { IOREGSEL, IOWIN, IOAPIC_REG_REDTBL, REDIR_MASKED } from '../devices/ioapic.js';
import { LVT_LINT0_OFFSET } from './drivers/lapic/registers.js';

const IOAPIC_BASE = BOARD.ioapic.mmioBase;
const LAPIC_BASE = BOARD.lapic.mmioBase;
const LVT_LINT0 = LVT_LINT0_OFFSET;
const MASKED = REDIR_MASKED;

export interface Quiesced {
  restore(): void;
}

export function quiesceLines(io: HvIo, irqs: readonly number[]): Quiesced {
  const sel = io.mmioRead(IOAPIC_BASE + IOREGSEL, 4) & 0xff;
  const saved: { index: number; value: number }[] = [];
  for (const irq of irqs) {
    const index = IOAPIC_REG_REDTBL + 2 * isaIrqToGsi(irq);
    io.mmioWrite(IOAPIC_BASE + IOREGSEL, 4, index);
    const value = io.mmioRead(IOAPIC_BASE + IOWIN, 4) >>> 0;
    saved.push({ index, value });
    if (!(value & MASKED)) io.mmioWrite(IOAPIC_BASE + IOWIN, 4, (value | MASKED) >>> 0);
  }
  io.mmioWrite(IOAPIC_BASE + IOREGSEL, 4, sel);
  // LINT0 latches a request only in fixed delivery mode (ExtINT passes the 8259A's INT through
  // and latches nothing); only then is it masked. (A write to a software-disabled LAPIC's LVT
  // would set the mask for good: SDM 10.4.7.2.)
  const lint0 = io.mmioRead(LAPIC_BASE + LVT_LINT0, 4) >>> 0;
  const maskLint0 = !(lint0 & MASKED) && ((lint0 >>> 8) & 7) === 0;
  if (maskLint0) io.mmioWrite(LAPIC_BASE + LVT_LINT0, 4, (lint0 | MASKED) >>> 0);
  return {
    restore() {
      if (maskLint0) io.mmioWrite(LAPIC_BASE + LVT_LINT0, 4, lint0);
      const s = io.mmioRead(IOAPIC_BASE + IOREGSEL, 4) & 0xff;
      for (const e of saved) {
        io.mmioWrite(IOAPIC_BASE + IOREGSEL, 4, e.index);
        io.mmioWrite(IOAPIC_BASE + IOWIN, 4, e.value);
      }
      io.mmioWrite(IOAPIC_BASE + IOREGSEL, 4, s);
    },
  };
}
