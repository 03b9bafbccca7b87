/**
 * The 82093AA IOAPIC (device `ioapic`) in its MMIO window. Everything is readable (BLMVisor
 * 4.6: "these mechanisms have no write-only states", so no VM exits): IOREGSEL is read first
 * and written back last; ID and each redirection entry go through IOWIN. Its input pin levels
 * are lines, inferred from the ISA lines (IRQ n on pin isaIrqToGsi(n)).
 *
 * Reconstruction writes ID and the entries, IOREGSEL last. A level entry whose pin is asserted
 * and unmasked is sent as soon as it is written: that is how remote IRR (read-only) comes back —
 * for a pin that is no longer asserted it cannot. It runs at the switch-over between the local
 * APIC's in-service and pending vectors (ranks.ts): putting level vectors in service uses
 * temporary entries, which the real ones then replace.
 */
import type { DeviceDriver, FaultSpec, ReconstructContext } from './driver.js';
import type { CapturedView } from '../captured.js';
import type { HvIo } from '../hv-io.js';
import { DeviceCaptureBuilder } from '../captured.js';
import { BOARD, isaIrqToGsi } from '../../board/layout.js';
import { IOAPIC_PINS, IOAPIC_REG_ID, IOAPIC_REG_REDTBL, IOREGSEL, IOWIN, REDIR_LEVEL, REDIR_MASKED, REDIR_REMOTE_IRR } from '../../devices/ioapic.js';
import { RANK } from './ranks.js';

export { IOAPIC_PINS, REDIR_LEVEL, REDIR_MASKED, REDIR_REMOTE_IRR };

/** ISA IRQ lines 0–15 (the two 8259As' inputs). */
const ISA_IRQS = 16;
export const IOAPIC_BASE = BOARD.ioapic.mmioBase;

/** Redirection entry low / high word of `pin` (IOREGSEL index). */
export function redirectionLow(pin: number): number {
  return IOAPIC_REG_REDTBL + 2 * pin;
}
export function redirectionHigh(pin: number): number {
  return IOAPIC_REG_REDTBL + 2 * pin + 1;
}

/** Write an indirect register (IOREGSEL, then IOWIN). */
export function ioapicWrite(io: HvIo, index: number, value: number): void {
  io.mmioWrite(IOAPIC_BASE + IOREGSEL, 4, index);
  io.mmioWrite(IOAPIC_BASE + IOWIN, 4, value >>> 0);
}

/** The ISA IRQ wired to IOAPIC pin `pin`, or -1. */
export function isaIrqOfPin(pin: number): number {
  for (let irq = 0; irq < ISA_IRQS; irq++) if (isaIrqToGsi(irq) === pin) return irq;
  return -1;
}

export const IOAPIC_REDIRECTION_FORGOTTEN: FaultSpec = {
  name: 'ioapic-redirection-forgotten',
  side: 'reconstruct',
  device: 'ioapic',
  effect: 'the IOAPIC redirection table is not written on the destination: every entry stays masked (82093AA reset), so interrupts routed through the IOAPIC never arrive',
};

function reconstructIoapic(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const w = (index: number, value: number) => ioapicWrite(io, index, value);
  w(IOAPIC_REG_ID, t.num('id') << 24);
  if (!ctx.options.faults.has(IOAPIC_REDIRECTION_FORGOTTEN.name)) {
    const lo = t.arr('ioredtbl_lo');
    const hi = t.arr('ioredtbl_hi');
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      w(redirectionHigh(pin), hi[pin] ?? 0);
      w(redirectionLow(pin), lo[pin] ?? REDIR_MASKED);
    }
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      io.mmioWrite(IOAPIC_BASE + IOREGSEL, 4, redirectionLow(pin));
      const got = io.mmioRead(IOAPIC_BASE + IOWIN, 4) >>> 0;
      if ((got & REDIR_REMOTE_IRR) !== ((lo[pin] ?? 0) & REDIR_REMOTE_IRR) && (lo[pin] ?? 0) & REDIR_LEVEL) {
        ctx.notes.push(`ioapic.ioredtbl_lo[${pin}]: remote IRR ${got & REDIR_REMOTE_IRR ? 1 : 0}, captured ${(lo[pin] ?? 0) & REDIR_REMOTE_IRR ? 1 : 0} (set only by a level interrupt a LAPIC accepts, which needs the pin asserted)`);
      }
    }
  }
  io.mmioWrite(IOAPIC_BASE + IOREGSEL, 4, t.num('ioregsel'));
}

export const ioapicDriver: DeviceDriver<void> = {
  devices: ['ioapic'],
  ports: [],
  mmio: [IOAPIC_BASE],
  irqs: [],
  faults: [IOAPIC_REDIRECTION_FORGOTTEN],
  captureStage: 'instant',

  capture(ctx) {
    const { io } = ctx;
    const b = new DeviceCaptureBuilder(ctx.schema('ioapic'));
    const sel = io.mmioRead(IOAPIC_BASE + IOREGSEL, 4) & 0xff;
    const indirect = (index: number) => {
      io.mmioWrite(IOAPIC_BASE + IOREGSEL, 4, index);
      return io.mmioRead(IOAPIC_BASE + IOWIN, 4) >>> 0;
    };
    const id = (indirect(IOAPIC_REG_ID) >>> 24) & 0xf;
    const lo: number[] = [];
    const hi: number[] = [];
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      lo.push(indirect(redirectionLow(pin)));
      hi.push(indirect(redirectionHigh(pin)));
    }
    io.mmioWrite(IOAPIC_BASE + IOREGSEL, 4, sel);
    b.set('id', id, 'read').set('ioregsel', sel, 'read').set('ioredtbl_lo', lo, 'read').set('ioredtbl_hi', hi, 'read');
    b.set('pin_level', 0, 'inferred'); // inferInputs
    return { builders: [b] };
  },

  inferInputs(devices, lines) {
    const ioapic = devices.get('ioapic');
    if (!ioapic) return;
    let pins = 0;
    for (let irq = 0; irq < ISA_IRQS; irq++) if (lines & (1 << irq)) pins |= 1 << isaIrqToGsi(irq);
    ioapic.fields.pin_level = pins;
  },

  reconstruct: [{ rank: RANK.ioapic, plan: (ctx) => ctx.timeline.at(ctx.timeline.end, 'ioapic: redirection table', () => reconstructIoapic(ctx, ctx.must('ioapic'))) }],
};
