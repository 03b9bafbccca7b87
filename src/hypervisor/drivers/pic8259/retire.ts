/**
 * After capture's line-disturbing work (a UART's FIFO read out and refilled, a NIC frozen and
 * rebuilt: each drops and raises its line, a new rising edge), an 8259A request the edge
 * latched that the capture did not have is retired: acknowledged by a poll under special
 * mask mode (masked in-service IRs do not block it) and ended by a specific EOI (8259A
 * datasheet, "Poll Command", "Special Mask Mode"). Only the disturbed lines are looked at:
 * other requests that came while the guest was paused are the machine's own doing.
 */
import type { HvIo } from '../../hv-io.js';
import { chipOf } from './chips.js';

export interface RetireInputs {
  /** IRR as captured, per chip. */
  readonly capturedIrr: { master: number; slave: number };
  /** The guest's OCW3 read-register select, per chip (put back after our OCW3 reads). */
  readonly readSelect: { master: number; slave: number };
  /** A poll the guest issued is pending: any read would be it. */
  readonly pollPending: { master: boolean; slave: boolean };
}

/** Retire the surplus requests on `irqs`; returns the IRQs it retired. */
export function retireSpuriousRequests(io: HvIo, irqs: readonly number[], x: RetireInputs): number[] {
  const out: number[] = [];
  for (const irq of irqs) {
    const chip = chipOf(irq);
    const isSlave = !chip.isMaster;
    if (isSlave ? x.pollPending.slave : x.pollPending.master) continue; // any read would be the guest's poll
    const base = chip.base;
    const ir = irq - chip.isa;
    const bit = 1 << ir;
    const want = isSlave ? x.capturedIrr.slave : x.capturedIrr.master;
    const rs = isSlave ? x.readSelect.slave : x.readSelect.master;
    io.out8(base, 0x0a);
    const irr = io.in8(base);
    io.out8(base, 0x0a | rs);
    if (!(irr & bit) || want & bit) continue;
    io.out8(base, 0x0b);
    const isr = io.in8(base);
    const imr = io.in8(base + 1);
    io.out8(base, 0x68);
    if (isr & bit) io.out8(base, 0x60 | ir);
    io.out8(base + 1, ~bit & 0xff);
    io.out8(base, 0x0c);
    const r = io.in8(base);
    if ((r & 0x87) === (0x80 | ir) && !(isr & bit)) io.out8(base, 0x60 | ir);
    io.out8(base + 1, imr);
    io.out8(base, 0x48);
    io.out8(base, 0x0a | rs);
    out.push(irq);
  }
  return out;
}
