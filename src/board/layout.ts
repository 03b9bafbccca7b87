/**
 * The PC board's wiring, declared once: which device sits at which port or MMIO window, and
 * which interrupt line it drives. Devices are built with these values (they never import the
 * board), the hypervisor's drivers and the verifier read them here, and a trace records the
 * machine type so a trace made on one layout is refused on another.
 *
 *   0x0020–0x0021  8259A master        0x00A0–0x00A1  8259A slave   0x04D0–0x04D1 ELCR
 *   0x0040–0x0043  8254 PIT            0x0061         port B (PIT gate 2, speaker, OUT2)
 *   0x0060, 0x0064 8042 keyboard controller (keyboard IRQ1; auxiliary port IRQ12, nothing on it);
 *                  its output port and port 0x92 write one A20 latch
 *   0x0070–0x0071  MC146818 RTC/CMOS   0x0080         POST code port
 *   0x0092         System Control Port A (fast A20, fast reset)
 *   0x00F4–0x00F7  isa-debug-exit (QEMU-compatible)
 *   0x01F0–0x01F7, 0x03F6  ATA primary channel, master = the shared disk (IRQ14)
 *   0x03D4–0x03D5  CGA 6845 CRTC (text memory at 0xB8000 is RAM)
 *   0x03F8–0x03FF  COM1 16550A UART (IRQ4)
 *   0x0CF8–0x0CFF  PCI configuration mechanism #1 (host bridge in slot 0, RTL8169 in slot 3)
 *   MMIO: 0xFEBFF000 RTL8169 BAR1 (relocatable; I/O BAR at 0xC000), 0xFEC00000 IOAPIC,
 *         0xFEE00000 local APIC.
 *   Interrupts: ISA IRQ lines go to the 8259A pair and to the IOAPIC (IRQ0 on pin 2, the
 *   usual MP/ACPI override; the rest 1:1); the master's INT is LAPIC LINT0; the slave's INT
 *   is the master's IR2. The NIC's INTA# is ISA IRQ 11 (level).
 */

import { PIT_HZ } from '../devices/pit8254-channel.js';
import type { PortRange } from '../machine/bus.js';

export type { PortRange };

/** A machine type, as QEMU names them ("pc-i440fx-7.2"): a trace made on one is refused on another. */
export interface MachineType {
  readonly name: string;
  /** Bumped whenever anything below changes: a port, a window, a line, a device added or removed. */
  readonly version: number;
}

/** v2: the 8042 keyboard controller, the CGA CRTC and the BIOS firmware tables. */
export const MACHINE_TYPE: MachineType = { name: 'migtrace-pc', version: 2 };

/** "migtrace-pc v2". */
export function machineTypeLabel(t: MachineType): string {
  return `${t.name} v${t.version}`;
}

export const BOARD = {
  pic: {
    master: { ports: { base: 0x20, count: 2 }, elcr: 0x4d0 },
    slave: { ports: { base: 0xa0, count: 2 }, elcr: 0x4d1 },
    /** The master's input the slave's INT drives. */
    cascadeIrq: 2,
  },
  pit: { ports: { base: 0x40, count: 4 }, portB: 0x61, irq: 0, /** CLK input, Hz. */ clockHz: PIT_HZ },
  rtc: { ports: { base: 0x70, count: 2 }, irq: 8 },
  uart: { ports: { base: 0x3f8, count: 8 }, irq: 4 },
  i8042: { data: 0x60, command: 0x64, irq: 1, auxIrq: 12 },
  /** The CGA's CRTC ports, and its 80x25 colour text buffer (RAM here: no MMIO window). */
  crtc: { index: 0x3d4, data: 0x3d5, textMemory: 0xb8000 },
  ata: { command: { base: 0x1f0, count: 8 }, control: 0x3f6, irq: 14 },
  pci: { config: { base: 0xcf8, count: 8 } },
  nic: { slot: 3, irq: 11, ioBase: 0xc000, mmioBase: 0xfebff000 },
  ioapic: { mmioBase: 0xfec00000 },
  lapic: { mmioBase: 0xfee00000 },
  post: { port: 0x80 },
  sysctl: { port: 0x92 },
  debugExit: { ports: { base: 0xf4, count: 4 } },
  /** Two ports no device decodes, which the thin hypervisor claims for its guest agent (docs/guest-agent.md). */
  agent: { field: 0x0ee0, value: 0x0ee4 },
} as const;

/** IOAPIC pin (GSI) of an ISA IRQ line. */
export function isaIrqToGsi(irq: number): number {
  return irq === 0 ? 2 : irq;
}
