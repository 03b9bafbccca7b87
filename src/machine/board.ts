/**
 * The PC board: which device sits at which port or address, and how interrupt lines are
 * wired. Devices are built here with their host resources (bus, clock, memory, sinks) and
 * mapped onto the one bus.
 *
 * Port map:
 *   0x0020–0x0021  8259A master        0x00A0–0x00A1  8259A slave   0x04D0–0x04D1 ELCR
 *   0x0040–0x0043  8254 PIT            0x0061         port B (PIT gate 2, speaker, OUT2)
 *   0x0070–0x0071  MC146818 RTC/CMOS   0x0080         POST code port
 *   0x0092         System Control Port A (fast A20, fast reset)
 *   0x00F4–0x00F7  isa-debug-exit (QEMU-compatible)
 *   0x01F0–0x01F7, 0x03F6  ATA primary channel, master = the shared disk (IRQ14)
 *   0x03F8–0x03FF  COM1 16550A UART (IRQ4)
 *   0x0CF8–0x0CFF  PCI configuration mechanism #1 (host bridge in slot 0, RTL8169 in slot 3)
 * MMIO: 0xFEBFF000 RTL8169 BAR1 (relocatable; I/O BAR at 0xC000), 0xFEC00000 IOAPIC,
 *       0xFEE00000 local APIC.
 * Interrupts: ISA IRQ lines go to the PIC pair and the IOAPIC (see interrupts.ts); the NIC's
 * INTA# is ISA IRQ 11 (level).
 *
 * Every machine has every device, in the same order, with or without an input script or a
 * disk of its own: a migration's destination must be an identical machine.
 */
import type { Bus, IoHandler } from './bus.js';
import type { Device, DeviceContext } from '../devices/device.js';
import type { FieldValue } from './state-schema.js';
import type { InterruptFabric } from './interrupts.js';
import { DebugExit, DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS } from '../devices/debug-exit.js';
import { PostPort, POST_PORT } from '../devices/post-port.js';
import { SystemControlPort, SYSTEM_CONTROL_PORT } from '../devices/system-control.js';
import { Uart16550, COM1_PORT } from '../devices/uart16550.js';
import { Pic8259Pair } from '../devices/pic8259.js';
import { Pit8254 } from '../devices/pit8254.js';
import { DEFAULT_RTC_START, RtcCmos } from '../devices/rtc-cmos.js';
import { AtaDisk } from '../devices/ata-disk.js';
import type { DiskBacking } from '../devices/disk-backing.js';
import { InputScheduler, type InputScript } from '../devices/input-script.js';
import { PciHost, PCI_CONFIG_PORT, PCI_CONFIG_PORTS } from '../devices/pci-host.js';
import { Rtl8169, RTL8169_PCI_SLOT } from '../devices/rtl8169.js';
import { IoApic, IOAPIC_BASE, IOAPIC_MMIO_SIZE, connectApics } from '../devices/ioapic.js';
import { LocalApic, LAPIC_BASE, LAPIC_MMIO_SIZE } from '../devices/lapic.js';

export type AnyDevice = Device<Record<string, FieldValue>>;

export interface BoardHooks {
  /** The outside world delivered this (from the input script), just before the device gets it. */
  input(channel: 'serial' | 'frame', data: Uint8Array): void;
  /** The guest wrote to isa-debug-exit: stop with this exit status. */
  exit(status: number): void;
  /** The guest asked for a CPU reset (port 0x92 bit 0). */
  resetRequest(): void;
}

export interface BoardOptions {
  /** RTC time at power-on, Unix seconds. */
  rtcStart?: number;
  /** The shared disk on the primary ATA channel. */
  disk: DiskBacking;
  /** What the outside world sends, and when (an empty script when none). */
  input: InputScript;
}

const EMPTY_SCRIPT: InputScript = { source: '(none)', events: [], hash: '' };
export function emptyInputScript(): InputScript {
  return EMPTY_SCRIPT;
}

export interface Board {
  /** Every device, in a fixed order (snapshots, traces and migration streams list them so). */
  readonly devices: AnyDevice[];
  readonly pic: Pic8259Pair;
  readonly pit: Pit8254;
  readonly rtc: RtcCmos;
  readonly uart: Uart16550;
  readonly sysctl: SystemControlPort;
  readonly disk: AtaDisk;
  readonly pci: PciHost;
  readonly nic: Rtl8169;
  readonly ioapic: IoApic;
  readonly lapic: LocalApic;
  readonly input: InputScheduler;
  /** False when no interrupt source could ever raise INTR again (the PIC masks everything). */
  interruptsPossible(): boolean;
}

function mapPorts(bus: Bus, device: AnyDevice & IoHandler, first: number, count: number): void {
  device.id = bus.registerDevice(device.name);
  bus.mapPorts(device.id, first, count, device);
}

function mapMmio(bus: Bus, device: AnyDevice & IoHandler, base: number, length: number): void {
  device.id = bus.registerDevice(device.name);
  bus.mapMmio(device.id, base, length, device);
}

export function buildBoard(ctx: DeviceContext, fabric: InterruptFabric, hooks: BoardHooks, options: BoardOptions): Board {
  const pic = new Pic8259Pair(ctx, () => fabric.update());
  const pit = new Pit8254(ctx);
  const rtc = new RtcCmos(ctx, options.rtcStart ?? DEFAULT_RTC_START);
  const uart = new Uart16550(ctx);
  const sysctl = new SystemControlPort(ctx, () => hooks.resetRequest());
  const post = new PostPort(ctx);
  const debugExit = new DebugExit(ctx, (status) => hooks.exit(status));
  const disk = new AtaDisk(ctx, options.disk);
  const pci = new PciHost(ctx);
  const nic = new Rtl8169(ctx);
  const ioapic = new IoApic(ctx);
  const lapic = new LocalApic(ctx, () => fabric.update());
  const input = new InputScheduler(ctx, options.input, {
    serial: (byte) => {
      hooks.input('serial', Uint8Array.of(byte));
      uart.receiveByte(byte);
    },
    frame: (data) => {
      hooks.input('frame', data);
      nic.receiveFrame(data);
    },
  });

  pic.mapPorts(ctx.bus);
  pit.mapPorts(ctx.bus);
  rtc.mapPorts(ctx.bus);
  mapPorts(ctx.bus, post, POST_PORT, 1);
  mapPorts(ctx.bus, sysctl, SYSTEM_CONTROL_PORT, 1);
  mapPorts(ctx.bus, debugExit, DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS);
  mapPorts(ctx.bus, uart, COM1_PORT, 8);
  disk.attach(ctx.bus);
  mapPorts(ctx.bus, pci, PCI_CONFIG_PORT, PCI_CONFIG_PORTS);
  nic.id = ctx.bus.registerDevice(nic.name); // before reset: reset maps its BARs
  pci.attach(RTL8169_PCI_SLOT, nic);
  mapMmio(ctx.bus, ioapic, IOAPIC_BASE, IOAPIC_MMIO_SIZE);
  mapMmio(ctx.bus, lapic, LAPIC_BASE, LAPIC_MMIO_SIZE);
  connectApics(ioapic, lapic);
  input.attach(ctx.bus);
  fabric.pic = pic;
  fabric.ioapic = ioapic;
  fabric.lapic = lapic;

  const devices: AnyDevice[] = [
    pic.master, pic.slave, pit, rtc, uart, disk, pci, nic, ioapic, lapic, post, sysctl, debugExit, input,
  ];
  for (const d of devices) d.reset();
  fabric.update();
  return {
    devices, pic, pit, rtc, uart, sysctl, disk, pci, nic, ioapic, lapic, input,
    // The PIC reaches the CPU through LINT0; the LAPIC's own sources need it software-enabled.
    interruptsPossible: () => pic.master.state.imr !== 0xff || (lapic.state.spurious_vec & 0x100) !== 0,
  };
}
