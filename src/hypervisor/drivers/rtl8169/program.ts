/**
 * Building an RTL8169's state from captured values, on the destination (reconstruction) and
 * on the source (putting back what the pointer probe disturbed): the same procedure.
 *
 * 1. ChipCmd RST: the ring pointers go to 0 (with IntrStatus and pending TxPolls);
 * 2. the pointers are driven to their values with dummy frames (rings.ts), and the interrupt
 *    status bits the capture holds are made by the events that set them (datasheet 6,
 *    "Interrupt Status Register": ROK by a receive, TOK by a send, TDU when a TX walk stops
 *    at a host-owned descriptor, RDU by a receive with none owned, TER by an owned TX
 *    descriptor that starts no frame, SWInt by TxPoll FSWInt, LinkChg by powering the PHY down
 *    and up); FOVW needs a frame from the wire (noted); the rest are written 1 to clear;
 * 3. the registers are written: IDR and Config0–5 need Cfg9346 unlocked (EEM = 11), the PHY
 *    registers go through PHYAR, and PHYAR itself is left as the guest's last MDIO access did;
 * 4. a TxPoll that was pending (frames in flight) is issued again, last.
 * Interrupts stay masked until step 3 writes IntrMask.
 */
import type { Rtl8169State } from '../../../devices/rtl8169-regs.js';
import type { HvIo } from '../../hv-io.js';
import { NicRegs } from './regs.js';
import {
  CMD_RESET, CMD_RX_ENABLE, CMD_TX_ENABLE, INTR_FOVW, INTR_LINK_CHG, INTR_RDU, INTR_ROK, INTR_SWINT, INTR_TDU,
  INTR_TER, INTR_TOK, REG_CHIP_CMD, REG_CPLUS_CMD, REG_INTR_MASK, REG_INTR_STATUS, REG_RX_CONFIG, REG_RX_MAX_SIZE,
  REG_TX_CONFIG, REG_TX_POLL, TXPOLL_FSWINT,
} from '../../../devices/rtl8169-regs.js';
import {
  REG_RX_DESC, REG_TX_DESC, REG_TXH_DESC, RingDriver, closeScratch, openScratch, type RingLengths, type RingPointers,
} from './rings.js';

export const REG_MAR0 = 0x08;
export const REG_COUNTER_LO = 0x10;
export const REG_COUNTER_HI = 0x14;
export const REG_RX_MISSED = 0x4c;
export const REG_CFG9346 = 0x50;
export const REG_CONFIG0 = 0x51;
export const REG_PHYAR = 0x60;
export const REG_INTR_MITIGATE = 0xe2;
export const REG_MAX_TX_PACKET = 0xec;
export const CFG9346_UNLOCK = 0xc0;
/** PHY registers a write reaches (IEEE 802.3 clause 22: control, advertisement, vendor 16–31). */
export const PHY_WRITABLE = (r: number) => r === 0 || r === 4 || r === 7 || r === 8 || r === 9 || r >= 16;
const PHYAR_FLAG = 0x80000000;
const BMCR_PDOWN = 0x0800;

/** The NIC's registers as the schema names them (what capture reads and reconstruction writes). */
export type NicRegisterValues = Pick<
  Rtl8169State,
  | 'idr' | 'mar' | 'counter_addr_lo' | 'counter_addr_hi' | 'tx_desc_lo' | 'tx_desc_hi' | 'txh_desc_lo' | 'txh_desc_hi'
  | 'rx_desc_lo' | 'rx_desc_hi' | 'chip_cmd' | 'tx_poll' | 'intr_mask' | 'intr_status' | 'tx_config' | 'rx_config'
  | 'cfg9346' | 'config' | 'phyar' | 'phy_regs' | 'rx_max_size' | 'cplus_cmd' | 'intr_mitigate' | 'max_tx_packet_size'
>;

export interface NicBuildOptions {
  /** Fault `nic-rx-pointer-off-by-one`: one dummy frame too many into the RX ring. */
  rxOffByOne: boolean;
  /** Issue a pending TxPoll again now (the source); the destination does it at the switch-over. */
  reissueTxPoll: boolean;
}

export interface NicBuildResult {
  frames: number;
  notes: string[];
}

/**
 * PHYAR back as the guest's last MDIO access left it. A completed read (flag set) is read
 * again. Otherwise the value is stored without an MDIO access: a 32-bit write acts when its
 * last byte (bits 31:24) lands, so we first complete a harmless write to PHYID1 (register 2,
 * read-only: the PHY ignores it; the flag clears), then write bytes 0–2 alone, which store
 * without acting. (A replayed write would not do: PHYAR's power-on 0 reads as "write 0 to
 * BMCR".)
 */
export function restorePhyar(regs: NicRegs, phyar: number, phy: number[]): void {
  const reg = (phyar >>> 16) & 0x1f;
  if (phyar & PHYAR_FLAG && (phyar & 0xffff) === (phy[reg] ?? -1)) {
    regs.w32(REG_PHYAR, reg << 16);
    return;
  }
  regs.w32(REG_PHYAR, (PHYAR_FLAG | (2 << 16)) >>> 0);
  regs.w16(REG_PHYAR, phyar & 0xffff);
  regs.w8(REG_PHYAR + 2, (phyar >>> 16) & 0xff);
  if (phyar >>> 24) regs.w8(REG_PHYAR + 3, phyar >>> 24); // not reached by a real access: would act
}

function mdioWrite(regs: NicRegs, reg: number, data: number): void {
  regs.w32(REG_PHYAR, (PHYAR_FLAG | (reg << 16) | (data & 0xffff)) >>> 0);
}

export function buildNic(
  io: HvIo,
  regs: NicRegs,
  v: NicRegisterValues,
  lengths: RingLengths,
  pointers: RingPointers,
  options: NicBuildOptions,
): NicBuildResult {
  const notes: string[] = [];
  const scratch = openScratch(io);
  const driver = new RingDriver(io, regs, scratch, v.idr);
  try {
    regs.w8(REG_CHIP_CMD, CMD_RESET);
    regs.w16(REG_INTR_MASK, 0);
    regs.w32(REG_RX_CONFIG, v.rx_config | 0x02);
    regs.w16(REG_RX_MAX_SIZE, 0);
    regs.w16(REG_CPLUS_CMD, v.cplus_cmd & ~0x0040);
    regs.w32(REG_TX_CONFIG, v.tx_config & ~0x00060000);
    // The station address must be ours for looped-back frames to be accepted.
    writeIdr(regs, v.idr, v.cfg9346);
    // The PHY first: a link change it makes is an IntrStatus event, settled below.
    writePhy(regs, v.phy_regs, true);
    regs.w8(REG_CHIP_CMD, CMD_RX_ENABLE | CMD_TX_ENABLE);
    // A receive (ROK) or send (TOK) the capture has but the pointer values do not need: go round once.
    const p = { ...pointers };
    const rxRound = (v.intr_status & INTR_ROK) !== 0 && p.rxHead === 0 && lengths.rx > 0;
    driver.drive(lengths, { rxHead: rxRound ? lengths.rx : p.rxHead, txTail: 0, txHpTail: 0 }, options.rxOffByOne ? 1 : 0);
    // Still at TX tail 0 (the loopback sends use a one-descriptor ring): the error events.
    if (v.intr_status & INTR_RDU) driver.rxUnavailable(lengths);
    if (v.intr_status & INTR_TER) driver.txError();
    if (v.intr_status & INTR_FOVW) {
      // FIFO overflow needs a frame received with bus mastering off, and a looped-back frame
      // needs bus mastering to be sent: only a frame from the wire could set it.
      notes.push('rtl8169.intr_status: FOVW (Rx FIFO overflow) cannot be produced through the bus: not reproduced');
    }
    const txRound = (v.intr_status & INTR_TOK) !== 0 && p.txTail === 0 && p.txHpTail === 0 && lengths.tx > 0;
    driver.drive(lengths, { rxHead: 0, txTail: txRound ? lengths.tx : p.txTail, txHpTail: p.txHpTail });
    if (v.intr_status & INTR_SWINT) regs.w8(REG_TX_POLL, TXPOLL_FSWINT);
    // The link as captured (a powered-down PHY was kept up while frames were looped back).
    if (v.phy_regs[0] & BMCR_PDOWN) mdioWrite(regs, 0, v.phy_regs[0]);
    if (v.intr_status & INTR_LINK_CHG && !(v.phy_regs[0] & BMCR_PDOWN)) {
      mdioWrite(regs, 0, v.phy_regs[0] | BMCR_PDOWN);
      mdioWrite(regs, 0, v.phy_regs[0]);
    }
    // Everything else the events above set and the capture does not have: write 1 to clear.
    const status = regs.r16(REG_INTR_STATUS);
    regs.w16(REG_INTR_STATUS, status & ~v.intr_status);
    const got = regs.r16(REG_INTR_STATUS);
    if (got !== v.intr_status) notes.push(`rtl8169: IntrStatus 0x${got.toString(16)} instead of 0x${v.intr_status.toString(16)}`);
    void INTR_TDU;
  } finally {
    closeScratch(io, scratch);
  }
  writeRegisters(io, regs, v, options.reissueTxPoll);
  return { frames: driver.frames, notes };
}

/** The writable PHY registers through MDIO; BMCR last (a reset bit there would undo the rest). */
function writePhy(regs: NicRegs, phy: number[], keepLinkUp: boolean): void {
  for (let r = 0; r < 32; r++) if (PHY_WRITABLE(r) && r !== 0) mdioWrite(regs, r, phy[r]);
  mdioWrite(regs, 0, keepLinkUp ? phy[0] & ~BMCR_PDOWN : phy[0]);
}

function writeIdr(regs: NicRegs, idr: number[], cfg9346: number): void {
  regs.w8(REG_CFG9346, CFG9346_UNLOCK);
  for (let i = 0; i < 6; i++) regs.w8(i, idr[i]);
  regs.w8(REG_CFG9346, cfg9346 & 0xce);
}

/** Step 3: the registers, in an order where each write lands (unlock first, PHYAR and Cfg9346 last). */
export function writeRegisters(io: HvIo, regs: NicRegs, v: NicRegisterValues, reissueTxPoll: boolean): void {
  void io;
  regs.w8(REG_CFG9346, CFG9346_UNLOCK);
  for (let i = 0; i < 6; i++) regs.w8(i, v.idr[i]);
  for (let i = 0; i < 6; i++) regs.w8(REG_CONFIG0 + i, v.config[i]);
  for (let i = 0; i < 8; i++) regs.w8(REG_MAR0 + i, v.mar[i]);
  regs.w32(REG_COUNTER_HI, v.counter_addr_hi);
  regs.w32(REG_COUNTER_LO, v.counter_addr_lo & ~0x08);
  regs.w32(REG_TX_DESC, v.tx_desc_lo);
  regs.w32(REG_TX_DESC + 4, v.tx_desc_hi);
  regs.w32(REG_TXH_DESC, v.txh_desc_lo);
  regs.w32(REG_TXH_DESC + 4, v.txh_desc_hi);
  regs.w32(REG_RX_DESC, v.rx_desc_lo);
  regs.w32(REG_RX_DESC + 4, v.rx_desc_hi);
  regs.w32(REG_TX_CONFIG, v.tx_config);
  regs.w32(REG_RX_CONFIG, v.rx_config);
  regs.w16(REG_RX_MAX_SIZE, v.rx_max_size);
  regs.w16(REG_CPLUS_CMD, v.cplus_cmd);
  regs.w16(REG_INTR_MITIGATE, v.intr_mitigate);
  regs.w8(REG_MAX_TX_PACKET, v.max_tx_packet_size);
  // PHYAR as the guest's last MDIO access left it (capture/nic.ts, restorePhyar).
  restorePhyar(regs, v.phyar, v.phy_regs);
  regs.w8(REG_CHIP_CMD, v.chip_cmd & (CMD_RX_ENABLE | CMD_TX_ENABLE));
  regs.w16(REG_INTR_MASK, v.intr_mask);
  regs.w8(REG_CFG9346, v.cfg9346);
  // Frames in flight: the guest's TxPoll had not been serviced yet; it is issued again.
  if (reissueTxPoll && v.tx_poll & 0xc0) regs.w8(REG_TX_POLL, v.tx_poll & 0xc0);
}
