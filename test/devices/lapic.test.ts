import { describe, expect, it } from 'vitest';
import { LocalApic, LAPIC_MMIO_SIZE } from '../../src/devices/lapic.js';
import { InterruptFabric, type CpuIntrPin, type PicPort } from '../../src/machine/interrupts.js';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import { BOARD, isaIrqToGsi } from '../../src/board/layout.js';

const LAPIC_BASE = BOARD.lapic.mmioBase;

const TPR = 0x080;
const PPR = 0x0a0;
const EOI = 0x0b0;
const SVR = 0x0f0;
const ISR = 0x100;
const IRR = 0x200;
const ESR = 0x280;
const ICR_LOW = 0x300;
const LVT_TIMER = 0x320;
const LVT_LINT0 = 0x350;
const LVT_ERROR = 0x370;
const INITIAL_COUNT = 0x380;
const CURRENT_COUNT = 0x390;
const DIVIDE = 0x3e0;

function setup(board: TestBoard = makeTestBoard(), onChange: () => void = () => {}) {
  const lapic = new LocalApic(board.ctx, onChange);
  lapic.id = board.bus.registerDevice(lapic.name);
  board.bus.mapMmio(lapic.id, LAPIC_BASE, LAPIC_MMIO_SIZE, lapic);
  lapic.reset();
  const bus = board.bus;
  return {
    board, lapic, bus,
    r: (o: number) => bus.mmioRead(LAPIC_BASE + o, 4),
    w: (o: number, v: number) => bus.mmioWrite(LAPIC_BASE + o, 4, v),
    /** Vector bit set in a 256-bit register (ISR/TMR/IRR). */
    bit: (reg: number, v: number) => (bus.mmioRead(LAPIC_BASE + reg + 0x10 * (v >>> 5), 4) >>> (v & 31)) & 1,
    selfIpi: (v: number) => bus.mmioWrite(LAPIC_BASE + ICR_LOW, 4, 0x00040000 | v),
    ack: () => lapic.acknowledge(() => 0xee),
  };
}

describe('local APIC', () => {
  it('resets like the SDM says, with LINT0 in virtual-wire (ExtINT) mode', () => {
    const l = setup();
    expect(l.r(0x030)).toBe(0x00050014);
    expect(l.r(SVR)).toBe(0xff);
    expect(l.r(0x0e0)).toBe(0xffffffff);
    expect(l.r(LVT_TIMER)).toBe(0x00010000);
    expect(l.r(LVT_LINT0)).toBe(0x700);
  });

  it('one-shot timer: fires exactly initial count × divisor instructions after the write, and counts down', () => {
    const l = setup();
    l.w(SVR, 0x1ff);
    l.w(LVT_TIMER, 0x40);
    l.w(DIVIDE, 0x1); // divide by 4
    l.w(INITIAL_COUNT, 1000);
    expect(l.r(CURRENT_COUNT)).toBe(1000);
    l.board.advance(4);
    expect(l.r(CURRENT_COUNT)).toBe(999);
    l.board.advance(3995);
    expect(l.bit(IRR, 0x40)).toBe(0);
    expect(l.r(CURRENT_COUNT)).toBe(1);
    l.board.advance(1);
    expect(l.bit(IRR, 0x40)).toBe(1);
    expect(l.r(CURRENT_COUNT)).toBe(0);
    expect(l.board.clock.pending()).toEqual([]);
  });

  it('periodic timer: reloads and fires every initial count × divisor instructions', () => {
    const fired: number[] = [];
    const board = makeTestBoard();
    let l: ReturnType<typeof setup>;
    l = setup(board, () => {
      if (l?.lapic.intrPending()) {
        fired.push(board.clock.icount);
        l.ack();
        l.w(EOI, 0);
      }
    });
    l.w(SVR, 0x1ff);
    l.w(LVT_TIMER, 0x00020050);
    l.w(DIVIDE, 0xb); // divide by 1
    l.w(INITIAL_COUNT, 250);
    board.advance(1000);
    expect(fired).toEqual([250, 500, 750, 1000]);
    expect(l.r(CURRENT_COUNT)).toBe(250);
    l.w(DIVIDE, 0x3); // divide by 16 from now on: the count keeps its value
    board.advance(16);
    expect(l.r(CURRENT_COUNT)).toBe(249);
  });

  it('a masked timer still counts but requests nothing; writing 0 stops it', () => {
    const l = setup();
    l.w(SVR, 0x1ff);
    l.w(LVT_TIMER, 0x00030040);
    l.w(DIVIDE, 0xb);
    l.w(INITIAL_COUNT, 10);
    l.board.advance(25);
    expect(l.bit(IRR, 0x40)).toBe(0);
    expect(l.r(CURRENT_COUNT)).toBe(5);
    l.w(INITIAL_COUNT, 0);
    expect(l.board.clock.pending()).toEqual([]);
  });

  it('TPR and in-service priority hold back vectors of the same or a lower class', () => {
    const l = setup();
    l.w(SVR, 0x1ff);
    l.w(TPR, 0x40);
    l.selfIpi(0x35);
    expect(l.lapic.intrPending()).toBe(false);
    expect(l.r(PPR)).toBe(0x40);
    l.w(TPR, 0x20);
    expect(l.lapic.intrPending()).toBe(true);
    expect(l.ack()).toBe(0x35);
    expect(l.bit(ISR, 0x35)).toBe(1);
    expect(l.r(PPR)).toBe(0x30);
    l.selfIpi(0x3a);
    expect(l.lapic.intrPending()).toBe(false); // same class as in service
    l.selfIpi(0x61);
    expect(l.ack()).toBe(0x61); // higher class nests
    l.w(EOI, 0);
    expect(l.bit(ISR, 0x61)).toBe(0);
    l.w(EOI, 0);
    expect(l.ack()).toBe(0x3a);
  });

  it('software-disabled: nothing is delivered, INTA gets the spurious vector, LVT writes stay masked', () => {
    const l = setup();
    l.w(SVR, 0x1ff);
    l.selfIpi(0x50);
    expect(l.lapic.intrPending()).toBe(true);
    l.w(SVR, 0x0ef); // disable; spurious vector 0xEF
    expect(l.lapic.intrPending()).toBe(false);
    expect(l.ack()).toBe(0xef);
    expect(l.bit(ISR, 0x50)).toBe(0);
    expect(l.bit(IRR, 0x50)).toBe(1); // held, as SDM 10.4.7.2 says
    l.w(LVT_TIMER, 0x40);
    expect(l.r(LVT_TIMER)).toBe(0x00010040);
    expect(l.r(LVT_LINT0) & 0x00010000).toBe(0x00010000);
  });

  it('illegal vectors (0–15) set ESR and raise the error LVT vector', () => {
    const l = setup();
    l.w(SVR, 0x1ff);
    l.w(LVT_ERROR, 0xfe);
    l.selfIpi(0x05);
    expect(l.r(ESR)).toBe(0x20);
    expect(l.bit(IRR, 0xfe)).toBe(1);
    l.w(ESR, 0);
    expect(l.r(ESR)).toBe(0);
  });

  it('writes must be 32-bit; narrower reads return part of the register', () => {
    const l = setup();
    l.bus.mmioWrite(LAPIC_BASE + TPR, 1, 0x30);
    expect(l.r(TPR)).toBe(0);
    l.w(TPR, 0x34);
    expect(l.bus.mmioRead(LAPIC_BASE + TPR, 1)).toBe(0x34);
    expect(l.bus.mmioRead(LAPIC_BASE + 0x022, 2)).toBe(0);
  });

  it('ExtINT on LINT0 passes the 8259A through the fabric: INTA asks the PIC, ahead of fixed vectors', () => {
    const board = makeTestBoard();
    let intr = false;
    const cpu: CpuIntrPin = { setIntrLine: (level) => { intr = level; }, interruptAcknowledge: () => -1 };
    const fabric = new InterruptFabric(cpu, isaIrqToGsi);
    let picInt = false;
    const pic: PicPort = { setInput: (_p, level) => { picInt = level; fabric.update(); }, intOutput: () => picInt, acknowledge: () => { picInt = false; return 0x08; } };
    fabric.pic = pic;
    const l = setup(board, () => fabric.update());
    fabric.lapic = l.lapic;
    fabric.update();
    expect(intr).toBe(false);
    fabric.setIrq(0, true); // the PIC raises INT
    expect(intr).toBe(true);
    expect(cpu.interruptAcknowledge()).toBe(0x08);
    expect(intr).toBe(false);
    // Masking LINT0 cuts the virtual wire.
    l.w(SVR, 0x1ff);
    l.w(LVT_LINT0, 0x00010700);
    fabric.setIrq(0, true);
    expect(intr).toBe(false);
    l.selfIpi(0x70);
    expect(intr).toBe(true);
    expect(cpu.interruptAcknowledge()).toBe(0x70);
  });
});

describeConformance({
  name: 'local APIC',
  create(board) {
    const l = setup(board);
    return { device: l.lapic, windows: [{ space: 'mmio', base: LAPIC_BASE, length: LAPIC_MMIO_SIZE }] };
  },
  exercise(board, device) {
    const w = (o: number, v: number) => board.bus.mmioWrite(LAPIC_BASE + o, 4, v);
    w(SVR, 0x1ff);
    w(0x0d0, 0x01000000);
    w(TPR, 0x20);
    w(LVT_TIMER, 0x00020045);
    w(DIVIDE, 0x2); // divide by 8
    w(INITIAL_COUNT, 300);
    board.advance(1000);
    w(ICR_LOW, 0x00040055);
    w(ICR_LOW, 0x00040066);
    (device as unknown as LocalApic).acknowledge(() => 0xee);
  },
  probe(board, device) {
    const r = (o: number) => board.bus.mmioRead(LAPIC_BASE + o, 4);
    const lapic = device as unknown as LocalApic;
    const out = [r(CURRENT_COUNT), r(PPR), r(ISR + 0x60), r(IRR + 0x40), r(IRR + 0x50)];
    board.advance(3000);
    out.push(r(CURRENT_COUNT), r(IRR + 0x40));
    board.bus.mmioWrite(LAPIC_BASE + EOI, 4, 0);
    out.push(lapic.acknowledge(() => 0xee), lapic.acknowledge(() => 0xee), r(ISR + 0x40), r(ISR + 0x50));
    return out;
  },
});
