/**
 * Raising and dropping an ISA interrupt line on the destination by driving the device behind
 * it — the only way software can make a request appear at an interrupt controller's input.
 * Reconstruction uses it to put IRs in service (an 8259A sets ISR only at INTA, or a poll,
 * of a requested IR: datasheet, "Interrupt Sequence", "Poll Command") before the devices
 * themselves are reconstructed; each generator leaves its device in a state the device's own
 * reconstruction overwrites.
 *
 *   IRQ0   8254 channel 0 in mode 0 with count 1: OUT rises two CLK edges after the count
 *          (datasheet, mode 0); a new control word drops it.
 *   IRQ4   16550 with OUT2 and ETBEI: the THR-empty interrupt (PC16550D 8.6.4); IER=0 drops it.
 *   IRQ8   MC146818 PIE with an 8192 Hz periodic rate: PF at the next divider edge; reading
 *          register C drops it.
 *   IRQ11  RTL8169 software interrupt (TxPoll FSWINT, IntrMask SWInt); writing 1 to
 *          IntrStatus.SWInt drops it.
 *   IRQ14  ATA EXECUTE DEVICE DIAGNOSTIC: INTRQ after the command's BSY time; a status read drops it.
 */
import type { HvIo } from '../hv-io.js';

const PIT_HZ = 1_193_182;

export interface IrqLineDriver {
  raise(): void;
  lower(): void;
}

function nicMmioBase(io: HvIo): number {
  // BAR1 of the RTL8169 at PCI 00:03.0 (configuration mechanism #1).
  const saved = io.in32(0xcf8);
  io.out32(0xcf8, 0x80000000 | (3 << 11) | 0x14);
  const bar = io.in32(0xcfc) & 0xfffffff0;
  io.out32(0xcf8, saved);
  return bar >>> 0;
}

/** Lines whose driver puts its device back exactly (usable after the devices are reconstructed). */
export const RESTORE_SAFE_LINES = new Set([11]);

export function irqLineDriver(io: HvIo, irq: number): IrqLineDriver | null {
  const hz = io.hz;
  switch (irq) {
    case 0:
      return {
        raise() {
          io.out8(0x43, 0x30);
          io.out8(0x40, 1);
          io.out8(0x40, 0);
          io.wait(3 * Math.ceil(hz / PIT_HZ));
        },
        lower() {
          io.out8(0x43, 0x30);
        },
      };
    case 4:
      return {
        raise() {
          io.out8(0x3fb, 0x03);
          io.out8(0x3fc, 0x08);
          io.out8(0x3f9, 0x00);
          io.out8(0x3f9, 0x02);
        },
        lower() {
          io.out8(0x3f9, 0x00);
        },
      };
    case 8:
      return {
        raise() {
          io.out8(0x70, 0x0a);
          io.out8(0x71, 0x23);
          io.out8(0x70, 0x0b);
          io.out8(0x71, 0x42);
          io.out8(0x70, 0x0c);
          io.in8(0x71);
          io.wait(Math.ceil(hz / 8192) + 2);
        },
        lower() {
          io.out8(0x70, 0x0c);
          io.in8(0x71);
          io.out8(0x70, 0x0b);
          io.out8(0x71, 0x02);
        },
      };
    case 11: {
      // Restore-safe: IntrMask and a SWInt the guest had are put back, so this also works on a
      // NIC that is already reconstructed.
      const base = nicMmioBase(io);
      let mask = 0;
      let had = 0;
      return {
        raise() {
          mask = io.mmioRead(base + 0x3c, 2);
          had = io.mmioRead(base + 0x3e, 2) & 0x0100;
          io.mmioWrite(base + 0x3c, 2, 0x0100);
          io.mmioWrite(base + 0x38, 1, 0x01);
        },
        lower() {
          if (!had) io.mmioWrite(base + 0x3e, 2, 0x0100);
          io.mmioWrite(base + 0x3c, 2, 0);
          io.mmioWrite(base + 0x3c, 2, mask);
        },
      };
    }
    case 14:
      return {
        raise() {
          io.out8(0x3f6, 0x00);
          io.out8(0x1f6, 0xa0);
          io.out8(0x1f7, 0x90);
          // BSY lasts the drive's command time: poll the alternate status (no side effects).
          for (let i = 0; i < 1000 && io.in8(0x3f6) & 0x80; i++) io.wait(100);
        },
        lower() {
          io.in8(0x1f7);
        },
      };
    default:
      return null;
  }
}
