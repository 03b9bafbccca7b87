import { describe, expect, it } from 'vitest';
import { Rtl8169, RTL8169_DEFAULT_MAC } from '../../src/devices/rtl8169.js';
import {
  CMD_RESET, CMD_RX_ENABLE, CMD_TX_ENABLE, DESC_EOR, DESC_FS, DESC_LS, DESC_OWN, INTR_RDU, INTR_ROK, INTR_TDU,
  INTR_TOK, REG_CFG9346, REG_CHIP_CMD, REG_COUNTER_ADDR_HIGH, REG_COUNTER_ADDR_LOW, REG_CPLUS_CMD, REG_INTR_MASK,
  REG_INTR_STATUS, REG_MAR0, REG_PHY_STATUS, REG_PHYAR, REG_RX_CONFIG, REG_RX_DESC_ADDR_HIGH, REG_RX_DESC_ADDR_LOW,
  REG_RX_MISSED, REG_TX_CONFIG, REG_TX_DESC_START_ADDR_HIGH, REG_TX_DESC_START_ADDR_LOW, REG_TX_POLL, RX_STATUS_BAR,
  RX_STATUS_MAR, RX_STATUS_PAM, TXPOLL_NPQ,
} from '../../src/devices/rtl8169-regs.js';
import { ethernetFcs, multicastHashBit } from '../../src/devices/rtl8169-rings.js';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import { BOARD } from '../../src/board/layout.js';

const RTL8169_DEFAULT_IO_BASE = BOARD.nic.ioBase;
const RTL8169_DEFAULT_MMIO_BASE = BOARD.nic.mmioBase;
const RTL8169_IRQ = BOARD.nic.irq;

const MMIO = RTL8169_DEFAULT_MMIO_BASE;
const RX_RING = 0x10000;
const TX_RING = 0x11000;
const RX_BUF = 0x20000;
const TX_BUF = 0x30000;
const BUF_SIZE = 0x800;
const TX_DELAY = 100; // 1 µs at the default 100 M instructions per second
const MAC = RTL8169_DEFAULT_MAC;

type Nic = ReturnType<typeof setup>;

function setup(board: TestBoard = makeTestBoard()) {
  const nic = new Rtl8169(board.ctx, BOARD.nic);
  nic.id = board.bus.registerDevice(nic.name);
  nic.reset();
  const bus = board.bus;
  const mem = board.memory;
  return {
    board, nic, bus, mem,
    r8: (o: number) => bus.mmioRead(MMIO + o, 1),
    r16: (o: number) => bus.mmioRead(MMIO + o, 2),
    r32: (o: number) => bus.mmioRead(MMIO + o, 4),
    w8: (o: number, v: number) => bus.mmioWrite(MMIO + o, 1, v),
    w16: (o: number, v: number) => bus.mmioWrite(MMIO + o, 2, v),
    w32: (o: number, v: number) => bus.mmioWrite(MMIO + o, 4, v),
    desc: (ring: number, i: number) => ({ opts1: mem.read32(ring + 16 * i) >>> 0, opts2: mem.read32(ring + 16 * i + 4) >>> 0 }),
    setDesc(ring: number, i: number, opts1: number, addr: number, opts2 = 0) {
      mem.write32(ring + 16 * i, opts1);
      mem.write32(ring + 16 * i + 4, opts2);
      mem.write32(ring + 16 * i + 8, addr);
      mem.write32(ring + 16 * i + 12, 0);
    },
  };
}

/** Program the NIC as a driver would: rings, RX buffers owned by the NIC, filter, interrupts, RE|TE. */
function bringUp(n: Nic, rxCount = 4, rxConfig = 0x0e): void {
  for (let i = 0; i < rxCount; i++) n.setDesc(RX_RING, i, DESC_OWN | (i === rxCount - 1 ? DESC_EOR : 0) | BUF_SIZE, RX_BUF + i * BUF_SIZE);
  n.w32(REG_TX_DESC_START_ADDR_LOW, TX_RING);
  n.w32(REG_TX_DESC_START_ADDR_HIGH, 0);
  n.w32(REG_RX_DESC_ADDR_LOW, RX_RING);
  n.w32(REG_RX_DESC_ADDR_HIGH, 0);
  n.w8(REG_CHIP_CMD, CMD_RX_ENABLE | CMD_TX_ENABLE);
  n.w32(REG_RX_CONFIG, rxConfig); // APM | AM | AB
  n.w16(REG_INTR_MASK, 0xffff);
}

function frameTo(dest: readonly number[], length = 60, fill = 0x11): Uint8Array {
  const f = new Uint8Array(length).fill(fill);
  f.set(dest, 0);
  f.set([0x02, 0, 0, 0, 0, 9], 6);
  f[12] = 0x08;
  f[13] = 0x00;
  return f;
}

function queueTx(n: Nic, i: number, data: Uint8Array, flags: number, bufAddr = TX_BUF + i * BUF_SIZE): void {
  n.mem.writeBytes(bufAddr, data);
  n.setDesc(TX_RING, i, DESC_OWN | flags | data.length, bufAddr);
}

/** Which RX descriptors hold a received frame (OWN cleared by the NIC). */
function filled(n: Nic, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (!(n.desc(RX_RING, i).opts1 & DESC_OWN)) out.push(i);
  return out;
}

describe('RTL8169', () => {
  it('PCI identity and firmware-assigned BARs: 10EC:8169, I/O and memory windows both reach the registers', () => {
    const n = setup();
    expect(n.nic.pciConfigRead(0, 4)).toBe(0x816910ec);
    expect(n.nic.pciConfigRead(0x08, 4) >>> 8).toBe(0x020000);
    expect(n.nic.pciConfigRead(0x3d, 1)).toBe(1); // INTA#
    expect(n.nic.pciConfigRead(0x3c, 1)).toBe(RTL8169_IRQ);
    expect(n.bus.pioRead(RTL8169_DEFAULT_IO_BASE + 2, 1)).toBe(MAC[2]);
    expect(n.r32(0)).toBe((MAC[0] | (MAC[1] << 8) | (MAC[2] << 16) | (MAC[3] << 24)) >>> 0);
    expect(n.r32(REG_TX_CONFIG) & 0x7c800000).toBe(0x00800000); // r8169: RTL_GIGA_MAC_VER_02
  });

  it('IDR0–5 take writes only while Cfg9346 unlocks the config registers', () => {
    const n = setup();
    n.w32(0, 0x44332211);
    expect(n.r8(0)).toBe(MAC[0]);
    n.w8(REG_CFG9346, 0xc0);
    n.w32(0, 0x44332211);
    n.w16(4, 0x6655);
    n.w8(REG_CFG9346, 0x00);
    expect([0, 1, 2, 3, 4, 5].map((i) => n.r8(i))).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
    n.w8(REG_CFG9346, 0x40); // auto-load: reload from the EEPROM, back to normal mode
    expect([0, 1, 2, 3, 4, 5].map((i) => n.r8(i))).toEqual([...MAC]);
    expect(n.r8(REG_CFG9346) & 0xc0).toBe(0);
  });

  it('MAR0–7 are plain read/write registers', () => {
    const n = setup();
    n.w32(REG_MAR0, 0x12345678);
    n.w32(REG_MAR0 + 4, 0x9abcdef0);
    expect(n.r32(REG_MAR0)).toBe(0x12345678);
    expect(n.r32(REG_MAR0 + 4)).toBe(0x9abcdef0);
  });

  it('transmits a 2-fragment frame after the poll delay, clears OWN on both descriptors and raises TOK', () => {
    const n = setup();
    bringUp(n);
    const frame = frameTo([0x02, 1, 2, 3, 4, 5], 100, 0x33);
    queueTx(n, 0, frame.subarray(0, 40), DESC_FS);
    queueTx(n, 1, frame.subarray(40), DESC_LS);
    n.w8(REG_TX_POLL, TXPOLL_NPQ);
    expect(n.r8(REG_TX_POLL)).toBe(TXPOLL_NPQ);
    n.board.advance(TX_DELAY - 1);
    expect(n.board.frames).toHaveLength(0);
    n.board.advance(1);
    expect(n.board.frames).toEqual([frame]);
    expect(n.r8(REG_TX_POLL)).toBe(0);
    expect(n.desc(TX_RING, 0).opts1).toBe((DESC_FS | 40) >>> 0);
    expect(n.desc(TX_RING, 1).opts1).toBe((DESC_LS | 60) >>> 0);
    expect(n.r16(REG_INTR_STATUS)).toBe(INTR_TOK | INTR_TDU);
    expect(n.nic.oracle().state.tx_tail).toBe(2);
  });

  it('stops TX at a chain whose last fragment the NIC does not own yet, and resumes there', () => {
    const n = setup();
    bringUp(n);
    const frame = frameTo([0x02, 1, 2, 3, 4, 5], 80);
    queueTx(n, 0, frame.subarray(0, 30), DESC_FS);
    n.setDesc(TX_RING, 1, DESC_LS | 50, TX_BUF + BUF_SIZE); // not owned yet
    n.mem.writeBytes(TX_BUF + BUF_SIZE, frame.subarray(30));
    n.w8(REG_TX_POLL, TXPOLL_NPQ);
    n.board.advance(TX_DELAY);
    expect(n.board.frames).toHaveLength(0);
    expect(n.desc(TX_RING, 0).opts1 >>> 31).toBe(1); // untouched: still the NIC's
    expect(n.nic.oracle().state.tx_tail).toBe(0);
    n.mem.write32(TX_RING + 16, (DESC_OWN | DESC_LS | 50) >>> 0);
    n.w8(REG_TX_POLL, TXPOLL_NPQ);
    n.board.advance(TX_DELAY);
    expect(n.board.frames).toEqual([frame]);
  });

  it('receives into the ring in order and wraps after the descriptor marked EOR', () => {
    const n = setup();
    bringUp(n, 3);
    const frames = [1, 2, 3, 4].map((k) => frameTo(MAC, 60 + k, k));
    for (let k = 0; k < 3; k++) expect(n.nic.receiveFrame(frames[k])).toBe(true);
    expect(filled(n, 3)).toEqual([0, 1, 2]);
    const d0 = n.desc(RX_RING, 0);
    expect(d0.opts1).toBe((DESC_FS | DESC_LS | RX_STATUS_PAM | (61 + 4)) >>> 0);
    const stored = n.mem.readBytes(RX_BUF, 65);
    expect(stored.subarray(0, 61)).toEqual(frames[0]);
    expect(new DataView(stored.buffer).getUint32(61, true)).toBe(ethernetFcs(frames[0]));
    expect(n.desc(RX_RING, 2).opts1 & DESC_EOR).toBe(DESC_EOR);
    // The driver gives descriptor 0 back; the fourth frame lands there.
    n.setDesc(RX_RING, 0, DESC_OWN | BUF_SIZE, RX_BUF);
    expect(n.nic.receiveFrame(frames[3])).toBe(true);
    expect(n.mem.readBytes(RX_BUF, 64)).toEqual(frames[3]);
    expect(n.nic.oracle().state.rx_head).toBe(1);
  });

  it('spreads a frame longer than one buffer over several descriptors, FS on the first and LS on the last', () => {
    const n = setup();
    for (let i = 0; i < 3; i++) n.setDesc(RX_RING, i, DESC_OWN | 64, RX_BUF + i * BUF_SIZE);
    bringUp(n, 0);
    const f = frameTo(MAC, 100, 0x5a);
    expect(n.nic.receiveFrame(f)).toBe(true);
    expect(n.desc(RX_RING, 0).opts1).toBe((DESC_FS | 64) >>> 0);
    expect(n.desc(RX_RING, 1).opts1).toBe((DESC_LS | RX_STATUS_PAM | 104) >>> 0);
    expect(n.desc(RX_RING, 2).opts1 & DESC_OWN).not.toBe(0);
    expect(n.mem.readBytes(RX_BUF + BUF_SIZE, 36)).toEqual(f.subarray(64));
  });

  it('accept filter: own unicast per APM, other unicast only with AAP, broadcast per AB, multicast per AM and the MAR hash', () => {
    const n = setup();
    bringUp(n, 16, 0);
    const other = [0x02, 9, 9, 9, 9, 9];
    const bcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    const mcast = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01];
    const rx = (d: readonly number[]) => n.nic.receiveFrame(frameTo(d));
    expect([rx(MAC), rx(other), rx(bcast), rx(mcast)]).toEqual([false, false, false, false]);
    n.w32(REG_RX_CONFIG, 0x02); // APM
    expect([rx(MAC), rx(other), rx(bcast), rx(mcast)]).toEqual([true, false, false, false]);
    n.w32(REG_RX_CONFIG, 0x08); // AB
    expect([rx(MAC), rx(bcast)]).toEqual([false, true]);
    n.w32(REG_RX_CONFIG, 0x04); // AM, hash bit clear
    expect(rx(mcast)).toBe(false);
    const bit = multicastHashBit(new Uint8Array(mcast));
    n.w8(REG_MAR0 + (bit >> 3), 1 << (bit & 7));
    expect(rx(mcast)).toBe(true);
    n.w32(REG_RX_CONFIG, 0x01); // AAP: promiscuous
    expect([rx(other), rx(MAC)]).toEqual([true, true]);
    const status = [0, 1, 2, 3].map((i) => n.desc(RX_RING, i).opts1 & (RX_STATUS_PAM | RX_STATUS_BAR | RX_STATUS_MAR));
    expect(status).toEqual([RX_STATUS_PAM, RX_STATUS_BAR, RX_STATUS_MAR, 0]);
  });

  it('RDU: with no descriptor owned by the NIC the frame is dropped and counted as missed', () => {
    const n = setup();
    bringUp(n, 1);
    n.w16(REG_INTR_MASK, INTR_RDU);
    expect(n.nic.receiveFrame(frameTo(MAC))).toBe(true);
    expect(n.board.irqLevels[RTL8169_IRQ]).toBe(false);
    expect(n.nic.receiveFrame(frameTo(MAC))).toBe(false);
    expect(n.r16(REG_INTR_STATUS)).toBe(INTR_ROK | INTR_RDU);
    expect(n.board.irqLevels[RTL8169_IRQ]).toBe(true);
    expect(n.r32(REG_RX_MISSED)).toBe(1);
    expect(n.nic.oracle().state.tally_miss_pkt).toBe(1);
    expect(n.nic.oracle().state.rx_head).toBe(0);
    n.w32(REG_RX_MISSED, 0);
    expect(n.r32(REG_RX_MISSED)).toBe(0);
  });

  it('IntrStatus is write-1-to-clear and IntrMask gates the interrupt line', () => {
    const n = setup();
    bringUp(n);
    n.w16(REG_INTR_MASK, 0);
    n.nic.receiveFrame(frameTo(MAC));
    expect(n.r16(REG_INTR_STATUS)).toBe(INTR_ROK);
    expect(n.board.irqLevels[RTL8169_IRQ]).toBe(false);
    n.w16(REG_INTR_MASK, INTR_ROK);
    expect(n.board.irqLevels[RTL8169_IRQ]).toBe(true);
    n.w16(REG_INTR_STATUS, 0x0002); // writing 0 to ROK keeps it
    expect(n.r16(REG_INTR_STATUS)).toBe(INTR_ROK);
    n.w16(REG_INTR_STATUS, INTR_ROK);
    expect(n.r16(REG_INTR_STATUS)).toBe(0);
    expect(n.board.irqLevels[RTL8169_IRQ]).toBe(false);
    // PCI INTx disable also holds the line low.
    n.nic.receiveFrame(frameTo(MAC));
    expect(n.board.irqLevels[RTL8169_IRQ]).toBe(true);
    n.nic.pciConfigWrite(0x04, 2, 0x0407);
    expect(n.board.irqLevels[RTL8169_IRQ]).toBe(false);
    expect(n.nic.pciConfigRead(0x06, 2) & 0x08).toBe(0x08); // status: interrupt pending
  });

  it('ChipCmd RST disables RX/TX, reads back 0 and puts the RX head and TX tail at the ring starts', () => {
    const n = setup();
    bringUp(n);
    n.nic.receiveFrame(frameTo(MAC));
    n.nic.receiveFrame(frameTo(MAC));
    queueTx(n, 0, frameTo([2, 2, 2, 2, 2, 2]), DESC_FS | DESC_LS);
    n.w8(REG_TX_POLL, TXPOLL_NPQ);
    n.board.advance(TX_DELAY);
    expect(n.nic.oracle().state).toMatchObject({ rx_head: 2, tx_tail: 1 });
    n.w8(REG_CHIP_CMD, CMD_RESET);
    expect(n.r8(REG_CHIP_CMD)).toBe(0);
    expect(n.nic.oracle().state).toMatchObject({ rx_head: 0, tx_tail: 0 });
    expect(n.nic.receiveFrame(frameTo(MAC))).toBe(false); // receiver off
    expect(n.r8(0)).toBe(MAC[0]); // IDR kept
    bringUp(n);
    expect(n.nic.receiveFrame(frameTo(MAC, 70))).toBe(true);
    expect(n.desc(RX_RING, 0).opts1 & 0x3fff).toBe(74);
  });

  it('tally counters count and are dumped by CounterAddr with the CounterDump bit', () => {
    const n = setup();
    bringUp(n, 2);
    n.nic.receiveFrame(frameTo(MAC));
    n.nic.receiveFrame(frameTo([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    n.nic.receiveFrame(frameTo(MAC)); // no descriptor: missed
    queueTx(n, 0, frameTo([2, 2, 2, 2, 2, 2]), DESC_FS | DESC_LS);
    n.setDesc(TX_RING, 1, DESC_OWN | DESC_LS | 10, TX_BUF); // no FS: a transmit error
    n.w8(REG_TX_POLL, TXPOLL_NPQ);
    n.board.advance(TX_DELAY);
    n.w32(REG_COUNTER_ADDR_HIGH, 0);
    n.w32(REG_COUNTER_ADDR_LOW, 0x40000);
    n.w32(REG_COUNTER_ADDR_LOW, 0x40000 | 0x08);
    expect(n.r32(REG_COUNTER_ADDR_LOW)).toBe(0x40000);
    const d = new DataView(n.mem.readBytes(0x40000, 64).buffer);
    expect(d.getUint32(0, true)).toBe(1); // TxOk
    expect(d.getUint32(8, true)).toBe(2); // RxOk
    expect(d.getUint32(16, true)).toBe(1); // TxER
    expect(d.getUint16(28, true)).toBe(1); // MissPkt
    expect(d.getUint32(40, true)).toBe(1); // RxOkPhy
    expect(d.getUint32(48, true)).toBe(1); // RxOkBrd
  });

  it('PHY: link up at 1000 Mb/s full duplex; PHYAR reads BMSR and writes BMCR (power-down drops the link)', () => {
    const n = setup();
    expect(n.r8(REG_PHY_STATUS)).toBe(0x13);
    n.w32(REG_PHYAR, 1 << 16);
    const bmsr = n.r32(REG_PHYAR);
    expect(bmsr >>> 31).toBe(1);
    expect(bmsr & 0x0004).toBe(0x0004);
    n.w32(REG_PHYAR, 0x80000000 | 0x0800); // BMCR power down
    expect(n.r32(REG_PHYAR) >>> 31).toBe(0);
    expect(n.r8(REG_PHY_STATUS)).toBe(0);
    expect(n.r16(REG_INTR_STATUS) & 0x20).toBe(0x20);
    n.w32(REG_PHYAR, 0x80000000 | 0x8000); // BMCR reset
    expect(n.r8(REG_PHY_STATUS)).toBe(0x13);
  });

  it('loopback (TxConfig LBK) hands transmitted frames to the receiver instead of the wire', () => {
    const n = setup();
    bringUp(n);
    n.w32(REG_TX_CONFIG, 0x00060000);
    const f = frameTo(MAC, 64, 0x77);
    queueTx(n, 0, f, DESC_FS | DESC_LS);
    n.w8(REG_TX_POLL, TXPOLL_NPQ);
    n.board.advance(TX_DELAY);
    expect(n.board.frames).toHaveLength(0);
    expect(n.mem.readBytes(RX_BUF, 64)).toEqual(f);
  });

  it('inserts the TX descriptor VLAN tag and strips it on receive with CPlusCmd RxVlan', () => {
    const n = setup();
    bringUp(n);
    const f = frameTo(MAC, 60);
    queueTx(n, 0, f, DESC_FS | DESC_LS);
    n.mem.write32(TX_RING + 4, 0x00020000 | 0x2301); // TAGC, tag 0x0123 byte-swapped
    n.w8(REG_TX_POLL, TXPOLL_NPQ);
    n.board.advance(TX_DELAY);
    const sent = n.board.frames[0];
    expect(Array.from(sent.subarray(12, 16))).toEqual([0x81, 0x00, 0x01, 0x23]);
    n.w16(REG_CPLUS_CMD, 0x0040);
    n.nic.receiveFrame(sent);
    expect(n.desc(RX_RING, 0).opts2).toBe(0x00010000 | 0x2301);
    expect(n.mem.readBytes(RX_BUF, 60)).toEqual(f);
  });

  it('a BAR write moves the memory window; clearing memory space enable unmaps it', () => {
    const n = setup();
    n.nic.pciConfigWrite(0x14, 4, 0xffffffff);
    expect(n.nic.pciConfigRead(0x14, 4)).toBe(0xffffff00);
    n.nic.pciConfigWrite(0x10, 4, 0xffffffff);
    expect(n.nic.pciConfigRead(0x10, 4)).toBe(0xffffff01);
    n.nic.pciConfigWrite(0x10, 4, RTL8169_DEFAULT_IO_BASE);
    n.nic.pciConfigWrite(0x14, 4, 0xfe000100);
    expect(n.bus.mmioRead(0xfe000100, 1)).toBe(MAC[0]);
    expect(n.bus.mmioRead(MMIO, 1)).toBe(0xff);
    n.nic.pciConfigWrite(0x04, 2, 0x0005);
    expect(n.bus.mmioRead(0xfe000100, 1)).toBe(0xff);
    expect(n.bus.pioRead(RTL8169_DEFAULT_IO_BASE, 1)).toBe(MAC[0]);
  });

  it('a snapshot taken mid-ring restores exactly and the copy continues at the same descriptors', () => {
    const a = setup();
    bringUp(a);
    a.nic.receiveFrame(frameTo(MAC));
    a.nic.receiveFrame(frameTo(MAC));
    queueTx(a, 0, frameTo([2, 2, 2, 2, 2, 2]), DESC_FS | DESC_LS);
    a.w8(REG_TX_POLL, TXPOLL_NPQ);
    a.board.advance(TX_DELAY);
    queueTx(a, 1, frameTo([3, 3, 3, 3, 3, 3]), DESC_FS | DESC_LS);
    a.w8(REG_TX_POLL, TXPOLL_NPQ); // pending when the snapshot is taken
    a.board.advance(10);
    const snap = a.nic.snapshot();
    const bBoard = makeTestBoard();
    bBoard.clock.icount = a.board.clock.icount;
    bBoard.memory.writeBytes(0, a.mem.readBytes(0, 0x50000));
    const b = setup(bBoard);
    b.nic.restore(snap);
    expect(b.nic.snapshot()).toEqual(snap);
    for (const n of [a, b]) {
      n.board.advance(TX_DELAY);
      n.nic.receiveFrame(frameTo(MAC, 90));
    }
    expect(b.board.frames).toEqual(a.board.frames.slice(1));
    expect(filled(b, 4)).toEqual([0, 1, 2]);
    expect(Buffer.from(b.mem.readBytes(0, 0x50000)).equals(Buffer.from(a.mem.readBytes(0, 0x50000)))).toBe(true);
    expect(b.nic.snapshot()).toEqual(a.nic.snapshot());
  });

  it('BLMVisor 4.5: after RST, dummy frames through NIC-owned descriptors set the hidden RX head', () => {
    const a = setup();
    bringUp(a);
    for (let k = 0; k < 3; k++) a.nic.receiveFrame(frameTo(MAC));
    const target = a.nic.oracle().state.rx_head as number;
    // Destination: a fresh NIC driven only through registers, DMA and frames.
    const b = setup();
    b.w8(REG_CHIP_CMD, CMD_RESET);
    bringUp(b, 8);
    for (let k = 0; k < target; k++) expect(b.nic.receiveFrame(frameTo(MAC))).toBe(true);
    expect(b.nic.oracle().state.rx_head).toBe(target);
  });
});

describeConformance({
  name: 'RTL8169',
  create(board) {
    const n = setup(board);
    return {
      device: n.nic,
      windows: [
        { space: 'mmio', base: MMIO, length: 256 },
        { space: 'pio', base: RTL8169_DEFAULT_IO_BASE, length: 256 },
      ],
    };
  },
  exercise(board, device) {
    const bus = board.bus;
    const w = (o: number, size: number, v: number) => bus.mmioWrite(MMIO + o, size, v);
    for (let i = 0; i < 4; i++) {
      board.memory.write32(RX_RING + 16 * i, (DESC_OWN | (i === 3 ? DESC_EOR : 0) | BUF_SIZE) >>> 0);
      board.memory.write32(RX_RING + 16 * i + 8, RX_BUF + i * BUF_SIZE);
    }
    board.memory.write32(TX_RING, (DESC_OWN | DESC_FS | DESC_LS | 60) >>> 0);
    board.memory.write32(TX_RING + 8, TX_BUF);
    w(REG_CFG9346, 1, 0xc0);
    w(0, 4, 0x12345402);
    w(REG_CFG9346, 1, 0);
    w(REG_RX_DESC_ADDR_LOW, 4, RX_RING);
    w(REG_TX_DESC_START_ADDR_LOW, 4, TX_RING);
    w(REG_RX_CONFIG, 4, 0x0e);
    w(REG_INTR_MASK, 2, INTR_ROK | INTR_TOK);
    w(REG_CHIP_CMD, 1, CMD_RX_ENABLE | CMD_TX_ENABLE);
    // Two frames in, a TX poll pending: the RX head is at 2 and the TX timer is armed.
    const mac = [0, 1, 2, 3, 4, 5].map((i) => bus.mmioRead(MMIO + i, 1));
    for (let k = 0; k < 2; k++) (device as unknown as Rtl8169).receiveFrame(frameTo(mac));
    w(REG_TX_POLL, 1, TXPOLL_NPQ);
  },
  probe(board, device) {
    const bus = board.bus;
    const out: number[] = [];
    // Same ring contents on both boards: every RX descriptor handed back to the NIC.
    for (let i = 0; i < 4; i++) {
      board.memory.write32(RX_RING + 16 * i, (DESC_OWN | (i === 3 ? DESC_EOR : 0) | BUF_SIZE) >>> 0);
      board.memory.write32(RX_RING + 16 * i + 8, RX_BUF + i * BUF_SIZE);
    }
    board.memory.writeBytes(TX_BUF, frameTo([9, 9, 9, 9, 9, 9]));
    for (let i = 0; i < 3; i++) {
      board.memory.write32(TX_RING + 16 * i, (DESC_OWN | DESC_FS | DESC_LS | 60) >>> 0);
      board.memory.write32(TX_RING + 16 * i + 8, TX_BUF);
    }
    const mac = [0, 1, 2, 3, 4, 5].map((i) => bus.mmioRead(MMIO + i, 1));
    out.push(...mac, bus.mmioRead(MMIO + REG_TX_POLL, 1), bus.mmioRead(MMIO + REG_INTR_STATUS, 2));
    out.push((device as unknown as Rtl8169).receiveFrame(frameTo(mac, 61)) ? 1 : 0);
    board.advance(TX_DELAY);
    out.push(bus.mmioRead(MMIO + REG_INTR_STATUS, 2));
    for (let i = 0; i < 4; i++) out.push(board.memory.read32(RX_RING + 16 * i) >>> 0);
    for (let i = 0; i < 3; i++) out.push(board.memory.read32(TX_RING + 16 * i) >>> 0);
    bus.mmioWrite(MMIO + REG_INTR_STATUS, 2, 0xffff);
    out.push(bus.mmioRead(MMIO + REG_INTR_STATUS, 2));
    return out;
  },
});
