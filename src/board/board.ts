/**
 * The PC board: builds every device with its host resources (bus, clock, memory, sinks) and its
 * wiring from layout.ts (ports, windows, IRQ lines), maps it onto the one bus, and connects the
 * interrupt controllers to the fabric.
 *
 * Every machine has every device, in the same order, with or without an input script or a
 * disk of its own: a migration's destination must be an identical machine. A slave disk is the
 * one exception: it adds device 1 (`ata0.slave`, right after `ata0`), so a machine with one is
 * another machine — the trace header says so, and the thin hypervisor refuses it for now.
 */
import type { Bus, IoHandler, PortRange } from '../machine/bus.js';
import type { InterruptFabric } from '../machine/interrupts.js';
import type { Device, DeviceContext } from '../devices/device.js';
import type { FieldValue } from '../machine/state-schema.js';
import { DebugExit } from '../devices/debug-exit.js';
import { PostPort } from '../devices/post-port.js';
import { SystemControlPort } from '../devices/system-control.js';
import { Uart16550 } from '../devices/uart16550.js';
import { Pic8259Pair } from '../devices/pic8259.js';
import { Pit8254 } from '../devices/pit8254.js';
import { DEFAULT_RTC_START, RtcCmos } from '../devices/rtc-cmos.js';
import { AtaDisk } from '../devices/ata-disk.js';
import { AtaChannel } from '../devices/ata-channel.js';
import type { DiskBacking } from '../devices/disk-backing.js';
import { InputScheduler, type InputScript } from '../devices/input-script.js';
import { PciHost } from '../devices/pci-host.js';
import { Rtl8169 } from '../devices/rtl8169.js';
import { IoApic, IOAPIC_MMIO_SIZE, connectApics } from '../devices/ioapic.js';
import { LocalApic, LAPIC_MMIO_SIZE } from '../devices/lapic.js';
import { I8042 } from '../devices/i8042.js';
import { CgaCrtc } from '../devices/cga-crtc.js';
import { BOARD } from './layout.js';

export type AnyDevice = Device<Record<string, FieldValue>>;

export interface BoardHooks {
  /** The outside world delivered this (from the input script), just before the device gets it. */
  input(channel: 'serial' | 'frame', data: Uint8Array): void;
  /** The guest wrote to isa-debug-exit: stop with this exit status. */
  exit(status: number): void;
  /** The guest asked for a CPU reset (port 0x92 bit 0, the 8042's reset line). */
  resetRequest(): void;
}

export interface BoardOptions {
  /** RTC time at power-on, Unix seconds. */
  rtcStart?: number;
  /** The shared disk on the primary ATA channel. */
  disk: DiskBacking;
  /** A second disk, device 1 (slave) on the primary channel; none: device 1 is absent. */
  slaveDisk?: DiskBacking;
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
  /** Device 1 on the primary channel, or null when the machine has no slave disk. */
  readonly slave: AtaDisk | null;
  readonly pci: PciHost;
  readonly nic: Rtl8169;
  readonly ioapic: IoApic;
  readonly lapic: LocalApic;
  readonly i8042: I8042;
  readonly crtc: CgaCrtc;
  readonly input: InputScheduler;
  /** False when no interrupt source could ever raise INTR again (the PIC masks everything). */
  interruptsPossible(): boolean;
}

function mapPorts(bus: Bus, device: AnyDevice & IoHandler, ports: PortRange): void {
  device.id = bus.registerDevice(device.name);
  bus.mapPorts(device.id, ports.base, ports.count, device);
}

function mapMmio(bus: Bus, device: AnyDevice & IoHandler, base: number, length: number): void {
  device.id = bus.registerDevice(device.name);
  bus.mapMmio(device.id, base, length, device);
}

export function buildBoard(ctx: DeviceContext, fabric: InterruptFabric, hooks: BoardHooks, options: BoardOptions): Board {
  const pic = new Pic8259Pair(ctx, BOARD.pic, () => fabric.update());
  const pit = new Pit8254(ctx, BOARD.pit);
  const rtc = new RtcCmos(ctx, BOARD.rtc, options.rtcStart ?? DEFAULT_RTC_START);
  const uart = new Uart16550(ctx, BOARD.uart);
  const sysctl = new SystemControlPort(ctx, () => hooks.resetRequest());
  // One A20 line: the 8042's output port writes the same latch as port 0x92 (the last writer decides).
  const i8042 = new I8042(ctx, BOARD.i8042, { a20: (open) => sysctl.setA20(open), resetRequest: () => hooks.resetRequest() });
  const crtc = new CgaCrtc(ctx, BOARD.crtc);
  const post = new PostPort(ctx);
  const debugExit = new DebugExit(ctx, (status) => hooks.exit(status));
  const channel = options.slaveDisk === undefined ? null : new AtaChannel(ctx, BOARD.ata, options.disk, options.slaveDisk);
  const disk = channel?.master ?? new AtaDisk(ctx, BOARD.ata, options.disk);
  const slave = channel?.slave ?? null;
  const pci = new PciHost(ctx, BOARD.pci.config);
  const nic = new Rtl8169(ctx, BOARD.nic);
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
    keyboard: (codes) => i8042.typeCodes(codes),
  });

  pic.mapPorts(ctx.bus);
  pit.mapPorts(ctx.bus);
  rtc.mapPorts(ctx.bus);
  mapPorts(ctx.bus, post, { base: BOARD.post.port, count: 1 });
  mapPorts(ctx.bus, sysctl, { base: BOARD.sysctl.port, count: 1 });
  mapPorts(ctx.bus, debugExit, BOARD.debugExit.ports);
  uart.mapPorts(ctx.bus);
  if (channel !== null) channel.attach(ctx.bus);
  else disk.attach(ctx.bus);
  pci.mapPorts(ctx.bus);
  nic.id = ctx.bus.registerDevice(nic.name); // before reset: reset maps its BARs
  pci.attach(BOARD.nic.slot, nic);
  mapMmio(ctx.bus, ioapic, BOARD.ioapic.mmioBase, IOAPIC_MMIO_SIZE);
  mapMmio(ctx.bus, lapic, BOARD.lapic.mmioBase, LAPIC_MMIO_SIZE);
  connectApics(ioapic, lapic);
  i8042.mapPorts(ctx.bus);
  crtc.mapPorts(ctx.bus);
  input.attach(ctx.bus);
  fabric.pic = pic;
  fabric.ioapic = ioapic;
  fabric.lapic = lapic;

  const devices: AnyDevice[] = [
    pic.master, pic.slave, pit, rtc, uart, disk, ...(slave === null ? [] : [slave]), pci, nic, ioapic, lapic, post, sysctl, debugExit, i8042, crtc, input,
  ];
  for (const d of devices) d.reset();
  fabric.update();
  return {
    devices, pic, pit, rtc, uart, sysctl, disk, slave, pci, nic, ioapic, lapic, i8042, crtc, input,
    // The PIC reaches the CPU through LINT0; the LAPIC's own sources need it software-enabled.
    interruptsPossible: () => pic.master.state.imr !== 0xff || (lapic.state.spurious_vec & 0x100) !== 0,
  };
}
