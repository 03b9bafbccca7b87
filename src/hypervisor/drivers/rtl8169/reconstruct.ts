/**
 * RTL8169 reconstruction (BLMVisor 4.5, figure 4.2): the PCI header first (so the register
 * windows sit where the guest put them), then the NIC built from the capture by the same
 * procedure the source used to put itself back (program.ts): RST, ring pointers driven
 * with dummy frames through scratch rings of the guest rings' lengths, interrupt status made
 * by its events, registers written, a pending TxPoll re-issued.
 *
 * MAC exchange: the guest's station address (IDR) is written to the destination NIC, so the
 * network keeps seeing the same address after the switch-over (the paper's hypervisors swap
 * MAC addresses between the machines; here both NICs end up answering to the guest's).
 * Statistics (tally counters, RxMissed) cannot be written: they stay the destination's own.
 */
import { rtl8169TxDelay } from '../../../devices/rtl8169.js';
import type { ReconstructContext } from '../driver.js';
import type { CapturedView } from '../../captured.js';
import { writeHeader } from '../../pci-access.js';
import { REG_TX_POLL } from '../../../devices/rtl8169-regs.js';
import { NIC_SLOT, withRegisters } from './regs.js';
import { buildNic, type NicRegisterValues } from './program.js';
import { ringLength } from './rings.js';

const REGISTER_FIELDS: (keyof NicRegisterValues)[] = [
  'idr', 'mar', 'counter_addr_lo', 'counter_addr_hi', 'tx_desc_lo', 'tx_desc_hi', 'txh_desc_lo', 'txh_desc_hi',
  'rx_desc_lo', 'rx_desc_hi', 'chip_cmd', 'tx_poll', 'intr_mask', 'intr_status', 'tx_config', 'rx_config', 'cfg9346',
  'config', 'phyar', 'phy_regs', 'rx_max_size', 'cplus_cmd', 'intr_mitigate', 'max_tx_packet_size',
];

/** Schedules both of its actions; `build` comes at the window's start, the TxPoll at the switch-over. */
export function reconstructNic(ctx: ReconstructContext, t: CapturedView): void {
  ctx.timeline.at(ctx.timeline.start, 'rtl8169: PCI header, ring pointers (dummy frames), registers', () => build(ctx, t));
  if (t.num('tx_poll') & 0xc0) {
    // Issued so the destination's NIC services it when the source's would have: the time it
    // had left at the switch-over (tx_timer) after the switch-over.
    const left = Math.max(0, t.num('tx_timer', 0));
    const at = ctx.timeline.end - Math.max(0, rtl8169TxDelay(ctx.io.hz) - left);
    ctx.timeline.at(at, `rtl8169: the pending TxPoll (serviced ${left} instructions after the switch-over)`, () =>
      withRegisters(ctx.io, (regs) => regs.w8(REG_TX_POLL, t.num('tx_poll') & 0xc0)));
  }
}

function build(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  writeHeader(io, NIC_SLOT, {
    pci_command: t.num('pci_command'),
    pci_cache_line_size: t.num('pci_cache_line_size'),
    pci_latency_timer: t.num('pci_latency_timer'),
    pci_interrupt_line: t.num('pci_interrupt_line'),
    pci_bars: t.arr('pci_bars'),
  });
  const v = {} as Record<string, number | number[]>;
  for (const f of REGISTER_FIELDS) v[f] = t.dev.fields[f] as number | number[];
  const values = v as unknown as NicRegisterValues;
  // Ring lengths come from the guest's descriptors, already in the destination's memory.
  const lengths = {
    rx: values.rx_desc_lo !== 0 ? ringLength(io, values.rx_desc_lo) : 0,
    tx: values.tx_desc_lo !== 0 ? ringLength(io, values.tx_desc_lo) : 0,
    txh: values.txh_desc_lo !== 0 ? ringLength(io, values.txh_desc_lo) : 0,
  };
  const pointers = { rxHead: t.num('rx_head'), txTail: t.num('tx_tail'), txHpTail: t.num('tx_hp_tail') };
  withRegisters(io, (regs) => {
    const r = buildNic(io, regs, values, lengths, pointers, { rxOffByOne: ctx.options.faults.has('nic-rx-pointer-off-by-one'), reissueTxPoll: false });
    ctx.counts.dummyFrames += r.frames;
    ctx.notes.push(...r.notes);
  });
  if (t.num('tx_poll') & 0xc0) ctx.notes.push('rtl8169: the pending TxPoll was re-issued at the switch-over: frames leave up to one TxPoll delay later than on the source');
  ctx.notes.push('rtl8169: tally counters and RxMissed are statistics the destination NIC keeps for itself (not writable)');
}
