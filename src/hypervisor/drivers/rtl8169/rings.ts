/**
 * The RTL8169's ring pointers — RX head, TX tail, high-priority TX tail — are internal
 * registers (RTL8169 datasheet 7; BLMVisor 4.4.2): software can neither read nor write them.
 * The NIC only moves them by using descriptors, and ChipCmd RST puts them to 0.
 *
 * Inferring (capture, figure 4.1): point the ring at a scratch copy with the guest ring's
 * length (the index wraps at the descriptor marked EOR, so the length is what matters), own
 * every descriptor except the first, and make the NIC use them: for TX, poll the queue (it
 * sends from the tail up to the end of the ring and stops at the unowned first descriptor);
 * for RX, loop dummy frames back one at a time until the receiver runs out of descriptors
 * (RDU). The first descriptor whose OWN bit the NIC cleared is where the pointer was; none
 * cleared means it was at 0.
 * Setting (reconstruct, figure 4.2): RST, then exactly as many dummy frames through scratch
 * rings of the same lengths as the pointer values — RX by loopback, TX sent and swallowed.
 *
 * Scratch memory: rings and buffers sit in a RAM area whose bytes are saved first and put
 * back after; the guest's descriptors and buffers are never touched.
 */
import type { HvIo } from '../../hv-io.js';
import { HypervisorError } from '../../errors.js';
import { NicRegs } from './regs.js';
import { dummyFrame } from './dummy-frames.js';
// Register offsets and bits as the datasheet gives them (shared with the device model: facts, not state).
import {
  DESC_EOR, DESC_FS, DESC_LS, DESC_OWN, DESC_SIZE, INTR_RDU, REG_INTR_STATUS, REG_RX_DESC_ADDR_LOW, REG_TX_CONFIG,
  REG_TX_DESC_START_ADDR_LOW, REG_TXH_DESC_START_ADDR_LOW, REG_TX_POLL, RING_MAX, TX_CONFIG_LOOPBACK,
  TXPOLL_HPQ, TXPOLL_NPQ,
} from '../../../devices/rtl8169-regs.js';

// The descriptor ring addresses (the low dwords; the hypervisor keeps its rings below 4 GiB).
export const REG_TX_DESC = REG_TX_DESC_START_ADDR_LOW;
export const REG_TXH_DESC = REG_TXH_DESC_START_ADDR_LOW;
export const REG_RX_DESC = REG_RX_DESC_ADDR_LOW;

const DESC = DESC_SIZE;
const OWN = DESC_OWN;
const EOR = DESC_EOR;
const FS = DESC_FS;
const LS = DESC_LS;
const RX_BUFFER = 128;

/** Descriptors in the ring at `base`: up to and including the first marked EOR (1024 without one). */
export function ringLength(io: HvIo, base: number): number {
  for (let i = 0; i < RING_MAX; i++) if (io.read32(base + i * DESC) & EOR) return i + 1;
  return RING_MAX;
}

export interface ScratchArea {
  readonly base: number;
  readonly saved: Uint8Array;
}

export const SCRATCH_BYTES = 3 * RING_MAX * DESC + 2 * 256;

/** Reserve the scratch area (the top 64 KiB of RAM below 1 MiB… or of RAM): save its bytes. */
export function openScratch(io: HvIo): ScratchArea {
  const size = io.machine.memory.size;
  const base = (size - 0x10000 - SCRATCH_BYTES) & ~0xfff;
  return { base, saved: io.readMemory(base, SCRATCH_BYTES) };
}

export function closeScratch(io: HvIo, s: ScratchArea): void {
  io.writeMemory(s.base, s.saved);
}

interface Layout {
  rx: number;
  tx: number;
  txh: number;
  rxBuf: number;
  txBuf: number;
}

function layout(s: ScratchArea): Layout {
  return {
    rx: s.base,
    tx: s.base + RING_MAX * DESC,
    txh: s.base + 2 * RING_MAX * DESC,
    txBuf: s.base + 3 * RING_MAX * DESC,
    rxBuf: s.base + 3 * RING_MAX * DESC + 256,
  };
}

function writeDesc(io: HvIo, addr: number, opts1: number, buffer: number): void {
  io.write32(addr, opts1 >>> 0);
  io.write32(addr + 4, 0);
  io.write32(addr + 8, buffer >>> 0);
  io.write32(addr + 12, 0);
}

/** A TX ring of `n` descriptors, owned per `owned(i)`, each sending the frame at txBuf. */
function buildTxRing(io: HvIo, base: number, n: number, buf: number, owned: (i: number) => boolean): void {
  for (let i = 0; i < n; i++) {
    const opts1 = (owned(i) ? OWN : 0) | FS | LS | (i === n - 1 && n < RING_MAX ? EOR : 0) | 60;
    writeDesc(io, base + i * DESC, opts1, buf);
  }
}

function buildRxRing(io: HvIo, base: number, n: number, buf: number, owned: (i: number) => boolean): void {
  for (let i = 0; i < n; i++) {
    const opts1 = (owned(i) ? OWN : 0) | (i === n - 1 && n < RING_MAX ? EOR : 0) | RX_BUFFER;
    writeDesc(io, base + i * DESC, opts1, buf);
  }
}

function firstReleased(io: HvIo, base: number, n: number, wasOwned: (i: number) => boolean): number {
  for (let i = 0; i < n; i++) if (wasOwned(i) && !(io.read32(base + i * DESC) & OWN)) return i;
  return 0;
}

/** Poll a TX queue and wait (guest paused) until the NIC has serviced it. */
function pollAndWait(io: HvIo, regs: NicRegs, queue: number): void {
  regs.w8(REG_TX_POLL, queue);
  for (let i = 0; i < 10_000 && regs.r8(REG_TX_POLL) & queue; i++) io.wait(16);
  if (regs.r8(REG_TX_POLL) & queue) throw new HypervisorError('HV_NIC_PROBE', 'the RTL8169 did not service a TxPoll');
}

export interface RingLengths {
  rx: number;
  tx: number;
  txh: number;
}

export interface RingPointers {
  rxHead: number;
  txTail: number;
  txHpTail: number;
}

export class RingDriver {
  private readonly l: Layout;
  frames = 0;

  constructor(
    private readonly io: HvIo,
    private readonly regs: NicRegs,
    scratch: ScratchArea,
    private readonly mac: readonly number[],
  ) {
    this.l = layout(scratch);
    io.writeMemory(this.l.txBuf, dummyFrame(mac, 0));
  }

  private setFrame(destination: readonly number[]): void {
    this.io.writeMemory(this.l.txBuf, dummyFrame(destination, this.frames));
  }

  /**
   * Where are the pointers? The NIC must be set up by the caller: interrupts masked, RX and TX
   * enabled, loopback off, our MAC accepted. Leaves every pointer somewhere else: the caller
   * resets and drives them back (drive()).
   */
  /**
   * Every ring the NIC could walk points at scratch, all host-owned: a TxPoll the guest issued
   * and the NIC has not serviced yet then walks our rings, never the guest's, and a frame that
   * arrives is dropped. The pointers do not move.
   */
  freeze(n: RingLengths): void {
    const { io, regs, l } = this;
    buildTxRing(io, l.tx, n.tx, l.txBuf, () => false);
    buildTxRing(io, l.txh, Math.max(1, n.txh), l.txBuf, () => false);
    buildRxRing(io, l.rx, Math.max(1, n.rx), l.rxBuf, () => false);
    regs.w32(REG_TX_DESC, l.tx);
    regs.w32(REG_TX_DESC + 4, 0);
    regs.w32(REG_TXH_DESC, l.txh);
    regs.w32(REG_TXH_DESC + 4, 0);
    regs.w32(REG_RX_DESC, l.rx);
    regs.w32(REG_RX_DESC + 4, 0);
  }

  probe(n: RingLengths): RingPointers {
    const { io, regs, l } = this;
    this.freeze(n);
    // TX, normal priority: first descriptor unowned, the rest owned.
    this.setFrame(HYPERVISOR_DESTINATION);
    buildTxRing(io, l.tx, n.tx, l.txBuf, (i) => i > 0);
    pollAndWait(io, regs, TXPOLL_NPQ);
    const txTail = firstReleased(io, l.tx, n.tx, (i) => i > 0);
    this.frames += txTail === 0 ? 0 : n.tx - txTail;
    // TX, high priority.
    let txHpTail = 0;
    if (n.txh > 0) {
      buildTxRing(io, l.txh, n.txh, l.txBuf, (i) => i > 0);
      regs.w32(REG_TXH_DESC, l.txh);
      regs.w32(REG_TXH_DESC + 4, 0);
      pollAndWait(io, regs, TXPOLL_HPQ);
      txHpTail = firstReleased(io, l.txh, n.txh, (i) => i > 0);
      this.frames += txHpTail === 0 ? 0 : n.txh - txHpTail;
    }
    // RX: first descriptor unowned; frames looped back one at a time until RDU.
    buildRxRing(io, l.rx, n.rx, l.rxBuf, (i) => i > 0);
    regs.w32(REG_RX_DESC, l.rx);
    regs.w32(REG_RX_DESC + 4, 0);
    regs.w32(REG_TX_CONFIG, regs.r32(REG_TX_CONFIG) | TX_CONFIG_LOOPBACK);
    this.setFrame(this.mac);
    regs.w16(REG_INTR_STATUS, INTR_RDU);
    for (let k = 0; k < n.rx; k++) {
      this.sendOne();
      if (regs.r16(REG_INTR_STATUS) & INTR_RDU) break;
    }
    regs.w32(REG_TX_CONFIG, regs.r32(REG_TX_CONFIG) & ~TX_CONFIG_LOOPBACK);
    const rxHead = firstReleased(io, l.rx, n.rx, (i) => i > 0);
    return { rxHead, txTail, txHpTail };
  }

  /** Send one frame from the normal TX queue (its tail moves by one; the ring is ours). */
  private sendOne(): void {
    const { io, regs, l } = this;
    // Own every descriptor once: the walk sends from the tail and must stop after one frame,
    // so only the descriptor at the tail may be owned. We do not know the tail here; a ring of
    // one owned descriptor per call does it: make all unowned, then own the tail's successor…
    // Simpler and exact: a one-descriptor ring (EOR on it) — the tail of a one-entry ring is 0.
    writeDesc(io, l.tx + 0 * DESC, OWN | FS | LS | EOR | 60, l.txBuf);
    regs.w32(REG_TX_DESC, l.tx);
    pollAndWait(io, regs, TXPOLL_NPQ);
    this.frames++;
  }

  /**
   * IntrStatus.RDU without moving the RX head: every scratch RX descriptor host-owned, one
   * frame looped back, dropped for want of a descriptor (datasheet 6, ISR bit 4; RxMissed, a
   * statistic, counts it). Uses the one-descriptor TX ring: call while the TX tail is 0.
   */
  rxUnavailable(n: RingLengths): void {
    const { io, regs, l } = this;
    buildRxRing(io, l.rx, Math.max(1, n.rx), l.rxBuf, () => false);
    regs.w32(REG_RX_DESC, l.rx);
    regs.w32(REG_RX_DESC + 4, 0);
    regs.w32(REG_TX_CONFIG, regs.r32(REG_TX_CONFIG) | TX_CONFIG_LOOPBACK);
    this.setFrame(this.mac);
    this.sendOne();
    regs.w32(REG_TX_CONFIG, regs.r32(REG_TX_CONFIG) & ~TX_CONFIG_LOOPBACK);
  }

  /**
   * IntrStatus.TER without moving the TX tail: a one-descriptor ring (EOR) whose descriptor is
   * NIC-owned but starts no frame (no FS) is released as an error and the walk wraps back to
   * index 0 (tally TxErr, a statistic, counts it). Call while the TX tail is 0.
   */
  txError(): void {
    const { io, regs, l } = this;
    writeDesc(io, l.tx, OWN | LS | EOR | 60, l.txBuf);
    regs.w32(REG_TX_DESC, l.tx);
    pollAndWait(io, regs, TXPOLL_NPQ);
  }

  /**
   * After ChipCmd RST (all pointers 0): move each pointer to its value by using that many
   * descriptors of scratch rings of the guest rings' lengths. `extraRx` is for the fault
   * `nic-rx-pointer-off-by-one`.
   */
  drive(n: RingLengths, p: RingPointers, extraRx = 0): void {
    const { io, regs, l } = this;
    // RX: loop back rxHead frames into a fully owned ring of the guest ring's length.
    // A ring of n fully owned descriptors wraps at its EOR: n frames bring the head back to 0.
    const rxFrames = p.rxHead + extraRx;
    if (rxFrames > 0) {
      buildRxRing(io, l.rx, n.rx, l.rxBuf, () => true);
      regs.w32(REG_RX_DESC, l.rx);
      regs.w32(REG_RX_DESC + 4, 0);
      regs.w32(REG_TX_CONFIG, regs.r32(REG_TX_CONFIG) | TX_CONFIG_LOOPBACK);
      this.setFrame(this.mac);
      for (let k = 0; k < rxFrames; k++) this.sendOne();
      regs.w32(REG_TX_CONFIG, regs.r32(REG_TX_CONFIG) & ~TX_CONFIG_LOOPBACK);
    }
    // The one-descriptor ring used for loopback does not move a ring-length-n tail: its index
    // wraps at its own EOR, so the normal TX tail is still 0. Now the TX tails.
    this.setFrame(HYPERVISOR_DESTINATION);
    if (p.txTail > 0) {
      buildTxRing(io, l.tx, n.tx, l.txBuf, (i) => i < p.txTail);
      regs.w32(REG_TX_DESC, l.tx);
      pollAndWait(io, regs, TXPOLL_NPQ);
      this.frames += p.txTail;
    }
    if (p.txHpTail > 0) {
      buildTxRing(io, l.txh, n.txh, l.txBuf, (i) => i < p.txHpTail);
      regs.w32(REG_TXH_DESC, l.txh);
      regs.w32(REG_TXH_DESC + 4, 0);
      pollAndWait(io, regs, TXPOLL_HPQ);
      this.frames += p.txHpTail;
    }
  }
}

/** Frames only sent (not looped back) go here: a locally administered address nobody has. */
export const HYPERVISOR_DESTINATION = [0x02, 0x00, 0x5e, 0x00, 0x00, 0x02];
