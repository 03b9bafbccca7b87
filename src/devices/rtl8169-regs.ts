/**
 * RTL8169 register map, bit definitions, PCI identity and declared state (RTL8169 datasheet
 * rev 1.21, section 6 "Register Descriptions"; register names as in Linux's r8169 driver).
 * The behaviour is in rtl8169.ts, the descriptor rings in rtl8169-rings.ts.
 */
import { pciHeaderFields, type PciIdentity } from './pci-config.js';
import type { FieldSpec, StateSchema } from './schema.js';

// ---------------------------------------------------------------- register offsets

export const REG_IDR0 = 0x00;
export const REG_MAR0 = 0x08;
export const REG_COUNTER_ADDR_LOW = 0x10;
export const REG_COUNTER_ADDR_HIGH = 0x14;
export const REG_TX_DESC_START_ADDR_LOW = 0x20;
export const REG_TX_DESC_START_ADDR_HIGH = 0x24;
export const REG_TXH_DESC_START_ADDR_LOW = 0x28;
export const REG_TXH_DESC_START_ADDR_HIGH = 0x2c;
export const REG_CHIP_CMD = 0x37;
export const REG_TX_POLL = 0x38;
export const REG_INTR_MASK = 0x3c;
export const REG_INTR_STATUS = 0x3e;
export const REG_TX_CONFIG = 0x40;
export const REG_RX_CONFIG = 0x44;
export const REG_RX_MISSED = 0x4c;
export const REG_CFG9346 = 0x50;
export const REG_CONFIG0 = 0x51;
export const REG_PHYAR = 0x60;
export const REG_PHY_STATUS = 0x6c;
export const REG_RX_MAX_SIZE = 0xda;
export const REG_CPLUS_CMD = 0xe0;
export const REG_INTR_MITIGATE = 0xe2;
export const REG_RX_DESC_ADDR_LOW = 0xe4;
export const REG_RX_DESC_ADDR_HIGH = 0xe8;
/** ETThR (early transmit threshold) on the 8169, MaxTxPacketSize on the 8168/8101. */
export const REG_MAX_TX_PACKET_SIZE = 0xec;

/** Size of the register window (both BARs). */
export const RTL8169_REGS_SIZE = 256;

// ---------------------------------------------------------------- register bits

export const CMD_RESET = 0x10;
export const CMD_RX_ENABLE = 0x08;
export const CMD_TX_ENABLE = 0x04;

export const TXPOLL_HPQ = 0x80;
export const TXPOLL_NPQ = 0x40;
export const TXPOLL_FSWINT = 0x01;

export const INTR_ROK = 0x0001;
export const INTR_RER = 0x0002;
export const INTR_TOK = 0x0004;
export const INTR_TER = 0x0008;
/** RDU, "Rx descriptor unavailable" (r8169: RxOverflow). */
export const INTR_RDU = 0x0010;
export const INTR_LINK_CHG = 0x0020;
/** FOVW, "Rx FIFO overflow". */
export const INTR_FOVW = 0x0040;
/** TDU, "Tx descriptor unavailable". */
export const INTR_TDU = 0x0080;
export const INTR_SWINT = 0x0100;
export const INTR_TIMEOUT = 0x4000;
export const INTR_SERR = 0x8000;
export const INTR_ALL = 0xc1ff;

export const RX_ACCEPT_ALL_PHYS = 0x01;
export const RX_ACCEPT_MY_PHYS = 0x02;
export const RX_ACCEPT_MULTICAST = 0x04;
export const RX_ACCEPT_BROADCAST = 0x08;
/** RxConfig bits software can write: RXFTH 15:13, MXDMA 10:8, accept bits 5:0. */
export const RX_CONFIG_WRITABLE = 0x0000e73f;
/** TxConfig bits software can write: IFG 25:24, LBK 18:17, CRC 16, MXDMA 10:8. */
export const TX_CONFIG_WRITABLE = 0x03070700;
/** TxConfig LBK (bits 18:17): non-zero loops transmitted frames back to the receiver. */
export const TX_CONFIG_LOOPBACK = 0x00060000;
/** TxConfig hardware version bits: RTL8169S (r8169: RTL_GIGA_MAC_VER_02, XID 008). */
export const TX_CONFIG_HW_VERSION = 0x00800000;

export const CFG9346_EEM = 0xc0;
export const CFG9346_UNLOCK = 0xc0;
export const CFG9346_AUTOLOAD = 0x40;

/** CounterAddrLow bit 3: dump the tally counters; reads 0 when the dump is done. */
export const COUNTER_DUMP = 0x08;
export const TALLY_DUMP_SIZE = 64;

export const PHYAR_FLAG = 0x80000000;
export const PHY_STATUS_1000MF = 0x10;
export const PHY_STATUS_LINK = 0x02;
export const PHY_STATUS_FULL_DUPLEX = 0x01;

export const CPLUS_RX_VLAN = 0x0040;

// ---------------------------------------------------------------- descriptors (section 7)

export const DESC_SIZE = 16;
/** Descriptors per ring at most (datasheet 7: "up to 1024 descriptors"); the ring index wraps here. */
export const RING_MAX = 1024;
export const DESC_OWN = 0x80000000;
export const DESC_EOR = 0x40000000;
export const DESC_FS = 0x20000000;
export const DESC_LS = 0x10000000;
export const RX_STATUS_MAR = 0x08000000;
export const RX_STATUS_PAM = 0x04000000;
export const RX_STATUS_BAR = 0x02000000;
export const RX_BUFFER_SIZE_MASK = 0x3fff;
export const TX_FRAME_LENGTH_MASK = 0xffff;
/** TX opts2 bit 17: insert the 802.1Q tag in bits 15:0 (stored byte-swapped, as r8169 writes it). */
export const TX_OPTS2_TAGC = 0x00020000;
/** RX opts2 bit 16: a tag was stripped and is in bits 15:0 (byte-swapped). */
export const RX_OPTS2_TAVA = 0x00010000;

// ---------------------------------------------------------------- PHY (IEEE 802.3 clause 22)

export const PHY_BMCR = 0;
export const PHY_BMSR = 1;
export const BMCR_RESET = 0x8000;
export const BMCR_ANRESTART = 0x0200;
export const BMCR_PDOWN = 0x0800;
export const BMSR_LSTATUS = 0x0004;

/** PHY register reset values: 1000 Mb/s full duplex, autonegotiation complete, link up. */
export const PHY_RESET_VALUES: readonly number[] = (() => {
  const r = new Array<number>(32).fill(0);
  r[0] = 0x1140; // BMCR: autoneg enable, full duplex, 1000 Mb/s
  r[1] = 0x796d; // BMSR: 10/100 capable, extended status, AN complete, link up
  r[2] = 0x001c; // PHYID1: Realtek OUI
  r[3] = 0xc800; // PHYID2
  r[4] = 0x01e1; // ANAR: 10/100 half/full, 802.3
  r[5] = 0x45e1; // ANLPAR: partner acknowledged, 10/100 half/full, pause
  r[6] = 0x0001; // ANER: partner autonegotiation able
  r[9] = 0x0300; // GBCR: advertise 1000BASE-T half/full
  r[10] = 0x3c00; // GBSR: local/remote receiver OK, partner 1000BASE-T half/full
  r[15] = 0x3000; // GBESR: 1000BASE-T half/full capable
  return r;
})();
/** PHY registers a write reaches (the rest are read-only status and ids). */
export const PHY_WRITABLE: readonly boolean[] = Array.from({ length: 32 }, (_, i) => i === 0 || i === 4 || i === 7 || i === 8 || i === 9 || i >= 16);

/** Config0–Config5: bits software can write (with Cfg9346 unlocked), and bits that read as 1. */
export const CONFIG_WRITABLE: readonly number[] = [0x00, 0xf3, 0x00, 0xf0, 0xf4, 0x73];
/** Config1 bits 3:2 (MEMMAP, IOMAP): both register windows are enabled. */
export const CONFIG_FIXED: readonly number[] = [0x00, 0x0c, 0x00, 0x00, 0x00, 0x00];

// ---------------------------------------------------------------- PCI identity

export const RTL8169_VENDOR_ID = 0x10ec;
export const RTL8169_DEVICE_ID = 0x8169;
export const RTL8169_BAR_IO = 0;
export const RTL8169_BAR_MMIO = 1;

export const RTL8169_PCI_IDENTITY: PciIdentity = {
  vendorId: RTL8169_VENDOR_ID,
  deviceId: RTL8169_DEVICE_ID,
  revision: 0x10,
  classCode: 0x020000, // Ethernet controller
  headerType: 0x00,
  subsystemVendorId: RTL8169_VENDOR_ID,
  subsystemId: RTL8169_DEVICE_ID,
  status: 0x02a0, // medium DEVSEL, fast back-to-back, 66 MHz capable; no capabilities list
  interruptPin: 1, // INTA#
  minGnt: 0x20,
  maxLat: 0x40,
  bars: [
    { kind: 'io', size: RTL8169_REGS_SIZE }, // BAR0: IOAR
    { kind: 'mmio', size: RTL8169_REGS_SIZE }, // BAR1: MEMAR
  ],
};

// ---------------------------------------------------------------- declared state

export type Rtl8169State = {
  pci_command: number;
  pci_cache_line_size: number;
  pci_latency_timer: number;
  pci_bars: number[];
  pci_interrupt_line: number;
  idr: number[];
  mar: number[];
  counter_addr_lo: number;
  counter_addr_hi: number;
  tx_desc_lo: number;
  tx_desc_hi: number;
  txh_desc_lo: number;
  txh_desc_hi: number;
  rx_desc_lo: number;
  rx_desc_hi: number;
  chip_cmd: number;
  tx_poll: number;
  intr_mask: number;
  intr_status: number;
  tx_config: number;
  rx_config: number;
  cfg9346: number;
  config: number[];
  phyar: number;
  phy_regs: number[];
  rx_max_size: number;
  cplus_cmd: number;
  intr_mitigate: number;
  max_tx_packet_size: number;
  rx_head: number;
  tx_tail: number;
  tx_hp_tail: number;
  rx_missed: number;
  tally_tx_ok: number;
  tally_rx_ok: number;
  tally_tx_err: number;
  tally_rx_err: number;
  tally_miss_pkt: number;
  tally_fae: number;
  tally_tx_1col: number;
  tally_tx_mcol: number;
  tally_rx_ok_phy: number;
  tally_rx_ok_brd: number;
  tally_rx_ok_mul: number;
  tally_tx_abt: number;
  tally_tx_undrn: number;
};

/** Tally counters in the order and width of the 64-byte dump (r8169 struct rtl8169_counters). */
export const TALLY_LAYOUT: readonly { name: keyof Rtl8169State; offset: number; width: number; doc: string }[] = [
  { name: 'tally_tx_ok', offset: 0, width: 64, doc: 'TxOk: frames transmitted' },
  { name: 'tally_rx_ok', offset: 8, width: 64, doc: 'RxOk: frames received' },
  { name: 'tally_tx_err', offset: 16, width: 64, doc: 'TxER: transmit errors' },
  { name: 'tally_rx_err', offset: 24, width: 32, doc: 'RxER: receive errors' },
  { name: 'tally_miss_pkt', offset: 28, width: 16, doc: 'MissPkt: frames dropped for lack of a descriptor or DMA' },
  { name: 'tally_fae', offset: 30, width: 16, doc: 'FAE: frame alignment errors (never on a simulated wire)' },
  { name: 'tally_tx_1col', offset: 32, width: 32, doc: 'Tx1Col: frames sent after one collision (none: full duplex)' },
  { name: 'tally_tx_mcol', offset: 36, width: 32, doc: 'TxMCol: frames sent after several collisions (none)' },
  { name: 'tally_rx_ok_phy', offset: 40, width: 64, doc: 'RxOkPhy: unicast frames received' },
  { name: 'tally_rx_ok_brd', offset: 48, width: 64, doc: 'RxOkBrd: broadcast frames received' },
  { name: 'tally_rx_ok_mul', offset: 56, width: 32, doc: 'RxOkMul: multicast frames received' },
  { name: 'tally_tx_abt', offset: 60, width: 16, doc: 'TxAbt: transmissions aborted' },
  { name: 'tally_tx_undrn', offset: 62, width: 16, doc: 'TxUndrn: transmit underruns (none)' },
];

const cfg = (name: string, width: number, doc: string, length?: number): FieldSpec =>
  length === undefined ? { name, width, access: 'rw', role: 'config', doc } : { name, width, length, access: 'rw', role: 'config', doc };

export const RTL8169_SCHEMA: StateSchema = {
  device: 'rtl8169',
  version: 1,
  fields: [
    ...pciHeaderFields(RTL8169_PCI_IDENTITY.bars.length),
    cfg('idr', 8, 'IDR0–5 (0x00): station MAC address; loaded from the EEPROM at reset', 6),
    cfg('mar', 8, 'MAR0–7 (0x08): multicast hash filter, bit = top 6 bits of the big-endian CRC-32 of the address', 8),
    cfg('counter_addr_lo', 32, 'CounterAddrLow (0x10): tally dump address, 64-byte aligned (bit 3 CounterDump is a command)'),
    cfg('counter_addr_hi', 32, 'CounterAddrHigh (0x14)'),
    cfg('tx_desc_lo', 32, 'TxDescStartAddrLow (0x20): normal-priority TX ring base (TNPDS), 256-byte aligned'),
    cfg('tx_desc_hi', 32, 'TxDescStartAddrHigh (0x24); the simulated bus is 32-bit, so DMA uses the low half'),
    cfg('txh_desc_lo', 32, 'TxHDescStartAddrLow (0x28): high-priority TX ring base (THPDS)'),
    cfg('txh_desc_hi', 32, 'TxHDescStartAddrHigh (0x2C)'),
    cfg('rx_desc_lo', 32, 'RxDescAddrLow (0xE4): RX ring base (RDSAR), 256-byte aligned'),
    cfg('rx_desc_hi', 32, 'RxDescAddrHigh (0xE8)'),
    cfg('chip_cmd', 8, 'ChipCmd (0x37): RE (bit 3) and TE (bit 2); RST (bit 4) completes at once and reads 0'),
    { name: 'tx_poll', width: 8, access: 'rw', role: 'command', doc: 'TxPoll (0x38): HPQ/NPQ "transmit now" requests not yet serviced; cleared when the rings have been walked' },
    cfg('intr_mask', 16, 'IntrMask (0x3C): IMR'),
    { name: 'intr_status', width: 16, access: 'rw', role: 'processing', doc: 'IntrStatus (0x3E): ISR, write 1 to clear' },
    cfg('tx_config', 32, 'TxConfig (0x40): writable bits (IFG, loopback, CRC, MXDMA); hardware version bits are constant'),
    cfg('rx_config', 32, 'RxConfig (0x44): accept bits AAP/APM/AM/AB/AR/AER, MXDMA, RXFTH'),
    cfg('cfg9346', 8, 'Cfg9346 (0x50): EEM bits 7:6 (11 = config registers unlocked), EEPROM pins'),
    cfg('config', 8, 'Config0–5 (0x51–0x56): writable bits (writes need Cfg9346 unlocked)', 6),
    { name: 'phyar', width: 32, access: 'rw', role: 'processing', doc: 'PHYAR (0x60): MDIO access, flag bit 31, PHY register 20:16, data 15:0' },
    cfg('phy_regs', 16, 'the internal PHY\'s 32 MII registers, reached through PHYAR', 32),
    cfg('rx_max_size', 16, 'RxMaxSize (0xDA): longest frame accepted, with FCS (0: no limit)'),
    cfg('cplus_cmd', 16, 'CPlusCmd (0xE0): RxVlan (bit 6) strips 802.1Q tags, RxChkSum, DAC, MulRW'),
    cfg('intr_mitigate', 16, 'IntrMitigate (0xE2): stored; interrupts are not delayed'),
    cfg('max_tx_packet_size', 8, 'ETThR / MaxTxPacketSize (0xEC): stored; no early transmit on a simulated wire'),
    { name: 'rx_head', width: 10, access: 'internal', role: 'processing', doc: 'RX ring index of the next descriptor to fill; ChipCmd RST sets it to 0 (BLMVisor 4.4.2)' },
    { name: 'tx_tail', width: 10, access: 'internal', role: 'processing', doc: 'normal-priority TX ring index of the next descriptor to send; ChipCmd RST sets it to 0' },
    { name: 'tx_hp_tail', width: 10, access: 'internal', role: 'processing', doc: 'high-priority TX ring index of the next descriptor to send; ChipCmd RST sets it to 0' },
    { name: 'tx_timer', width: 64, access: 'internal', role: 'command', timer: true, doc: 'pending TxPoll service: the rings are walked RTL8169_TX_DELAY instructions after the poll' },
    { name: 'rx_missed', width: 24, access: 'ro', role: 'statistic', doc: 'RxMissed (0x4C): missed-packet counter, reset by any write' },
    ...TALLY_LAYOUT.map((t): FieldSpec => ({ name: t.name, width: t.width, access: 'ro', role: 'statistic', doc: `tally counter ${t.doc} (dump offset ${t.offset})` })),
  ],
};
