/**
 * The registry: every device driver, in board order (the order of the machine's devices).
 * Board order is also the order in which shadows are made, instant captures run, unknown
 * fields are listed and the fault catalog reads; line-disturbing captures run after the
 * instant ones, in this order too; reconstruction steps go by their ranks (ranks.ts).
 *
 * Adding a device: its device file (src/devices), its driver file here, one line below.
 */
import type { DeviceDriver } from './driver.js';
import { pic8259Driver } from './pic8259/index.js';
import { pit8254Driver } from './pit8254/index.js';
import { rtcCmosDriver } from './rtc-cmos/index.js';
import { uart16550Driver } from './uart16550/index.js';
import { ataDiskDriver } from './ata-disk/index.js';
import { pciHostDriver } from './pci-host.js';
import { rtl8169Driver } from './rtl8169/index.js';
import { ioapicDriver } from './ioapic.js';
import { lapicDriver } from './lapic/index.js';
import { postPortDriver } from './post-port.js';
import { systemControlDriver } from './system-control.js';
import { debugExitDriver } from './debug-exit.js';
import { i8042Driver } from './i8042/index.js';
import { crtcDriver } from './cga-crtc.js';

export const DRIVERS: readonly DeviceDriver[] = [
  pic8259Driver,
  pit8254Driver,
  rtcCmosDriver,
  uart16550Driver,
  ataDiskDriver,
  pciHostDriver,
  rtl8169Driver,
  ioapicDriver,
  lapicDriver,
  postPortDriver,
  systemControlDriver,
  debugExitDriver,
  i8042Driver,
  crtcDriver,
];

/** The driver that covers `device`, or undefined. */
export function driverFor(device: string): DeviceDriver | undefined {
  return DRIVERS.find((d) => d.devices.includes(device));
}

/** The driver with a line generator for ISA `irq`, or undefined. */
export function lineGeneratorFor(irq: number): DeviceDriver['irqLine'] {
  return DRIVERS.find((d) => d.irqLine?.irq === irq)?.irqLine;
}
