import { describe, expect, it } from 'vitest';
import { LocalApic, LAPIC_MMIO_SIZE } from '../../src/devices/lapic.js';
import { IoApic, IOAPIC_MMIO_SIZE, connectApics } from '../../src/devices/ioapic.js';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import { BOARD } from '../../src/board/layout.js';

const LAPIC_BASE = BOARD.lapic.mmioBase;
const IOAPIC_BASE = BOARD.ioapic.mmioBase;

const EOI = 0x0b0;
const SVR = 0x0f0;
const IRR = 0x200;
const TMR = 0x180;

/** An IOAPIC wired to a software-enabled local APIC, as the board wires them. */
function withIoapic(board: TestBoard = makeTestBoard()) {
  const lapic = new LocalApic(board.ctx, () => {});
  lapic.id = board.bus.registerDevice(lapic.name);
  board.bus.mapMmio(lapic.id, LAPIC_BASE, LAPIC_MMIO_SIZE, lapic);
  lapic.reset();
  const bus = board.bus;
  const l = {
    lapic, bus,
    w: (o: number, v: number) => bus.mmioWrite(LAPIC_BASE + o, 4, v),
    bit: (reg: number, v: number) => (bus.mmioRead(LAPIC_BASE + reg + 0x10 * (v >>> 5), 4) >>> (v & 31)) & 1,
    ack: () => lapic.acknowledge(() => 0xee),
  };
  const ioapic = new IoApic(board.ctx);
  ioapic.id = board.bus.registerDevice(ioapic.name);
  board.bus.mapMmio(ioapic.id, IOAPIC_BASE, IOAPIC_MMIO_SIZE, ioapic);
  ioapic.reset();
  connectApics(ioapic, l.lapic);
  const redir = (pin: number, low: number, high = 0) => {
    board.bus.mmioWrite(IOAPIC_BASE, 1, 0x11 + 2 * pin);
    board.bus.mmioWrite(IOAPIC_BASE + 0x10, 4, high);
    board.bus.mmioWrite(IOAPIC_BASE, 1, 0x10 + 2 * pin);
    board.bus.mmioWrite(IOAPIC_BASE + 0x10, 4, low);
  };
  const redirLow = (pin: number) => {
    board.bus.mmioWrite(IOAPIC_BASE, 1, 0x10 + 2 * pin);
    return board.bus.mmioRead(IOAPIC_BASE + 0x10, 4);
  };
  l.w(SVR, 0x1ff);
  return { ...l, ioapic, redir, redirLow };
}

describe('IOAPIC', () => {
  it('reads ID, VER and ARB through IOREGSEL/IOWIN', () => {
    const a = withIoapic();
    const ind = (i: number) => {
      a.bus.mmioWrite(IOAPIC_BASE, 4, i);
      return a.bus.mmioRead(IOAPIC_BASE + 0x10, 4);
    };
    expect(ind(1)).toBe(0x00170011);
    a.bus.mmioWrite(IOAPIC_BASE, 1, 0);
    a.bus.mmioWrite(IOAPIC_BASE + 0x10, 4, 0x0f000000);
    expect([ind(0), ind(2)]).toEqual([0x0f000000, 0x0f000000]);
    expect(a.bus.mmioRead(IOAPIC_BASE, 1)).toBe(2);
    expect(a.redirLow(23)).toBe(0x00010000);
  });

  it('EOI for a level-triggered vector clears remote IRR; a still-asserted pin is delivered again', () => {
    const a = withIoapic();
    a.redir(11, 0x00008000 | 0x3b); // level, fixed, physical dest 0
    a.ioapic.setInput(11, true);
    expect(a.redirLow(11) & 0x4000).toBe(0x4000);
    expect(a.ack()).toBe(0x3b);
    expect(a.bit(TMR, 0x3b)).toBe(1); // TMR: level
    a.w(EOI, 0);
    expect(a.redirLow(11) & 0x4000).toBe(0x4000); // re-sent at once: still asserted
    expect(a.bit(IRR, 0x3b)).toBe(1);
    expect(a.ack()).toBe(0x3b);
    a.ioapic.setInput(11, false);
    a.w(EOI, 0);
    expect(a.redirLow(11) & 0x4000).toBe(0);
    expect(a.lapic.intrPending()).toBe(false);
  });

  it('edge-triggered pins send once per rising edge; holding the line high sends nothing more', () => {
    const a = withIoapic();
    a.redir(1, 0x31);
    a.ioapic.setInput(1, true);
    expect(a.ack()).toBe(0x31);
    a.w(EOI, 0);
    a.ioapic.setInput(1, true);
    expect(a.lapic.intrPending()).toBe(false);
    expect(a.redirLow(1) & 0x4000).toBe(0);
    a.ioapic.setInput(1, false);
    a.ioapic.setInput(1, true);
    expect(a.ack()).toBe(0x31);
  });

  it('the mask bit: an edge on a masked pin is lost; a masked level pin is sent when unmasked', () => {
    const a = withIoapic();
    a.redir(4, 0x00010000 | 0x34);
    a.ioapic.setInput(4, true);
    a.redir(4, 0x34);
    expect(a.lapic.intrPending()).toBe(false);
    a.redir(5, 0x00018000 | 0x35);
    a.ioapic.setInput(5, true);
    expect(a.lapic.intrPending()).toBe(false);
    a.redir(5, 0x00008000 | 0x35);
    expect(a.ack()).toBe(0x35);
  });

  it('destinations: physical ID, flat logical LDR; a message to another APIC is not taken', () => {
    const a = withIoapic();
    a.redir(3, 0x33, 0x05000000); // physical 5: nobody
    a.ioapic.setInput(3, true);
    expect(a.lapic.intrPending()).toBe(false);
    a.w(0x0d0, 0x02000000); // LDR bit 1
    a.redir(6, 0x0800 | 0x36, 0x03000000); // logical 0b11
    a.ioapic.setInput(6, true);
    expect(a.ack()).toBe(0x36);
  });
});

/** Deliveries a stub local APIC saw, per test board. */
const deliveries = new WeakMap<TestBoard, number[]>();

describeConformance({
  name: 'IOAPIC',
  create(board) {
    const ioapic = new IoApic(board.ctx);
    ioapic.id = board.bus.registerDevice(ioapic.name);
    board.bus.mapMmio(ioapic.id, IOAPIC_BASE, IOAPIC_MMIO_SIZE, ioapic);
    ioapic.reset();
    const seen: number[] = [];
    deliveries.set(board, seen);
    ioapic.target = {
      matchesDestination: (dest, logical) => !logical && (dest === 0 || dest === 0xff),
      deliver: (vector, level) => {
        seen.push(vector | (level ? 0x100 : 0));
        return true;
      },
    };
    return { device: ioapic, windows: [{ space: 'mmio', base: IOAPIC_BASE, length: IOAPIC_MMIO_SIZE }] };
  },
  exercise(board, device) {
    const ioapic = device as unknown as IoApic;
    const ind = (i: number, v: number) => {
      board.bus.mmioWrite(IOAPIC_BASE, 1, i);
      board.bus.mmioWrite(IOAPIC_BASE + 0x10, 4, v);
    };
    ind(0x10 + 2 * 1, 0x31);
    ind(0x10 + 2 * 11, 0x00008000 | 0x3b);
    ind(0x11 + 2 * 11, 0);
    ind(0, 0x02000000);
    ioapic.setInput(11, true);
    ioapic.setInput(1, true);
    board.bus.mmioWrite(IOAPIC_BASE, 1, 0x10 + 2 * 11);
  },
  probe(board, device) {
    const ioapic = device as unknown as IoApic;
    const seen = deliveries.get(board)!;
    const before = seen.length;
    const out = [board.bus.mmioRead(IOAPIC_BASE, 1), board.bus.mmioRead(IOAPIC_BASE + 0x10, 4)];
    ioapic.eoi(0x3b);
    ioapic.setInput(1, true);
    ioapic.setInput(1, false);
    ioapic.setInput(1, true);
    out.push(board.bus.mmioRead(IOAPIC_BASE + 0x10, 4), ...seen.slice(before));
    return out;
  },
});
