/**
 * Realtek RTL8169 gigabit Ethernet controller (PCI 10EC:8169, RTL8169S, TxConfig XID 008),
 * the NIC BLMVisor migrates (BLMVisor 4.4.2/4.5). Registers: RTL8169 datasheet rev 1.21
 * section 6 (map and bits in rtl8169-regs.ts); descriptor rings: section 7 (rtl8169-rings.ts).
 *
 * Addresses: the same 256-byte register file behind BAR0 (I/O) and BAR1 (32-bit memory); the
 * NIC maps and moves its own windows on the bus whenever the guest (or the firmware stand-in
 * below) programs a BAR or the command register's I/O / memory enables.
 * IRQ: INTA#, raised on the board's ISA IRQ line `wiring.irq` (11 on our board) through
 * ctx.irq.setIrq, i.e. PIC IRQ 11 and IOAPIC pin 11 — level-triggered, as PCI INTx is: the
 * guest programs the IOAPIC entry level-triggered (polarity is not modelled). The line is
 * (IntrStatus & IntrMask) != 0, unless the PCI command's INTx-disable bit is set.
 * DMA: descriptors, buffers and the tally dump through ctx.bus.dmaRead/dmaWrite with the NIC's
 * bus id, only while the PCI command's bus-master bit is set.
 *
 * Board wiring: `const nic = new Rtl8169(ctx, BOARD.nic, options)`; `nic.id = bus.registerDevice(nic.name)`
 * BEFORE `nic.reset()` (reset maps the BARs); `pci.attach(BOARD.nic.slot, nic)`. The input
 * script delivers frames with `nic.receiveFrame(bytes)`; transmitted frames go to
 * ctx.output.frame.
 *
 * Reset: there is no BIOS, so `reset()` leaves the PCI header as firmware would: BAR0 =
 * wiring.ioBase (0xC000), BAR1 = wiring.mmioBase (0xFEBFF000), I/O + memory + bus master
 * enabled, interrupt line = irq. The MAC comes from the "EEPROM" (options.mac).
 *
 * Timing: a TxPoll NPQ/HPQ write is serviced RTL8169_TX_DELAY_NS of virtual time later (a
 * timer), when the NIC walks the ring(s) and sends every complete frame it owns. Receive is
 * synchronous in `receiveFrame`. TxPoll reads back the requests not yet serviced.
 *
 * Not modelled: TCTR/TimerInt (0x48/0x58), checksum and large-send offload (descriptor bits
 * ignored, frames sent as given), early TX/RX thresholds, interrupt mitigation (stored only),
 * the 93C46 serial EEPROM protocol (Cfg9346 auto-load reloads the MAC), TBI mode, power
 * management. The receiver appends the 4-byte FCS, as the hardware does.
 */
import { SIZES_ALL, type IoHandler, type MmioRegion } from '../machine/bus.js';
import type { Timer } from '../machine/clock.js';
import { Device, type DeviceContext } from './device.js';
import {
  PCI_COMMAND_INTX_DISABLE, PCI_COMMAND_IO, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, PciConfigHeader, pciBarAddress,
} from './pci-config.js';
import type { PciFunction } from './pci-host.js';
import {
  BMCR_ANRESTART, BMCR_PDOWN, BMCR_RESET, BMSR_LSTATUS, CFG9346_AUTOLOAD, CFG9346_EEM, CMD_RESET, CMD_RX_ENABLE,
  CMD_TX_ENABLE, CONFIG_FIXED, CONFIG_WRITABLE, COUNTER_DUMP, CFG9346_UNLOCK, CPLUS_RX_VLAN, INTR_ALL, INTR_FOVW,
  INTR_LINK_CHG, INTR_RDU, INTR_ROK, INTR_SWINT, INTR_TDU, INTR_TER, INTR_TOK, PHY_BMCR, PHY_BMSR, PHY_RESET_VALUES,
  PHY_STATUS_1000MF, PHY_STATUS_FULL_DUPLEX, PHY_STATUS_LINK, PHY_WRITABLE, PHYAR_FLAG, REG_CFG9346, REG_CHIP_CMD,
  REG_CONFIG0, REG_COUNTER_ADDR_HIGH, REG_COUNTER_ADDR_LOW, REG_CPLUS_CMD, REG_INTR_MASK, REG_INTR_MITIGATE,
  REG_INTR_STATUS, REG_MAR0, REG_MAX_TX_PACKET_SIZE, REG_PHY_STATUS, REG_PHYAR, REG_RX_CONFIG, REG_RX_DESC_ADDR_HIGH,
  REG_RX_DESC_ADDR_LOW, REG_RX_MAX_SIZE, REG_RX_MISSED, REG_TX_CONFIG, REG_TX_DESC_START_ADDR_HIGH,
  REG_TX_DESC_START_ADDR_LOW, REG_TX_POLL, REG_TXH_DESC_START_ADDR_HIGH, REG_TXH_DESC_START_ADDR_LOW,
  RTL8169_BAR_IO, RTL8169_BAR_MMIO, RTL8169_PCI_IDENTITY, RTL8169_REGS_SIZE, RTL8169_SCHEMA, RX_ACCEPT_ALL_PHYS,
  RX_ACCEPT_BROADCAST, RX_ACCEPT_MULTICAST, RX_ACCEPT_MY_PHYS, RX_CONFIG_WRITABLE, RX_STATUS_BAR, RX_STATUS_MAR,
  RX_STATUS_PAM, RX_BUFFER_SIZE_MASK, TALLY_DUMP_SIZE, TALLY_LAYOUT, TX_CONFIG_HW_VERSION, TX_CONFIG_LOOPBACK, TX_CONFIG_WRITABLE,
  TXPOLL_FSWINT, TXPOLL_HPQ, TXPOLL_NPQ, type Rtl8169State,
} from './rtl8169-regs.js';
import { DescriptorRing, ethernetFcs, multicastHashBit, placeRxFrame, stripVlanTag, walkTxRing } from './rtl8169-rings.js';
import { arrayReader, trackedState } from './tracked-state.js';

export { RTL8169_SCHEMA, type Rtl8169State } from './rtl8169-regs.js';

/** Where the board puts the NIC: the ISA line INTA# is routed to, and where "firmware" puts BAR0 (I/O) and BAR1 (memory) at reset. */
export interface Rtl8169Wiring {
  readonly irq: number;
  readonly ioBase: number;
  readonly mmioBase: number;
}
export const RTL8169_DEFAULT_MAC: readonly number[] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
/** Virtual time from a TxPoll write to the NIC walking the TX ring(s). */
export const RTL8169_TX_DELAY_NS = 1000;

/** The TxPoll service delay in instructions at `hz` instructions per virtual second. */
export function rtl8169TxDelay(hz: number): number {
  return Math.max(1, Math.floor((hz * RTL8169_TX_DELAY_NS) / 1e9));
}

export interface Rtl8169Options {
  /** The MAC address in the NIC's EEPROM (6 bytes). */
  mac?: readonly number[];
}

const MIN_FRAME = 14;
const BROADCAST = 0xff;

// Readers that do not mark the field (tracked-state.ts): the receive filter reads the MAC and
// the multicast filter on every frame, and a marked array costs the recorder a comparison of
// all its elements. Writes go through the state's own getters.
const idrOf = arrayReader<Rtl8169State, 'idr'>('idr');
const marOf = arrayReader<Rtl8169State, 'mar'>('mar');
const configOf = arrayReader<Rtl8169State, 'config'>('config');
const phyRegsOf = arrayReader<Rtl8169State, 'phy_regs'>('phy_regs');

export class Rtl8169 extends Device<Rtl8169State> implements IoHandler, PciFunction {
  readonly schema = RTL8169_SCHEMA;
  readonly state: Rtl8169State;
  readonly sizes = SIZES_ALL;
  readonly irqLine: number;

  private readonly eepromMac: readonly number[];
  private readonly firmwareIoBase: number;
  private readonly firmwareMmioBase: number;
  private readonly pci: PciConfigHeader;
  private readonly ring: DescriptorRing;
  private readonly txTimer: Timer;
  private readonly txDelay: number;
  private readonly ioHandler: IoHandler;
  // Derived from state, recomputed in afterRestore: where the windows are mapped, the IRQ output.
  private mmioRegion: MmioRegion | null = null;
  private ioMapped = -1;
  private irqOut = false;

  constructor(ctx: DeviceContext, wiring: Rtl8169Wiring, options: Rtl8169Options = {}) {
    super(ctx);
    this.eepromMac = (options.mac ?? RTL8169_DEFAULT_MAC).slice(0, 6);
    if (this.eepromMac.length !== 6) throw new Error('an RTL8169 MAC address has 6 bytes');
    this.irqLine = wiring.irq;
    this.firmwareIoBase = wiring.ioBase;
    this.firmwareMmioBase = wiring.mmioBase;
    this.state = trackedState(RTL8169_SCHEMA, this.resetState());
    this.pci = new PciConfigHeader(RTL8169_PCI_IDENTITY, this.state, () => this.pciChanged(), () => this.interruptPending());
    this.ring = new DescriptorRing(ctx.bus, () => this.id);
    this.txTimer = this.addTimer('tx_timer', () => this.serviceTxPoll());
    this.txDelay = rtl8169TxDelay(ctx.clock.hz);
    const base = () => this.ioMapped;
    this.ioHandler = {
      sizes: SIZES_ALL,
      read: (port, size) => this.read(port - base(), size),
      write: (port, size, value) => this.write(port - base(), size, value),
    };
  }

  private resetState(): Rtl8169State {
    return {
      pci_command: PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
      pci_cache_line_size: 0,
      pci_latency_timer: 0x40,
      pci_bars: [this.firmwareIoBase | 1, this.firmwareMmioBase],
      pci_interrupt_line: this.irqLine,
      idr: this.eepromMac.slice(),
      mar: new Array<number>(8).fill(0),
      counter_addr_lo: 0, counter_addr_hi: 0,
      tx_desc_lo: 0, tx_desc_hi: 0, txh_desc_lo: 0, txh_desc_hi: 0, rx_desc_lo: 0, rx_desc_hi: 0,
      chip_cmd: 0, tx_poll: 0, intr_mask: 0, intr_status: 0,
      tx_config: 0, rx_config: 0,
      cfg9346: 0, config: new Array<number>(6).fill(0),
      phyar: 0, phy_regs: PHY_RESET_VALUES.slice(),
      rx_max_size: 0, cplus_cmd: 0, intr_mitigate: 0, max_tx_packet_size: 0,
      rx_head: 0, tx_tail: 0, tx_hp_tail: 0,
      rx_missed: 0,
      tally_tx_ok: 0, tally_rx_ok: 0, tally_tx_err: 0, tally_rx_err: 0, tally_miss_pkt: 0, tally_fae: 0,
      tally_tx_1col: 0, tally_tx_mcol: 0, tally_rx_ok_phy: 0, tally_rx_ok_brd: 0, tally_rx_ok_mul: 0,
      tally_tx_abt: 0, tally_tx_undrn: 0,
    };
  }

  /** Power-on / PCI RST#: every register to its default, PCI header as firmware leaves it. */
  reset(): void {
    this.txTimer.cancel();
    Object.assign(this.state, this.resetState());
    this.remap();
    this.updateIrq(true);
  }

  // ---------------------------------------------------------------- PCI

  pciConfigRead(offset: number, size: number): number {
    return this.pci.read(offset, size);
  }

  pciConfigWrite(offset: number, size: number, value: number): void {
    this.pci.write(offset, size, value);
  }

  private pciChanged(): void {
    this.remap();
    this.updateIrq(false);
  }

  /** Move the I/O and memory windows to where the BARs and command register put them. */
  private remap(): void {
    const bus = this.ctx.bus;
    const io = pciBarAddress(RTL8169_PCI_IDENTITY, this.state, RTL8169_BAR_IO);
    if (io !== this.ioMapped) {
      if (this.ioMapped >= 0) bus.unmapPorts(this.ioMapped, RTL8169_REGS_SIZE);
      this.ioMapped = -1;
      // A BAR placed over another device decodes nothing here (the bus cannot share a port).
      if (io >= 0) {
        try {
          bus.mapPorts(this.id, io, RTL8169_REGS_SIZE, this.ioHandler);
          this.ioMapped = io;
        } catch {
          this.ioMapped = -1;
        }
      }
    }
    const mmio = pciBarAddress(RTL8169_PCI_IDENTITY, this.state, RTL8169_BAR_MMIO);
    if (mmio !== (this.mmioRegion?.base ?? -1)) {
      if (this.mmioRegion !== null) bus.unmapMmio(this.mmioRegion);
      this.mmioRegion = null;
      if (mmio >= 0) {
        try {
          this.mmioRegion = bus.mapMmio(this.id, mmio, RTL8169_REGS_SIZE, this);
        } catch {
          this.mmioRegion = null;
        }
      }
    }
  }

  // ---------------------------------------------------------------- registers

  /** MMIO handler: `offset` into the register file (the I/O window forwards here too). */
  read(offset: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readByte((offset + i) & 0xff) << (8 * i);
    return v >>> 0;
  }

  write(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) this.writeByte((offset + i) & 0xff, (value >>> (8 * i)) & 0xff);
    const end = offset + size;
    // Multi-byte commands act once the whole access has been stored.
    if (offset <= REG_COUNTER_ADDR_LOW && end > REG_COUNTER_ADDR_LOW) this.counterCommand();
    if (offset <= REG_PHYAR + 3 && end > REG_PHYAR + 3) this.phyAccess();
    this.updateIrq(false);
  }

  private readByte(off: number): number {
    const s = this.state;
    if (off < 6) return idrOf(s)[off];
    if (off >= REG_MAR0 && off < REG_MAR0 + 8) return marOf(s)[off - REG_MAR0];
    if (off >= REG_CONFIG0 && off < REG_CONFIG0 + 6) {
      const n = off - REG_CONFIG0;
      return configOf(s)[n] | CONFIG_FIXED[n];
    }
    const lane = off & 3;
    switch (off & ~3) {
      case REG_COUNTER_ADDR_LOW: return byteOf(s.counter_addr_lo, lane);
      case REG_COUNTER_ADDR_HIGH: return byteOf(s.counter_addr_hi, lane);
      case REG_TX_DESC_START_ADDR_LOW: return byteOf(s.tx_desc_lo, lane);
      case REG_TX_DESC_START_ADDR_HIGH: return byteOf(s.tx_desc_hi, lane);
      case REG_TXH_DESC_START_ADDR_LOW: return byteOf(s.txh_desc_lo, lane);
      case REG_TXH_DESC_START_ADDR_HIGH: return byteOf(s.txh_desc_hi, lane);
      case REG_TX_CONFIG: return byteOf(s.tx_config | TX_CONFIG_HW_VERSION, lane);
      case REG_RX_CONFIG: return byteOf(s.rx_config, lane);
      case REG_RX_MISSED: return byteOf(s.rx_missed, lane);
      case REG_PHYAR: return byteOf(s.phyar, lane);
      case REG_RX_DESC_ADDR_LOW: return byteOf(s.rx_desc_lo, lane);
      case REG_RX_DESC_ADDR_HIGH: return byteOf(s.rx_desc_hi, lane);
    }
    switch (off) {
      case REG_CHIP_CMD: return s.chip_cmd;
      case REG_TX_POLL: return s.tx_poll;
      case REG_INTR_MASK: return s.intr_mask & 0xff;
      case REG_INTR_MASK + 1: return s.intr_mask >>> 8;
      case REG_INTR_STATUS: return s.intr_status & 0xff;
      case REG_INTR_STATUS + 1: return s.intr_status >>> 8;
      case REG_CFG9346: return s.cfg9346;
      case REG_PHY_STATUS: return this.linkUp() ? PHY_STATUS_1000MF | PHY_STATUS_LINK | PHY_STATUS_FULL_DUPLEX : 0;
      case REG_RX_MAX_SIZE: return s.rx_max_size & 0xff;
      case REG_RX_MAX_SIZE + 1: return s.rx_max_size >>> 8;
      case REG_CPLUS_CMD: return s.cplus_cmd & 0xff;
      case REG_CPLUS_CMD + 1: return s.cplus_cmd >>> 8;
      case REG_INTR_MITIGATE: return s.intr_mitigate & 0xff;
      case REG_INTR_MITIGATE + 1: return s.intr_mitigate >>> 8;
      case REG_MAX_TX_PACKET_SIZE: return s.max_tx_packet_size;
      default: return 0;
    }
  }

  private writeByte(off: number, b: number): void {
    const s = this.state;
    const unlocked = (s.cfg9346 & CFG9346_EEM) === CFG9346_UNLOCK;
    // IDR0–5 and Config0–5 take writes only in "config register write enable" mode
    // (Cfg9346 EEM = 11); FreeBSD if_re.c notes the IDR needs it though the datasheet is silent.
    if (off < 6) {
      if (unlocked) s.idr[off] = b;
      return;
    }
    if (off >= REG_MAR0 && off < REG_MAR0 + 8) {
      s.mar[off - REG_MAR0] = b;
      return;
    }
    if (off >= REG_CONFIG0 && off < REG_CONFIG0 + 6) {
      const n = off - REG_CONFIG0;
      if (unlocked) s.config[n] = b & CONFIG_WRITABLE[n];
      return;
    }
    const lane = off & 3;
    switch (off & ~3) {
      case REG_COUNTER_ADDR_LOW: s.counter_addr_lo = withByte(s.counter_addr_lo, lane, b); return;
      case REG_COUNTER_ADDR_HIGH: s.counter_addr_hi = withByte(s.counter_addr_hi, lane, b); return;
      case REG_TX_DESC_START_ADDR_LOW: s.tx_desc_lo = withByte(s.tx_desc_lo, lane, b); return;
      case REG_TX_DESC_START_ADDR_HIGH: s.tx_desc_hi = withByte(s.tx_desc_hi, lane, b); return;
      case REG_TXH_DESC_START_ADDR_LOW: s.txh_desc_lo = withByte(s.txh_desc_lo, lane, b); return;
      case REG_TXH_DESC_START_ADDR_HIGH: s.txh_desc_hi = withByte(s.txh_desc_hi, lane, b); return;
      case REG_TX_CONFIG: s.tx_config = (withByte(s.tx_config, lane, b) & TX_CONFIG_WRITABLE) >>> 0; return;
      case REG_RX_CONFIG: s.rx_config = (withByte(s.rx_config, lane, b) & RX_CONFIG_WRITABLE) >>> 0; return;
      case REG_RX_MISSED: s.rx_missed = 0; return; // any write clears the missed-packet counter
      case REG_PHYAR: s.phyar = withByte(s.phyar, lane, b); return;
      case REG_RX_DESC_ADDR_LOW: s.rx_desc_lo = withByte(s.rx_desc_lo, lane, b); return;
      case REG_RX_DESC_ADDR_HIGH: s.rx_desc_hi = withByte(s.rx_desc_hi, lane, b); return;
    }
    switch (off) {
      case REG_CHIP_CMD: this.chipCommand(b); return;
      case REG_TX_POLL: this.txPoll(b); return;
      case REG_INTR_MASK: s.intr_mask = (s.intr_mask & 0xff00) | (b & INTR_ALL & 0xff); return;
      case REG_INTR_MASK + 1: s.intr_mask = (s.intr_mask & 0x00ff) | ((b << 8) & INTR_ALL); return;
      case REG_INTR_STATUS: s.intr_status &= ~b & 0xffff; return; // write 1 to clear
      case REG_INTR_STATUS + 1: s.intr_status &= ~(b << 8) & 0xffff; return;
      case REG_CFG9346: this.cfg9346Write(b); return;
      case REG_RX_MAX_SIZE: s.rx_max_size = (s.rx_max_size & 0xff00) | b; return;
      case REG_RX_MAX_SIZE + 1: s.rx_max_size = (s.rx_max_size & 0x00ff) | ((b & 0x3f) << 8); return;
      case REG_CPLUS_CMD: s.cplus_cmd = (s.cplus_cmd & 0xff00) | b; return;
      case REG_CPLUS_CMD + 1: s.cplus_cmd = (s.cplus_cmd & 0x00ff) | (b << 8); return;
      case REG_INTR_MITIGATE: s.intr_mitigate = (s.intr_mitigate & 0xff00) | b; return;
      case REG_INTR_MITIGATE + 1: s.intr_mitigate = (s.intr_mitigate & 0x00ff) | (b << 8); return;
      case REG_MAX_TX_PACKET_SIZE: s.max_tx_packet_size = b; return;
    }
  }

  /**
   * ChipCmd (datasheet 6, "Command Register"): RST disables TX and RX, reinitialises the FIFOs
   * and resets the descriptor pointers to the ring starts; IDR, MAR and PCI configuration are
   * kept. It completes at once, so the bit reads back 0. Pending events are dropped with the FIFOs.
   */
  private chipCommand(b: number): void {
    const s = this.state;
    if (b & CMD_RESET) {
      s.chip_cmd = 0;
      s.rx_head = 0;
      s.tx_tail = 0;
      s.tx_hp_tail = 0;
      s.tx_poll = 0;
      s.intr_status = 0;
      this.txTimer.cancel();
      return;
    }
    s.chip_cmd = b & (CMD_RX_ENABLE | CMD_TX_ENABLE);
  }

  private txPoll(b: number): void {
    const s = this.state;
    if (b & TXPOLL_FSWINT) s.intr_status |= INTR_SWINT;
    const queues = b & (TXPOLL_HPQ | TXPOLL_NPQ);
    if (queues === 0 || !(s.chip_cmd & CMD_TX_ENABLE)) return;
    s.tx_poll |= queues;
    if (!this.txTimer.armed) this.txTimer.armIn(this.txDelay);
  }

  private cfg9346Write(b: number): void {
    const s = this.state;
    if ((b & CFG9346_EEM) === CFG9346_AUTOLOAD) {
      // Auto-load: reload what the EEPROM holds, then back to normal mode (EEM = 00).
      s.idr = this.eepromMac.slice();
      s.config.fill(0);
      s.cfg9346 = b & 0x0e;
      return;
    }
    s.cfg9346 = b & 0xce; // EEDO (bit 0) reads 0: no EEPROM attached to the pins
  }

  /** CounterAddrLow bit 3 (CounterDump): DMA the tally counters to the 64-byte aligned address. */
  private counterCommand(): void {
    const s = this.state;
    const command = s.counter_addr_lo & 0x3f;
    s.counter_addr_lo = (s.counter_addr_lo & ~0x3f) >>> 0;
    if (!(command & COUNTER_DUMP) || !(s.pci_command & PCI_COMMAND_MASTER)) return;
    const dump = new Uint8Array(TALLY_DUMP_SIZE);
    const view = new DataView(dump.buffer);
    for (const t of TALLY_LAYOUT) {
      const v = s[t.name] as number;
      if (t.width === 64) {
        view.setUint32(t.offset, v % 2 ** 32, true);
        view.setUint32(t.offset + 4, Math.floor(v / 2 ** 32), true);
      } else if (t.width === 32) {
        view.setUint32(t.offset, v, true);
      } else {
        view.setUint16(t.offset, v, true);
      }
    }
    this.ctx.bus.dmaWrite(this.id, s.counter_addr_lo, dump);
  }

  /** PHYAR: flag 1 = write PHY register (flag clears when done), 0 = read (flag sets when data is ready). */
  private phyAccess(): void {
    const s = this.state;
    const reg = (s.phyar >>> 16) & 0x1f;
    if (s.phyar & PHYAR_FLAG) {
      const data = s.phyar & 0xffff;
      const wasUp = this.linkUp();
      if (reg === PHY_BMCR && data & BMCR_RESET) {
        s.phy_regs = PHY_RESET_VALUES.slice();
      } else if (reg === PHY_BMCR) {
        s.phy_regs[PHY_BMCR] = data & ~(BMCR_RESET | BMCR_ANRESTART);
      } else if (PHY_WRITABLE[reg]) {
        s.phy_regs[reg] = data;
      }
      if (this.linkUp() !== wasUp) s.intr_status |= INTR_LINK_CHG;
      s.phyar = (s.phyar & ~PHYAR_FLAG) >>> 0;
    } else {
      let data = phyRegsOf(s)[reg];
      if (reg === PHY_BMSR) data = (data & ~BMSR_LSTATUS) | (this.linkUp() ? BMSR_LSTATUS : 0);
      s.phyar = (PHYAR_FLAG | (reg << 16) | data) >>> 0;
    }
  }

  private linkUp(): boolean {
    return (phyRegsOf(this.state)[PHY_BMCR] & BMCR_PDOWN) === 0;
  }

  // ---------------------------------------------------------------- transmit

  /** The TxPoll timer: walk the polled rings (high priority first) and send what the NIC owns. */
  private serviceTxPoll(): void {
    const s = this.state;
    const queues = s.tx_poll;
    s.tx_poll = 0;
    if (!(s.chip_cmd & CMD_TX_ENABLE) || !(s.pci_command & PCI_COMMAND_MASTER)) return;
    if (queues & TXPOLL_HPQ) s.tx_hp_tail = this.transmitRing(s.txh_desc_lo, s.tx_hp_tail);
    if (queues & TXPOLL_NPQ) s.tx_tail = this.transmitRing(s.tx_desc_lo, s.tx_tail);
    this.updateIrq(false);
  }

  private transmitRing(base: number, tail: number): number {
    const s = this.state;
    const loopback = (s.tx_config & TX_CONFIG_LOOPBACK) !== 0;
    const walk = walkTxRing(this.ring, base, tail, (frame) => {
      s.tally_tx_ok++;
      s.intr_status |= INTR_TOK;
      if (loopback) this.receiveFrame(frame);
      else this.ctx.output.frame(frame);
    });
    if (walk.errors > 0) {
      s.tally_tx_err += walk.errors;
      s.intr_status |= INTR_TER;
    }
    if (walk.unavailable) s.intr_status |= INTR_TDU;
    return walk.tail;
  }

  // ---------------------------------------------------------------- receive

  /**
   * A frame arrives from the wire (without FCS; the NIC appends it). Returns true when it was
   * stored in the RX ring; false when the receiver is off, the link is down, the address
   * filter rejects it, or it was dropped (no descriptor: RDU; no bus mastering: FIFO overflow).
   */
  receiveFrame(data: Uint8Array): boolean {
    const s = this.state;
    if (!(s.chip_cmd & CMD_RX_ENABLE) || !this.linkUp()) return false;
    if (data.length < MIN_FRAME) {
      s.tally_rx_err = (s.tally_rx_err + 1) >>> 0;
      return false;
    }
    const status = this.acceptFilter(data);
    if (status < 0) return false;
    if (!(s.pci_command & PCI_COMMAND_MASTER)) {
      this.missed(INTR_FOVW);
      return false;
    }
    let frame = data;
    let opts2 = 0;
    if (s.cplus_cmd & CPLUS_RX_VLAN) {
      const stripped = stripVlanTag(data);
      if (stripped !== null) ({ frame, opts2 } = stripped);
    }
    const payload = new Uint8Array(frame.length + 4);
    payload.set(frame, 0);
    const fcs = ethernetFcs(frame); // little-endian after the frame (no DataView: one allocation less per frame)
    payload[frame.length] = fcs;
    payload[frame.length + 1] = fcs >>> 8;
    payload[frame.length + 2] = fcs >>> 16;
    payload[frame.length + 3] = fcs >>> 24;
    // Longer than RxMaxSize, or than the 14-bit length field can say: dropped as an error.
    if (payload.length > RX_BUFFER_SIZE_MASK || (s.rx_max_size !== 0 && payload.length > s.rx_max_size)) {
      s.tally_rx_err = (s.tally_rx_err + 1) >>> 0;
      return false;
    }
    const placed = placeRxFrame(this.ring, s.rx_desc_lo, s.rx_head, payload, status, opts2);
    if (!placed.ok) {
      this.missed(INTR_RDU);
      return false;
    }
    s.rx_head = placed.head;
    s.tally_rx_ok++;
    if (status & RX_STATUS_BAR) s.tally_rx_ok_brd++;
    else if (status & RX_STATUS_MAR) s.tally_rx_ok_mul = (s.tally_rx_ok_mul + 1) >>> 0;
    else s.tally_rx_ok_phy++;
    s.intr_status |= INTR_ROK;
    this.updateIrq(false);
    return true;
  }

  private missed(event: number): void {
    const s = this.state;
    s.tally_miss_pkt = (s.tally_miss_pkt + 1) & 0xffff;
    s.rx_missed = (s.rx_missed + 1) & 0xffffff;
    s.intr_status |= event;
    this.updateIrq(false);
  }

  /**
   * RxConfig address filter (datasheet 6, "Receive Configuration Register"): the RX status
   * bits (PAM, BAR, MAR) for an accepted frame, -1 for a rejected one. AAP accepts every frame,
   * as QEMU's rtl8139 does.
   */
  private acceptFilter(frame: Uint8Array): number {
    const s = this.state;
    const rcr = s.rx_config;
    let broadcast = true;
    let mine = true;
    const idr = idrOf(s);
    for (let i = 0; i < 6; i++) {
      if (frame[i] !== BROADCAST) broadcast = false;
      if (frame[i] !== idr[i]) mine = false;
    }
    if (broadcast) return rcr & (RX_ACCEPT_BROADCAST | RX_ACCEPT_ALL_PHYS) ? RX_STATUS_BAR : -1;
    if (frame[0] & 1) {
      if (rcr & RX_ACCEPT_ALL_PHYS) return RX_STATUS_MAR;
      if (!(rcr & RX_ACCEPT_MULTICAST)) return -1;
      const bit = multicastHashBit(frame);
      return marOf(s)[bit >> 3] & (1 << (bit & 7)) ? RX_STATUS_MAR : -1;
    }
    if (mine && rcr & RX_ACCEPT_MY_PHYS) return RX_STATUS_PAM;
    return rcr & RX_ACCEPT_ALL_PHYS ? (mine ? RX_STATUS_PAM : 0) : -1;
  }

  // ---------------------------------------------------------------- interrupt

  private interruptPending(): boolean {
    return (this.state.intr_status & this.state.intr_mask) !== 0;
  }

  private updateIrq(force: boolean): void {
    const level = this.interruptPending() && !(this.state.pci_command & PCI_COMMAND_INTX_DISABLE);
    if (level === this.irqOut && !force) return;
    this.irqOut = level;
    this.ctx.irq.setIrq(this.irqLine, level);
  }

  protected override afterRestore(): void {
    this.remap();
    this.updateIrq(true);
  }

  protected override derived(): Record<string, number | string> {
    return {
      io_base: this.ioMapped,
      mmio_base: this.mmioRegion?.base ?? -1,
      irq_out: this.irqOut ? 1 : 0,
      link_up: this.linkUp() ? 1 : 0,
    };
  }
}

function byteOf(v: number, lane: number): number {
  return (v >>> (8 * lane)) & 0xff;
}

function withByte(v: number, lane: number, b: number): number {
  const shift = 8 * lane;
  return ((v & ~(0xff << shift)) | (b << shift)) >>> 0;
}
