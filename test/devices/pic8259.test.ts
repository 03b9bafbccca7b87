import { describe, expect, it } from 'vitest';
import { Pic8259Pair, type Pic8259 } from '../../src/devices/pic8259.js';
import type { AnyDevice } from '../../src/board/board.js';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import { BOARD } from '../../src/board/layout.js';

function setup(): { board: TestBoard; pic: Pic8259Pair; outputs: boolean[] } {
  const board = makeTestBoard();
  const outputs: boolean[] = [];
  const pic: Pic8259Pair = new Pic8259Pair(board.ctx, BOARD.pic, () => outputs.push(pic.intOutput()));
  pic.mapPorts(board.bus);
  for (const d of pic.devices) d.reset();
  return { board, pic, outputs };
}

/** The ICW sequence Linux and every PC BIOS use: edge, cascade, ICW4 = 8086 mode (plus extra ICW4 bits). */
function initPair(board: TestBoard, masterBase = 0x20, slaveBase = 0x28, icw4 = 0x01): void {
  const out = (port: number, v: number) => board.bus.pioWrite(port, 1, v);
  out(0x20, 0x11); out(0x21, masterBase); out(0x21, 0x04); out(0x21, icw4);
  out(0xa0, 0x11); out(0xa1, slaveBase); out(0xa1, 0x02); out(0xa1, icw4);
}

const inb = (board: TestBoard, port: number) => board.bus.pioRead(port, 1);
const outb = (board: TestBoard, port: number, v: number) => board.bus.pioWrite(port, 1, v);

/** Raise and drop an edge-triggered ISA line. */
function pulse(pic: Pic8259Pair, irq: number): void {
  pic.setInput(irq, true);
  pic.setInput(irq, false);
}

describe('8259A PIC pair', () => {
  it('the ICW sequence sets the vector base of each chip', () => {
    const { board, pic } = setup();
    initPair(board, 0x30, 0x78);
    pulse(pic, 1);
    expect(pic.intOutput()).toBe(true);
    expect(pic.acknowledge()).toBe(0x31);
    pulse(pic, 12);
    outb(board, 0x20, 0x20); // EOI for IRQ1
    expect(pic.acknowledge()).toBe(0x7c);
    expect(pic.master.state.init_state).toBe(0);
    expect(pic.master.state.icw3).toBe(0x04);
    expect(pic.slave.state.icw3).toBe(0x02);
  });

  it('ICW1 clears IMR and needs a fresh rising edge on a line that is already high', () => {
    const { board, pic } = setup();
    pic.setInput(3, true);
    outb(board, 0x21, 0xff);
    initPair(board);
    expect(inb(board, 0x21)).toBe(0);
    expect(pic.intOutput()).toBe(false);
    pic.setInput(3, true); // re-driven at the same level: no edge
    expect(pic.intOutput()).toBe(false);
    pulse(pic, 3);
    pic.setInput(3, true);
    expect(pic.acknowledge()).toBe(0x23);
  });

  it('auto-EOI clears nothing in ISR at INTA, so the same level can interrupt again at once', () => {
    const { board, pic } = setup();
    initPair(board, 0x20, 0x28, 0x03);
    pulse(pic, 4);
    expect(pic.acknowledge()).toBe(0x24);
    outb(board, 0x20, 0x0b); // OCW3: read ISR
    expect(inb(board, 0x20)).toBe(0);
    pulse(pic, 4);
    expect(pic.acknowledge()).toBe(0x24);
  });

  it('rotate on auto-EOI makes the serviced level the lowest priority', () => {
    const { board, pic } = setup();
    initPair(board, 0x20, 0x28, 0x03);
    outb(board, 0x20, 0x80); // OCW2: rotate in auto-EOI mode (set)
    pulse(pic, 1);
    expect(pic.acknowledge()).toBe(0x21);
    expect(pic.master.state.priority_add).toBe(2);
    pulse(pic, 0);
    pulse(pic, 3);
    expect(pic.acknowledge()).toBe(0x23); // IR3 now outranks IR0
    expect(pic.master.state.priority_add).toBe(4);
    outb(board, 0x20, 0x00); // rotate in auto-EOI mode (clear)
    expect(pic.acknowledge()).toBe(0x20);
    expect(pic.master.state.priority_add).toBe(4);
  });

  it('a non-specific EOI clears the highest-priority ISR bit; a specific EOI clears the named one', () => {
    const { board, pic } = setup();
    initPair(board);
    pulse(pic, 5);
    expect(pic.acknowledge()).toBe(0x25);
    pulse(pic, 3);
    expect(pic.acknowledge()).toBe(0x23); // higher priority nests
    outb(board, 0x20, 0x0b);
    expect(inb(board, 0x20)).toBe(0x28);
    outb(board, 0x20, 0x65); // specific EOI for IR5
    expect(inb(board, 0x20)).toBe(0x08);
    outb(board, 0x20, 0x20); // non-specific EOI: IR3
    expect(inb(board, 0x20)).toBe(0x00);
  });

  it('a lower priority waits in IRR until the EOI, then interrupts', () => {
    const { board, pic } = setup();
    initPair(board);
    pulse(pic, 3);
    expect(pic.acknowledge()).toBe(0x23);
    pulse(pic, 6);
    expect(pic.intOutput()).toBe(false);
    outb(board, 0x20, 0x20);
    expect(pic.intOutput()).toBe(true);
    expect(pic.acknowledge()).toBe(0x26);
  });

  it('rotate on non-specific EOI and set-priority change which level wins', () => {
    const { board, pic } = setup();
    initPair(board);
    pulse(pic, 0);
    expect(pic.acknowledge()).toBe(0x20);
    outb(board, 0x20, 0xa0); // rotate on non-specific EOI: IR0 becomes lowest
    expect(pic.master.state.priority_add).toBe(1);
    pulse(pic, 0);
    pulse(pic, 7);
    expect(pic.acknowledge()).toBe(0x27);
    outb(board, 0x20, 0xc4 + 1); // set priority: IR5 lowest, IR6 highest
    outb(board, 0x20, 0x67); // specific EOI IR7
    expect(pic.master.state.priority_add).toBe(6);
    expect(pic.acknowledge()).toBe(0x20);
  });

  it('special mask mode lets lower priorities through while a masked level is in service', () => {
    const { board, pic } = setup();
    initPair(board);
    pulse(pic, 3);
    expect(pic.acknowledge()).toBe(0x23);
    pulse(pic, 6);
    expect(pic.intOutput()).toBe(false); // fully nested: IR3 in service blocks IR6
    outb(board, 0x21, 0x08); // mask IR3
    outb(board, 0x20, 0x68); // OCW3: ESMM + SMM
    expect(pic.intOutput()).toBe(true);
    expect(pic.acknowledge()).toBe(0x26);
    outb(board, 0x20, 0x48); // leave special mask mode
    expect(pic.master.state.special_mask).toBe(0);
  });

  it('a slave interrupt delivers the slave vector and sets both ISRs', () => {
    const { board, pic } = setup();
    initPair(board);
    pic.setInput(11, true);
    expect(pic.intOutput()).toBe(true);
    expect(pic.acknowledge()).toBe(0x2b);
    outb(board, 0x20, 0x0b);
    outb(board, 0xa0, 0x0b);
    expect(inb(board, 0x20)).toBe(0x04);
    expect(inb(board, 0xa0)).toBe(0x08);
    outb(board, 0xa0, 0x20);
    outb(board, 0x20, 0x20);
    expect(inb(board, 0x20) | inb(board, 0xa0)).toBe(0);
  });

  it('special fully nested mode lets a higher slave request through while a slave level is in service', () => {
    const { board, pic } = setup();
    initPair(board, 0x20, 0x28, 0x11);
    pic.setInput(12, true);
    expect(pic.acknowledge()).toBe(0x2c);
    pic.setInput(9, true);
    expect(pic.intOutput()).toBe(true);
    expect(pic.acknowledge()).toBe(0x29);
    pulse(pic, 5);
    expect(pic.intOutput()).toBe(false); // IR2 in service still blocks lower master levels
  });

  it('the poll command reads the highest request and acknowledges it', () => {
    const { board, pic } = setup();
    initPair(board);
    pulse(pic, 6);
    pulse(pic, 4);
    outb(board, 0x20, 0x0c); // OCW3: poll
    expect(inb(board, 0x20)).toBe(0x84);
    outb(board, 0x20, 0x0b);
    expect(inb(board, 0x20)).toBe(0x10);
    outb(board, 0x20, 0x20);
    outb(board, 0x20, 0x0c);
    expect(inb(board, 0x21)).toBe(0x86);
    outb(board, 0x20, 0x20);
    outb(board, 0x20, 0x0c);
    expect(inb(board, 0x20)).toBe(0x00);
    expect(inb(board, 0x21)).toBe(0x00); // poll is one read only: IMR
  });

  it('a level-triggered input re-raises after the EOI while it stays high, and vanishes when it drops', () => {
    const { board, pic } = setup();
    initPair(board);
    outb(board, 0x4d1, 0xff); // ELCR: IRQ9–15 level (IRQ8 and IRQ13 cannot be)
    expect(inb(board, 0x4d1)).toBe(0xde);
    pic.setInput(10, true);
    expect(pic.acknowledge()).toBe(0x2a);
    outb(board, 0xa0, 0x20);
    outb(board, 0x20, 0x20);
    expect(pic.intOutput()).toBe(true);
    expect(pic.acknowledge()).toBe(0x2a);
    pic.setInput(10, false); // dropped while in service: nothing is left to re-raise
    outb(board, 0xa0, 0x20);
    outb(board, 0x20, 0x20);
    expect(pic.intOutput()).toBe(false);
  });

  it('ICW1 LTIM makes every input level-triggered', () => {
    const { board, pic } = setup();
    outb(board, 0x20, 0x19); outb(board, 0x21, 0x20); outb(board, 0x21, 0x04); outb(board, 0x21, 0x01);
    pic.setInput(5, true);
    expect(pic.acknowledge()).toBe(0x25);
    outb(board, 0x20, 0x0a);
    expect(inb(board, 0x20)).toBe(0x20); // IRR still follows the high input
    pic.setInput(5, false);
    expect(inb(board, 0x20)).toBe(0);
  });

  it('OCW3 selects IRR or ISR for reads at A0=0; IMR reads at A0=1', () => {
    const { board, pic } = setup();
    initPair(board);
    pulse(pic, 1);
    pulse(pic, 7);
    outb(board, 0x20, 0x0a);
    expect(inb(board, 0x20)).toBe(0x82);
    pic.acknowledge();
    expect(inb(board, 0x20)).toBe(0x80);
    outb(board, 0x20, 0x0b);
    expect(inb(board, 0x20)).toBe(0x02);
    outb(board, 0x21, 0x5a);
    expect(inb(board, 0x21)).toBe(0x5a);
  });

  it('a request that vanishes before INTA yields spurious IRQ7 without setting ISR', () => {
    const { board, pic, outputs } = setup();
    initPair(board);
    outb(board, 0x4d0, 0x08); // IRQ3 level-triggered
    pic.setInput(3, true);
    expect(outputs.at(-1)).toBe(true);
    pic.setInput(3, false);
    expect(outputs.at(-1)).toBe(false);
    expect(pic.acknowledge()).toBe(0x27);
    outb(board, 0x20, 0x0b);
    expect(inb(board, 0x20)).toBe(0);
  });

  it('a slave request masked before INTA yields spurious IRQ15 and sets only the master ISR bit 2', () => {
    const { board, pic } = setup();
    initPair(board);
    pic.setInput(13, true);
    expect(pic.intOutput()).toBe(true);
    outb(board, 0xa1, 0x20); // mask IRQ13 on the slave; the master already latched IR2
    expect(pic.acknowledge()).toBe(0x2f);
    outb(board, 0x20, 0x0b);
    outb(board, 0xa0, 0x0b);
    expect(inb(board, 0x20)).toBe(0x04);
    expect(inb(board, 0xa0)).toBe(0x00);
  });

  it('without a slave declared in ICW3 the master supplies the IR2 vector itself', () => {
    const { board, pic } = setup();
    outb(board, 0x20, 0x11); outb(board, 0x21, 0x20); outb(board, 0x21, 0x00); outb(board, 0x21, 0x01);
    pic.setInput(9, true);
    expect(pic.acknowledge()).toBe(0x22);
  });
});

const pairs = new Map<AnyDevice, Pic8259Pair>();

/**
 * Conformance restores one chip into a fresh pair, so each subject's probe observes only its
 * own chip: the master's probe leaves the cascade idle, the slave's never acknowledges through
 * the master, and only the master's INT is logged (as irq23).
 */
function createChip(board: TestBoard, which: 'master' | 'slave'): { device: AnyDevice; windows: { space: 'pio'; base: number; length: number }[] } {
  const pic: Pic8259Pair = new Pic8259Pair(board.ctx, BOARD.pic, () => {
    if (which === 'master') board.ctx.irq.setIrq(23, pic.intOutput());
  });
  pic.mapPorts(board.bus);
  for (const d of pic.devices) d.reset();
  const chip: Pic8259 = pic[which];
  pairs.set(chip, pic);
  return { device: chip, windows: [{ space: 'pio', base: chip.basePort, length: 2 }, { space: 'pio', base: chip.elcrPort, length: 1 }] };
}

function exercise(board: TestBoard, device: AnyDevice): void {
  const pic = pairs.get(device)!;
  initPair(board, 0x40, 0x48);
  outb(board, 0x4d0, 0x40); // IRQ6 level
  outb(board, 0x4d1, 0x04); // IRQ10 level
  outb(board, 0x21, 0x10);
  outb(board, 0xa1, 0x01);
  outb(board, 0x20, 0xc3); // IR4 highest on the master
  outb(board, 0xa0, 0x6a); // slave: special mask mode, read IRR
  pulse(pic, 7);
  pic.setInput(6, true);
  pic.acknowledge(); // IR6 in service, IR7 waiting
  outb(board, 0x20, 0x0b); // master: read ISR
  outb(board, 0x21, 0x10); // OCW1 after the sequence
  outb(board, 0xa0, 0x11); // slave halfway through a new ICW sequence
  outb(board, 0xa1, 0x48);
}

function probeMaster(board: TestBoard, device: AnyDevice): number[] {
  const pic = pairs.get(device)!;
  const seen: number[] = [];
  pulse(pic, 5);
  pulse(pic, 4);
  pic.setInput(6, false);
  seen.push(pic.intOutput() ? 1 : 0, pic.acknowledge(), inb(board, 0x20), inb(board, 0x21), inb(board, 0x4d0));
  outb(board, 0x20, 0x20);
  seen.push(pic.acknowledge(), pic.acknowledge());
  outb(board, 0x20, 0x0c);
  seen.push(inb(board, 0x20), pic.intOutput() ? 1 : 0);
  return seen;
}

function probeSlave(board: TestBoard, device: AnyDevice): number[] {
  const pic = pairs.get(device)!;
  const seen: number[] = [];
  outb(board, 0xa1, 0x02);
  outb(board, 0xa1, 0x01);
  pic.setInput(10, true);
  pulse(pic, 9);
  pulse(pic, 12);
  for (let i = 0; i < 3; i++) {
    seen.push(pic.slave.intOutput() ? 1 : 0);
    outb(board, 0xa0, 0x0c);
    seen.push(inb(board, 0xa0));
  }
  seen.push(inb(board, 0xa0), inb(board, 0xa1), inb(board, 0x4d1));
  outb(board, 0xa0, 0x20);
  seen.push(pic.slave.intOutput() ? 1 : 0);
  return seen;
}

describeConformance({
  name: '8259A PIC master',
  create: (board) => createChip(board, 'master'),
  exercise,
  probe: probeMaster,
});

describeConformance({
  name: '8259A PIC slave',
  create: (board) => createChip(board, 'slave'),
  exercise,
  probe: probeSlave,
});
