/**
 * RTL8169 capture (RTL8169 datasheet rev 1.21, section 6; BLMVisor 4.4.2).
 *
 * Read: the PCI header through configuration space; every register through the memory BAR
 * (Config0–5 and TxConfig masked to their stored bits); the PHY registers through PHYAR
 * (MDIO reads, PHYAR put back as the guest's last access left it); the tally counters by a
 * CounterDump into scratch memory (never the guest's dump area); RxMissed.
 * Inferred: the RX head and both TX tails, by the dummy-frame probe (rings.ts), after
 * which the NIC is rebuilt exactly as the destination would be (program.ts) — on the
 * source, the guest's rings, buffers and pending TxPoll are as they were.
 * Command state: a pending TxPoll reads back from the register; when it will be serviced
 * (tx_timer) is measured by watching the poll bits clear with the rings frozen (watchTxPoll),
 * and the destination issues it that long before its own service delay ends.
 */
import type { CaptureContext } from '../driver.js';
import { DeviceCaptureBuilder } from '../../captured.js';
import { readHeader } from '../../pci-access.js';
import { NIC_SLOT, withRegisters, type NicRegs } from './regs.js';
import {
  CMD_RX_ENABLE, CMD_TX_ENABLE, REG_CHIP_CMD, REG_CPLUS_CMD, REG_INTR_MASK, REG_INTR_STATUS, REG_RX_CONFIG,
  REG_RX_MAX_SIZE, REG_TX_CONFIG, REG_TX_POLL,
} from '../../../devices/rtl8169-regs.js';
import {
  REG_RX_DESC, REG_TX_DESC, REG_TXH_DESC, RingDriver, closeScratch, openScratch, ringLength, SCRATCH_BYTES,
  type RingLengths, type RingPointers,
} from './rings.js';
import {
  REG_CFG9346, REG_CONFIG0, REG_COUNTER_HI, REG_COUNTER_LO, REG_INTR_MITIGATE, REG_MAR0, REG_MAX_TX_PACKET,
  REG_PHYAR, REG_RX_MISSED, buildNic, restorePhyar, type NicRegisterValues,
} from './program.js';
import { CONFIG_WRITABLE, TALLY_LAYOUT, TX_CONFIG_WRITABLE } from '../../../devices/rtl8169-regs.js';
import { rtl8169TxDelay } from '../../../devices/rtl8169.js';

export function readNicRegisters(regs: NicRegs): NicRegisterValues {
  const bytes = (off: number, n: number) => Array.from({ length: n }, (_, i) => regs.r8(off + i));
  const phyar = regs.r32(REG_PHYAR);
  const phy: number[] = [];
  for (let r = 0; r < 32; r++) {
    regs.w32(REG_PHYAR, r << 16);
    phy.push(regs.r32(REG_PHYAR) & 0xffff);
  }
  restorePhyar(regs, phyar, phy);
  return {
    idr: bytes(0, 6),
    mar: bytes(REG_MAR0, 8),
    counter_addr_lo: regs.r32(REG_COUNTER_LO),
    counter_addr_hi: regs.r32(REG_COUNTER_HI),
    tx_desc_lo: regs.r32(REG_TX_DESC),
    tx_desc_hi: regs.r32(REG_TX_DESC + 4),
    txh_desc_lo: regs.r32(REG_TXH_DESC),
    txh_desc_hi: regs.r32(REG_TXH_DESC + 4),
    rx_desc_lo: regs.r32(REG_RX_DESC),
    rx_desc_hi: regs.r32(REG_RX_DESC + 4),
    chip_cmd: regs.r8(REG_CHIP_CMD),
    tx_poll: regs.r8(REG_TX_POLL),
    intr_mask: regs.r16(REG_INTR_MASK),
    intr_status: regs.r16(REG_INTR_STATUS),
    tx_config: (regs.r32(REG_TX_CONFIG) & TX_CONFIG_WRITABLE) >>> 0,
    rx_config: regs.r32(REG_RX_CONFIG),
    cfg9346: regs.r8(REG_CFG9346),
    config: bytes(REG_CONFIG0, 6).map((b, i) => b & CONFIG_WRITABLE[i]),
    phyar,
    phy_regs: phy,
    rx_max_size: regs.r16(REG_RX_MAX_SIZE),
    cplus_cmd: regs.r16(REG_CPLUS_CMD),
    intr_mitigate: regs.r16(REG_INTR_MITIGATE),
    max_tx_packet_size: regs.r8(REG_MAX_TX_PACKET),
  };
}

export function guestRingLengths(ctx: { io: CaptureContext['io'] }, v: NicRegisterValues): RingLengths {
  return {
    rx: v.rx_desc_lo !== 0 ? ringLength(ctx.io, v.rx_desc_lo) : 0,
    tx: v.tx_desc_lo !== 0 ? ringLength(ctx.io, v.tx_desc_lo) : 0,
    txh: v.txh_desc_lo !== 0 ? ringLength(ctx.io, v.txh_desc_lo) : 0,
  };
}

/**
 * A pending TxPoll (frames in flight): when the NIC services it is its own timing, not a
 * register — but the poll bits read back until it does. The rings are frozen on scratch
 * descriptors owned by no one (below), so the service walks nothing of the guest's: watched
 * from the switch-over, guest paused, the bits clear after the time it had left.
 */
function watchTxPoll(ctx: CaptureContext, b: DeviceCaptureBuilder, queues: number): void {
  const { io, notes } = ctx;
  b.set('tx_timer', -2, 'inferred');
  const delay = rtl8169TxDelay(io.hz);
  ctx.probes.push({
    limit: delay + 1,
    check(elapsed) {
      if (withRegisters(io, (regs) => regs.r8(REG_TX_POLL)) & queues) return false;
      b.set('tx_timer', elapsed, 'inferred');
      return true;
    },
    giveUp() {
      b.set('tx_timer', 0, 'inferred');
      notes.push(`rtl8169: a pending TxPoll was not serviced within the NIC's ${delay} instructions: taken as due at the switch-over`);
    },
  });
}

export function captureNic(ctx: CaptureContext): DeviceCaptureBuilder {
  const { io, notes } = ctx;
  const b = new DeviceCaptureBuilder(ctx.schema('rtl8169'));
  const header = readHeader(io, NIC_SLOT, 2);
  b.set('pci_command', header.pci_command, 'read');
  b.set('pci_cache_line_size', header.pci_cache_line_size, 'read');
  b.set('pci_latency_timer', header.pci_latency_timer, 'read');
  b.set('pci_bars', header.pci_bars, 'read');
  b.set('pci_interrupt_line', header.pci_interrupt_line, 'read');
  withRegisters(io, (regs) => {
    const v = readNicRegisters(regs);
    const rxMissed = regs.r32(REG_RX_MISSED) & 0xffffff;
    // Tally counters: dump them into scratch (64-byte aligned), then put the guest's address back.
    const scratch = openScratch(io);
    const dumpAt = (scratch.base + SCRATCH_BYTES - 64) >>> 0;
    regs.w32(REG_COUNTER_HI, 0);
    regs.w32(REG_COUNTER_LO, dumpAt | 0x08);
    const dump = io.readMemory(dumpAt, 64);
    const view = new DataView(dump.buffer, dump.byteOffset, 64);
    for (const t of TALLY_LAYOUT) {
      const value = t.width === 64 ? view.getUint32(t.offset, true) + view.getUint32(t.offset + 4, true) * 2 ** 32
        : t.width === 32 ? view.getUint32(t.offset, true) : view.getUint16(t.offset, true);
      b.set(t.name, value, 'read');
    }
    regs.w32(REG_COUNTER_HI, v.counter_addr_hi);
    regs.w32(REG_COUNTER_LO, v.counter_addr_lo & ~0x08);
    closeScratch(io, scratch);
    for (const [k, value] of Object.entries(v)) b.set(k, value as number | number[], 'read');
    b.set('rx_missed', rxMissed, 'read');
    b.set('tx_timer', -1, 'inferred');
    if (v.tx_poll & 0xc0) watchTxPoll(ctx, b, v.tx_poll & 0xc0);

    const lengths = guestRingLengths(ctx, v);
    if (lengths.rx + lengths.tx + lengths.txh === 0) {
      b.set('rx_head', 0, 'inferred').set('tx_tail', 0, 'inferred').set('tx_hp_tail', 0, 'inferred');
      return;
    }
    // Freeze the NIC now, at the switch-over: interrupts masked and every ring pointed at a
    // host-owned scratch copy, so while capture lets time pass a pending TxPoll walks nothing of
    // the guest's and an arriving frame is dropped (as on a stopped machine), never stored.
    const probeArea = openScratch(io);
    regs.w16(REG_INTR_MASK, 0);
    const driver = new RingDriver(io, regs, probeArea, v.idr);
    driver.freeze({ rx: Math.max(lengths.rx, 1), tx: Math.max(lengths.tx, 1), txh: lengths.txh });
    ctx.after.push(() => withRegisters(io, (regs2) => {
      let pointers: RingPointers = { rxHead: 0, txTail: 0, txHpTail: 0 };
      let frames = 0;
      try {
        regs2.w32(REG_RX_CONFIG, v.rx_config | 0x02);
        regs2.w16(REG_RX_MAX_SIZE, 0);
        regs2.w16(REG_CPLUS_CMD, v.cplus_cmd & ~0x0040);
        regs2.w32(REG_TX_CONFIG, v.tx_config & ~0x00060000);
        regs2.w8(REG_CHIP_CMD, CMD_RX_ENABLE | CMD_TX_ENABLE);
        pointers = driver.probe({ rx: Math.max(lengths.rx, 1), tx: Math.max(lengths.tx, 1), txh: lengths.txh });
        if (lengths.rx === 0) pointers.rxHead = 0;
        if (lengths.tx === 0) pointers.txTail = 0;
        frames += driver.frames;
      } finally {
        closeScratch(io, probeArea);
      }
      const rebuilt = buildNic(io, regs2, v, lengths, pointers, { rxOffByOne: false, reissueTxPoll: true });
      frames += rebuilt.frames;
      for (const n of rebuilt.notes) notes.push(`source ${n}`);
      if ((regs2.r32(REG_RX_MISSED) & 0xffffff) !== rxMissed) {
        notes.push('rtl8169: RxMissed / MissPkt advanced on the source by the probe (statistics)');
      }
      notes.push(`rtl8169: ring pointers probed with ${frames} dummy frame(s): rx_head ${pointers.rxHead}, tx_tail ${pointers.txTail}, tx_hp_tail ${pointers.txHpTail}`);
      ctx.nicFrames += frames;
      b.set('rx_head', pointers.rxHead, 'inferred');
      b.set('tx_tail', pointers.txTail, 'inferred');
      b.set('tx_hp_tail', pointers.txHpTail, 'inferred');
    }));
  });
  return b;
}
