/**
 * PCI host bridge, configuration mechanism #1 (PCI Local Bus Specification 3.0, section
 * 3.2.2.3.2), bus 0 only.
 *
 * Ports 0xCF8–0xCFF:
 *   0xCF8  CONFIG_ADDRESS (32-bit only): bit 31 enable, 23:16 bus, 15:11 device, 10:8 function,
 *          7:2 register. Narrower accesses to 0xCF8–0xCFB are not CONFIG_ADDRESS: reads give
 *          all-ones and writes are ignored (QEMU's pci_host_config_read/write do the same; the
 *          0xCF9 reset-control register of the PIIX is not modelled).
 *   0xCFC–0xCFF CONFIG_DATA: byte, word and dword accesses at offsets into the selected dword.
 *          With the enable bit clear, or no function at the address, reads give all-ones and
 *          writes are ignored (a master abort).
 *
 * Device 0 is the host bridge itself, an Intel 440FX (8086:1237, class 06 00 00, rev 02;
 * 82441FX datasheet, section 3.2: PCICMD default 0006h, PCISTS 0280h). Other devices are
 * attached by the board with `attach(slot, fn)`: the RTL8169 sits in slot RTL8169_PCI_SLOT.
 *
 * Board wiring: `const pci = new PciHost(ctx)`, register it on the bus as "pci" and map
 * ports BOARD.pci.config (8 ports) to it; `pci.attach(BOARD.nic.slot, nic)`. No IRQ.
 */
import { SIZES_ALL, type Bus, type IoHandler, type PortRange } from '../machine/bus.js';
import { Device, type DeviceContext } from './device.js';
import { PciConfigHeader, pciHeaderFields, pciHeaderReset, type PciIdentity } from './pci-config.js';
import type { StateSchema } from './schema.js';
import { trackedState } from './tracked-state.js';

/** CONFIG_DATA follows CONFIG_ADDRESS (mechanism #1: 0xCF8 address, 0xCFC–0xCFF data). */
export const PCI_CONFIG_DATA_OFFSET = 4;
export const PCI_CONFIG_ADDRESS_ENABLE = 0x80000000;
/** Devices on bus 0 (slots 0–31). */
export const PCI_SLOTS = 32;

/** What a PCI function offers the host bridge: its 256-byte configuration space. */
export interface PciFunction {
  /** Read `size` (1, 2, 4) bytes at `offset` (0–255, within one dword). */
  pciConfigRead(offset: number, size: number): number;
  pciConfigWrite(offset: number, size: number, value: number): void;
}

export const I440FX_IDENTITY: PciIdentity = {
  vendorId: 0x8086,
  deviceId: 0x1237,
  revision: 0x02,
  classCode: 0x060000,
  headerType: 0x00,
  subsystemVendorId: 0,
  subsystemId: 0,
  status: 0x0280,
  interruptPin: 0,
  minGnt: 0,
  maxLat: 0,
  bars: [],
};

/** The 82441FX PCICMD bits that are writable (datasheet 3.2.4: SERR# enable, parity, MWI…). */
const HOST_COMMAND_RESET = 0x0006;

const SCHEMA: StateSchema = {
  device: 'pci',
  version: 1,
  fields: [
    { name: 'config_address', width: 32, access: 'rw', role: 'config', doc: 'CONFIG_ADDRESS at 0xCF8: enable, bus, device, function, register' },
    ...pciHeaderFields(0),
  ],
};

export type PciHostState = {
  config_address: number;
  pci_command: number;
  pci_cache_line_size: number;
  pci_latency_timer: number;
  pci_interrupt_line: number;
};

export class PciHost extends Device<PciHostState> implements IoHandler {
  readonly schema = SCHEMA;
  state: PciHostState = trackedState(SCHEMA, {
    config_address: 0,
    pci_command: HOST_COMMAND_RESET,
    pci_cache_line_size: 0,
    pci_latency_timer: 0,
    pci_interrupt_line: 0,
  });
  readonly sizes = SIZES_ALL;

  /** Functions by device number on bus 0, function 0 (the host bridge is slot 0). */
  private readonly slots: (PciFunction | null)[] = new Array<PciFunction | null>(PCI_SLOTS).fill(null);
  private readonly header = new PciConfigHeader(I440FX_IDENTITY, this.state, () => {}, () => false);

  private readonly configPort: number;

  constructor(
    ctx: DeviceContext,
    /** CONFIG_ADDRESS and CONFIG_DATA (8 ports). */
    readonly ports: PortRange,
  ) {
    super(ctx);
    this.configPort = ports.base;
    this.slots[0] = {
      pciConfigRead: (offset, size) => this.header.read(offset, size),
      pciConfigWrite: (offset, size, value) => this.header.write(offset, size, value),
    };
  }

  /** Register "pci" on the bus and map CONFIG_ADDRESS and CONFIG_DATA. */
  mapPorts(bus: Bus): void {
    this.id = bus.registerDevice(this.name);
    bus.mapPorts(this.id, this.ports.base, this.ports.count, this);
  }

  /** Plug a single-function device into `slot` (1–31) of bus 0. */
  attach(slot: number, fn: PciFunction): void {
    if (slot <= 0 || slot >= PCI_SLOTS) throw new Error(`PCI slot ${slot} is not available (1–31)`);
    if (this.slots[slot] !== null) throw new Error(`PCI slot ${slot} is already in use`);
    this.slots[slot] = fn;
  }

  reset(): void {
    this.state.config_address = 0;
    pciHeaderReset(this.state);
    this.state.pci_command = HOST_COMMAND_RESET;
  }

  read(port: number, size: number): number {
    if (port < this.configPort + PCI_CONFIG_DATA_OFFSET) {
      return port === this.configPort && size === 4 ? this.state.config_address : 0xffffffff >>> (32 - 8 * size);
    }
    const lane = port & 3;
    const fn = this.selected();
    if (fn === null) return 0xffffffff >>> (32 - 8 * size);
    const reg = this.state.config_address & 0xfc;
    if (lane + size <= 4) return fn.pciConfigRead(reg + lane, size);
    // An access that runs past the dword: the bytes beyond it are not enabled and float high.
    let v = 0;
    for (let i = 0; i < size; i++) {
      const b = lane + i < 4 ? fn.pciConfigRead(reg + lane + i, 1) : 0xff;
      v |= b << (8 * i);
    }
    return v >>> 0;
  }

  write(port: number, size: number, value: number): void {
    if (port < this.configPort + PCI_CONFIG_DATA_OFFSET) {
      // Bits 1:0 and 30:24 are reserved and read back as 0.
      if (port === this.configPort && size === 4) this.state.config_address = (value & 0x80fffffc) >>> 0;
      return;
    }
    const lane = port & 3;
    const fn = this.selected();
    if (fn === null) return;
    const reg = this.state.config_address & 0xfc;
    if (lane + size <= 4) {
      fn.pciConfigWrite(reg + lane, size, value);
      return;
    }
    for (let i = 0; lane + i < 4; i++) fn.pciConfigWrite(reg + lane + i, 1, (value >>> (8 * i)) & 0xff);
  }

  /** The function CONFIG_ADDRESS selects, or null for a master abort. */
  private selected(): PciFunction | null {
    const a = this.state.config_address;
    if (!(a & PCI_CONFIG_ADDRESS_ENABLE)) return null;
    const bus = (a >>> 16) & 0xff;
    const dev = (a >>> 11) & 0x1f;
    const fn = (a >>> 8) & 7;
    if (bus !== 0 || fn !== 0) return null;
    return this.slots[dev];
  }
}
